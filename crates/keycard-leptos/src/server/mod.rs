//! The server side: the request a server function runs for, the layers in front of the
//! pages, and what the host calls to put Keycard into its router. Server only.

mod middleware;
mod qr_code;
mod request;

use axum::Router;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use keycard_axum::{CspNonce, KeycardState, keycard_edge};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, with_context};
use tower_cookies::CookieManagerLayer;

pub(crate) use qr_code::qr_code_svg;
pub(crate) use request::format_time;
pub use request::{FnRequest, FormReturn};

use middleware::page_rules;

/// What Keycard's pages and server functions read from the Leptos context: the host
/// calls it in the context function it gives `leptos_axum` for its routes and its
/// fallback. It also hands the page's scripts the nonce the CSP header allows.
pub fn provide_keycard(keycard: &KeycardState) {
    provide_context(keycard.clone());
    let nonce = with_context::<Parts, _>(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(Some(CspNonce(nonce))) = nonce {
        provide_context(Nonce::from_value(nonce));
    }
}

/// Every layer Keycard needs in front of a host's routes, in order: cookies, security
/// headers and the CSP nonce, the client's address, the refusal of cross-site requests,
/// the browser's session, then Keycard's rules for its pages and server functions (the
/// body limit, the reset link's token moved out of the address, the page guard,
/// server-function errors given their real status, redirects kept on the site and no
/// caching of private pages).
pub fn with_keycard_layers<S>(router: Router<S>, keycard: &KeycardState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(from_fn_with_state(keycard.clone(), page_rules))
        .layer(from_fn_with_state(keycard.clone(), keycard_edge))
        .layer(CookieManagerLayer::new())
}
