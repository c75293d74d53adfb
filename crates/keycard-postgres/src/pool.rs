//! The connections to PostgreSQL: a pool that makes them lazily (with TLS when the URL
//! asks for it), migrates the schema before the first query, and tells errors a retry
//! may cure from the rest.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio::sync::OnceCell;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::{migrations, tls};
use keycard_core::auth::StoreError;

/// Connections each process keeps at most; PostgreSQL's default limit of 100 serves a
/// handful of processes.
const MAX_CONNECTIONS: usize = 16;
/// A statement may run this long before the server cancels it: far longer than any of
/// Keycard's take, short enough that a stuck one frees its connection.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("could not set up the PostgreSQL connection pool: {0}")]
    /// The pool could not be set up.
    Pool(#[from] deadpool_postgres::BuildError),
    #[error("could not set up TLS to PostgreSQL: {0}")]
    /// The TLS settings could not be loaded.
    Tls(String),
}

/// The core's storage in PostgreSQL. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// Set once the schema is up to date; until then every request tries to migrate,
    /// so a database that was down when the process started is migrated once it is up.
    migrated: OnceCell<()>,
}

impl PgStore {
    /// A store for the database `config` names. Connects lazily: a database that is down
    /// now makes requests fail with "unavailable" until it is back, not the process
    /// exit. A connection waits up to `timeout` to be made or for a lock. With
    /// `sslmode=require`, connections use TLS and verify the server against the system's
    /// roots and `extra_ca`; otherwise they are plain.
    pub fn connect(
        mut config: tokio_postgres::Config,
        timeout: Duration,
        extra_ca: Option<&Path>,
    ) -> Result<Self, OpenError> {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(timeout);
        }
        // Like SQLite's busy timeout: a write that waits longer than this for a row
        // another request holds is refused (503) instead of queueing without bound.
        let limits = format!(
            "-c lock_timeout={} -c statement_timeout={}",
            timeout.as_millis(),
            STATEMENT_TIMEOUT.as_millis()
        );
        let options = match config.get_options() {
            Some(given) => format!("{given} {limits}"),
            None => limits,
        };
        config.options(&options);
        let recycling = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match config.get_ssl_mode() {
            SslMode::Require => Manager::from_config(config, tls::connector(extra_ca)?, recycling),
            _ => Manager::from_config(config, NoTls, recycling),
        };
        let pool = Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                migrated: OnceCell::new(),
            }),
        })
    }

    /// A pooled connection to a migrated database.
    pub(super) async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.inner
            .migrated
            .get_or_try_init(|| async {
                let mut client = self.inner.pool.get().await.map_err(pool_error)?;
                migrations::migrate(&mut client)
                    .await
                    .map_err(store_error)?;
                tracing::info!("PostgreSQL schema is up to date");
                Ok::<_, StoreError>(())
            })
            .await?;
        self.inner.pool.get().await.map_err(pool_error)
    }
}

/// What a failed statement means to the core: worth retrying later, or not.
pub(crate) fn store_error(error: tokio_postgres::Error) -> StoreError {
    if is_transient(&error) {
        StoreError::Unavailable(error.into())
    } else {
        StoreError::Failed(error.into())
    }
}

/// Whether the same request may succeed later: the server is unreachable, restarting,
/// out of resources, or a lock or serialisation conflict was lost.
fn is_transient(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.code() {
        Some(code) => {
            let class = code.code().get(..2).unwrap_or_default();
            matches!(class, "08" | "40" | "53" | "57")
                || [
                    SqlState::LOCK_NOT_AVAILABLE,
                    SqlState::READ_ONLY_SQL_TRANSACTION,
                ]
                .contains(code)
        }
        // No answer from the server at all: the connection could not be made or broke.
        None => {
            std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>())
        }
    }
}

/// What a connection the pool could not lend means to the core.
fn pool_error(error: PoolError) -> StoreError {
    match error {
        PoolError::Backend(error) => store_error(error),
        PoolError::Timeout(_) | PoolError::Closed => StoreError::Unavailable(error.into()),
        other => StoreError::Failed(other.into()),
    }
}

/// Begins a transaction on `client`.
pub(crate) async fn begin(
    client: &mut deadpool_postgres::Client,
) -> Result<deadpool_postgres::Transaction<'_>, StoreError> {
    client.transaction().await.map_err(store_error)
}

/// Commits `transaction`.
pub(crate) async fn commit(
    transaction: deadpool_postgres::Transaction<'_>,
) -> Result<(), StoreError> {
    transaction.commit().await.map_err(store_error)
}

/// Statements prepared once per connection and kept, so each query after the first is
/// one round trip instead of two; their errors arrive as the core's `StoreError`.
#[async_trait::async_trait]
pub(super) trait CachedStatements: GenericClient {
    async fn cached_query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.prepare_cached(sql).await.map_err(store_error)?;
        self.query_opt(&statement, params)
            .await
            .map_err(store_error)
    }

    async fn cached_query_one(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, StoreError> {
        let statement = self.prepare_cached(sql).await.map_err(store_error)?;
        self.query_one(&statement, params)
            .await
            .map_err(store_error)
    }

    async fn cached_query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.prepare_cached(sql).await.map_err(store_error)?;
        self.query(&statement, params).await.map_err(store_error)
    }

    async fn cached_execute(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let statement = self.prepare_cached(sql).await.map_err(store_error)?;
        self.execute(&statement, params).await.map_err(store_error)
    }
}

impl<T: GenericClient> CachedStatements for T {}

/// Reads column `index` of `row`, or fails as a damaged database rather than panicking.
pub(super) fn column<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    index: usize,
) -> Result<T, StoreError> {
    row.try_get(index).map_err(store_error)
}
