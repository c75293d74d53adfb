//! What Keycard's handlers, layers and extractors share.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use keycard_core::auth::AuthService;
use keycard_types::Pages;

use crate::api_prefix::ApiPrefix;
use crate::cookie::SessionCookies;
use crate::edge::EdgePolicy;

/// Keycard's part of an app's state: the core, the session cookies and the edge
/// policy. One `Arc`, since every layer and extractor clones it: cloning the services
/// themselves showed up as an eighth of the CPU time of `GET /api/v1/user` in a
/// profile. A host app keeps it in its own state and implements `FromRef` for it.
#[derive(Clone)]
pub struct KeycardState(Arc<KeycardServices>);

/// The services inside a [`KeycardState`].
pub struct KeycardServices {
    /// The auth core.
    pub auth: AuthService,
    /// How the session cookies are named and flagged.
    pub session_cookies: SessionCookies,
    /// The deployment's origins, proxies and transport security.
    pub edge: EdgePolicy,
    /// Where the site serves Keycard's pages, if it serves them (keycard-leptos): the
    /// page guard, the redirects and the server functions find them here.
    pub pages: Pages,
    /// Where the site mounts the JSON API (if it does): requests below it take bearer
    /// tokens only and get JSON errors.
    pub api_prefix: ApiPrefix,
}

impl KeycardState {
    /// The state over `services`.
    pub fn new(services: KeycardServices) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for KeycardState {
    type Target = KeycardServices;

    fn deref(&self) -> &KeycardServices {
        &self.0
    }
}

impl FromRef<KeycardState> for AuthService {
    fn from_ref(state: &KeycardState) -> Self {
        state.auth.clone()
    }
}
