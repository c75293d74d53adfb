//! The throwaway PostgreSQL server `tests/postgres/with-server` starts, as the web and
//! fault suites use it: one fresh database per app under test, and SQL run on it
//! behind the app's back through psql.

use std::sync::atomic::{AtomicU64, Ordering};

/// The server's superuser URL when the suite runs against PostgreSQL, else `None`.
pub fn server() -> Option<String> {
    std::env::var("KEYCARD_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A new empty database on `server`, so tests running at once never see each other's
/// accounts; its URL.
pub fn fresh_database(server: &str, prefix: &str) -> String {
    static CREATED: AtomicU64 = AtomicU64::new(0);
    let number = CREATED.fetch_add(1, Ordering::Relaxed);
    let name = format!("{prefix}_{}_{number}", std::process::id());
    psql(server, &format!("CREATE DATABASE {name}"));
    let (base, _) = server.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

/// Runs `sql` with psql against `url`; its rows, one per line, columns split by `|`.
pub fn psql(url: &str, sql: &str) -> String {
    let output = std::process::Command::new("psql")
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
            url,
        ])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql failed on {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("psql prints text")
}
