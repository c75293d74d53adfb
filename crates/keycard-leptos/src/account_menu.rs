//! The account menu for a site's header.

use keycard_types::{Page, Pages};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::AuthFnError;
use crate::components::LogoutButton;
use crate::server_fns::current_username;

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

/// For the site's header: the signed-in user's name, opening onto their profile and
/// Log out; "Log in" and "Sign up" for anyone else. The menu is a `<details>`, so it
/// opens without JavaScript too.
///
/// Without JavaScript, a page shows the menu only if the server renders it whole before
/// sending it: give the host's routes `ssr=SsrMode::Async`, as Keycard's own have.
#[component]
pub fn AccountMenu(
    /// Where the site mounts Keycard's pages.
    pages: Pages,
) -> impl IntoView {
    let user = use_current_user();
    view! {
        <nav class="account-menu" aria-label="Account">
            <Suspense>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(name)) => view! {
                            <details class="account-menu-details">
                                <summary>"Signed in as " <strong>{name}</strong></summary>
                                <div class="account-menu-items">
                                    <a href=pages.path(Page::Profile)>"Your profile"</a>
                                    <a href=pages.path(Page::Sessions)>"Your sessions"</a>
                                    <LogoutButton/>
                                </div>
                            </details>
                        }.into_any(),
                        Ok(None) => view! {
                            <a href=pages.path(Page::Login)>"Log in"</a>
                            <a class="button" href=pages.path(Page::Register)>"Sign up"</a>
                        }.into_any(),
                        Err(_) => ().into_any(),
                    }
                })}
            </Suspense>
        </nav>
    }
}
