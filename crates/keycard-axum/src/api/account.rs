//! The account endpoints beyond the tutorial's: change the password, delete the
//! account, read its security activity. Each change needs the password again.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use super::error::{ApiError, Message};
use super::handlers::{ApiClient, ApiJson, BearerSession, required_field};
use super::schema::{DeleteAccountRequest, PasswordChangeRequest};
use super::sessions::rfc3339;
use keycard_core::auth::{ActivityEntry, ActivityEvent, AuthError, AuthService};
use keycard_core::domain::Password;

/// One security event of the caller's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    #[schema(format = DateTime)]
    pub at: String,
    /// What happened, as a stable code.
    #[schema(schema_with = event_schema)]
    pub event: &'static str,
    /// A readable device: "Chrome on Linux", "curl", "Unknown device".
    pub device: String,
    /// The client address the request came from.
    pub address: String,
}

fn event_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ActivityEvent::codes()))
        .description(Some(
            "`failed_sign_in` is a wrong password for this account (at login or when asked \
             for it again); `session_ended` is a session ended from another one; \
             `reauthenticated` is the password entered again to confirm an action.",
        ))
        .build()
}

impl From<ActivityEntry> for ActivityView {
    fn from(entry: ActivityEntry) -> Self {
        Self {
            at: rfc3339(entry.at),
            event: entry.event.code(),
            device: entry.device,
            address: entry.address,
        }
    }
}

/// A password the caller was asked for again: one that could never have been set is
/// simply wrong, and so is one the core finds wrong.
pub(super) fn asked_again(raw: &str, wrong: ApiError) -> Result<Password, ApiError> {
    Password::parse(raw).map_err(|_| wrong)
}

/// Change the password. Every other session of the account ends; the caller's tokens
/// keep working.
#[utoipa::path(
    post,
    path = "/password",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed; every other session has ended", body = Message,
            example = json!({"msg": "Password changed"})),
        (status = 400, description = "A field is missing, the new password breaks the rules or is the current one, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The current password is wrong (counted like a failed login), or no valid token was sent", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when the token was refused")),
            example = json!({"msg": "Current password is incorrect"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 422, description = "The new password is one of the most common ones", body = Message),
        (status = 429, description = "Too many wrong passwords", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn change_password(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    ApiJson(request): ApiJson<PasswordChangeRequest>,
) -> Result<Json<Message>, ApiError> {
    let current = required_field(&request.current_password, "current_password")?;
    let new = required_field(&request.new_password, "new_password")?;
    let current = asked_again(current, ApiError::IncorrectCurrentPassword)?;
    let new = Password::parse(new).map_err(ApiError::Invalid)?;
    match auth.change_password(&session, current, new, &client).await {
        Ok(_) => Ok(Message::new("Password changed")),
        Err(AuthError::InvalidCredentials) => Err(ApiError::IncorrectCurrentPassword),
        Err(error) => Err(error.into()),
    }
}

/// Delete the account, its sessions and its activity. Every token of it is refused from
/// then on, and its username may be registered again.
#[utoipa::path(
    delete,
    path = "/user",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "The account is gone"),
        (status = 400, description = "The password is missing, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The password is wrong (counted like a failed login; nothing changed), or no valid token was sent", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when the token was refused")),
            example = json!({"msg": "Password is incorrect"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many wrong passwords", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn delete_account(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    ApiJson(request): ApiJson<DeleteAccountRequest>,
) -> Result<StatusCode, ApiError> {
    let password = required_field(&request.password, "password")?;
    let password = asked_again(password, ApiError::IncorrectPassword)?;
    match auth.delete_account(&session, password, &client).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(AuthError::InvalidCredentials) => Err(ApiError::IncorrectPassword),
        Err(error) => Err(error.into()),
    }
}

/// The account's newest security events (at most 50, of the last 90 days), newest first.
#[utoipa::path(
    get,
    path = "/activity",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The events", body = [ActivityView]),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 503, description = "The database cannot be read now; try again", body = Message),
    )
)]
pub async fn activity(
    State(auth): State<AuthService>,
    BearerSession(session): BearerSession,
) -> Result<Json<Vec<ActivityView>>, ApiError> {
    let events = auth.activity(&session).await?;
    Ok(Json(events.into_iter().map(ActivityView::from).collect()))
}
