//! What a guarded page shows once its data has loaded.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::app::AuthFnError;

/// The page's content from its data; the login page (returning to `login_next`) when
/// the session ended, which a client-side navigation can reach after the server's page
/// guard let the first load in; or the error in words.
pub fn page_data<T>(
    loaded: Result<T, AuthFnError>,
    login_next: &'static str,
    content: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match loaded {
        Ok(data) => content(data),
        Err(AuthFnError::NotSignedIn) => {
            let path = format!("/login?next={}", login_next.replace('/', "%2F"));
            view! { <Redirect path/> }.into_any()
        }
        Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
