//! The rules in front of the pages and server functions, as one layer: the body limit,
//! the reset link's token moved out of the address, the page guard, server-function
//! errors given their real status, redirects kept on the site, and no caching of
//! private responses.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use keycard_axum::{ApiError, BrowserSession, KeycardState, internal_error, status_of};
use tower_cookies::Cookies;

use keycard_core::auth::LinkToken;
use keycard_core::domain::NextPath;
use keycard_types::{AuthFnError, Page, Pages};

use crate::mounted::login_returning_to;

/// How long a reset link's token stays in its cookie: time enough to type a new
/// password twice; the link's own expiry still applies.
const RESET_COOKIE_SECONDS: u64 = 15 * 60;
/// Server functions answer below this prefix.
const SERVER_FN_PREFIX: &str = "/api/";
/// The header server_fn puts on every error response it writes.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Error bodies are a short JSON string; anything larger is not one of ours.
const MAX_ERROR_BODY: usize = 1024;
/// Forms are a few short fields; nothing legitimate comes near this.
const MAX_REQUEST_BODY: usize = 16 * 1024;

/// Keycard's rules for its pages and server functions, in one layer rather than one
/// each: axum clones a route's whole inner stack of layers for every request in every
/// layer, so each layer costs every request (BENCHMARKS.md). It runs inside
/// `resolve_browser_session`, whose session the guard reads.
pub async fn page_rules(
    State(state): State<KeycardState>,
    cookies: Cookies,
    request: Request,
    next: Next,
) -> Response {
    let for_api = state.api_prefix.contains(request.uri().path());
    let Some(request) = read_whole_body(request).await else {
        return too_large(for_api);
    };
    let private = never_stored(state.pages, request.uri().path());
    let answered = take_reset_token_from_url(&state, &cookies, &request)
        .or_else(|| guard_protected_pages(state.pages, &request));
    let mut response = match answered {
        Some(response) => response,
        None => {
            let response = next.run(request).await;
            keep_redirects_on_site(client_errors_are_not_server_errors(response).await)
        }
    };
    if private {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The request with its whole body read up front, or `None` when the body is over the
/// limit: a body too large is refused with 413 before a server function (and so
/// argon2) ever sees it, whether or not the client announced its size in
/// `Content-Length`.
async fn read_whole_body(request: Request) -> Option<Request> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BODY).await.ok()?;
    Some(Request::from_parts(parts, Body::from(bytes)))
}

/// The 413 answer: the API's JSON error under its prefix, a sentence elsewhere.
fn too_large(for_api: bool) -> Response {
    if for_api {
        ApiError::TooLarge.into_response()
    } else {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request is too large. Forms on this site take at most 16 KiB.",
        )
            .into_response()
    }
}

/// Protected pages and every auth response must not be stored by the browser or a
/// proxy, so Back after logout shows no profile.
fn never_stored(pages: Pages, path: &str) -> bool {
    pages.page_at(path).is_some_and(Page::never_stored) || path.starts_with(SERVER_FN_PREFIX)
}

/// Opening a reset link (`GET /reset-password?token=…`) moves its token into a
/// short-lived HttpOnly cookie and redirects to the bare page, so the token does not
/// stay in the address bar, the history, or a `Referer` sent from the page (OWASP's
/// Forgot Password cheat sheet). A token of the wrong shape is dropped.
fn take_reset_token_from_url(
    state: &KeycardState,
    cookies: &Cookies,
    request: &Request,
) -> Option<Response> {
    let uri = request.uri();
    let reset_page = state.pages.path(Page::ResetPassword);
    if request.method() != Method::GET || uri.path() != reset_page {
        return None;
    }
    let token = form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())?;
    let reset = &state.session_cookies.reset;
    match LinkToken::parse(&token) {
        Some(token) => reset.set(cookies, token.reveal(), RESET_COOKIE_SECONDS),
        None => reset.clear(cookies),
    }
    Some(Redirect::to(&reset_page).into_response())
}

/// Redirects a signed-out request for a protected page to the login page before any
/// of the page is rendered, so its data never leaves the server. It reads the session
/// `resolve_browser_session` found, which the page then uses too.
fn guard_protected_pages(pages: Pages, request: &Request) -> Option<Response> {
    let page = pages.page_at(request.uri().path());
    if !page.is_some_and(Page::signed_in_only) {
        return None;
    }
    match request.extensions().get::<BrowserSession>() {
        Some(BrowserSession::SignedIn(_)) => None,
        Some(BrowserSession::Failed(error)) => {
            Some((status_of(*error), error.to_string()).into_response())
        }
        Some(BrowserSession::SignedOut) | None => {
            let wanted = request
                .uri()
                .path_and_query()
                .map_or(request.uri().path(), |path_and_query| {
                    path_and_query.as_str()
                });
            Some(Redirect::to(&login_returning_to(pages, wanted)).into_response())
        }
    }
}

/// server_fn answers 500 when it cannot even read a request's arguments; that is the
/// client's mistake, so it becomes the status our error type maps to (400).
async fn client_errors_are_not_server_errors(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            internal_error("a server function error body was unreadable".to_owned()).to_string(),
        )
            .into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AuthFnError>(&bytes) {
        parts.status = status_of(error);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Every redirect stays on this site. Keycard's own redirects are local paths already;
/// this catches the framework's fallback, which sends a plain form post it could not
/// read back to whatever its `Referer` says.
fn keep_redirects_on_site(mut response: Response) -> Response {
    let off_site = response
        .headers()
        .get(header::LOCATION)
        .is_some_and(|location| location.to_str().ok().and_then(NextPath::parse).is_none());
    if off_site {
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/"));
    }
    response
}
