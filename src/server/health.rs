//! Probes for process supervisors and load balancers: `/healthz` says the process
//! answers, `/readyz` that the database does too, with how mail delivery is going.

use axum::extract::State;
use axum::http::StatusCode;

use axum::Json;
use serde::Serialize;

use super::mail::MailHealth;
use super::state::AppState;
use keycard_axum::log_unavailable;

pub const HEALTH_PATH: &str = "/healthz";
pub const READY_PATH: &str = "/readyz";

/// A constant answer: the cheapest request the HTTP stack can serve, which the
/// benchmark uses as its bare limit.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// What `/readyz` answers: ready or not by the database alone; mail is detail, since
/// the site serves (and keeps every account change) while mail is failing.
#[derive(Serialize)]
pub struct Readiness {
    status: &'static str,
    database: &'static str,
    mail: MailHealth,
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let mail = state.mailer.health();
    match state.keycard.auth.check_ready().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Readiness {
                status: "ready",
                database: "ok",
                mail,
            }),
        ),
        Err(error) => {
            log_unavailable(&error);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Readiness {
                    status: "unavailable",
                    database: "not answering",
                    mail,
                }),
            )
        }
    }
}
