//! A guard for the host app's own pages.

use keycard_types::Pages;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::account_menu::use_current_user;
use crate::mounted::login_returning_to;

/// Shows its children to a signed-in user only; anyone else is sent to Keycard's login
/// page, which brings them back here once they are signed in.
///
/// Give its route `ssr=SsrMode::Async`: the server then answers a signed-out request
/// with a redirect before any of the page is sent, with or without JavaScript. The
/// children's own data must still come from server functions that check the session,
/// since a page guard cannot stop a direct call.
#[component]
pub fn RequireUser(
    /// Where the site mounts Keycard's pages.
    pages: Pages,
    /// The guarded content.
    children: ChildrenFn,
) -> impl IntoView {
    let user = use_current_user();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => children.with_value(|children| children()).into_any(),
                    Ok(None) => {
                        let here = format!(
                            "{}{}",
                            location.pathname.get_untracked(),
                            location.search.get_untracked(),
                        );
                        let path = login_returning_to(pages, &here);
                        view! { <Redirect path/> }.into_any()
                    }
                    Err(error) => {
                        view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
