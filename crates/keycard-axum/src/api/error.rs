//! The JSON API's one error type, and the one place it becomes a status, headers and
//! a `{"msg": …}` body.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api_prefix::ApiPrefix;
use crate::public_error::{log_unavailable, log_unexpected};
use keycard_core::auth::{AuthError, Rejection};
use keycard_core::domain::CredentialError;
use keycard_types::{AuthFnError, ErrorReference};

#[derive(Debug, thiserror::Error)]
/// Why an API request failed; each variant is one status and one `{"msg": …}` body.
pub enum ApiError {
    #[error("Missing username or password")]
    /// Answered with "Missing username or password".
    MissingCredentials,
    #[error(transparent)]
    /// A credential of the wrong shape; the message says which rule it broke.
    Invalid(CredentialError),
    #[error("User already exists")]
    /// Answered with "User already exists".
    UserExists,
    #[error("Bad username or password")]
    /// Answered with "Bad username or password".
    BadCredentials,
    /// A required field of the body is absent or empty; names it.
    #[error("Missing {0}")]
    MissingField(&'static str),
    #[error("Current password is incorrect")]
    /// Answered with "Current password is incorrect".
    IncorrectCurrentPassword,
    #[error("Password is incorrect")]
    /// Answered with "Password is incorrect".
    IncorrectPassword,
    #[error("Missing Authorization Header")]
    /// Answered with "Missing Authorization Header".
    MissingToken,
    #[error("The Authorization header must be 'Bearer <token>'")]
    /// Answered with "The Authorization header must be 'Bearer \<token\>'".
    NotBearer,
    #[error("{}", token_message(*.0))]
    /// The bearer token was refused; the message says why.
    TokenRefused(Rejection),
    #[error("{}", AuthFnError::TooManyAttempts { retry_after_seconds: *.0 })]
    /// Too many tries: the seconds to wait, also sent as `Retry-After`.
    TooManyAttempts(u64),
    #[error("Recent sign-in required")]
    /// Answered with "Recent sign-in required".
    RecentSignInRequired,
    #[error("No such session")]
    /// Answered with "No such session".
    SessionNotFound,
    #[error("{}", AuthFnError::InvalidLink)]
    /// A mailed link that cannot be used.
    InvalidLink,
    /// The password was right and the account has two-step sign-in on: the answer
    /// carries the challenge for `POST /api/v1/login/two-factor`.
    #[error("Two-step code required")]
    TwoStepRequired {
        /// The challenge to send back with the code.
        mfa_token: String,
    },
    #[error("{}", AuthFnError::PasskeyRefused)]
    /// The passkey was not accepted.
    PasskeyRefused,
    #[error("{}", AuthFnError::PasskeyNotFound)]
    /// No passkey of this account has that id.
    PasskeyNotFound,
    #[error("{}", AuthFnError::PasskeysUnavailable)]
    /// The site has no domain name, which passkeys need.
    PasskeysUnavailable,
    #[error("{}", AuthFnError::TwoFactorUnavailable)]
    /// This build does not check codes from an authenticator app.
    TwoFactorUnavailable,
    #[error("Send either code or recovery_code, not both")]
    /// Answered with "Send either code or recovery_code, not both".
    BothAnswers,
    #[error("Two-step code is incorrect or was already used")]
    /// Answered with "Two-step code is incorrect or was already used".
    WrongCode,
    #[error("The mfa_token is invalid or has expired; log in again")]
    /// Answered with "The mfa_token is invalid or has expired; log in again".
    TwoStepExpired,
    #[error("{}", AuthFnError::TwoFactorAlreadyOn)]
    /// Two-step sign-in is on already.
    TwoFactorAlreadyOn,
    #[error("{}", AuthFnError::TwoFactorNotOn)]
    /// Two-step sign-in is not on.
    TwoFactorNotOn,
    #[error(
        "Two-step sign-in is not being set up; begin with a POST to two-factor and your password"
    )]
    /// Answered with "Two-step sign-in is not being set up; begin with a POST to
    /// two-factor and your password".
    TwoFactorNotStarted,
    #[error("The request body is not valid JSON")]
    /// Answered with "The request body is not valid JSON".
    MalformedJson,
    #[error("The request body must be a JSON object whose fields are strings (email may be null)")]
    /// Answered with "The request body must be a JSON object whose fields are strings
    /// (email may be null)".
    WrongShape,
    #[error("Send the body as JSON, with Content-Type: application/json")]
    /// Answered with "Send the body as JSON, with Content-Type: application/json".
    NotJson,
    #[error("The request body is larger than 16 KiB")]
    /// Answered with "The request body is larger than 16 KiB".
    TooLarge,
    #[error("There is no such endpoint; the API is described at {}/openapi.json", .0.as_str())]
    /// Answered with "There is no such endpoint; the API is described at
    /// /api/v1/openapi.json", for the API mounted at the prefix it carries.
    NotFound(ApiPrefix),
    #[error("This endpoint does not take that method; see {}/openapi.json", .0.as_str())]
    /// Answered with "This endpoint does not take that method; see
    /// /api/v1/openapi.json", for the API mounted at the prefix it carries.
    MethodNotAllowed(ApiPrefix),
    #[error("{}", AuthFnError::Unavailable)]
    /// The database cannot serve the request now; nothing changed.
    Unavailable,
    #[error("{}", AuthFnError::Internal { reference: *.0 })]
    /// Something unexpected, logged under the reference the client is shown.
    Internal(Option<ErrorReference>),
}

