//! The server: Keycard over a SQLite file, the notes, and one router for both.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::{Json, Router};
use keycard_axum::{
    ApiPrefix, CurrentUser, EdgePolicy, KeycardServices, KeycardState, OwnOrigins, SessionCookies,
};
use keycard_core::auth::{
    AuthService, JwtSecret, LinkLifetimes, PasswordHasher, SessionPolicy, ThrottlePolicy,
};
use keycard_leptos::server::{provide_keycard, serve_island_script, with_keycard_layers};
use keycard_mail::{DEFAULT_SENDER, MailSettings, Mailer, Transport};
use keycard_sqlite::{DEFAULT_BUSY_TIMEOUT, Db, SqliteStore};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes as _, generate_route_list};

use crate::app::{App, PAGES, shell};
use crate::notes::Notes;

/// What every request can reach.
#[derive(Clone)]
pub struct AppState {
    /// Where the site's files are and how its pages load them.
    pub leptos_options: LeptosOptions,
    /// Keycard's part.
    pub keycard: KeycardState,
    /// The app's own data.
    pub notes: Arc<Notes>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for KeycardState {
    fn from_ref(state: &AppState) -> Self {
        state.keycard.clone()
    }
}

/// Keycard over a SQLite file in `data`, its letters in `data/outbox`, for a site
/// served at `site_addr`.
pub fn keycard(data: &Path, site_addr: SocketAddr) -> anyhow::Result<KeycardState> {
    std::fs::create_dir_all(data)?;
    let db = Db::open(&data.join("keycard.db"), DEFAULT_BUSY_TIMEOUT)?;
    // A new secret on every start signs everyone out when the server restarts; a real
    // app keeps its secret (Keycard's own app keeps it in a file beside the database).
    let mut secret = vec![0; 32];
    getrandom::fill(&mut secret).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    let secret = JwtSecret::new(secret)?;
    let own_origins = OwnOrigins::new(None, site_addr).context("no origin for the address")?;
    let mailer = Mailer::start(MailSettings {
        transport: Transport::Outbox(data.join("outbox")),
        sender: DEFAULT_SENDER.parse()?,
        link_origin: own_origins.preferred().as_str().to_owned(),
        pages: PAGES,
        links: LinkLifetimes::default(),
        first_retry: Duration::from_secs(5),
    })?;
    let auth = AuthService::new(
        Arc::new(SqliteStore::new(db)),
        &secret,
        PasswordHasher::new(2)?,
        ThrottlePolicy::default(),
        SessionPolicy::default(),
        LinkLifetimes::default(),
        Arc::new(mailer),
    )?;
    Ok(KeycardState::new(KeycardServices {
        auth,
        session_cookies: SessionCookies::new(true),
        edge: EdgePolicy {
            own_origins,
            trusted_proxies: Arc::from([]),
            strict_transport: true,
        },
        pages: PAGES,
        api_prefix: ApiPrefix::DEFAULT,
    }))
}

/// The app's own JSON: a signed-in user's notes, for the browser or a bearer token.
async fn notes_json(
    CurrentUser(session): CurrentUser,
    State(state): State<AppState>,
) -> Json<Vec<String>> {
    Json(state.notes.of(session.user.id))
}

/// The whole app: the notes API, the pages and server functions (the app's and
/// Keycard's), the site's files, and Keycard's layers in front of all of it.
pub fn router(state: AppState) -> Router {
    let keycard = state.keycard.clone();
    let notes = state.notes.clone();
    let context = move || {
        provide_keycard(&keycard);
        provide_context(notes.clone());
    };
    let options = state.leptos_options.clone();
    let app = Router::new()
        .route("/api/notes", get(notes_json))
        .leptos_routes_with_context(
            &state,
            generate_route_list(App),
            context.clone(),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell));
    let app = serve_island_script(app, &state.leptos_options);
    with_keycard_layers(app, &state.keycard).with_state(state)
}
