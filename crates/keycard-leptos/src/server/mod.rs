//! The server side: the request a server function runs for, the layers in front of the
//! pages, and what the host calls to put Keycard into its router. Server only.

mod middleware;
mod qr_code;
mod request;

use axum::Router;
use axum::http::request::Parts;
use axum::middleware::{from_fn, from_fn_with_state};
use keycard_axum::{
    CspNonce, KeycardState, refuse_cross_site_requests, resolve_browser_session,
    resolve_client_address, security_headers,
};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use tower_cookies::CookieManagerLayer;

pub(crate) use qr_code::qr_code_svg;
pub(crate) use request::format_time;
pub use request::{FnRequest, FormReturn};

use middleware::{
    client_errors_are_not_server_errors, guard_protected_pages, keep_redirects_on_site,
    limit_request_body, no_store_for_private_responses, take_reset_token_from_url,
};

/// What Keycard's pages and server functions read from the Leptos context: the host
/// calls it in the context function it gives `leptos_axum` for its routes and its
/// fallback. It also hands the page's scripts the nonce the CSP header allows.
pub fn provide_keycard(keycard: &KeycardState) {
    provide_context(keycard.clone());
    let nonce =
        use_context::<Parts>().and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}

/// Every layer Keycard needs in front of a host's routes, in order: cookies, security
/// headers and the CSP nonce, the client's address, the refusal of cross-site requests,
/// the body limit, no caching of private pages, the browser's session, the reset link's
/// token moved out of the address, the page guard, redirects kept on the site, and
/// server-function errors given their real status.
pub fn with_keycard_layers<S>(router: Router<S>, keycard: &KeycardState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    // axum clones each layer's state for every request: a layer that reads only the
    // route table or the API prefix holds that (a copy) rather than the shared `Arc`,
    // whose count both cores would otherwise update (BENCHMARKS.md).
    router
        .layer(from_fn(client_errors_are_not_server_errors))
        .layer(from_fn(keep_redirects_on_site))
        .layer(from_fn_with_state(keycard.pages, guard_protected_pages))
        .layer(from_fn_with_state(
            keycard.clone(),
            take_reset_token_from_url,
        ))
        .layer(from_fn_with_state(keycard.clone(), resolve_browser_session))
        .layer(from_fn_with_state(
            keycard.pages,
            no_store_for_private_responses,
        ))
        .layer(from_fn_with_state(keycard.api_prefix, limit_request_body))
        .layer(from_fn_with_state(
            keycard.clone(),
            refuse_cross_site_requests,
        ))
        .layer(from_fn_with_state(keycard.clone(), resolve_client_address))
        .layer(from_fn_with_state(keycard.clone(), security_headers))
        .layer(CookieManagerLayer::new())
}
