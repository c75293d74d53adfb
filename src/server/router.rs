//! Builds the application (the same router the tests drive) and serves it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::response::IntoResponse as _;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use leptos::prelude::{LeptosOptions, get_configuration};
use leptos_axum::{AxumRouteListing, LeptosRoutes as _, generate_route_list};

use super::config::Config;
use super::health::{HEALTH_PATH, READY_PATH, healthz, readyz};
use super::mail::start_mail;
use super::secret::{NewSecret, load_or_create_secret};
use super::state::{AppState, Services};
use crate::app::{App, PAGES, shell};
use keycard_axum::{
    ApiError, ApiPrefix, EdgePolicy, KeycardServices, KeycardState, OwnOrigins, SessionCookies,
    api_routes,
};
#[cfg(feature = "passkeys")]
use keycard_core::auth::PasskeyRelyingParty;
use keycard_core::auth::{AuthService, JwtSecret, PasswordHasher, SharedStore};
use keycard_leptos::server::{provide_keycard, serve_island_script, with_keycard_layers};
#[cfg(feature = "postgres")]
use keycard_postgres::PgStore;
use keycard_sqlite::{Db, SqliteStore};

/// How often sessions and revoked token ids that can no longer be used are deleted.
const PRUNE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Opens the database, loads the secret and sets up the services the router shares.
pub fn build_state(mut config: Config, leptos_options: LeptosOptions) -> anyhow::Result<AppState> {
    #[cfg(feature = "postgres")]
    if let Some(url) = config.postgres_url.take() {
        let secret = config
            .jwt_secret
            .take()
            .context("PostgreSQL needs KEYCARD_JWT_SECRET")?;
        let store = PgStore::connect(
            url.connection().clone(),
            config.busy_timeout,
            config.database_ca.as_deref(),
        )?;
        return finish_state(config, leptos_options, Arc::new(store), secret);
    }
    let db = Db::open(&config.database_path, config.busy_timeout)?;
    let secret = match config.jwt_secret.take() {
        Some(secret) => secret,
        None => load_or_create_secret(
            data_directory(&config.database_path),
            NewSecret {
                accounts_exist: db.holds_accounts()?,
                allowed_anyway: config.allow_new_secret,
            },
        )?,
    };
    finish_state(
        config,
        leptos_options,
        Arc::new(SqliteStore::new(db)),
        secret,
    )
}

/// The services over `store`, which signs with `secret`.
fn finish_state(
    mut config: Config,
    leptos_options: LeptosOptions,
    store: SharedStore,
    secret: JwtSecret,
) -> anyhow::Result<AppState> {
    let hashing_threads = std::thread::available_parallelism().map_or(1, usize::from);
    let own_origins = OwnOrigins::new(config.public_origin.take(), leptos_options.site_addr)
        .context("the listen address does not make an origin; set KEYCARD_PUBLIC_ORIGIN")?;
    let mailer = start_mail(&config, &own_origins, data_directory(&config.database_path))?;
    let auth = AuthService::new(
        store,
        &secret,
        PasswordHasher::new(hashing_threads)?,
        config.throttle,
        config.sessions,
        config.links,
        Arc::new(mailer.clone()),
    )?
    .with_two_step_lifetime(config.two_step_lifetime);
    // WebAuthn needs a domain name: at an IP address, passkeys are simply not offered.
    #[cfg(feature = "passkeys")]
    let auth = match PasskeyRelyingParty::new(own_origins.preferred().as_str(), &secret) {
        Ok(party) => auth.with_passkeys(party),
        Err(error) => {
            tracing::warn!(error = format!("{error:#}"), "passkeys are off");
            auth
        }
    };
    Ok(AppState::new(Services {
        leptos_options,
        keycard: KeycardState::new(KeycardServices {
            auth,
            session_cookies: SessionCookies::new(config.cookie_secure),
            edge: EdgePolicy {
                own_origins,
                trusted_proxies: config.trusted_proxies.into(),
                strict_transport: config.cookie_secure,
            },
            pages: PAGES,
            api_prefix: ApiPrefix::DEFAULT,
        }),
        mailer,
    }))
}

