//! Probes for process supervisors and load balancers: `/healthz` says the process
//! answers, `/readyz` that the database does too.

use axum::extract::State;
use axum::http::StatusCode;

use super::server_fn::log_unavailable;
use crate::auth::AuthService;

pub const HEALTH_PATH: &str = "/healthz";
pub const READY_PATH: &str = "/readyz";

/// A constant answer: the cheapest request the HTTP stack can serve, which the
/// benchmark uses as its bare limit.
pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn readyz(State(auth): State<AuthService>) -> (StatusCode, &'static str) {
    match auth.check_ready().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(error) => {
            log_unavailable(&error);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is not answering\n",
            )
        }
    }
}
