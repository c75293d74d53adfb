//! The session endpoints: renew with a refresh token, list the caller's sessions, end
//! one of them or all the others.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use super::error::{ApiError, Message};
use super::handlers::{AccessToken, ApiClient, ApiJson, BearerSession};
use super::schema::RefreshRequest;
use keycard_core::auth::{AuthService, RefreshToken, Rejection, SessionId, SessionSummary};

/// One of the caller's live sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Pass it to `DELETE /api/v1/sessions/{id}`.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub id: String,
    /// A readable device: "Chrome on Linux", "curl", "Unknown device".
    pub device: String,
    /// The client address the session signed in from.
    pub address: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Written at most once a minute.
    #[schema(format = DateTime)]
    pub last_active_at: String,
    /// The session of the token that made this request.
    pub current: bool,
}

impl From<SessionSummary> for SessionView {
    fn from(summary: SessionSummary) -> Self {
        Self {
            id: summary.id.as_str().to_owned(),
            device: summary.device,
            address: summary.address,
            created_at: rfc3339(summary.created_at),
            last_active_at: rfc3339(summary.last_active_at),
            current: summary.current,
        }
    }
}

pub(super) fn rfc3339(moment: OffsetDateTime) -> String {
    moment
        .format(&Rfc3339)
        .unwrap_or_else(|_| moment.unix_timestamp().to_string())
}

/// How many sessions `DELETE /api/v1/sessions` ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndedSessions {
    pub ended: usize,
}

/// Renew a session: a new access token and the next refresh token.
#[utoipa::path(
    post,
    path = "/refresh",
    tag = "sessions",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "Renewed; the refresh token sent is used up", body = AccessToken),
        (status = 400, description = "No refresh token, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The refresh token is unknown, expired, or its session has ended. A token that was already used (after a grace period of a few seconds for racing requests) ends its session.", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer error=\"invalid_token\"`"))),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 503, description = "The database cannot take the request now; the token still works, try again", body = Message),
    )
)]
pub async fn refresh(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    let presented = request
        .refresh_token
        .ok_or(ApiError::MissingField("refresh_token"))?;
    let token = RefreshToken::parse(&presented)
        .ok_or(ApiError::TokenRefused(Rejection::UnknownRefreshToken))?;
    let renewed = auth.refresh(&token, &client).await?;
    Ok(Json(AccessToken::new(&renewed)))
}

/// The caller's live sessions, this one first.
#[utoipa::path(
    get,
    path = "/sessions",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The live sessions", body = [SessionView]),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 503, description = "The database cannot be read now; try again", body = Message),
    )
)]
pub async fn list(
    State(auth): State<AuthService>,
    BearerSession(session): BearerSession,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let sessions = auth.list_sessions(&session).await?;
    Ok(Json(sessions.into_iter().map(SessionView::from).collect()))
}

/// End one of the caller's sessions: its tokens and refresh token stop working at once.
/// The caller's own session is a logout; any other needs a recent password.
#[utoipa::path(
    delete,
    path = "/sessions/{id}",
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "A session id from `GET /api/v1/sessions`", pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 204, description = "The session has ended"),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 403, description = "The password was entered too long ago in this session; log in again first", body = Message,
            example = json!({"msg": "Recent sign-in required"})),
        (status = 404, description = "No live session of the caller has this id (whether it never existed or belongs to someone else)", body = Message),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn end_one(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = SessionId::parse(&id).ok_or(ApiError::SessionNotFound)?;
    auth.end_session_by_id(&session, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the caller but this one. Needs a recent password.
#[utoipa::path(
    delete,
    path = "/sessions",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The other sessions have ended", body = EndedSessions,
            example = json!({"ended": 2})),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 403, description = "The password was entered too long ago in this session; log in again first", body = Message,
            example = json!({"msg": "Recent sign-in required"})),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn end_others(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
) -> Result<Json<EndedSessions>, ApiError> {
    let ended = auth.end_other_sessions(&session, &client).await?;
    Ok(Json(EndedSessions { ended }))
}
