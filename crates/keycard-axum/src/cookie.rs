//! The two cookies of a browser session, the short access token and the refresh token
//! that renews it; the one that holds a password reset link's token while its page is
//! open, so the token is not left in the address bar, history or a Referer; and the
//! short-lived ones of two-step sign-in.

use tower_cookies::Cookies;
use tower_cookies::cookie::{Cookie, SameSite};

use keycard_core::auth::SignedIn;

/// How one cookie is written: HttpOnly, SameSite=Lax (a link from another site still
/// arrives signed in), Path=/, no Domain, and by default Secure with the `__Host-`
/// prefix, which browsers then pin to this host.
#[derive(Debug, Clone)]
pub struct AuthCookie {
    name: String,
    secure: bool,
}

impl AuthCookie {
    fn new(stem: &str, secure: bool) -> Self {
        let name = if secure {
            format!("__Host-{stem}")
        } else {
            stem.to_owned()
        };
        Self { name, secure }
    }

    /// The cookie's value in this request, unless absent or empty.
    pub fn read(&self, cookies: &Cookies) -> Option<String> {
        cookies
            .get(&self.name)
            .map(|cookie| cookie.value().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// Sets the cookie to `value` for `seconds`.
    pub fn set(&self, cookies: &Cookies, value: String, seconds: u64) {
        let max_age = time::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
        cookies.add(self.build(value).max_age(max_age).build());
    }

    /// Replaces the cookie with an empty one that has already expired, under the same
    /// name and path, so the browser drops it.
    pub fn clear(&self, cookies: &Cookies) {
        cookies.remove(self.build(String::new()).build());
    }

    fn build(&self, value: String) -> tower_cookies::cookie::CookieBuilder<'static> {
        Cookie::build((self.name.clone(), value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure)
    }
}

/// The access-token cookie and the refresh-token cookie, set and cleared together; the
/// reset link's; the challenge of a login waiting for its second step; and recovery
/// codes on their way to the one page view that shows them without JavaScript.
#[derive(Debug, Clone)]
pub struct SessionCookies {
    /// The short-lived access token.
    pub access: AuthCookie,
    /// The refresh token that renews the access token.
    pub refresh: AuthCookie,
    /// A password reset link's token while its page is open.
    pub reset: AuthCookie,
    /// The challenge of a login waiting for its second step.
    pub two_step: AuthCookie,
    /// Recovery codes on their way to the one page view that shows them.
    pub recovery_codes: AuthCookie,
}

impl SessionCookies {
    /// The cookies of a site served over https (`secure`: `__Host-` names and the Secure
    /// flag) or, for local development only, plain http.
    pub fn new(secure: bool) -> Self {
        Self {
            access: AuthCookie::new("keycard_session", secure),
            refresh: AuthCookie::new("keycard_refresh", secure),
            reset: AuthCookie::new("keycard_reset", secure),
            two_step: AuthCookie::new("keycard_two_step", secure),
            recovery_codes: AuthCookie::new("keycard_recovery_codes", secure),
        }
    }

    /// Each cookie lives as long as its token: the access cookie until the access token
    /// expires, the refresh cookie until the session would end unused.
    pub fn set(&self, cookies: &Cookies, signed_in: &SignedIn) {
        self.access.set(
            cookies,
            signed_in.access.token.clone(),
            signed_in.access_seconds_left(),
        );
        self.refresh.set(
            cookies,
            signed_in.refresh.token.reveal(),
            signed_in.refresh_seconds_left(),
        );
    }

    /// Clears the access and refresh cookies: the browser is signed out.
    pub fn clear(&self, cookies: &Cookies) {
        self.access.clear(cookies);
        self.refresh.clear(cookies);
    }
}
