//! The pages: the app's own, Keycard's under `/account`, and the header over them.

use keycard_leptos::{
    AccountMenu, IslandScripts, KeycardRoutes, Pages, ReplaceOnNavigation, RequireUser,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::notes::NotesPage;

/// Keycard's pages live under /account: /account/login, /account/register, ...
pub const PAGES: Pages = Pages::under("account");

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <IslandScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: its header with Keycard's account menu, its own pages, and Keycard's.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/notes.css"/>
        <Title formatter=|page: String| format!("{page} · Notes")/>
        <Router>
            <ReplaceOnNavigation>
                <header class="topbar">
                    <a class="brand" href="/">"Notes"</a>
                    <AccountMenu pages=PAGES/>
                </header>
                <main class="page">
                    <Routes fallback=NotFound>
                        <Route path=path!("") view=Home ssr=SsrMode::Async/>
                        <Route path=path!("notes") ssr=SsrMode::Async view=|| view! {
                            <RequireUser pages=PAGES><NotesPage/></RequireUser>
                        }/>
                        <KeycardRoutes pages=PAGES/>
                    </Routes>
                </main>
            </ReplaceOnNavigation>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <Title text="Welcome"/>
        <section class="hero">
            <h1>"Notes"</h1>
            <p class="lead">"Private notes, behind Keycard's sign-in."</p>
            <a class="button" href="/notes">"Your notes"</a>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
    }
}
