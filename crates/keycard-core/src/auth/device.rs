//! Where a sign-in came from: the client's address and User-Agent, and the short
//! description ("Firefox on Android") a person recognises their devices by.

use std::net::IpAddr;

/// Longer User-Agent strings are cut here before they are stored: enough to describe
/// any real browser, and no way to fill the database through a header.
const MAX_USER_AGENT_CHARS: usize = 256;

/// A User-Agent header as stored: at most 256 characters, never absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent(String);

impl UserAgent {
    /// The header as sent, or empty when there was none or it was not text.
    pub fn from_header(header: Option<&str>) -> Self {
        Self(
            header
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT_CHARS)
                .collect(),
        )
    }

    /// The header as sent, cut to a bounded length.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The request a sign-in or a session renewal comes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address, as the edge resolved it (for throttling and the activity
    /// record).
    pub address: IpAddr,
    /// The client's `User-Agent`.
    pub user_agent: UserAgent,
}

/// Browsers, most specific first: Edge and Opera also say "Chrome", Chrome also says
/// "Safari".
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Operating systems, most specific first: Android also says "Linux", iOS "like Mac OS X".
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// Programs that name themselves first in the header.
const PROGRAMS: &[(&str, &str)] = &[
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("python-requests/", "Python requests"),
    ("python-httpx/", "Python httpx"),
    ("Python-urllib/", "Python urllib"),
    ("okhttp/", "OkHttp"),
    ("Go-http-client/", "Go"),
    ("PostmanRuntime/", "Postman"),
    ("reqwest/", "reqwest"),
    ("node-fetch/", "Node.js"),
    ("undici", "Node.js"),
];

/// "Chrome on Linux", "Firefox on Android", "curl", or "Unknown device".
pub fn describe_device(user_agent: &UserAgent) -> String {
    let header = user_agent.as_str();
    if let Some((_, program)) = PROGRAMS
        .iter()
        .find(|(prefix, _)| header.starts_with(prefix))
    {
        return (*program).to_owned();
    }
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(marker, _)| header.contains(marker))
            .map(|(_, name)| *name)
    };
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => "Unknown device".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(header: &str) -> String {
        describe_device(&UserAgent::from_header(Some(header)))
    }

    #[test]
    fn common_browsers_and_programs_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
                "Firefox on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            ("curl/8.5.0", "curl"),
            ("python-requests/2.32.3", "Python requests"),
            ("", "Unknown device"),
            ("SomethingElse/1.0", "Unknown device"),
        ];
        for (header, expected) in cases {
            assert_eq!(describe(header), expected, "{header}");
        }
    }

    #[test]
    fn a_stored_user_agent_is_short_and_printable() {
        let long = format!("curl/8\u{0}\n{}", "x".repeat(10_000));
        let stored = UserAgent::from_header(Some(&long));
        assert_eq!(stored.as_str().chars().count(), MAX_USER_AGENT_CHARS);
        assert!(!stored.as_str().chars().any(char::is_control));
        assert_eq!(UserAgent::from_header(None).as_str(), "");
    }
}
