//! The user interface: the HTML shell, the header with the account menu, the home page,
//! and Keycard's pages (keycard-leptos) at the site's root. The server renders all of
//! it; the browser runs only the islands in it (Keycard's forms).

mod pages;

use keycard_leptos::{AccountMenu, IslandScripts, KeycardRoutes, Pages, ReplaceOnNavigation};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use pages::{HomePage, NotFound};

/// Keycard's own pages sit at the site's root: `/login`, `/profile`, ...
pub const PAGES: Pages = Pages::ROOT;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <IslandScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/keycard.css"/>
        <Title formatter=|page: String| format!("{page} · Keycard")/>
        <Router>
            <ReplaceOnNavigation>
                <header class="topbar">
                    <a class="brand" href="/">
                        <span class="brand-mark" aria-hidden="true">"K"</span>
                        "Keycard"
                    </a>
                    <AccountMenu pages=PAGES/>
                </header>
                <main class="page">
                    // A route whose content waits on data renders in full before any of it is
                    // sent (`SsrMode::Async`): a streamed page would swap its content in by a
                    // script, which never runs with JavaScript off.
                    <Routes fallback=NotFound>
                        <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                        <KeycardRoutes pages=PAGES/>
                    </Routes>
                </main>
                <footer class="footer">
                    "Keycard · sign-up and login done right, in Rust"
                </footer>
            </ReplaceOnNavigation>
        </Router>
    }
}
