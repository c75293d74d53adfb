//! Web origins (scheme, host and port), compared the way browsers write them in the
//! `Origin` header: lowercase, without a default port, without a path.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::http::Uri;
use axum::http::uri::Scheme;

/// The origin browsers reach Keycard at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin(String);

impl PublicOrigin {
    /// Parses `https://host[:port]` or `http://host[:port]`, with nothing after it but
    /// an optional `/`.
    pub fn parse(raw: &str) -> Option<Self> {
        let uri: Uri = raw.parse().ok()?;
        let path_is_empty = uri
            .path_and_query()
            .is_none_or(|path| path.as_str() == "/" || path.as_str().is_empty());
        if !path_is_empty {
            return None;
        }
        origin_of(&uri).map(Self)
    }

    /// The origin of a full URL such as a `Referer`, whatever its path.
    pub fn of_url(url: &str) -> Option<Self> {
        origin_of(&url.parse().ok()?).map(Self)
    }

    /// The origin as text, e.g. `https://auth.example.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the origin's scheme is https.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

/// The origins Keycard's own pages are served from, which state-changing requests must
/// come from: the configured public origin alone or, when none is configured and Keycard
/// listens on a loopback address, every name a browser on this machine reaches that port
/// by (`localhost` first, the one WebAuthn accepts), so people can type any of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnOrigins(Vec<PublicOrigin>);

impl OwnOrigins {
    /// The configured public origin, or else the one the server listens on, with the
    /// loopback aliases of a local one; `None` if the listen address makes no origin.
    pub fn new(configured: Option<PublicOrigin>, listening_on: SocketAddr) -> Option<Self> {
        if let Some(origin) = configured {
            return Some(Self(vec![origin]));
        }
        let port = listening_on.port();
        let http = |host: &str| PublicOrigin::parse(&format!("http://{host}:{port}"));
        let own = if listening_on.ip().is_loopback() {
            let mut names = vec![
                http("localhost")?,
                http(&Ipv4Addr::LOCALHOST.to_string())?,
                http(&format!("[{}]", Ipv6Addr::LOCALHOST))?,
            ];
            let exact = http(&host_of(listening_on.ip()))?;
            if !names.contains(&exact) {
                names.push(exact);
            }
            names
        } else {
            vec![http(&host_of(listening_on.ip()))?]
        };
        Some(Self(own))
    }

    /// The address to tell people to open.
    pub fn preferred(&self) -> &PublicOrigin {
        &self.0[0]
    }

    /// Whether an `Origin` header names one of these origins.
    pub fn contains(&self, origin: &str) -> bool {
        self.0.iter().any(|own| own.as_str() == origin)
    }

    /// Whether a full URL, such as a `Referer`, is on one of these origins.
    pub fn contains_url(&self, url: &str) -> bool {
        PublicOrigin::of_url(url).is_some_and(|origin| self.0.contains(&origin))
    }
}

fn host_of(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

fn origin_of(uri: &Uri) -> Option<String> {
    let scheme = uri.scheme()?;
    let default_port = if *scheme == Scheme::HTTPS {
        443
    } else if *scheme == Scheme::HTTP {
        80
    } else {
        return None;
    };
    let authority = uri.authority()?;
    // A user name or password in the authority has no place in an origin.
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return None;
    }
    let host = authority.host().to_ascii_lowercase();
    Some(match authority.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_written_the_way_browsers_send_them() {
        let parse = |raw| PublicOrigin::parse(raw).map(|origin| origin.0);
        assert_eq!(
            parse("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            parse("HTTPS://Auth.Example.COM:443/").as_deref(),
            Some("https://auth.example.com")
        );
        assert_eq!(
            parse("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        assert_eq!(parse("https://example.com/login"), None);
        assert_eq!(parse("ftp://example.com"), None);
        assert_eq!(parse("example.com"), None);
        assert_eq!(parse("https://user@example.com"), None);
    }

    #[test]
    fn on_loopback_every_local_name_of_the_port_is_keycards_own() {
        let own = OwnOrigins::new(None, "127.0.0.1:3000".parse().unwrap()).unwrap();
        assert_eq!(own.preferred().as_str(), "http://localhost:3000");
        for origin in [
            "http://localhost:3000",
            "http://127.0.0.1:3000",
            "http://[::1]:3000",
        ] {
            assert!(own.contains(origin), "{origin}");
        }
        for foreign in [
            "http://localhost:3001",
            "https://localhost:3000",
            "http://localhost.evil.example:3000",
            "http://127.0.0.2:3000",
            "null",
        ] {
            assert!(!own.contains(foreign), "{foreign}");
        }
        assert!(own.contains_url("http://localhost:3000/login?next=%2Fprofile"));
        let other_loopback = OwnOrigins::new(None, "127.0.0.2:8080".parse().unwrap()).unwrap();
        assert!(other_loopback.contains("http://127.0.0.2:8080"));
        assert!(other_loopback.contains("http://localhost:8080"));
    }

    #[test]
    fn a_configured_origin_is_the_only_one() {
        let configured = PublicOrigin::parse("https://auth.example.com");
        let own = OwnOrigins::new(configured, "127.0.0.1:3000".parse().unwrap()).unwrap();
        assert!(own.contains("https://auth.example.com"));
        assert!(!own.contains("http://localhost:3000"));
        assert!(!own.contains("http://127.0.0.1:3000"));
    }

    #[test]
    fn off_loopback_only_the_listen_address_is_its_own() {
        let own = OwnOrigins::new(None, "192.0.2.7:3000".parse().unwrap()).unwrap();
        assert!(own.contains("http://192.0.2.7:3000"));
        assert!(!own.contains("http://localhost:3000"));
    }

    #[test]
    fn a_referer_gives_its_origin() {
        assert_eq!(
            PublicOrigin::of_url("https://example.com:443/login?next=%2Fprofile"),
            PublicOrigin::parse("https://example.com")
        );
        assert_eq!(PublicOrigin::of_url("/relative/path"), None);
    }
}
