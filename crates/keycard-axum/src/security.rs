//! Defences at the HTTP edge: who the client is (its address, for throttling), where a
//! state-changing request came from (CSRF), and the headers that lock the browser
//! down (CSP with a fresh nonce per response, framing, sniffing, referrers, HSTS).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::origin::OwnOrigins;
use crate::public_error::{accepts_html, status_of};
use crate::state::{KeycardServices, KeycardState};
use keycard_core::auth::{ClientInfo, UserAgent};
use keycard_types::AuthFnError;

/// The address a request is counted against for throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The CSP nonce of one response, shared by the header and the page's scripts.
#[derive(Debug, Clone)]
pub struct CspNonce(pub Arc<str>);

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const NONCE_BYTES: usize = 16;

/// Works out the client's address: the peer of the connection, or, when that peer is
/// a trusted proxy, the nearest address in `X-Forwarded-For` that is not one.
pub async fn resolve_client_address(
    State(state): State<KeycardState>,
    mut request: Request,
    next: Next,
) -> Response {
    insert_client_address(&state, &mut request);
    next.run(request).await
}

/// [`resolve_client_address`]'s work, for layers that do several steps in one.
pub(crate) fn insert_client_address(state: &KeycardServices, request: &mut Request) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = client_address(peer, request.headers(), &state.edge.trusted_proxies);
    request.extensions_mut().insert(ClientAddress(client));
}

/// Where a sign-in comes from, as a session records it: the resolved client address and
/// the request's User-Agent.
pub fn client_info(address: IpAddr, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        address,
        user_agent: UserAgent::from_header(
            headers
                .get(header::USER_AGENT)
                .and_then(|value| value.to_str().ok()),
        ),
    }
}

fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    // Each proxy appends the address it saw, so only the right-hand end is trustworthy:
    // walk it back past our own proxies to the first address one of them saw. What the
    // client wrote further left is never read, so it cannot spoil the rest; an entry
    // our proxy wrote that does not parse leaves the nearest proxy as the client.
    let entries: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut nearest = peer;
    for entry in entries.into_iter().rev() {
        match forwarded_address(entry) {
            Some(address) if trusted_proxies.contains(&address) => nearest = address,
            Some(address) => return address,
            None => return nearest,
        }
    }
    nearest
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as some proxies
/// write it (`203.0.113.9:4711`, `[2001:db8::1]:4711`).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

/// Refuses any state-changing request that did not come from Keycard's own pages:
/// `Sec-Fetch-Site: cross-site`, or an `Origin` (else `Referer`) other than Keycard's
/// own origins, or neither header at all. Login and sign-up included, so an attacker cannot
/// sign a victim into the attacker's account either. The JSON API is exempt: it reads
/// no cookie and sets none, so a forged request there carries no one's authority.
pub async fn refuse_cross_site_requests(
    State(state): State<KeycardState>,
    request: Request,
    next: Next,
) -> Response {
    match cross_site_refusal(&state, &request) {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

/// [`refuse_cross_site_requests`]'s answer to `request`, if it is refused.
pub(crate) fn cross_site_refusal(state: &KeycardServices, request: &Request) -> Option<Response> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let bearer_only = state.api_prefix.contains(request.uri().path());
    if safe || bearer_only || is_same_origin(request.headers(), &state.edge.own_origins) {
        return None;
    }
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        "refused a cross-site request"
    );
    let error = AuthFnError::CrossSite;
    let status = status_of(error);
    Some(if accepts_html(request.headers()) {
        (status, error.to_string()).into_response()
    } else {
        let body = serde_json::to_string(&error).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    })
}

fn is_same_origin(headers: &HeaderMap, own_origins: &OwnOrigins) -> bool {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if text(SEC_FETCH_SITE) == Some("cross-site") {
        return false;
    }
    match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(origin), _) => own_origins.contains(origin),
        (None, Some(referer)) => own_origins.contains_url(referer),
        (None, None) => false,
    }
}

/// Gives the request a fresh CSP nonce (the page's scripts are rendered with it) and
/// puts the security headers on every response: a CSP (with the nonce on pages),
/// framing, sniffing and referrer rules, and HSTS when the site is meant for https.
pub async fn security_headers(
    State(state): State<KeycardState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Ok(nonce) = give_nonce(&mut request) else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let mut response = next.run(request).await;
    add_security_headers(&state, &nonce, &mut response);
    response
}

/// A fresh CSP nonce, put into `request` for the page's scripts. Without randomness
/// there is none, and the request is to be answered 503.
pub(crate) fn give_nonce(request: &mut Request) -> Result<Arc<str>, getrandom::Error> {
    let nonce = random_nonce().inspect_err(|error| {
        tracing::error!(%error, "no randomness for a CSP nonce");
    })?;
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    Ok(nonce)
}

/// [`security_headers`]' headers on `response`, its CSP allowing `nonce`'s scripts.
pub(crate) fn add_security_headers(state: &KeycardServices, nonce: &str, response: &mut Response) {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = if is_html {
        HeaderValue::from_str(&page_policy(nonce))
            .unwrap_or(HeaderValue::from_static(NOTHING_RUNS_POLICY))
    } else {
        HeaderValue::from_static(NOTHING_RUNS_POLICY)
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.edge.strict_transport {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
}

/// For everything that is not a page (assets, server-function answers): if a browser
/// is ever tricked into rendering one as a document, nothing in it may run or embed it.
const NOTHING_RUNS_POLICY: &str =
    "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Scripts run only with this response's nonce, or when loaded by such a script
/// ('strict-dynamic': the hydration module); WebAssembly may compile; nothing may
/// embed the page, and forms and fetches stay on this origin.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

fn random_nonce() -> Result<Arc<str>, getrandom::Error> {
    let mut bytes = [0u8; NONCE_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let headers = forwarded("203.0.113.9");
        assert_eq!(client_address(PEER, &headers, &[]), PEER);
        assert_eq!(client_address(PEER, &headers, &[PROXY]), PEER);
    }

    #[test]
    fn behind_a_trusted_proxy_the_address_it_saw_counts_not_what_the_client_claims() {
        let headers = forwarded("1.2.3.4, 203.0.113.9");
        assert_eq!(
            client_address(PROXY, &headers, &[PROXY]),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_address(PROXY, &forwarded("garbage"), &[PROXY]),
            PROXY
        );
    }

    /// A client that writes junk into the header it sends still gets counted as itself:
    /// only the entries our proxies appended are read.
    #[test]
    fn a_malformed_entry_from_the_client_does_not_hide_the_address_the_proxy_saw() {
        let client = "203.0.113.9".parse::<IpAddr>().unwrap();
        for header in [
            "not an address, 203.0.113.9",
            "1.2.3.4, garbage, 203.0.113.9",
            "garbage,203.0.113.9, 10.0.0.1",
            "203.0.113.9:4711",
        ] {
            assert_eq!(
                client_address(PROXY, &forwarded(header), &[PROXY]),
                client,
                "{header}"
            );
        }
        assert_eq!(
            client_address(PROXY, &forwarded("[2001:db8::7]:443"), &[PROXY]),
            "2001:db8::7".parse::<IpAddr>().unwrap()
        );
    }
}
