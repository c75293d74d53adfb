#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod compose;
mod delivery;

use std::path::PathBuf;
use std::time::Duration;

pub use delivery::{MailHealth, Mailer};
/// A sender's name and address, as `MailSettings::sender` takes it (lettre's type).
pub use lettre::message::Mailbox;

use keycard_core::auth::LinkLifetimes;
/// Where the site serves Keycard's pages, which the links lead to.
pub use keycard_types::{Page, Pages};

/// The sender when `KEYCARD_MAIL_FROM` is not set (the outbox only).
pub const DEFAULT_SENDER: &str = "Keycard <keycard@localhost>";

/// Where letters go.
#[derive(Debug, Clone)]
pub enum Transport {
    /// `.eml` files in this folder, each named in the log: the embedded default.
    Outbox(PathBuf),
    /// An SMTP server.
    Smtp {
        /// Its URL.
        url: SmtpUrl,
        /// A PEM file of certificate authorities to verify the server with, besides the
        /// system's.
        extra_ca: Option<PathBuf>,
    },
}

/// How a connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte.
    Tls,
    /// `smtp://…?tls=required`: STARTTLS, and no mail if the server does not offer it.
    StartTls,
    /// `smtp://`: none, for a mail catcher on the same host.
    Plain,
}

/// An SMTP server's URL as lettre reads it (`smtp://`, `smtps://`, with
/// `?tls=required` for STARTTLS), checked once; shown only without its password.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    /// The URL if lettre can use it, or why not (never repeating it: it may hold a
    /// password).
    pub fn parse(value: String) -> Result<Self, String> {
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&value)
            .map_err(|error| error.to_string())?;
        let url = Self(value);
        if url.tls_parameter() == Some("opportunistic") {
            return Err(
                "tls=opportunistic lets anyone on the way turn encryption off; use tls=required"
                    .to_owned(),
            );
        }
        Ok(url)
    }

    fn tls_parameter(&self) -> Option<&str> {
        let (_, query) = self.0.split_once('?')?;
        query.split('&').find_map(|pair| pair.strip_prefix("tls="))
    }

    /// How the connection is protected, from the URL's scheme and query.
    pub fn security(&self) -> SmtpSecurity {
        if self.0.starts_with("smtps://") {
            SmtpSecurity::Tls
        } else if self.tls_parameter() == Some("required") {
            SmtpSecurity::StartTls
        } else {
            SmtpSecurity::Plain
        }
    }

    /// The server's name as its certificate must show it: no port, no brackets.
    fn host(&self) -> &str {
        let authority = self.authority();
        if let Some(bracketed) = authority.strip_prefix('[') {
            return bracketed.split(']').next().unwrap_or_default();
        }
        authority.split(':').next().unwrap_or_default()
    }

    /// Host and port, without credentials.
    fn authority(&self) -> &str {
        let after_scheme = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host)
    }

    /// The server's host and port, for the log and `/readyz`.
    pub fn describe(&self) -> String {
        format!("SMTP server {}", self.authority())
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.describe())
    }
}

/// How mail is sent and what it says.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Where letters go.
    pub transport: Transport,
    /// Who letters come from.
    pub sender: Mailbox,
    /// Where the links point: the public origin, never a request's Host header.
    pub link_origin: String,
    /// Where on that origin Keycard's pages are.
    pub pages: Pages,
    /// How long the links last, for the letters to say.
    pub links: LinkLifetimes,
    /// The wait before the first retry of a failed delivery; each retry waits twice
    /// as long as the one before.
    pub first_retry: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_says_how_the_connection_is_protected_and_to_whom() {
        let url = |value: &str| SmtpUrl::parse(value.to_owned()).unwrap();
        let tls = url("smtps://keycard:hunter2@mail.example.com:465");
        assert_eq!(tls.security(), SmtpSecurity::Tls);
        assert_eq!(tls.host(), "mail.example.com");
        assert_eq!(tls.describe(), "SMTP server mail.example.com:465");
        let starttls = url("smtp://mail.example.com:587?tls=required");
        assert_eq!(starttls.security(), SmtpSecurity::StartTls);
        assert_eq!(starttls.host(), "mail.example.com");
        assert_eq!(url("smtp://127.0.0.1:1025").security(), SmtpSecurity::Plain);
        assert_eq!(url("smtps://[::1]:465").host(), "::1");
        let refused = SmtpUrl::parse("smtp://mail.example.com?tls=opportunistic".to_owned());
        assert!(refused.unwrap_err().contains("tls=required"));
    }
}
