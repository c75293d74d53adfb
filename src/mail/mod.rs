//! Sending the letters the core posts: worded in `compose`, delivered in the
//! background by `delivery` through an SMTP server or, by default, into an outbox
//! folder of `.eml` files. Server only; it knows the core's letters, not HTTP.

mod compose;
mod delivery;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;

pub use delivery::{MailHealth, Mailer};

use crate::auth::LinkLifetimes;

/// The sender when `KEYCARD_MAIL_FROM` is not set (the outbox only).
pub const DEFAULT_SENDER: &str = "Keycard <keycard@localhost>";

/// Where letters go.
#[derive(Debug, Clone)]
pub enum Transport {
    /// `.eml` files in this folder, each named in the log: the embedded default.
    Outbox(PathBuf),
    Smtp(SmtpUrl),
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
        Ok(Self(value))
    }

    /// The server's host and port, for the log and `/readyz`.
    pub fn describe(&self) -> String {
        let after_scheme = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        format!("SMTP server {host}")
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
    pub transport: Transport,
    pub sender: Mailbox,
    /// Where the links point: the public origin, never a request's Host header.
    pub link_origin: String,
    /// How long the links last, for the letters to say.
    pub links: LinkLifetimes,
    /// The wait before the first retry of a failed delivery; each retry waits twice
    /// as long as the one before.
    pub first_retry: Duration,
}
