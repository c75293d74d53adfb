//! What every handler and server function can reach.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use tower_cookies::Cookies;

use super::cookie::SessionCookie;
use super::security::EdgePolicy;
use crate::auth::{AuthError, AuthService, Session};

/// Shared by every request. Every layer and extractor clones the state, so it is one
/// `Arc`: cloning the services themselves showed up as an eighth of the CPU time of
/// `GET /api/v1/user` in a profile.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub auth: AuthService,
    pub session_cookie: SessionCookie,
    pub edge: EdgePolicy,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The Leptos handlers read their options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for AuthService {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl Services {
    /// The signed-in user behind the request's session cookie, as the guard sees it; a
    /// cookie the guard refuses is cleared so the browser stops sending it.
    pub async fn session(&self, cookies: &Cookies) -> Result<Session, AuthError> {
        let token = self.session_cookie.read(cookies);
        let session = self.auth.current_user(token.as_deref()).await;
        if token.is_some() && matches!(session, Err(AuthError::Unauthenticated(_))) {
            self.session_cookie.clear(cookies);
        }
        session
    }
}
