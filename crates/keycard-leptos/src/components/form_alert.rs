//! The message shown with a form when its last submission failed.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::AuthFnError;

/// The error to show: the action's own result when the hydrated page submitted the
/// form, otherwise the `error` code a no-JavaScript redirect put in the URL.
pub fn form_error<T: 'static>(
    result: impl With<Value = Option<Result<T, AuthFnError>>> + Send + Sync + 'static,
) -> Signal<Option<AuthFnError>> {
    let redirected = redirected_error();
    Signal::derive(move || {
        result.with(|result| match result {
            Some(Err(error)) => Some(*error),
            Some(Ok(_)) => None,
            None => redirected.get(),
        })
    })
}

/// The error a no-JavaScript form post was redirected back with, from the URL's `error`
/// and `detail`.
pub fn redirected_error() -> Signal<Option<AuthFnError>> {
    let query = use_query_map();
    Signal::derive(move || {
        let query = query.read();
        let detail = query.get("detail");
        query
            .get("error")
            .and_then(|code| AuthFnError::from_code(&code, detail.as_deref()))
    })
}

#[component]
pub fn FormAlert(error: Signal<Option<AuthFnError>>) -> impl IntoView {
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
