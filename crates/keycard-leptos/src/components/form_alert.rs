//! The message shown with a form when its last submission failed.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::AuthFnError;

/// The error a no-JavaScript form post was redirected back with, from the URL's `error`
/// and `detail`. Read by the page as the server renders it, and handed to its form.
pub fn redirected_error() -> Option<AuthFnError> {
    let query = use_query_map().get_untracked();
    let detail = query.get("detail");
    query
        .get("error")
        .and_then(|code| AuthFnError::from_code(&code, detail.as_deref()))
}

#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AuthFnError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            view! {
                <p class="alert" role="alert">
                    {error.to_string()}
                </p>
            }
        })
    }
}
