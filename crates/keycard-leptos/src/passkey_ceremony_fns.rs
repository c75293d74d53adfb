//! The server functions of the passkey ceremonies (the `passkeys` feature): adding one
//! on `/passkeys` and signing in with one on `/login`. A ceremony's options and its
//! sealed state go to the page as JSON text, and the authenticator's answer comes back
//! the same way.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use keycard_types::AuthFnError;

/// A ceremony's start: the options for `navigator.credentials`, and the state to send
/// back with the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    /// The options for the browser, as JSON.
    pub options: String,
    /// The sealed state of the ceremony, to send back with the answer.
    pub state: String,
}

#[cfg(feature = "ssr")]
impl PasskeyCeremony {
    /// The core's ceremony start as the page takes it, its options written as JSON.
    fn for_page<T: Serialize>(
        request: &crate::server::FnRequest,
        start: keycard_core::auth::CeremonyStart<T>,
    ) -> Result<Self, AuthFnError> {
        Ok(Self {
            options: serde_json::to_string(&start.options)
                .map_err(|error| request.reject(anyhow::Error::from(error).into()))?,
            state: start.sealed_state,
        })
    }
}

/// "Add a passkey", first half: the password (and on a two-step account a current
/// code; empty otherwise), then options for the authenticator.
#[server(endpoint = "passkey_register_begin")]
pub async fn begin_passkey_registration(
    /// The current password.
    password: String,
    /// A code from the app, when two-step sign-in is on; else empty.
    code: String,
) -> Result<PasskeyCeremony, AuthFnError> {
    use crate::server::FnRequest;
    use keycard_core::auth::AuthError;
    use keycard_core::domain::{Password, TotpCode};

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let begun = async {
        let password = Password::parse(&password).map_err(|_| AuthError::InvalidCredentials)?;
        let code = match code.trim() {
            "" => None,
            code => Some(TotpCode::parse(code)?),
        };
        request
            .auth()
            .begin_passkey_registration(&session, password, code, request.client())
            .await
    };
    match begun.await {
        Ok(start) => PasskeyCeremony::for_page(&request, start),
        Err(AuthError::InvalidCredentials) => {
            Err(request.reject_public(AuthFnError::IncorrectPassword))
        }
        Err(error) => Err(request.reject(error)),
    }
}

/// "Add a passkey", second half: the authenticator's answer and the passkey's name;
/// then back to the list, which says the passkey was added.
#[server(endpoint = "passkey_register_finish")]
pub async fn finish_passkey_registration(
    /// What to call the passkey in the list.
    name: String,
    /// The sealed ceremony state the first step gave.
    state: String,
    /// The authenticator's answer, as JSON.
    credential: String,
) -> Result<(), AuthFnError> {
    use crate::server::FnRequest;
    use keycard_core::auth::AuthError;
    use keycard_core::domain::PasskeyName;
    use keycard_types::Page;

    let request = FnRequest::current()?;
    let session = request.require_session()?;
    let finished = async {
        let name = PasskeyName::parse(&name)?;
        let answer = serde_json::from_str(&credential).map_err(|_| AuthError::PasskeyRefused)?;
        request
            .auth()
            .finish_passkey_registration(&session, name, &state, &answer, request.client())
            .await
    };
    finished.await.map_err(|error| request.reject(error))?;
    request.redirect(&request.page_with_query(Page::Passkeys, "added=1"));
    Ok(())
}

/// "Sign in with a passkey", first half: options for any passkey of this site.
#[server(endpoint = "passkey_sign_in_begin")]
pub async fn begin_passkey_sign_in() -> Result<PasskeyCeremony, AuthFnError> {
    use crate::server::FnRequest;

    let request = FnRequest::current()?;
    let start = request
        .auth()
        .begin_passkey_sign_in()
        .map_err(|error| request.reject(error))?;
    PasskeyCeremony::for_page(&request, start)
}

/// "Sign in with a passkey", second half: the authenticator's answer; signs in.
#[server(endpoint = "passkey_sign_in_finish")]
pub async fn finish_passkey_sign_in(
    /// The sealed ceremony state the first step gave.
    state: String,
    /// The authenticator's answer, as JSON.
    credential: String,
    /// The local path to go to once signed in.
    next: Option<String>,
) -> Result<(), AuthFnError> {
    use crate::server::FnRequest;
    use keycard_core::auth::AuthError;
    use keycard_core::domain::NextPath;

    let request = FnRequest::current()?;
    let next = next.as_deref().and_then(NextPath::parse);
    let signed_in = async {
        let answer = serde_json::from_str(&credential).map_err(|_| AuthError::PasskeyRefused)?;
        request
            .auth()
            .finish_passkey_sign_in(&state, &answer, request.client())
            .await
    };
    match signed_in.await {
        Ok(signed_in) => {
            request.signed_in_to(&signed_in, next.as_ref());
            Ok(())
        }
        Err(error) => Err(request.reject(error)),
    }
}
