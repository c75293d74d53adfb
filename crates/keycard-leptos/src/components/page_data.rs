//! What a guarded page shows once its data has loaded.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use keycard_types::{AuthFnError, Page, Pages};

/// The page's content from its data; the login page (returning to `here`) when
/// the session ended, which a client-side navigation can reach after the server's page
/// guard let the first load in; or the error in words.
pub fn page_data<T>(
    loaded: Result<T, AuthFnError>,
    pages: Pages,
    here: Page,
    content: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match loaded {
        Ok(data) => content(data),
        Err(AuthFnError::NotSignedIn) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &pages.path(here))
                .finish();
            let path = pages.path_with_query(Page::Login, &query);
            view! { <Redirect path/> }.into_any()
        }
        Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