/// The app's routes, worked out once per process. Leptos finds them by running the app
/// with resource loading switched off process-wide, so working them out again while
/// pages render (a second router in one process, as the tests build) can leave a page's
/// resource pending forever (leptos-rs/leptos#4773).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole app over `state`: pages, server functions, static files, and the layers
/// every request passes.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let shell_options = state.leptos_options.clone();
    let keycard = state.keycard.clone();
    let context = {
        let keycard = keycard.clone();
        move || provide_keycard(&keycard)
    };
    let files_and_pages =
        leptos_axum::file_and_error_handler_with_context::<AppState, _>(context.clone(), shell);
    let app = Router::new()
        .route(HEALTH_PATH, get(healthz))
        .route(READY_PATH, get(readyz))
        .nest(
            keycard.api_prefix.as_str(),
            api_routes().with_state(keycard.clone()),
        )
        .leptos_routes_with_context(&state, routes, context, move || {
            shell(shell_options.clone())
        })
        .fallback(move |uri: Uri, state: State<AppState>, request: Request| {
            let files_and_pages = files_and_pages.clone();
            async move {
                // What the nested API router leaves unmatched under its prefix
                // (`/api/v1/` itself among it) is still the API's: JSON, not a page.
                if state.keycard.api_prefix.contains(uri.path()) {
                    ApiError::NotFound(state.keycard.api_prefix).into_response()
                } else {
                    files_and_pages(uri, state, request).await
                }
            }
        });
    let app = serve_island_script(app, &state.leptos_options);
    with_keycard_layers(app, &keycard).with_state(state)
}

/// Reads the configuration, builds the app and serves it until SIGINT or SIGTERM.
pub async fn run() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    // Under cargo-leptos the settings arrive as LEPTOS_* variables; a binary started by
    // hand from the project folder reads them from Cargo.toml instead.
    let settings_file = std::env::var_os("LEPTOS_OUTPUT_NAME")
        .is_none()
        .then_some("Cargo.toml");
    let mut leptos_options = get_configuration(settings_file)
        .context("could not read the Leptos settings")?
        .leptos_options;
    let wanted = leptos_options.site_addr;
    let database = format!("SQLite file {}", config.database_path.display());
    #[cfg(feature = "postgres")]
    let database = config
        .postgres_url
        .as_ref()
        .map_or(database, |url| url.describe());
    let listener = tokio::net::TcpListener::bind(wanted)
        .await
        .with_context(|| format!("could not listen on {wanted}"))?;
    // Port 0 asks the system for a free port: the app and the log line need the real one.
    let address = listener
        .local_addr()
        .with_context(|| format!("could not read the address bound for {wanted}"))?;
    leptos_options.site_addr = address;
    let state = build_state(config, leptos_options)?;
    let open_at = state
        .keycard
        .edge
        .own_origins
        .preferred()
        .as_str()
        .to_owned();
    // Migrates a PostgreSQL schema now rather than on the first request; a database
    // that is down is waited for (requests get 503 meanwhile), not a reason to exit.
    if let Err(error) = state.keycard.auth.check_ready().await {
        tracing::warn!(%error, "the database is not ready yet; requests get 503 until it is");
    }
    tokio::spawn(
        state
            .keycard
            .auth
            .clone()
            .prune_periodically(PRUNE_INTERVAL),
    );
    let mail = state.mailer.describe();
    let app = router(state);
    tracing::info!(%address, %database, %mail, "Keycard is listening on {open_at}");
    // Streamed pages go out in several small writes; with Nagle's algorithm on, each
    // one after the first waited for the client's delayed ACK, about 40 ms a page.
    let listener = listener.tap_io(|connection| {
        if let Err(error) = connection.set_nodelay(true) {
            tracing::debug!(%error, "could not turn off Nagle's algorithm on a connection");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the server stopped with an error")
}

fn data_directory(database: &Path) -> &Path {
    database
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
