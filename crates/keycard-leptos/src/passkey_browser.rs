//! The browser's side of a passkey ceremony: the server's options go to
//! `navigator.credentials`, and the authenticator's answer comes back as JSON for the
//! server to check. Only the hydrated page runs it (the passkey buttons exist only
//! there); the server's build of the same page has no browser to ask.

use super::AuthFnError;

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Function, JSON, Object, Reflect};
    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::AuthFnError;

    fn credentials() -> Result<web_sys::CredentialsContainer, AuthFnError> {
        web_sys::window()
            .map(|window| window.navigator().credentials())
            .ok_or(AuthFnError::PasskeysUnavailable)
    }

    /// The server's options (`{"publicKey": {...}, ...}` as JSON, binary fields in
    /// base64url) as the browser takes them: the `publicKey` part turned into binary by
    /// the browser's own `PublicKeyCredential.<parse>`, which every browser with
    /// WebAuthn Level 3 has; one without it cannot use passkeys here.
    fn browser_options(options: &str, parse: &str) -> Result<Object, AuthFnError> {
        let options = JSON::parse(options)
            .ok()
            .and_then(|options| options.dyn_into::<Object>().ok())
            .ok_or(AuthFnError::BadRequest)?;
        let public_key =
            Reflect::get(&options, &"publicKey".into()).map_err(|_| AuthFnError::BadRequest)?;
        let class = Reflect::get(&js_sys::global(), &"PublicKeyCredential".into())
            .map_err(|_| AuthFnError::PasskeysUnavailable)?;
        let parsed = Reflect::get(&class, &parse.into())
            .ok()
            .and_then(|parse| parse.dyn_into::<Function>().ok())
            .ok_or(AuthFnError::PasskeysUnavailable)?
            .call1(&class, &public_key)
            .map_err(|_| AuthFnError::BadRequest)?;
        Reflect::set(&options, &"publicKey".into(), &parsed)
            .map_err(|_| AuthFnError::BadRequest)?;
        Ok(options)
    }

    /// The authenticator's answer to `promise` as JSON (the browser's own
    /// `PublicKeyCredential.toJSON`), or why there is none: the person dismissed the
    /// browser's dialog, or no authenticator could answer.
    async fn answer(promise: Result<js_sys::Promise, JsValue>) -> Result<String, AuthFnError> {
        let promise = promise.map_err(|_| AuthFnError::PasskeyCancelled)?;
        let credential = JsFuture::from(promise)
            .await
            .map_err(|_| AuthFnError::PasskeyCancelled)?;
        let to_json = Reflect::get(&credential, &"toJSON".into())
            .ok()
            .and_then(|to_json| to_json.dyn_into::<Function>().ok())
            .ok_or(AuthFnError::PasskeysUnavailable)?;
        to_json
            .call0(&credential)
            .and_then(|answer| JSON::stringify(&answer))
            .ok()
            .and_then(|answer| answer.as_string())
            .ok_or(AuthFnError::PasskeyCancelled)
    }

    /// Creates a passkey with `options` (a `CreationChallengeResponse` as JSON).
    pub async fn create_passkey(options: &str) -> Result<String, AuthFnError> {
        let options = browser_options(options, "parseCreationOptionsFromJSON")?;
        answer(credentials()?.create_with_options(options.unchecked_ref())).await
    }

    /// Signs `options`' challenge (a `RequestChallengeResponse` as JSON) with a passkey
    /// the person picks.
    pub async fn use_passkey(options: &str) -> Result<String, AuthFnError> {
        let options = browser_options(options, "parseRequestOptionsFromJSON")?;
        answer(credentials()?.get_with_options(options.unchecked_ref())).await
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
