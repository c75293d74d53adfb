//! The passkey endpoints: list the caller's passkeys and remove one. Adding a passkey is
//! a browser ceremony (`navigator.credentials`), so it happens on `/passkeys` only; the
//! list is here so an API client can see, after a reset, what still signs in.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, Message};
use super::handlers::{ApiClient, BearerSession};
use super::sessions::rfc3339;
use keycard_core::auth::{AuthService, PasskeySummary};

/// One of the caller's passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyView {
    /// Pass it to `DELETE /api/v1/passkeys/{id}`.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub id: String,
    /// The name given when it was added.
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// `null` until it first signs in.
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

impl From<PasskeySummary> for PasskeyView {
    fn from(summary: PasskeySummary) -> Self {
        Self {
            id: summary.id,
            name: summary.name,
            created_at: rfc3339(summary.created_at),
            last_used_at: summary.last_used_at.map(rfc3339),
        }
    }
}

/// The caller's passkeys, newest first: each signs in without the password.
#[utoipa::path(
    get,
    path = "/passkeys",
    tag = "passkeys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The passkeys", body = Vec<PasskeyView>),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 503, description = "The database cannot be read now; try again", body = Message),
    )
)]
pub async fn list(
    State(auth): State<AuthService>,
    BearerSession(session): BearerSession,
) -> Result<Json<Vec<PasskeyView>>, ApiError> {
    let passkeys = auth.list_passkeys(&session).await?;
    Ok(Json(passkeys.into_iter().map(PasskeyView::from).collect()))
}

/// Remove one of the caller's passkeys: it signs nobody in from then on, and every
/// session it signed in ends (the caller's own too, if it was one).
#[utoipa::path(
    delete,
    path = "/passkeys/{id}",
    tag = "passkeys",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A passkey id from `GET /api/v1/passkeys`", pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 204, description = "The passkey is removed, and the sessions it signed in have ended"),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 404, description = "The caller has no passkey with this id", body = Message),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn remove(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth.remove_passkey(&session, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
