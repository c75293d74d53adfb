//! Settings read from the environment, each with a default and one clear error.

use std::path::PathBuf;
use std::time::Duration;

use crate::auth::{JwtSecret, SecretError};

const DEFAULT_DATABASE: &str = "data/keycard.db";
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);
const TOKEN_LIFETIME_SECONDS: std::ops::RangeInclusive<u64> = 60..=7 * 24 * 60 * 60;

#[derive(Debug)]
pub struct Config {
    /// `KEYCARD_DATABASE`: the SQLite file; its directory also holds the generated secret.
    pub database_path: PathBuf,
    /// `KEYCARD_JWT_SECRET`: when unset, a secret is generated once and kept on disk.
    pub jwt_secret: Option<JwtSecret>,
    /// `KEYCARD_TOKEN_TTL`: seconds a sign-in lasts.
    pub token_lifetime: Duration,
    /// `KEYCARD_COOKIE_SECURE`: `false` drops `Secure` and the `__Host-` prefix, for
    /// plain-http setups other than localhost.
    pub cookie_secure: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("KEYCARD_TOKEN_TTL must be a whole number of seconds from {min} to {max}, got {value:?}", min = TOKEN_LIFETIME_SECONDS.start(), max = TOKEN_LIFETIME_SECONDS.end())]
    TokenLifetime { value: String },
    #[error("KEYCARD_COOKIE_SECURE must be true or false, got {value:?}")]
    CookieSecure { value: String },
    #[error("KEYCARD_JWT_SECRET is too short: {0}")]
    Secret(#[from] SecretError),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name| lookup(name).filter(|value: &String| !value.is_empty());
        let token_lifetime = match set("KEYCARD_TOKEN_TTL") {
            None => DEFAULT_TOKEN_LIFETIME,
            Some(value) => value
                .parse()
                .ok()
                .filter(|seconds| TOKEN_LIFETIME_SECONDS.contains(seconds))
                .map(Duration::from_secs)
                .ok_or(ConfigError::TokenLifetime { value })?,
        };
        let cookie_secure = match set("KEYCARD_COOKIE_SECURE").as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(ConfigError::CookieSecure {
                    value: other.to_owned(),
                });
            }
        };
        Ok(Self {
            database_path: set("KEYCARD_DATABASE")
                .map_or_else(|| PathBuf::from(DEFAULT_DATABASE), PathBuf::from),
            jwt_secret: set("KEYCARD_JWT_SECRET")
                .map(|secret| JwtSecret::new(secret.into_bytes()))
                .transpose()?,
            token_lifetime,
            cookie_secure,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn defaults_are_secure_and_local() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_path, PathBuf::from("data/keycard.db"));
        assert!(config.jwt_secret.is_none());
        assert_eq!(config.token_lifetime, Duration::from_secs(3600));
        assert!(config.cookie_secure);
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(matches!(
            config(&[("KEYCARD_JWT_SECRET", "too short")]),
            Err(ConfigError::Secret(_))
        ));
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let error = config(&[("KEYCARD_TOKEN_TTL", "soon")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_TOKEN_TTL"));
        let error = config(&[("KEYCARD_COOKIE_SECURE", "maybe")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_COOKIE_SECURE"));
    }
}
