//! What every handler and server function of the app can reach.

use std::ops::Deref;
use std::sync::Arc;

use super::mail::Mailer;
use axum::extract::FromRef;
use keycard_axum::KeycardState;
use leptos::prelude::LeptosOptions;

/// Shared by every request, as one `Arc` (every layer and extractor clones it).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub keycard: KeycardState,
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

/// Keycard's handlers and extractors read its part.
impl FromRef<AppState> for KeycardState {
    fn from_ref(state: &AppState) -> Self {
        state.keycard.clone()
    }
}
