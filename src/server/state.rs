//! What every handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use tower_cookies::Cookies;

use super::cookie::SessionCookie;
use super::security::EdgePolicy;
use crate::auth::{AuthError, AuthService, Session};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub auth: AuthService,
    pub session_cookie: SessionCookie,
    pub edge: EdgePolicy,
}

impl AppState {
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
