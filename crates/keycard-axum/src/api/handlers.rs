//! The account endpoints (register, login, logout, user) in the Flask tutorial's
//! shapes, and the two extractors every endpoint uses: a JSON object body and the
//! bearer token's session.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::{ApiError, LoginRefusal, Message};
use super::schema::{LoginRequest, RegisterRequest};
use super::two_factor::login_answer;
use crate::KeycardState;
use crate::extract::{BearerHeader, bearer_header};
use crate::public_error::log_unexpected;
use crate::security::{ClientAddress, client_info};

use keycard_core::auth::{AuthService, ClientInfo, Session, SignedIn};
use keycard_core::domain::{Email, Password, Username};

/// A signed-in session for a non-browser client: a short access token for requests,
/// and a refresh token for `POST /api/v1/refresh` when it expires.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessToken {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque; use it once. Every refresh returns the next one.
    pub refresh_token: String,
    /// Seconds until the session ends unless it is used (refreshed) again.
    pub refresh_expires_in: u64,
}

impl AccessToken {
    pub fn new(signed_in: &SignedIn) -> Self {
        Self {
            access_token: signed_in.access.token.clone(),
            token_type: "Bearer",
            expires_in: signed_in.access_seconds_left(),
            refresh_token: signed_in.refresh.token.reveal(),
            refresh_expires_in: signed_in.refresh_seconds_left(),
        }
    }
}

/// The signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub email: Option<String>,
    /// Whether the owner of `email` opened the link mailed to it.
    pub email_verified: bool,
    /// `active` for every account that can sign in.
    pub status: String,
}

/// Where the request came from: the resolved client address and its User-Agent.
pub struct ApiClient(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for ApiClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(ClientAddress(address)) = parts.extensions.get::<ClientAddress>() else {
            return Err(ApiError::Internal(log_unexpected(
                "the client address was not resolved".to_owned(),
            )));
        };
        Ok(Self(client_info(*address, &parts.headers)))
    }
}

/// A JSON object body whose every rejection is one of the API's own errors.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // An object first: serde would also fill a struct from a JSON array of its
        // fields in order, which the document does not allow.
        let Json(object) = Json::<Map<String, Value>>::from_request(request, state).await?;
        serde_json::from_value(Value::Object(object))
            .map(Self)
            .map_err(|_| ApiError::WrongShape)
    }
}

/// The signed-in user behind the `Authorization: Bearer` header. Cookies and query
/// strings are never looked at.
pub struct BearerSession(pub Session);

impl FromRequestParts<KeycardState> for BearerSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &KeycardState,
    ) -> Result<Self, Self::Rejection> {
        let token = match bearer_header(&parts.headers) {
            BearerHeader::Missing => return Err(ApiError::MissingToken),
            BearerHeader::NotBearer => return Err(ApiError::NotBearer),
            BearerHeader::Token(token) => token,
        };
        Ok(Self(state.auth.current_user(Some(token)).await?))
    }
}

/// A field of a body, present and not empty.
fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.is_empty())
}

/// Both credentials present and not empty, or the tutorial contract's one "Missing"
/// answer for either.
fn required<'a>(
    username: &'a Option<String>,
    password: &'a Option<String>,
) -> Result<(&'a str, &'a str), ApiError> {
    non_empty(username)
        .zip(non_empty(password))
        .ok_or(ApiError::MissingCredentials)
}

/// A required field of a body, present and not empty, or an answer naming it.
pub(super) fn required_field<'a>(
    value: &'a Option<String>,
    name: &'static str,
) -> Result<&'a str, ApiError> {
    non_empty(value).ok_or(ApiError::MissingField(name))
}

/// Create an account.
#[utoipa::path(
    post,
    path = "/register",
    tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The account was created", body = Message,
            example = json!({"msg": "User created successfully"})),
        (status = 400, description = "The body breaks the request schema: a field is missing, of the wrong type or against its rules, or the body is not a JSON object", body = Message),
        (status = 409, description = "The username is taken, in any letter case", body = Message,
            example = json!({"msg": "User already exists"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 422, description = "The password is one of the most common ones", body = Message,
            example = json!({"msg": "This password is too common. Choose one that is harder to guess."})),
        (status = 429, description = "Too many attempts from this address", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; nothing was changed, try again", body = Message),
    )
)]
pub async fn register(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let (username, password) = required(&request.username, &request.password)?;
    let username = Username::parse(username).map_err(ApiError::Invalid)?;
    let password = Password::parse(password).map_err(ApiError::Invalid)?;
    let email =
        Email::parse_optional(request.email.as_deref().unwrap_or("")).map_err(ApiError::Invalid)?;
    auth.create_account(username, email, password, &client)
        .await?;
    Ok((
        StatusCode::CREATED,
        Message::new("User created successfully"),
    ))
}

/// Exchange a username and password for a bearer token.
#[utoipa::path(
    post,
    path = "/login",
    tag = "sessions",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AccessToken),
        (status = 400, description = "A field is missing or empty, or the body is not a JSON object of strings", body = Message),
        (status = 401, description = "Unknown username or wrong password: one answer for both. Or the password was right and the account has two-step sign-in on: then the body carries an `mfa_token` for `POST /api/v1/login/two-factor`, and no access token", body = LoginRefusal,
            headers(("WWW-Authenticate" = String, description = "`Bearer`")),
            example = json!({"msg": "Bad username or password"})),
        (status = 413, description = "The body is over 16 KiB", body = Message),
        (status = 415, description = "The body is not `application/json`", body = Message),
        (status = 429, description = "Too many failed attempts", body = Message,
            headers(("Retry-After" = u64, description = "Seconds until the next attempt is allowed"))),
        (status = 503, description = "The database cannot take the request now; try again", body = Message),
    )
)]
pub async fn login(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<AccessToken>, ApiError> {
    let (username, password) = required(&request.username, &request.password)?;
    // A name or password that could never have been registered is simply wrong.
    let username = Username::parse(username).map_err(|_| ApiError::BadCredentials)?;
    let password = Password::parse(password).map_err(|_| ApiError::BadCredentials)?;
    login_answer(auth.login(username, password, &client).await?)
}

/// Sign out: the bearer token's session ends, so its access and refresh tokens stop
/// working everywhere at once.
#[utoipa::path(
    delete,
    path = "/logout",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is revoked and its session ended", body = Message,
            example = json!({"msg": "Token revoked"})),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 503, description = "The database cannot take the request now; the token was not revoked, try again", body = Message),
    )
)]
pub async fn logout(
    State(auth): State<AuthService>,
    ApiClient(client): ApiClient,
    BearerSession(session): BearerSession,
) -> Result<Json<Message>, ApiError> {
    auth.logout(&session, &client).await?;
    Ok(Message::new("Token revoked"))
}

/// The account the bearer token belongs to.
#[utoipa::path(
    get,
    path = "/user",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = UserView),
        (status = 401, description = "No token, or an expired, revoked or invalid one", body = Message,
            headers(("WWW-Authenticate" = String, description = "`Bearer`, with `error=\"invalid_token\"` when a token was sent"))),
        (status = 503, description = "The database cannot be read now; try again", body = Message),
    )
)]
pub async fn user(BearerSession(session): BearerSession) -> Json<UserView> {
    let user = session.user;
    Json(UserView {
        username: user.username,
        email: user.email,
        email_verified: user.email_verified,
        status: user.status.as_str().to_owned(),
    })
}
