//! Two-step sign-in for API clients: turn it on (password, then the app's first code,
//! answered with the recovery codes), turn it off, and finish a login that asked for a
//! code.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::account::asked_again;
use super::error::{ApiError, Message};
use super::handlers::{AccessToken, ApiClient, ApiJson, BearerSession, required_field};
use super::schema::{
    BeginTwoFactorRequest, ConfirmTwoFactorRequest, DisableTwoFactorRequest, TwoStepLoginRequest,
};
use keycard_core::auth::{AuthError, AuthService, LoginOutcome, Redacted, SecondFactor};
use keycard_core::domain::{RecoveryCode, TotpCode};

/// What an authenticator app needs to be set up. `Debug` shows neither.
#[derive(Serialize, ToSchema)]
pub struct TwoFactorSetupView {
    /// The shared secret in base32, for typing into the app.
    pub secret: String,
    /// The same as an `otpauth://totp/...` URL, for a QR code.
    pub otpauth_url: String,
}

impl std::fmt::Debug for TwoFactorSetupView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwoFactorSetupView")
            .field("secret", &Redacted)
            .field("otpauth_url", &Redacted)
            .finish()
    }
}

/// The recovery codes, shown this once: each signs in once in place of a code. `Debug`
/// shows only how many.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesView {
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for RecoveryCodesView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryCodesView")
            .field("recovery_codes", &self.recovery_codes.len())
            .finish()
    }
}

/// The answer to a login: tokens, or the 401 that asks for the second step.
pub(super) fn login_answer(outcome: LoginOutcome) -> Result<Json<AccessToken>, ApiError> {
    match outcome {
        LoginOutcome::SignedIn(signed_in) => Ok(Json(AccessToken::new(&signed_in))),
        LoginOutcome::TwoStepRequired(challenge) => Err(ApiError::TwoStepRequired {
            mfa_token: challenge.token,
        }),
    }
}

/// Start turning on two-step sign-in: a new secret for an authenticator app. Nothing
/// changes for sign-ins until `POST /api/v1/two-factor/confirm`.
#[utoipa::path(
    post,
    path = "/two-factor",
    tag = "two-step sign-in",
    security(("bearer" = [])),
    request_body = BeginTwoFactorRequest,
    responses(
        (status = 200, description = "The secret to put into the app", body = TwoFactorSetupView),
        (status = 400, description = "The password is missing, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The password is wrong (counted like a failed login), or no valid token was sent", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when the token was refused"))),
        (status = 409, description = "Two-step sign-in is already on", body = Message),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many wrong passwords", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; try again", body = Message),
    )
)]
pub async fn begin(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    ApiJson(request): ApiJson<BeginTwoFactorRequest>,
) -> Result<Json<TwoFactorSetupView>, ApiError> {
    let password = required_field(&request.password, "password")?;
    let password = asked_again(password, ApiError::IncorrectPassword)?;
    match auth.begin_two_factor(&session, password, &client).await {
        Ok(setup) => Ok(Json(TwoFactorSetupView {
            secret: setup.secret,
            otpauth_url: setup.otpauth_url,
        })),
        Err(AuthError::InvalidCredentials) => Err(ApiError::IncorrectPassword),
        Err(error) => Err(error.into()),
    }
}

/// Finish turning on two-step sign-in, from the session that began it, with the password
/// again and the app's current code. Every other session of the account ends; the
/// answer holds the recovery codes, shown only this once.
#[utoipa::path(
    post,
    path = "/two-factor/confirm",
    tag = "two-step sign-in",
    security(("bearer" = [])),
    request_body = ConfirmTwoFactorRequest,
    responses(
        (status = 200, description = "On; keep the recovery codes somewhere safe", body = RecoveryCodesView),
        (status = 400, description = "A field is missing, the code is not 6 digits, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The password or the code is wrong (counted like a failed login), or no valid token was sent", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when the token was refused"))),
        (status = 409, description = "Two-step sign-in is already on, or `POST /api/v1/two-factor` was not called first with this token's session", body = Message),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many wrong passwords or codes", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn confirm(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    ApiJson(request): ApiJson<ConfirmTwoFactorRequest>,
) -> Result<Json<RecoveryCodesView>, ApiError> {
    let password = required_field(&request.password, "password")?;
    let code = required_field(&request.code, "code")?;
    let password = asked_again(password, ApiError::IncorrectPassword)?;
    let code = TotpCode::parse(code).map_err(ApiError::Invalid)?;
    match auth
        .confirm_two_factor(&session, password, code, &client)
        .await
    {
        Ok(recovery_codes) => Ok(Json(RecoveryCodesView { recovery_codes })),
        Err(AuthError::InvalidCredentials) => Err(ApiError::IncorrectPassword),
        Err(error) => Err(error.into()),
    }
}

/// Turn two-step sign-in off, with the password and a current code. Every other
/// session of the account ends.
#[utoipa::path(
    delete,
    path = "/two-factor",
    tag = "two-step sign-in",
    security(("bearer" = [])),
    request_body = DisableTwoFactorRequest,
    responses(
        (status = 204, description = "Off; the secret and recovery codes are forgotten"),
        (status = 400, description = "A field is missing, the code is not 6 digits, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The password or the code is wrong (counted like a failed login), or no valid token was sent", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when the token was refused"))),
        (status = 409, description = "Two-step sign-in is not on", body = Message),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many wrong passwords or codes", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing changed, try again", body = Message),
    )
)]
pub async fn disable(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
    ApiJson(request): ApiJson<DisableTwoFactorRequest>,
) -> Result<StatusCode, ApiError> {
    let password = required_field(&request.password, "password")?;
    let code = required_field(&request.code, "code")?;
    let password = asked_again(password, ApiError::IncorrectPassword)?;
    let code = TotpCode::parse(code).map_err(ApiError::Invalid)?;
    match auth
        .disable_two_factor(&session, password, code, &client)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(AuthError::InvalidCredentials) => Err(ApiError::IncorrectPassword),
        Err(error) => Err(error.into()),
    }
}

/// Finish a login that answered 401 with an `mfa_token`: send it with the app's current
/// code, or with one of the recovery codes. The answer is a login's.
#[utoipa::path(
    post,
    path = "/login/two-factor",
    tag = "sessions",
    request_body = TwoStepLoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AccessToken),
        (status = 400, description = "The token or the code is missing, both a code and a recovery code were sent, one is malformed, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "The code is wrong or was used before (counted like a failed login), or the `mfa_token` is invalid, expired or already used", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`")),
            example = json!({"msg": "Two-step code is incorrect or was already used"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many wrong codes", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; try again", body = Message),
    )
)]
pub async fn login(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<TwoStepLoginRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    let token = required_field(&request.mfa_token, "mfa_token")?;
    let answer = match (request.code.as_deref(), request.recovery_code.as_deref()) {
        (Some(code), None) => SecondFactor::Code(TotpCode::parse(code).map_err(ApiError::Invalid)?),
        (None, Some(code)) => {
            SecondFactor::RecoveryCode(RecoveryCode::parse(code).map_err(ApiError::Invalid)?)
        }
        (Some(_), Some(_)) => return Err(ApiError::BothAnswers),
        (None, None) => return Err(ApiError::MissingField("code")),
    };
    let signed_in = auth.complete_two_step(token, answer, &client).await?;
    Ok(Json(AccessToken::new(&signed_in)))
}
