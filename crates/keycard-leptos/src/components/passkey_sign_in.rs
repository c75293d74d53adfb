//! "Sign in with a passkey" on the login page: shown once the page runs its code (it
//! needs the browser's WebAuthn), absent without JavaScript, where the password form
//! works as before.

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::{AuthFnError, begin_passkey_sign_in, finish_passkey_sign_in, use_passkey};

/// The browser's half of a passkey sign-in, between the server's two.
async fn sign_in(next: Option<String>) -> Result<(), AuthFnError> {
    let ceremony = begin_passkey_sign_in().await?;
    let credential = use_passkey(&ceremony.options).await?;
    finish_passkey_sign_in(ceremony.state, credential, next).await
}

/// An island.
#[island]
pub fn PasskeySignIn(
    /// Where to go once signed in, as the password form would.
    next: String,
) -> impl IntoView {
    let interactive = RwSignal::new(false);
    Effect::new(move || interactive.set(true));
    let next = (!next.is_empty()).then_some(next);
    let action = Action::new(move |(): &()| SendWrapper::new(sign_in(next.clone())));
    let error = move || action.value().get().and_then(Result::err);
    move || {
        interactive.get().then(|| {
            view! {
                <div class="passkey-sign-in">
                    {move || error().map(|error| view! {
                        <p class="alert" role="alert">{error.to_string()}</p>
                    })}
                    <button type="button" class="button secondary"
                        disabled=move || action.pending().get()
                        on:click=move |_| { action.dispatch(()); }>
                        {move || if action.pending().get() {
                            "Waiting for your passkey…"
                        } else {
                            "Sign in with a passkey"
                        }}
                    </button>
                </div>
            }
        })
    }
}
