//! Keycard's edge as one layer: what [`security_headers`], [`resolve_client_address`],
//! [`refuse_cross_site_requests`] and [`resolve_browser_session`] do, one inside the
//! other, in one step. axum clones a route's whole inner stack of layers for every
//! request in every layer, so four layers cost each request far more than one.
//!
//! [`security_headers`]: crate::security_headers
//! [`resolve_client_address`]: crate::resolve_client_address
//! [`refuse_cross_site_requests`]: crate::refuse_cross_site_requests
//! [`resolve_browser_session`]: crate::resolve_browser_session

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_cookies::Cookies;

use crate::browser_session::insert_browser_session;
use crate::security::{
    add_security_headers, cross_site_refusal, give_nonce, insert_client_address,
};
use crate::state::KeycardState;

/// Security headers with a fresh CSP nonce, the client's address, the refusal of
/// cross-site state-changing requests, and the browser's session, in that order: the
/// same as those four layers, outermost first, for less per request. Put it inside
/// tower-cookies' `CookieManagerLayer`.
pub async fn keycard_edge(
    State(state): State<KeycardState>,
    cookies: Cookies,
    mut request: Request,
    next: Next,
) -> Response {
    let Ok(nonce) = give_nonce(&mut request) else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    insert_client_address(&state, &mut request);
    let mut response = match cross_site_refusal(&state, &request) {
        Some(refused) => refused,
        None => {
            insert_browser_session(&state, &cookies, &mut request).await;
            next.run(request).await
        }
    };
    add_security_headers(&state, &nonce, &mut response);
    response
}
