//! What server-function bodies use to talk HTTP: the session cookies, redirects that
//! work with and without JavaScript, and the single mapping from core errors to the
//! status and message a client sees.

use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use leptos::prelude::{use_context, with_context};
use leptos_axum::ResponseOptions;
use time::OffsetDateTime;
use time::macros::format_description;
use tower_cookies::Cookies;

use keycard_axum::{
    BrowserSession, ClientAddress, KeycardState, accepts_html, client_info, internal_error,
    status_of, to_public_error,
};
use keycard_core::auth::{
    AuthError, AuthService, ClientInfo, LinkToken, Session, SignedIn, TwoStepChallenge,
};
use keycard_core::domain::NextPath;
use keycard_types::{AuthFnError, Page};

/// Where a browser lands once its account has been deleted: the site's home page,
/// which the host app owns.
const ACCOUNT_DELETED_PAGE: &str = "/?account_deleted=1";
/// Recovery codes wait in their cookie this long for the page that shows them.
const RECOVERY_CODES_COOKIE_SECONDS: u64 = 5 * 60;
/// Values kept in a no-JavaScript error redirect are cut to this many characters.
const MAX_KEPT_CHARS: usize = 256;

/// The request a server function is running for.
pub struct FnRequest {
    keycard: KeycardState,
    cookies: Cookies,
    response: ResponseOptions,
    /// A browser posting the form itself (JavaScript off), as opposed to the hydrated
    /// page calling the function: it needs real redirects, errors included.
    plain_form_post: bool,
    /// Who the request is signed in as, found once before anything ran.
    browser_session: Option<BrowserSession>,
    client: ClientInfo,
}

impl FnRequest {
    /// The request the running server function serves, from the Leptos context: the
    /// host provides [`KeycardState`] there (see [`provide_keycard`](super::provide_keycard)).
    pub fn current() -> Result<Self, AuthFnError> {
        let missing = |what: &str| {
            internal_error(format!(
                "{what} is missing from the server function context"
            ))
        };
        // Read in place: the request's parts (every header and extension) are never
        // cloned for one server function.
        let from_request = with_context::<Parts, _>(|parts| {
            let cookies = parts.extensions.get::<Cookies>().cloned();
            let address = parts
                .extensions
                .get::<ClientAddress>()
                .map(|address| address.0);
            (
                cookies,
                accepts_html(&parts.headers),
                parts.extensions.get::<BrowserSession>().cloned(),
                address.map(|address| client_info(address, &parts.headers)),
            )
        });
        let (cookies, plain_form_post, browser_session, client) =
            from_request.ok_or_else(|| missing("the request"))?;
        Ok(Self {
            keycard: use_context::<KeycardState>().ok_or_else(|| missing("Keycard's state"))?,
            cookies: cookies.ok_or_else(|| missing("the cookie jar"))?,
            response: use_context::<ResponseOptions>()
                .ok_or_else(|| missing("the response options"))?,
            plain_form_post,
            browser_session,
            client: client.ok_or_else(|| missing("the client address"))?,
        })
    }

    /// The address and device the request came from; throttling counts the address.
    pub fn client(&self) -> &ClientInfo {
        &self.client
    }

    /// The auth core.
    pub fn auth(&self) -> &AuthService {
        &self.keycard.auth
    }

    /// The absolute path of one of Keycard's pages, wherever the site mounts them.
    pub fn page(&self, page: Page) -> String {
        self.keycard.pages.path(page)
    }

    /// [`FnRequest::page`] with a query string.
    pub fn page_with_query(&self, page: Page, query: &str) -> String {
        self.keycard.pages.path_with_query(page, query)
    }

    /// The signed-in user, as worked out for this request before anything ran, or why
    /// there is none (`NotSignedIn` when nobody is).
    pub fn session(&self) -> Result<Session, AuthFnError> {
        match &self.browser_session {
            Some(BrowserSession::SignedIn(session)) => Ok(session.clone()),
            Some(BrowserSession::SignedOut) => Err(AuthFnError::NotSignedIn),
            Some(BrowserSession::Failed(error)) => Err(*error),
            None => Err(internal_error(
                "the request's session was never resolved".to_owned(),
            )),
        }
    }

