//! Web origins (scheme, host and port), compared the way browsers write them in the
//! `Origin` header: lowercase, without a default port, without a path.

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

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
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
    fn a_referer_gives_its_origin() {
        assert_eq!(
            PublicOrigin::of_url("https://example.com:443/login?next=%2Fprofile"),
            PublicOrigin::parse("https://example.com")
        );
        assert_eq!(PublicOrigin::of_url("/relative/path"), None);
    }
}
