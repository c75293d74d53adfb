//! The one cookie that carries the session token.

use std::time::Duration;

use tower_cookies::Cookies;
use tower_cookies::cookie::{Cookie, SameSite};

/// How the session cookie is written: HttpOnly, SameSite=Lax, Path=/, no Domain, and
/// by default Secure with the `__Host-` prefix, which browsers then pin to this host.
#[derive(Debug, Clone)]
pub struct SessionCookie {
    secure: bool,
    lifetime: Duration,
}

impl SessionCookie {
    pub fn new(secure: bool, lifetime: Duration) -> Self {
        Self { secure, lifetime }
    }

    pub fn name(&self) -> &'static str {
        if self.secure {
            "__Host-keycard_session"
        } else {
            "keycard_session"
        }
    }

    pub fn read(&self, cookies: &Cookies) -> Option<String> {
        cookies
            .get(self.name())
            .map(|cookie| cookie.value().to_owned())
    }

    pub fn set(&self, cookies: &Cookies, token: String) {
        let max_age = time::Duration::try_from(self.lifetime).unwrap_or(time::Duration::HOUR);
        cookies.add(self.build(token).max_age(max_age).build());
    }

    /// Replaces the cookie with an empty one that has already expired, under the same
    /// name and path, so the browser drops it.
    pub fn clear(&self, cookies: &Cookies) {
        cookies.remove(self.build(String::new()).build());
    }

    fn build(&self, value: String) -> tower_cookies::cookie::CookieBuilder<'static> {
        Cookie::build((self.name(), value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure)
    }
}
