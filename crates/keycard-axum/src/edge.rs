//! What the HTTP edge needs to know about the deployment.

use std::net::IpAddr;
use std::sync::Arc;

use crate::origin::OwnOrigins;

/// What the edge needs to know about the deployment.
#[derive(Debug, Clone)]
pub struct EdgePolicy {
    /// The origins a state-changing request may come from.
    pub own_origins: OwnOrigins,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[IpAddr]>,
    /// Send HSTS: only when cookies are Secure, i.e. the site is meant to be https.
    pub strict_transport: bool,
}
