//! The endpoints behind mailed links: ask for a password reset, reset it with the
//! link's token, verify an address. None needs a sign-in: the token is the proof.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::error::{ApiError, LoginRefusal, Message};
use super::handlers::{AccessToken, ApiClient, ApiJson, required_field};
use super::schema::{ForgotPasswordRequest, ResetPasswordRequest, VerifyEmailRequest};
use super::two_factor::login_answer;
use keycard_core::auth::{AuthService, LinkToken};
use keycard_core::domain::{Login, Password};
use keycard_types::RESET_REQUESTED;

/// A token from a request body: one that could never have been mailed is as invalid
/// as a spent one.
fn link_token(raw: &Option<String>) -> Result<LinkToken, ApiError> {
    let raw = required_field(raw, "token")?;
    LinkToken::parse(raw).ok_or(ApiError::InvalidLink)
}

/// Ask for a password reset link. The answer is the same whether or not an account
/// matches; only an account with a verified address is mailed.
#[utoipa::path(
    post,
    path = "/password/forgot",
    tag = "accounts",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "Taken; a link is mailed if an active account with a verified address matches", body = Message,
            example = json!({"msg": RESET_REQUESTED})),
        (status = 400, description = "The login is missing or over 254 characters, or the body is not a JSON object of strings", body = Message),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many requests from this address, or too many links asked for this login", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next request is allowed"))),
        (status = 503, description = "The database cannot take the request now; try again", body = Message),
    )
)]
pub async fn forgot_password(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<ForgotPasswordRequest>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let login = required_field(&request.login, "login")?;
    let login = Login::parse(login).map_err(ApiError::Invalid)?;
    auth.request_password_reset(&login, &client).await?;
    Ok((StatusCode::ACCEPTED, Message::new(RESET_REQUESTED)))
}

/// Set a new password with the token of a reset link. Every session of the account
/// ends, the link is spent, and a fresh session starts: the answer is a login's. For an
/// account with two-step sign-in on, nothing changes until the second step: the new
/// password waits in the `mfa_token` and is set only by `POST /api/v1/login/two-factor`
/// with a right code.
#[utoipa::path(
    post,
    path = "/password/reset",
    tag = "accounts",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "Reset and signed in", body = AccessToken),
        (status = 401, description = "The account has two-step sign-in on: nothing has changed yet (the old password and every session still work); `POST /api/v1/login/two-factor` with the `mfa_token` and a code or recovery code sets the new password, ends every session and signs in", body = LoginRefusal,
            headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 400, description = "The link is invalid or has expired, a field is missing, the new password breaks the rules, or the body is not a JSON object of strings", body = Message,
            example = json!({"msg": "This link is invalid or has expired"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 422, description = "The new password is one of the most common ones", body = Message),
        (status = 429, description = "Too many requests from this address", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next request is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn reset_password(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<ResetPasswordRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    let token = link_token(&request.token)?;
    let new = required_field(&request.new_password, "new_password")?;
    let new = Password::parse(new).map_err(ApiError::Invalid)?;
    login_answer(auth.reset_password(&token, new, &client).await?)
}

/// Mark an address verified with the token of the link mailed to it.
#[utoipa::path(
    post,
    path = "/email/verify",
    tag = "accounts",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Verified", body = Message,
            example = json!({"msg": "Email verified"})),
        (status = 400, description = "The link is invalid or has expired, the token is missing, or the body is not a JSON object of strings", body = Message,
            example = json!({"msg": "This link is invalid or has expired"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many requests from this address", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next request is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn verify_email(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<VerifyEmailRequest>,
) -> Result<Json<Message>, ApiError> {
    let token = link_token(&request.token)?;
    auth.verify_email(&token, &client).await?;
    Ok(Message::new("Email verified"))
}