    /// The signed-in user's name (`None` when nobody is signed in, the error when the
    /// session could not be worked out), read straight from the request without the rest
    /// of [`FnRequest`]: the account menu needs it for every page. `None` when the
    /// request's session was never resolved.
    pub fn known_username() -> Option<Result<Option<String>, AuthFnError>> {
        with_context::<Parts, _>(|parts| match parts.extensions.get::<BrowserSession>()? {
            BrowserSession::SignedIn(session) => Some(Ok(Some(session.user.username.clone()))),
            BrowserSession::SignedOut => Some(Ok(None)),
            BrowserSession::Failed(error) => Some(Err(*error)),
        })
        .flatten()
    }

    /// [`FnRequest::session`] for a function only the signed-in may call: without a
    /// session, the client gets the error with its status.
    pub fn require_session(&self) -> Result<Session, AuthFnError> {
        self.session().map_err(|error| self.reject_public(error))
    }

    /// The reset link's token this browser holds (see `hold_reset_token`), if any.
    pub fn reset_token(&self) -> Option<LinkToken> {
        self.keycard
            .session_cookies
            .reset
            .read(&self.cookies)
            .and_then(|raw| LinkToken::parse(&raw))
    }

    /// Drops the reset link's token once it is spent.
    pub fn forget_reset_token(&self) {
        self.keycard.session_cookies.reset.clear(&self.cookies);
    }

    /// Keeps a login's challenge in its cookie for as long as it is good, and sends the
    /// browser to the second step (which then sends it on to `next`).
    pub fn ask_for_second_step(&self, challenge: &TwoStepChallenge, next: Option<&NextPath>) {
        let seconds = (challenge.expires_at - OffsetDateTime::now_utc()).whole_seconds();
        self.keycard.session_cookies.two_step.set(
            &self.cookies,
            challenge.token.clone(),
            u64::try_from(seconds).unwrap_or(0),
        );
        let destination = match next {
            Some(next) => {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", next.as_str())
                    .finish();
                self.page_with_query(Page::TwoStep, &query)
            }
            None => self.page(Page::TwoStep),
        };
        self.redirect(&destination);
    }

    /// The challenge of the login this browser is in the middle of, if any.
    pub fn two_step_challenge(&self) -> Option<String> {
        self.keycard.session_cookies.two_step.read(&self.cookies)
    }

    /// Drops the challenge once it is spent or no longer good.
    pub fn forget_two_step(&self) {
        self.keycard.session_cookies.two_step.clear(&self.cookies);
    }

    /// Recovery codes for the next view of the two-step page, which the browser is sent
    /// to next (after a plain form post or from the island that called): the codes reach
    /// only this browser, HttpOnly, for minutes.
    pub fn hand_over_recovery_codes(&self, codes: &[String]) {
        self.keycard.session_cookies.recovery_codes.set(
            &self.cookies,
            codes.join("."),
            RECOVERY_CODES_COOKIE_SECONDS,
        );
    }

    /// The recovery codes handed over, gone from the browser from this answer on.
    pub fn take_recovery_codes(&self) -> Option<Vec<String>> {
        let cookie = &self.keycard.session_cookies.recovery_codes;
        let codes = cookie.read(&self.cookies)?;
        cookie.clear(&self.cookies);
        Some(codes.split('.').map(str::to_owned).collect())
    }

    /// Sets the access and refresh cookies and sends the browser to `destination`.
    pub fn start_session(&self, signed_in: &SignedIn, destination: &str) {
        self.keycard.session_cookies.set(&self.cookies, signed_in);
        self.redirect(destination);
    }

