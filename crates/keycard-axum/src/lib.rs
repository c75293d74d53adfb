#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod api;
mod api_prefix;
mod browser_session;
mod cookie;
mod edge;
mod edge_layer;
mod extract;
mod origin;
mod public_error;
mod security;
mod state;

pub use api::{ApiDocument, ApiError, api_routes};
pub use api_prefix::ApiPrefix;
pub use browser_session::{BrowserSession, resolve_browser_session};
pub use cookie::{AuthCookie, SessionCookies};
pub use edge::EdgePolicy;
pub use edge_layer::keycard_edge;
pub use extract::{CurrentUser, OptionalUser, UserRejection};
pub use origin::{OwnOrigins, PublicOrigin};
pub use public_error::{
    accepts_html, internal_error, log_unavailable, log_unexpected, status_of, to_public_error,
};
pub use security::{
    ClientAddress, CspNonce, client_info, refuse_cross_site_requests, resolve_client_address,
    security_headers,
};
pub use state::{KeycardServices, KeycardState};
