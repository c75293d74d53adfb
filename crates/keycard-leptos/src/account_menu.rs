//! The account menu for a site's header.

use keycard_types::{Page, Pages};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

use crate::server_fns::current_username;
use crate::{AuthFnError, Logout};

/// The signed-in user's name, or `None` when nobody is signed in; read again on every
/// navigation, so a sign-in or sign-out shows at once. `Err` when the session could not
/// be checked (the database is down, say).
///
/// It is a blocking resource: the server waits for it before sending the page, so the
/// page arrives with the answer in it and works without JavaScript.
pub fn use_current_user() -> Resource<Result<Option<String>, AuthFnError>> {
    let location = use_location();
    Resource::new_blocking(move || location.pathname.get(), |_| current_username())
}

/// What the account menu knows of who is signed in.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
enum MenuUser {
    SignedIn(String),
    SignedOut,
    /// The session could not be checked (the database is down, say): the menu shows
    /// nothing rather than guess.
    Unknown,
}

impl MenuUser {
    fn from_answer(answer: Result<Option<String>, AuthFnError>) -> Self {
        match answer {
            Ok(Some(name)) => Self::SignedIn(name),
            Ok(None) => Self::SignedOut,
            Err(_) => Self::Unknown,
        }
    }
}

/// Who the menu shows. The server reads it from the request and writes it into the page,
/// which the browser then takes as it is: no server function runs and nothing waits for
/// one, since the menu is on every page (as a resource it cost a fifth of a page's
/// throughput). After each navigation in the browser, where a sign-in or sign-out may have
/// changed it, it is asked again; an answer overtaken by a later navigation is dropped.
fn menu_user() -> ReadSignal<MenuUser> {
    let (user, set_user) = signal(SharedValue::new(user_on_server).into_inner());
    let location = use_location();
    let asked = StoredValue::new(0_u64);
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|previous| previous != path) {
            asked.update_value(|count| *count += 1);
            let this_ask = asked.get_value();
            leptos::task::spawn_local(async move {
                let answer = MenuUser::from_answer(current_username().await);
                if asked.get_value() == this_ask {
                    set_user.set(answer);
                }
            });
        }
        path
    });
    user
}

#[cfg(feature = "ssr")]
fn user_on_server() -> MenuUser {
    crate::server::FnRequest::known_username().map_or(MenuUser::Unknown, MenuUser::from_answer)
}

/// Only called outside hydration, which never happens to the header in the browser.
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
    let user = menu_user();
    view! {
        <nav class="account-menu" aria-label="Account">
            {move || match user.get() {
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
