//! The axum side: configuration, application state, the router, health checks and
//! the signing secret. Server only.

mod config;
mod health;
mod mail;
#[cfg(feature = "postgres")]
mod postgres_url;
mod router;
mod secret;
mod state;

pub use config::{Config, ConfigError};
pub use router::{build_state, router, run};
pub use state::AppState;
