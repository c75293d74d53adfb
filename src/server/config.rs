//! Settings read from the environment, each with a default and one clear error.

use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use keycard_axum::PublicOrigin;
#[cfg(feature = "mail")]
use keycard_mail::Mailbox;

use keycard_core::auth::{
    DEFAULT_TWO_STEP_LIFETIME, JwtSecret, LinkLifetimes, MAX_THROTTLE_WINDOW, SecretError,
    SessionPolicy, ThrottlePolicy,
};
#[cfg(feature = "mail")]
use keycard_mail::{DEFAULT_SENDER, SmtpSecurity, SmtpUrl};
use keycard_sqlite::DEFAULT_BUSY_TIMEOUT;

#[cfg(feature = "postgres")]
use super::postgres_url::PostgresUrl;

const DEFAULT_DATABASE: &str = "data/keycard.db";
/// Session settings go down to one second, so tests (ours and anyone's) can see expiry
/// without waiting.
const TOKEN_LIFETIME_SECONDS: RangeInclusive<u64> = 1..=24 * 60 * 60;
const SESSION_SECONDS: RangeInclusive<u64> = 1..=366 * 24 * 60 * 60;
const REUSE_GRACE_SECONDS: RangeInclusive<u64> = 0..=5 * 60;
const ATTEMPT_LIMITS: RangeInclusive<u64> = 1..=1_000_000;
const THROTTLE_WINDOW_SECONDS: RangeInclusive<u64> = 1..=MAX_THROTTLE_WINDOW.as_secs();
const BUSY_TIMEOUT_MILLISECONDS: RangeInclusive<u64> = 1..=60_000;
/// Link lifetimes go down to one second too; a verification link lasts at most a
/// week, a reset link at most a day.
const VERIFY_LINK_SECONDS: RangeInclusive<u64> = 1..=7 * 24 * 60 * 60;
const RESET_LINK_SECONDS: RangeInclusive<u64> = 1..=24 * 60 * 60;
/// The second step of a login may take at most a quarter of an hour.
const TWO_STEP_SECONDS: RangeInclusive<u64> = 1..=15 * 60;