    /// Sets the session cookies and sends the browser on to `next`, or else to the
    /// profile page, where people land once signed in.
    pub fn signed_in_to(&self, signed_in: &SignedIn, next: Option<&NextPath>) {
        let destination =
            next.map_or_else(|| self.page(Page::Profile), |next| next.as_str().to_owned());
        self.start_session(signed_in, &destination);
    }

    /// Clears both session cookies, asks the browser to drop every cookie of this site
    /// as well, and sends it to the login page, which says it is logged out.
    pub fn end_session(&self) {
        let logged_out = self.page_with_query(Page::Login, "logged_out=1");
        self.clear_browser("\"cookies\"", &logged_out);
    }

    /// After the account was deleted: clears the cookies and asks the browser to drop
    /// everything it keeps for this site, then sends it to the home page, which says so.
    pub fn account_deleted(&self) {
        self.clear_browser("\"cache\", \"cookies\", \"storage\"", ACCOUNT_DELETED_PAGE);
    }

    fn clear_browser(&self, clear_site_data: &'static str, destination: &str) {
        self.keycard.session_cookies.clear(&self.cookies);
        self.response.insert_header(
            header::HeaderName::from_static("clear-site-data"),
            HeaderValue::from_static(clear_site_data),
        );
        self.redirect(destination);
    }

    /// A redirect that works both ways: a real 303 for a plain form post, and a hint
    /// the hydrated client follows with client-side navigation.
    pub fn redirect(&self, destination: &str) {
        leptos_axum::redirect(destination);
        if self.plain_form_post {
            self.response.set_status(StatusCode::SEE_OTHER);
        }
    }

    /// Turns a core error into the client's error with a fitting status.
    pub fn reject(&self, error: AuthError) -> AuthFnError {
        self.reject_public(to_public_error(error))
    }

    /// Sends the client `error` with its status (and `Retry-After` when it says to wait).
    pub fn reject_public(&self, error: AuthFnError) -> AuthFnError {
        self.response.set_status(status_of(error));
        if let AuthFnError::TooManyAttempts {
            retry_after_seconds,
        } = error
        {
            self.response
                .insert_header(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        error
    }

    /// Like [`FnRequest::reject`], but a plain form post is sent back to its form, which
    /// shows the same message and keeps what was typed (never passwords).
    pub fn reject_form(&self, error: AuthError, form: &FormReturn) -> AuthFnError {
        self.reject_public_form(to_public_error(error), form)
    }

    /// [`FnRequest::reject_form`] for an error already in the client's terms.
    pub fn reject_public_form(&self, error: AuthFnError, form: &FormReturn) -> AuthFnError {
        let public = self.reject_public(error);
        if self.plain_form_post {
            self.redirect(&form.url_with_error(public));
        }
        public
    }
}

/// The form to go back to when a plain form post fails, and the fields to refill.
pub struct FormReturn {
    path: String,
    kept: Vec<(&'static str, String)>,
}

impl FormReturn {
    /// Back to the form at `path`, refilling nothing yet.
    pub fn new(path: String) -> Self {
        Self {
            path,
            kept: Vec::new(),
        }
    }

    /// Refills the field `name` with `value` (cut to a sane length); never a password.
    pub fn keep(mut self, name: &'static str, value: &str) -> Self {
        if !value.is_empty() {
            self.kept
                .push((name, value.chars().take(MAX_KEPT_CHARS).collect()));
        }
        self
    }

    fn url_with_error(&self, error: AuthFnError) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("error", error.code());
        if let Some(detail) = error.detail() {
            query.append_pair("detail", &detail);
        }
        let query = query.extend_pairs(&self.kept).finish();
        format!("{}?{query}", self.path)
    }
}

/// A moment as the pages show it, e.g. "29 November 2026, 17:24 UTC".
pub fn format_time(moment: OffsetDateTime) -> String {
    moment
        .format(format_description!(
            "[day padding:none] [month repr:long] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_else(|_| moment.to_string())
}