fn token_message(rejection: Rejection) -> &'static str {
    match rejection {
        Rejection::MissingToken => "Missing Authorization Header",
        Rejection::Expired => "Token has expired",
        Rejection::Revoked => "Token has been revoked",
        Rejection::InvalidToken => "Token is invalid",
        Rejection::AccountGone => "The token's account no longer exists",
        Rejection::SessionEnded => "The session has ended; log in again",
        Rejection::UnknownRefreshToken => "Refresh token is invalid or has expired",
        Rejection::RefreshTokenReused => {
            "Refresh token was already used, so its session has been ended; log in again"
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::InvalidInput(invalid) => Self::Invalid(invalid),
            AuthError::InvalidCredentials => Self::BadCredentials,
            AuthError::UsernameTaken => Self::UserExists,
            AuthError::Throttled(retry_after) => Self::TooManyAttempts(retry_after.whole_seconds()),
            AuthError::Unauthenticated(Rejection::MissingToken) => Self::MissingToken,
            AuthError::Unauthenticated(rejection) => Self::TokenRefused(rejection),
            AuthError::RecentSignInRequired => Self::RecentSignInRequired,
            AuthError::SessionNotFound => Self::SessionNotFound,
            AuthError::InvalidLink => Self::InvalidLink,
            AuthError::WrongCode => Self::WrongCode,
            AuthError::PasskeyRefused => Self::PasskeyRefused,
            AuthError::PasskeyNotFound => Self::PasskeyNotFound,
            AuthError::PasskeysUnavailable => Self::PasskeysUnavailable,
            AuthError::TwoFactorUnavailable => Self::TwoFactorUnavailable,
            AuthError::TwoStepExpired => Self::TwoStepExpired,
            AuthError::TwoFactorAlreadyOn => Self::TwoFactorAlreadyOn,
            AuthError::TwoFactorNotOn => Self::TwoFactorNotOn,
            AuthError::TwoFactorNotStarted => Self::TwoFactorNotStarted,
            AuthError::Unavailable(unavailable) => {
                log_unavailable(&unavailable);
                Self::Unavailable
            }
            AuthError::Internal(internal) => {
                Self::Internal(log_unexpected(format!("{internal:#}")))
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::NotJson,
            JsonRejection::JsonDataError(_) => Self::WrongShape,
            _ => Self::MalformedJson,
        }
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            // Every other invalid input breaks a rule the OpenAPI document states; a
            // common password keeps them all and is refused for what it is.
            Self::Invalid(CredentialError::PasswordTooCommon) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MissingCredentials
            | Self::MissingField(_)
            | Self::Invalid(_)
            | Self::MalformedJson
            | Self::BothAnswers
            | Self::InvalidLink
            | Self::WrongShape => StatusCode::BAD_REQUEST,
            Self::BadCredentials
            | Self::IncorrectCurrentPassword
            | Self::IncorrectPassword
            | Self::TwoStepRequired { .. }
            | Self::WrongCode
            | Self::TwoStepExpired
            | Self::PasskeyRefused
            | Self::MissingToken
            | Self::NotBearer
            | Self::TokenRefused(_) => StatusCode::UNAUTHORIZED,
            Self::UserExists
            | Self::TwoFactorAlreadyOn
            | Self::TwoFactorNotOn
            | Self::TwoFactorNotStarted => StatusCode::CONFLICT,
            Self::RecentSignInRequired => StatusCode::FORBIDDEN,
            Self::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound(_) | Self::SessionNotFound | Self::PasskeyNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::PasskeysUnavailable | Self::TwoFactorUnavailable => StatusCode::NOT_IMPLEMENTED,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// RFC 6750: every 401 names the Bearer scheme, and says `invalid_token` when the
    /// client did send a token.
    fn challenge(&self) -> Option<String> {
        match self {
            Self::BadCredentials
            | Self::IncorrectCurrentPassword
            | Self::IncorrectPassword
            | Self::TwoStepRequired { .. }
            | Self::WrongCode
            | Self::TwoStepExpired
            | Self::MissingToken
            | Self::NotBearer => Some("Bearer".to_owned()),
            Self::TokenRefused(rejection) => Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                token_message(*rejection)
            )),
            _ => None,
        }
    }
}

/// The body of every API message, success or error.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Message {
    pub msg: String,
}

impl Message {
    pub fn new(msg: impl Into<String>) -> Json<Self> {
        Json(Self { msg: msg.into() })
    }
}

/// A login's (or a password reset's) 401: a plain message, or, when the password was
/// right and the account has two-step sign-in on, "Two-step code required" with the
/// token for the second step.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LoginRefusal {
    pub msg: String,
    /// Send it with a code to `POST /api/v1/login/two-factor` within the time the server
    /// allows (5 minutes unless configured otherwise); it works once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self {
            Self::TwoStepRequired { mfa_token } => Json(LoginRefusal {
                msg: self.to_string(),
                mfa_token: Some(mfa_token.clone()),
            })
            .into_response(),
            _ => Message::new(self.to_string()).into_response(),
        };
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        if let Some(challenge) = self
            .challenge()
            .and_then(|value| HeaderValue::from_str(&value).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Self::TooManyAttempts(seconds) = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
