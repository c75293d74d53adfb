//! What every handler and server function can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::cookie::SessionCookie;
use crate::auth::AuthService;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub auth: AuthService,
    pub session_cookie: SessionCookie,
}
