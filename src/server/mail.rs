//! The app's mail: delivery through keycard-mail (the `mail` feature), to the SMTP
//! server or the outbox folder the settings name. A build without it sends nothing: the
//! flows go on as usual, and each notice they post is logged as not sent.

use std::path::Path;

use super::config::Config;
use keycard_axum::OwnOrigins;

#[cfg(feature = "mail")]
pub use keycard_mail::{MailHealth, Mailer};

/// A failed delivery is tried again after 5 s, then 10 s, then 20 s.
#[cfg(feature = "mail")]
const MAIL_FIRST_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Starts delivering, as `config` says, letters whose links lead to `origins`' preferred
/// origin; the outbox, when no SMTP server is set, is a folder in `data`.
#[cfg(feature = "mail")]
pub fn start_mail(config: &Config, origins: &OwnOrigins, data: &Path) -> anyhow::Result<Mailer> {
    use keycard_mail::{MailSettings, Transport};

    Mailer::start(MailSettings {
        transport: match &config.smtp_url {
            Some(url) => Transport::Smtp {
                url: url.clone(),
                extra_ca: config.smtp_ca.clone(),
            },
            None => Transport::Outbox(data.join("outbox")),
        },
        sender: config.mail_from.clone(),
        link_origin: origins.preferred().as_str().to_owned(),
        pages: crate::app::PAGES,
        links: config.links,
        first_retry: MAIL_FIRST_RETRY,
    })
}

/// Without the `mail` feature: nothing to start.
#[cfg(not(feature = "mail"))]
pub fn start_mail(_config: &Config, _origins: &OwnOrigins, _data: &Path) -> anyhow::Result<Mailer> {
    tracing::warn!("built without mail: no notice or link is sent");
    Ok(Mailer)
}

/// What posts the core's letters in a build without the `mail` feature: none leaves.
#[cfg(not(feature = "mail"))]
#[derive(Clone)]
pub struct Mailer;

/// How `/readyz` reports mail in a build without it.
#[cfg(not(feature = "mail"))]
pub type MailHealth = &'static str;

#[cfg(not(feature = "mail"))]
impl Mailer {
    pub fn health(&self) -> MailHealth {
        "not built in"
    }

    pub fn describe(&self) -> String {
        "nowhere (built without mail)".to_owned()
    }
}

#[cfg(not(feature = "mail"))]
impl keycard_core::auth::Postbox for Mailer {
    fn post(&self, letter: keycard_core::auth::Letter) {
        tracing::warn!(username = %letter.username, "a notice was not sent: built without mail");
    }
}
