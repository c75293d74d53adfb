//! What a guarded page shows once its data has loaded.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use keycard_types::{AuthFnError, Page, Pages};

use crate::mounted::login_returning_to;

/// The page's content from its data; the login page (returning to `here`) when
/// the session ended between the server's page guard letting the request in and the
/// page loading its data; or the error in words.
pub fn page_data<T>(
    loaded: Result<T, AuthFnError>,
    pages: Pages,
    here: Page,
    content: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match loaded {
        Ok(data) => content(data),
        Err(AuthFnError::NotSignedIn) => {
            let path = login_returning_to(pages, &pages.path(here));
            view! { <Redirect path/> }.into_any()
        }
        Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