#[derive(Debug)]
pub struct Config {
    /// `KEYCARD_DATABASE`: the SQLite file; its directory also holds the generated secret.
    pub database_path: PathBuf,
    /// `KEYCARD_DATABASE_URL`: a PostgreSQL connection URL, which selects PostgreSQL
    /// instead of the SQLite file, so several processes can serve one site.
    #[cfg(feature = "postgres")]
    pub postgres_url: Option<PostgresUrl>,
    /// `KEYCARD_DATABASE_CA`: a PEM file of certificate authorities to verify the
    /// PostgreSQL server with, besides the system's (needs `sslmode=require`).
    #[cfg(feature = "postgres")]
    pub database_ca: Option<PathBuf>,
    /// `KEYCARD_DB_BUSY_TIMEOUT_MS`: how long a write waits for another writer before
    /// the request is answered 503.
    pub busy_timeout: Duration,
    /// `KEYCARD_JWT_SECRET`: when unset, a secret is generated once and kept on disk.
    pub jwt_secret: Option<JwtSecret>,
    /// `KEYCARD_ALLOW_NEW_SECRET`: `true` lets a new secret be generated although the
    /// database already holds accounts (their sessions end, and their two-step secrets
    /// no longer open). Off, such a start is refused.
    pub allow_new_secret: bool,
    /// `KEYCARD_TOKEN_TTL`, `KEYCARD_SESSION_IDLE_TIMEOUT`, `KEYCARD_SESSION_LIFETIME`,
    /// `KEYCARD_REFRESH_REUSE_GRACE` and `KEYCARD_REAUTH_WINDOW` (seconds): how long
    /// access tokens and sessions last.
    pub sessions: SessionPolicy,
    /// `KEYCARD_COOKIE_SECURE`: `false` drops `Secure` and the `__Host-` prefix, for
    /// plain-http setups other than localhost.
    pub cookie_secure: bool,
    /// `KEYCARD_PUBLIC_ORIGIN`: the scheme, host and port browsers reach Keycard at,
    /// which state-changing requests must come from; by default the listen address.
    pub public_origin: Option<PublicOrigin>,
    /// `KEYCARD_LOGIN_FAILURE_LIMIT`, `KEYCARD_ADDRESS_ATTEMPT_LIMIT` and
    /// `KEYCARD_THROTTLE_WINDOW` (seconds): the brute-force limits.
    pub throttle: ThrottlePolicy,
    /// `KEYCARD_TRUSTED_PROXIES`: comma-separated addresses of reverse proxies whose
    /// `X-Forwarded-For` names the real client. Empty: the header is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// `KEYCARD_SMTP_URL`: the SMTP server mail goes through; when unset, letters are
    /// written to the outbox folder beside the database.
    #[cfg(feature = "mail")]
    pub smtp_url: Option<SmtpUrl>,
    /// `KEYCARD_SMTP_CA`: a PEM file of certificate authorities to verify the SMTP
    /// server with, besides the system's (needs TLS in `KEYCARD_SMTP_URL`).
    #[cfg(feature = "mail")]
    pub smtp_ca: Option<PathBuf>,
    /// `KEYCARD_MAIL_FROM`: the sender, e.g. `Keycard <no-reply@example.com>`.
    #[cfg(feature = "mail")]
    pub mail_from: Mailbox,
    /// `KEYCARD_VERIFY_LINK_TTL` and `KEYCARD_RESET_LINK_TTL` (seconds).
    pub links: LinkLifetimes,
    /// `KEYCARD_TWO_STEP_TTL` (seconds): how long after the password the second step of
    /// a login may come.
    pub two_step_lifetime: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} must be a whole number from {min} to {max}, got {value:?}")]
    Number {
        name: &'static str,
        min: u64,
        max: u64,
        value: String,
    },
    #[error("{name} must be true or false, got {value:?}")]
    Flag { name: &'static str, value: String },
    #[error("KEYCARD_JWT_SECRET is too short: {0}")]
    Secret(#[from] SecretError),
    /// The value is not repeated: it may hold a password.
    #[error(
        "KEYCARD_DATABASE_URL must be a PostgreSQL URL such as postgres://keycard@127.0.0.1:5432/keycard: {reason}"
    )]
    DatabaseUrl { reason: String },
    #[error(
        "KEYCARD_JWT_SECRET must be set when KEYCARD_DATABASE_URL is: every process must sign with the same key"
    )]
    SharedSecretRequired,
    #[error(
        "KEYCARD_DATABASE_CA is only used for TLS to PostgreSQL: add sslmode=require to KEYCARD_DATABASE_URL"
    )]
    CaWithoutTls,
    #[error(
        "KEYCARD_PUBLIC_ORIGIN must look like https://auth.example.com or http://127.0.0.1:3000, got {value:?}"
    )]
    PublicOrigin { value: String },
    #[error(
        "KEYCARD_TRUSTED_PROXIES must be a comma-separated list of IP addresses, got {value:?}"
    )]
    TrustedProxies { value: String },
    /// The value is not repeated: it may hold a password.
    #[error(
        "KEYCARD_SMTP_URL must be an SMTP URL such as smtps://user:password@mail.example.com or smtp://127.0.0.1:1025: {reason}"
    )]
    SmtpUrl { reason: String },
    #[error(
        "KEYCARD_MAIL_FROM must be an address such as no-reply@example.com or \"Keycard <no-reply@example.com>\", got {value:?}"
    )]
    MailFrom { value: String },
    #[error(
        "KEYCARD_MAIL_FROM must be set when KEYCARD_SMTP_URL is: a mail server rejects or junks mail from a made-up sender"
    )]
    SenderRequired,
    #[error("{setting} needs a Keycard built with its `{feature}` feature, which this one lacks")]
    NotBuilt {
        setting: &'static str,
        feature: &'static str,
    },
    #[error(
        "KEYCARD_SMTP_CA is only used for TLS to the mail server: use smtps:// or add ?tls=required to KEYCARD_SMTP_URL"
    )]
    SmtpCaWithoutTls,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name| lookup(name).filter(|value: &String| !value.is_empty());
        let number = |name, range: RangeInclusive<u64>, default: u64| match set(name) {
            None => Ok(default),
            Some(value) => value
                .parse()
                .ok()
                .filter(|number| range.contains(number))
                .ok_or(ConfigError::Number {
                    name,
                    min: *range.start(),
                    max: *range.end(),
                    value,
                }),
        };
        let seconds = |name, range, default: Duration| {
            number(name, range, default.as_secs()).map(Duration::from_secs)
        };
        let session_defaults = SessionPolicy::default();
        let sessions = SessionPolicy {
            access_token_lifetime: seconds(
                "KEYCARD_TOKEN_TTL",
                TOKEN_LIFETIME_SECONDS,
                session_defaults.access_token_lifetime,
            )?,
            idle_timeout: seconds(
                "KEYCARD_SESSION_IDLE_TIMEOUT",
                SESSION_SECONDS,
                session_defaults.idle_timeout,
            )?,
            lifetime: seconds(
                "KEYCARD_SESSION_LIFETIME",
                SESSION_SECONDS,
                session_defaults.lifetime,
            )?,
            refresh_reuse_grace: seconds(
                "KEYCARD_REFRESH_REUSE_GRACE",
                REUSE_GRACE_SECONDS,
                session_defaults.refresh_reuse_grace,
            )?,
            reauthentication_window: seconds(
                "KEYCARD_REAUTH_WINDOW",
                SESSION_SECONDS,
                session_defaults.reauthentication_window,
            )?,
        };
        let defaults = ThrottlePolicy::default();
        let throttle = ThrottlePolicy {
            failures_per_account: count(number(
                "KEYCARD_LOGIN_FAILURE_LIMIT",
                ATTEMPT_LIMITS,
                defaults.failures_per_account.into(),
            )?),
            attempts_per_address: count(number(
                "KEYCARD_ADDRESS_ATTEMPT_LIMIT",
                ATTEMPT_LIMITS,
                defaults.attempts_per_address.into(),
            )?),
            window: Duration::from_secs(number(
                "KEYCARD_THROTTLE_WINDOW",
                THROTTLE_WINDOW_SECONDS,
                defaults.window.as_secs(),
            )?),
            ..defaults
        };
        let flag = |name, default| match set(name).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(ConfigError::Flag {
                name,
                value: other.to_owned(),
            }),
        };
        let cookie_secure = flag("KEYCARD_COOKIE_SECURE", true)?;
        let allow_new_secret = flag("KEYCARD_ALLOW_NEW_SECRET", false)?;
        let public_origin = set("KEYCARD_PUBLIC_ORIGIN")
            .map(|value| PublicOrigin::parse(&value).ok_or(ConfigError::PublicOrigin { value }))
            .transpose()?;
        let trusted_proxies = set("KEYCARD_TRUSTED_PROXIES")
            .map(|value| {
                parse_list(&value).ok_or(ConfigError::TrustedProxies {
                    value: value.clone(),
                })
            })
            .transpose()?
            .unwrap_or_default();
        let jwt_secret = set("KEYCARD_JWT_SECRET")
            .map(|secret| JwtSecret::new(secret.into_bytes()))
            .transpose()?;
        #[cfg(feature = "postgres")]
        let (postgres_url, database_ca) = {
            let postgres_url = set("KEYCARD_DATABASE_URL")
                .map(PostgresUrl::parse)
                .transpose()?;
            if postgres_url.is_some() && jwt_secret.is_none() {
                return Err(ConfigError::SharedSecretRequired);
            }
            let database_ca = set("KEYCARD_DATABASE_CA").map(PathBuf::from);
            if database_ca.is_some()
                && !postgres_url.as_ref().is_some_and(PostgresUrl::requires_tls)
            {
                return Err(ConfigError::CaWithoutTls);
            }
            (postgres_url, database_ca)
        };
        #[cfg(not(feature = "postgres"))]
        refuse_unbuilt(
            &set,
            &["KEYCARD_DATABASE_URL", "KEYCARD_DATABASE_CA"],
            "postgres",
        )?;
        #[cfg(feature = "mail")]
        let (smtp_url, smtp_ca, mail_from) = {
            let smtp_url = set("KEYCARD_SMTP_URL")
                .map(|value| {
                    SmtpUrl::parse(value).map_err(|reason| ConfigError::SmtpUrl { reason })
                })
                .transpose()?;
            let smtp_ca = set("KEYCARD_SMTP_CA").map(PathBuf::from);
            let smtp_tls = smtp_url
                .as_ref()
                .is_some_and(|url| url.security() != SmtpSecurity::Plain);
            if smtp_ca.is_some() && !smtp_tls {
                return Err(ConfigError::SmtpCaWithoutTls);
            }
            let mail_from = match set("KEYCARD_MAIL_FROM") {
                Some(value) => value.parse().map_err(|_| ConfigError::MailFrom { value })?,
                None if smtp_url.is_some() => return Err(ConfigError::SenderRequired),
                None => DEFAULT_SENDER.parse().map_err(|_| ConfigError::MailFrom {
                    value: DEFAULT_SENDER.to_owned(),
                })?,
            };
            (smtp_url, smtp_ca, mail_from)
        };
        #[cfg(not(feature = "mail"))]
        refuse_unbuilt(
            &set,
            &["KEYCARD_SMTP_URL", "KEYCARD_SMTP_CA", "KEYCARD_MAIL_FROM"],
            "mail",
        )?;
        let link_defaults = LinkLifetimes::default();
        let links = LinkLifetimes {
            verify_email: seconds(
                "KEYCARD_VERIFY_LINK_TTL",
                VERIFY_LINK_SECONDS,
                link_defaults.verify_email,
            )?,
            reset_password: seconds(
                "KEYCARD_RESET_LINK_TTL",
                RESET_LINK_SECONDS,
                link_defaults.reset_password,
            )?,
        };
        Ok(Self {
            #[cfg(feature = "postgres")]
            postgres_url,
            #[cfg(feature = "postgres")]
            database_ca,
            database_path: set("KEYCARD_DATABASE")
                .map_or_else(|| PathBuf::from(DEFAULT_DATABASE), PathBuf::from),
            busy_timeout: Duration::from_millis(number(
                "KEYCARD_DB_BUSY_TIMEOUT_MS",
                BUSY_TIMEOUT_MILLISECONDS,
                millis(DEFAULT_BUSY_TIMEOUT),
            )?),
            jwt_secret,
            allow_new_secret,
            sessions,
            cookie_secure,
            public_origin,
            throttle,
            trusted_proxies,
            #[cfg(feature = "mail")]
            smtp_url,
            #[cfg(feature = "mail")]
            smtp_ca,
            #[cfg(feature = "mail")]
            mail_from,
            links,
            two_step_lifetime: seconds(
                "KEYCARD_TWO_STEP_TTL",
                TWO_STEP_SECONDS,
                DEFAULT_TWO_STEP_LIFETIME,
            )?,
        })
    }
}

