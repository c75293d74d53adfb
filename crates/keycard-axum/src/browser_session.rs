//! Who a browser request is signed in as, worked out once per page or server-function
//! request before anything renders: from the access cookie, or, when that has expired
//! or is gone, by renewing the session with the refresh cookie, setting both cookies on
//! this very response. Pages, the page guard and server functions then all read the
//! same answer from the request.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tower_cookies::Cookies;

use crate::public_error::{internal_error, to_public_error};
use crate::security::{ClientAddress, client_info};
use crate::state::{KeycardServices, KeycardState};
use keycard_core::auth::{AuthError, ClientInfo, RefreshToken, Rejection, Session};
use keycard_types::AuthFnError;

/// The signed-in state of one browser request.
#[derive(Debug, Clone)]
pub enum BrowserSession {
    /// Signed in, with the session the cookies belong to.
    SignedIn(Session),
    /// Nobody is signed in (no cookie, or one the guard refused and cleared).
    SignedOut,
    /// The state could not be worked out (the database is unavailable): never treated
    /// as signed in, and the cookies are kept for when it is back.
    Failed(AuthFnError),
}

/// Resolves the request's session for every page and server function. API calls read
/// only their bearer token, and files (a last path segment with a dot) carry no session,
/// so neither costs a look-up or ever rotates a refresh token.
pub async fn resolve_browser_session(
    State(state): State<KeycardState>,
    cookies: Cookies,
    mut request: Request,
    next: Next,
) -> Response {
    insert_browser_session(&state, &cookies, &mut request).await;
    next.run(request).await
}

/// [`resolve_browser_session`]'s work, for layers that do several steps in one.
pub(crate) async fn insert_browser_session(
    state: &KeycardServices,
    cookies: &Cookies,
    request: &mut Request,
) {
    let path = request.uri().path();
    let is_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if state.api_prefix.contains(path) || is_file {
        return;
    }
    let Some(ClientAddress(address)) = request.extensions().get::<ClientAddress>().copied() else {
        let error = internal_error("the client address was not resolved".to_owned());
        request
            .extensions_mut()
            .insert(BrowserSession::Failed(error));
        return;
    };
    // Described only if the session is renewed: most requests need no device.
    let headers = request.headers();
    let session = state
        .browser_session(cookies, || client_info(address, headers))
        .await;
    request.extensions_mut().insert(session);
}

impl KeycardServices {
    /// The signed-in user behind the request's cookies. An access token that is gone or
    /// expired is renewed with the refresh token; cookies the guard refuses are cleared
    /// so the browser stops sending them.
    async fn browser_session(
        &self,
        cookies: &Cookies,
        client: impl FnOnce() -> ClientInfo,
    ) -> BrowserSession {
        let access = self.session_cookies.access.read(cookies);
        let refresh = self.session_cookies.refresh.read(cookies);
        if access.is_none() && refresh.is_none() {
            return BrowserSession::SignedOut;
        }
        match self.auth.current_user(access.as_deref()).await {
            Ok(session) => BrowserSession::SignedIn(session),
            Err(AuthError::Unauthenticated(Rejection::MissingToken | Rejection::Expired))
                if refresh.is_some() =>
            {
                self.renew(cookies, refresh.as_deref().unwrap_or_default(), &client())
                    .await
            }
            Err(error) => self.signed_out_or_failed(cookies, error),
        }
    }

    async fn renew(&self, cookies: &Cookies, refresh: &str, client: &ClientInfo) -> BrowserSession {
        let Some(token) = RefreshToken::parse(refresh) else {
            return self.signed_out_or_failed(cookies, Rejection::UnknownRefreshToken.into());
        };
        let renewed = match self.auth.refresh(&token, client).await {
            Ok(renewed) => renewed,
            Err(error) => return self.signed_out_or_failed(cookies, error),
        };
        self.session_cookies.set(cookies, &renewed);
        match self.auth.current_user(Some(&renewed.access.token)).await {
            Ok(session) => BrowserSession::SignedIn(session),
            Err(error) => self.signed_out_or_failed(cookies, error),
        }
    }

    fn signed_out_or_failed(&self, cookies: &Cookies, error: AuthError) -> BrowserSession {
        match error {
            AuthError::Unauthenticated(_) => {
                self.session_cookies.clear(cookies);
                BrowserSession::SignedOut
            }
            other => BrowserSession::Failed(to_public_error(other)),
        }
    }
}
