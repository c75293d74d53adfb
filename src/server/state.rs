//! What every handler and server function can reach.

use std::ops::Deref;
use std::sync::Arc;

use super::cookie::SessionCookies;
use super::security::EdgePolicy;
use axum::extract::FromRef;
use keycard_core::auth::AuthService;
use keycard_mail::Mailer;
use leptos::prelude::LeptosOptions;

/// Shared by every request. Every layer and extractor clones the state, so it is one
/// `Arc`: cloning the services themselves showed up as an eighth of the CPU time of
/// `GET /api/v1/user` in a profile.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub auth: AuthService,
    pub session_cookies: SessionCookies,
    pub edge: EdgePolicy,
    pub mailer: Mailer,
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
