//! The account menu for a site's header.

use keycard_types::{Page, Pages};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::server_fns::current_username;
use crate::{AuthFnError, Logout};

/// The signed-in user's name, or `None` when nobody is signed in; `Err` when the
/// session could not be checked (the database is down, say).
///
/// It is a blocking resource: the server waits for it before sending the page, so the
/// page arrives with the answer in it, with or without JavaScript. Every page comes
/// from the server, so it is read again for each.
pub fn use_current_user() -> Resource<Result<Option<String>, AuthFnError>> {
    Resource::new_blocking(|| (), |()| current_username())
}

/// What the account menu knows of who is signed in. Only the server renders the menu,
/// so the browser's build never makes one.
#[derive(Clone, PartialEq)]
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
enum MenuUser {
    SignedIn(String),
    SignedOut,
    /// The session could not be checked (the database is down, say): the menu shows
    /// nothing rather than guess.
    Unknown,
}

#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
impl MenuUser {
    fn from_answer(answer: Result<Option<String>, AuthFnError>) -> Self {
        match answer {
            Ok(Some(name)) => Self::SignedIn(name),
            Ok(None) => Self::SignedOut,
            Err(_) => Self::Unknown,
        }
    }
}

/// Who the menu shows. The server reads it from the request and writes it into the
/// page: no server function runs and nothing waits for one, since the menu is on every
/// page (as a resource it cost a fifth of a page's throughput). The menu is not an
/// island: each page the browser moves to, in the page or not, comes from the server with
/// its menu as it is then.
#[cfg(feature = "ssr")]
fn user_on_server() -> MenuUser {
    crate::server::FnRequest::known_username().map_or(MenuUser::Unknown, MenuUser::from_answer)
}

/// The browser never renders the menu.
#[cfg(not(feature = "ssr"))]
fn user_on_server() -> MenuUser {
    MenuUser::Unknown
}

/// For the site's header: the signed-in user's name, opening onto their profile and
/// Log out; "Log in" and "Sign up" for anyone else. The menu is a `<details>`, so it
/// opens without JavaScript too, and it is rendered with the page's first bytes, so a
/// streamed page shows it without JavaScript as well.
#[component]
pub fn AccountMenu(
    /// Where the site mounts Keycard's pages.
    pages: Pages,
) -> impl IntoView {
    view! {
        <nav class="account-menu" aria-label="Account">
            {match user_on_server() {
                MenuUser::SignedIn(name) => view! {
                    <details class="account-menu-details">
                        <summary>"Signed in as " <strong>{name}</strong></summary>
                        <div class="account-menu-items">
                            <a href=pages.path(Page::Profile)>"Your profile"</a>
                            <a href=pages.path(Page::Sessions)>"Your sessions"</a>
                            <form action=Logout::url() method="post">
                                <button type="submit" class="button secondary">"Log out"</button>
                            </form>
                        </div>
                    </details>
                }.into_any(),
                MenuUser::SignedOut => view! {
                    <a href=pages.path(Page::Login)>"Log in"</a>
                    <a class="button" href=pages.path(Page::Register)>"Sign up"</a>
                }.into_any(),
                MenuUser::Unknown => ().into_any(),
            }}
        </nav>
    }
}