/// A setting of a feature this build lacks is an error, not silently ignored.
#[cfg(not(all(feature = "mail", feature = "postgres")))]
fn refuse_unbuilt(
    set: &impl Fn(&'static str) -> Option<String>,
    settings: &[&'static str],
    feature: &'static str,
) -> Result<(), ConfigError> {
    match settings.iter().find(|setting| set(setting).is_some()) {
        Some(setting) => Err(ConfigError::NotBuilt { setting, feature }),
        None => Ok(()),
    }
}

/// Limits are range-checked far below `u32::MAX` before they get here.
fn count(number: u64) -> u32 {
    u32::try_from(number).unwrap_or(u32::MAX)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn parse_list<T: FromStr>(value: &str) -> Option<Vec<T>> {
    value
        .split(',')
        .map(|item| item.trim().parse().ok())
        .collect()
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
        assert_eq!(config.busy_timeout, Duration::from_secs(5));
        assert!(config.jwt_secret.is_none());
        assert_eq!(config.sessions, SessionPolicy::default());
        assert_eq!(
            config.sessions.access_token_lifetime,
            Duration::from_secs(900)
        );
        assert!(config.cookie_secure);
        assert!(config.public_origin.is_none());
        assert_eq!(config.throttle, ThrottlePolicy::default());
        assert!(config.trusted_proxies.is_empty());
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn a_postgres_url_needs_the_shared_secret_and_never_shows_its_password() {
        let url = "postgres://keycard:hunter2-secret@db.internal:5432/keycard";
        assert!(matches!(
            config(&[("KEYCARD_DATABASE_URL", url)]),
            Err(ConfigError::SharedSecretRequired)
        ));
        let secret = "thirty-two bytes of shared secret!";
        let config = config(&[
            ("KEYCARD_DATABASE_URL", url),
            ("KEYCARD_JWT_SECRET", secret),
        ])
        .unwrap();
        let postgres = config.postgres_url.as_ref().unwrap();
        let connection = postgres.connection();
        assert_eq!(
            connection.get_hosts(),
            [tokio_postgres::config::Host::Tcp("db.internal".to_owned())]
        );
        assert_eq!(connection.get_ports(), [5432]);
        assert_eq!(connection.get_user(), Some("keycard"));
        assert_eq!(connection.get_password(), Some(&b"hunter2-secret"[..]));
        assert_eq!(connection.get_dbname(), Some("keycard"));
        let shown = format!("{config:?} {}", postgres.describe());
        assert!(shown.contains("db.internal"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn a_database_ca_needs_a_url_that_asks_for_tls() {
        let secret = ("KEYCARD_JWT_SECRET", "thirty-two bytes of shared secret!");
        let ca = ("KEYCARD_DATABASE_CA", "/etc/keycard/db-ca.pem");
        let plain = ("KEYCARD_DATABASE_URL", "postgres://keycard@db:5432/keycard");
        assert!(matches!(
            config(&[plain, secret, ca]),
            Err(ConfigError::CaWithoutTls)
        ));
        let tls = (
            "KEYCARD_DATABASE_URL",
            "postgres://keycard@db:5432/keycard?sslmode=require",
        );
        let config = config(&[tls, secret, ca]).unwrap();
        assert_eq!(
            config.database_ca.as_deref(),
            Some(std::path::Path::new("/etc/keycard/db-ca.pem"))
        );
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn a_malformed_postgres_url_is_refused_without_repeating_it() {
        let error = config(&[
            (
                "KEYCARD_DATABASE_URL",
                "postgres://keycard:hunter2@db:notaport/x",
            ),
            ("KEYCARD_JWT_SECRET", "thirty-two bytes of shared secret!"),
        ])
        .expect_err("a bad URL is refused");
        let message = error.to_string();
        assert!(
            message.starts_with("KEYCARD_DATABASE_URL must be"),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn limits_origin_and_proxies_are_read() {
        let config = config(&[
            ("KEYCARD_LOGIN_FAILURE_LIMIT", "3"),
            ("KEYCARD_ADDRESS_ATTEMPT_LIMIT", "40"),
            ("KEYCARD_THROTTLE_WINDOW", "60"),
            ("KEYCARD_PUBLIC_ORIGIN", "https://Auth.Example.com:443"),
            ("KEYCARD_TRUSTED_PROXIES", "10.0.0.1, ::1"),
        ])
        .unwrap();
        assert_eq!(
            config.throttle,
            ThrottlePolicy {
                failures_per_account: 3,
                attempts_per_address: 40,
                window: Duration::from_secs(60),
                ..ThrottlePolicy::default()
            }
        );
        assert_eq!(
            config.public_origin.unwrap().as_str(),
            "https://auth.example.com"
        );
        assert_eq!(config.trusted_proxies.len(), 2);
    }

    #[test]
    fn session_settings_go_down_to_one_second() {
        let config = config(&[
            ("KEYCARD_TOKEN_TTL", "1"),
            ("KEYCARD_SESSION_IDLE_TIMEOUT", "1"),
            ("KEYCARD_SESSION_LIFETIME", "1"),
            ("KEYCARD_REFRESH_REUSE_GRACE", "0"),
            ("KEYCARD_REAUTH_WINDOW", "1"),
        ])
        .unwrap();
        let second = Duration::from_secs(1);
        assert_eq!(
            config.sessions,
            SessionPolicy {
                access_token_lifetime: second,
                idle_timeout: second,
                lifetime: second,
                refresh_reuse_grace: Duration::ZERO,
                reauthentication_window: second,
            }
        );
        for name in [
            "KEYCARD_TOKEN_TTL",
            "KEYCARD_SESSION_IDLE_TIMEOUT",
            "KEYCARD_SESSION_LIFETIME",
            "KEYCARD_REAUTH_WINDOW",
        ] {
            let error = config_error(name, "0");
            assert!(error.contains(name), "{error}");
        }
    }

    fn config_error(name: &str, value: &str) -> String {
        config(&[(name, value)]).unwrap_err().to_string()
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
        let error = config(&[("KEYCARD_DB_BUSY_TIMEOUT_MS", "0")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_DB_BUSY_TIMEOUT_MS"));
        let error = config(&[("KEYCARD_COOKIE_SECURE", "maybe")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_COOKIE_SECURE"));
        let error = config(&[("KEYCARD_LOGIN_FAILURE_LIMIT", "0")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_LOGIN_FAILURE_LIMIT"));
        let error = config(&[("KEYCARD_PUBLIC_ORIGIN", "https://example.com/path")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_PUBLIC_ORIGIN"));
        let error = config(&[("KEYCARD_TRUSTED_PROXIES", "10.0.0.1,proxy")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_TRUSTED_PROXIES"));
        let error = config(&[("KEYCARD_MAIL_FROM", "Keycard <nobody>")]).unwrap_err();
        assert!(error.to_string().contains("KEYCARD_MAIL_FROM"));
        let error = config_error("KEYCARD_RESET_LINK_TTL", "86401");
        assert!(error.contains("KEYCARD_RESET_LINK_TTL"), "{error}");
        let error = config_error("KEYCARD_TWO_STEP_TTL", "901");
        assert!(error.contains("KEYCARD_TWO_STEP_TTL"), "{error}");
    }

    #[test]
    #[cfg(feature = "mail")]
    fn mail_goes_to_the_outbox_unless_an_smtp_server_and_a_sender_are_set() {
        let config = config(&[]).unwrap();
        assert!(config.smtp_url.is_none());
        assert_eq!(config.mail_from.email.to_string(), "keycard@localhost");
        assert_eq!(config.links, LinkLifetimes::default());
        let url = "smtps://keycard:hunter2-secret@mail.example.com:465";
        assert!(matches!(
            super::tests::config(&[("KEYCARD_SMTP_URL", url)]),
            Err(ConfigError::SenderRequired)
        ));
        let config = super::tests::config(&[
            ("KEYCARD_SMTP_URL", url),
            ("KEYCARD_MAIL_FROM", "Keycard <no-reply@example.com>"),
            ("KEYCARD_VERIFY_LINK_TTL", "1"),
            ("KEYCARD_RESET_LINK_TTL", "1"),
        ])
        .unwrap();
        let shown = format!("{:?}", config.smtp_url.unwrap());
        assert_eq!(shown, "SMTP server mail.example.com:465");
        assert_eq!(config.mail_from.email.to_string(), "no-reply@example.com");
        assert_eq!(config.links.reset_password, Duration::from_secs(1));
        assert_eq!(config.links.verify_email, Duration::from_secs(1));
        let refused = super::tests::config(&[
            ("KEYCARD_SMTP_URL", "gopher://hunter2@mail.example.com"),
            ("KEYCARD_MAIL_FROM", "no-reply@example.com"),
        ]);
        let error = refused.unwrap_err().to_string();
        assert!(
            error.contains("KEYCARD_SMTP_URL") && !error.contains("hunter2"),
            "{error}"
        );
        assert!(matches!(
            super::tests::config(&[
                ("KEYCARD_SMTP_URL", "smtp://127.0.0.1:1025"),
                ("KEYCARD_MAIL_FROM", "no-reply@example.com"),
                ("KEYCARD_SMTP_CA", "ca.pem"),
            ]),
            Err(ConfigError::SmtpCaWithoutTls)
        ));
        let with_ca = super::tests::config(&[
            ("KEYCARD_SMTP_URL", "smtp://mail.internal:587?tls=required"),
            ("KEYCARD_MAIL_FROM", "no-reply@example.com"),
            ("KEYCARD_SMTP_CA", "ca.pem"),
        ])
        .unwrap();
        assert_eq!(with_ca.smtp_ca, Some(PathBuf::from("ca.pem")));
    }
}
