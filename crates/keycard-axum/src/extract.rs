//! Who is signed in, for a host app's own handlers: `CurrentUser` refuses a request
//! nobody is signed in to, `OptionalUser` lets it through as `None`.

use axum::Json;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use keycard_core::auth::{AuthError, Session};
use keycard_types::AuthFnError;

use crate::KeycardState;
use crate::browser_session::BrowserSession;
use crate::public_error::{status_of, to_public_error};

/// The signed-in user of a request: the browser session the
/// [`resolve_browser_session`](crate::resolve_browser_session) layer found, or else the
/// session of an `Authorization: Bearer` access token. Without either, the handler
/// does not run and the client gets 401.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Session);

/// Like [`CurrentUser`], but a request nobody is signed in to (or whose token is
/// refused) runs the handler with `None`.
#[derive(Debug, Clone)]
pub struct OptionalUser(pub Option<Session>);

/// Why a [`CurrentUser`] could not be worked out: answered with the error's status
/// and a `{"msg": …}` body, like the JSON API's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRejection(pub AuthFnError);

impl IntoResponse for UserRejection {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "msg": self.0.to_string() }));
        (status_of(self.0), body).into_response()
    }
}

impl<S> FromRequestParts<S> for OptionalUser
where
    KeycardState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = UserRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<BrowserSession>() {
            Some(BrowserSession::SignedIn(session)) => return Ok(Self(Some(session.clone()))),
            // The database could not say: never guessed to be signed out or in.
            Some(BrowserSession::Failed(error)) => return Err(UserRejection(*error)),
            Some(BrowserSession::SignedOut) | None => {}
        }
        let BearerHeader::Token(token) = bearer_header(&parts.headers) else {
            return Ok(Self(None));
        };
        let keycard = KeycardState::from_ref(state);
        match keycard.auth.current_user(Some(token)).await {
            Ok(session) => Ok(Self(Some(session))),
            Err(AuthError::Unauthenticated(_)) => Ok(Self(None)),
            Err(error) => Err(UserRejection(to_public_error(error))),
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    KeycardState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = UserRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let OptionalUser(session) = OptionalUser::from_request_parts(parts, state).await?;
        session
            .map(Self)
            .ok_or(UserRejection(AuthFnError::NotSignedIn))
    }
}

/// What a request's `Authorization` header says, read the one way the API and the
/// extractors both read it.
pub(crate) enum BearerHeader<'a> {
    Missing,
    /// Present, but not `Bearer <token>`.
    NotBearer,
    Token(&'a str),
}

pub(crate) fn bearer_header(headers: &HeaderMap) -> BearerHeader<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return BearerHeader::Missing;
    };
    value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or(BearerHeader::NotBearer, |(_, token)| {
            BearerHeader::Token(token.trim())
        })
}
