//! The browser's side of a passkey ceremony: the server's options go to
//! `navigator.credentials`, and the authenticator's answer comes back as JSON for the
//! server to check. Only the hydrated page runs it (the passkey buttons exist only
//! there); the server's build of the same page has no browser to ask.

use super::AuthFnError;

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast as _;
    use wasm_bindgen_futures::JsFuture;
    use webauthn_rs_proto::{
        CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
        RequestChallengeResponse,
    };

    use super::AuthFnError;

    fn credentials() -> Result<web_sys::CredentialsContainer, AuthFnError> {
        web_sys::window()
            .map(|window| window.navigator().credentials())
            .ok_or(AuthFnError::PasskeysUnavailable)
    }

    /// The authenticator's answer to `promise`, or why there is none: the person
    /// dismissed the browser's dialog, or no authenticator could answer.
    async fn answer(
        promise: Result<js_sys::Promise, wasm_bindgen::JsValue>,
    ) -> Result<web_sys::PublicKeyCredential, AuthFnError> {
        let promise = promise.map_err(|_| AuthFnError::PasskeyCancelled)?;
        JsFuture::from(promise)
            .await
            .ok()
            .and_then(|credential| credential.dyn_into().ok())
            .ok_or(AuthFnError::PasskeyCancelled)
    }

    /// Creates a passkey with `options` (a `CreationChallengeResponse` as JSON).
    pub async fn create_passkey(options: &str) -> Result<String, AuthFnError> {
        let options: CreationChallengeResponse =
            serde_json::from_str(options).map_err(|_| AuthFnError::BadRequest)?;
        let created = answer(credentials()?.create_with_options(&options.into())).await?;
        serde_json::to_string(&RegisterPublicKeyCredential::from(created))
            .map_err(|_| AuthFnError::PasskeyCancelled)
    }

    /// Signs `options`' challenge (a `RequestChallengeResponse` as JSON) with a passkey
    /// the person picks.
    pub async fn use_passkey(options: &str) -> Result<String, AuthFnError> {
        let options: RequestChallengeResponse =
            serde_json::from_str(options).map_err(|_| AuthFnError::BadRequest)?;
        let used = answer(credentials()?.get_with_options(&options.into())).await?;
        serde_json::to_string(&PublicKeyCredential::from(used))
            .map_err(|_| AuthFnError::PasskeyCancelled)
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{create_passkey, use_passkey};

/// Asks the browser to make a passkey from the server's options (JSON), returning its
/// answer as JSON; outside the browser there are no passkeys.
#[cfg(not(feature = "hydrate"))]
pub async fn create_passkey(_options: &str) -> Result<String, AuthFnError> {
    Err(AuthFnError::PasskeysUnavailable)
}

/// Asks the browser to sign in with a passkey from the server's options (JSON),
/// returning its answer as JSON; outside the browser there are no passkeys.
#[cfg(not(feature = "hydrate"))]
pub async fn use_passkey(_options: &str) -> Result<String, AuthFnError> {
    Err(AuthFnError::PasskeysUnavailable)
}
