//! `KEYCARD_DATABASE_URL`, parsed (the `postgres` feature).

use super::config::ConfigError;

/// A PostgreSQL connection URL, parsed once; shown only without its password.
pub struct PostgresUrl(tokio_postgres::Config);

impl PostgresUrl {
    pub(super) fn parse(value: String) -> Result<Self, ConfigError> {
        value
            .parse()
            .map(Self)
            .map_err(|error: tokio_postgres::Error| ConfigError::DatabaseUrl {
                reason: error.to_string(),
            })
    }

    /// The connection settings it names, password included.
    pub fn connection(&self) -> &tokio_postgres::Config {
        &self.0
    }

    /// Whether it asks for TLS (`sslmode=require`), which Keycard then verifies.
    pub(super) fn requires_tls(&self) -> bool {
        self.0.get_ssl_mode() == tokio_postgres::config::SslMode::Require
    }

    /// Where it points, for the log: database, hosts and user, never the password.
    pub fn describe(&self) -> String {
        let config = &self.0;
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|host| match host {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        format!(
            "PostgreSQL database {} on {} as {}",
            config.get_dbname().unwrap_or("(default)"),
            hosts.join(","),
            config.get_user().unwrap_or("(default)")
        )
    }
}

impl std::fmt::Debug for PostgresUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.describe())
    }
}
