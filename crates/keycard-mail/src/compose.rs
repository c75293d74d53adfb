//! The words of each letter, as plain text and as simple HTML with the same links.

use std::time::Duration;

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use time::OffsetDateTime;
use time::macros::format_description;

use super::{MailSettings, Page};
use keycard_core::auth::{Letter, Notice};

/// A paragraph of a letter: text, or text followed by a link on its own line.
enum Paragraph {
    Text(String),
    Link(String, String),
}

/// The letter as a message ready to send, or why it cannot be one (an address lettre
/// refuses).
pub fn compose(settings: &MailSettings, letter: &Letter) -> Result<Message, String> {
    let to: Mailbox = letter
        .to
        .parse()
        .map_err(|error| format!("the address cannot be mailed: {error}"))?;
    let (subject, paragraphs) = wording(settings, letter);
    let text = paragraphs
        .iter()
        .map(|paragraph| match paragraph {
            Paragraph::Text(text) => text.clone(),
            Paragraph::Link(text, link) => format!("{text}\n\n{link}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let html = paragraphs
        .iter()
        .map(|paragraph| match paragraph {
            Paragraph::Text(text) => format!("<p>{}</p>", escape(text)),
            Paragraph::Link(text, link) => format!(
                "<p>{}</p>\n<p><a href=\"{link}\">{link}</a></p>",
                escape(text),
                link = escape(link)
            ),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{html}\n</body></html>\n",
        escape(subject)
    );
    Message::builder()
        .from(settings.sender.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(format!("{text}\n"), html))
        .map_err(|error| format!("the message could not be built: {error}"))
}

fn wording(settings: &MailSettings, letter: &Letter) -> (&'static str, Vec<Paragraph>) {
    use Paragraph::{Link, Text};
    let origin = &settings.link_origin;
    let page = |page| settings.pages.path(page);
    let name = &letter.username;
    let greeting = Text(format!("Hello {name},"));
    let not_you = |what: &str| {
        Link(
            format!(
                "If {what} was not you, someone else knows your password: reset it now, then sign out the other sessions."
            ),
            format!("{origin}{}", page(Page::ForgotPassword)),
        )
    };
    match &letter.notice {
        Notice::VerifyEmail { token } => (
            "Confirm your email address",
            vec![
                greeting,
                Link(
                    format!(
                        "Please confirm that this is the address of your Keycard account {name}: open this link and press \"Verify email\". It works once, within {}.",
                        lifetime(settings.links.verify_email)
                    ),
                    format!("{origin}{}?token={}", page(Page::VerifyEmail), token.reveal()),
                ),
                Text("If you did not sign up for Keycard, ignore this message.".to_owned()),
            ],
        ),
        Notice::ResetPassword { token } => (
            "Reset your password",
            vec![
                greeting,
                Link(
                    format!(
                        "Someone, hopefully you, asked to reset the password of your Keycard account {name}. To choose a new one, open this link. It works once, within {}.",
                        lifetime(settings.links.reset_password)
                    ),
                    format!("{origin}{}?token={}", page(Page::ResetPassword), token.reveal()),
                ),
                Text(
                    "If you did not ask, ignore this message: your password stays as it is."
                        .to_owned(),
                ),
            ],
        ),
        Notice::PasswordChanged => (
            "Your password was changed",
            vec![
                greeting,
                Text(format!(
                    "The password of your Keycard account {name} was just changed, and every other device signed in to it was signed out."
                )),
                not_you("this"),
            ],
        ),
        Notice::TwoFactorEnabled => (
            "Two-step sign-in was turned on",
            vec![
                greeting,
                Text(format!(
                    "Two-step sign-in was just turned on for your Keycard account {name}: signing in now needs a code from your authenticator app after the password, and every other device signed in to it was signed out."
                )),
                not_you("this"),
            ],
        ),
        Notice::TwoFactorDisabled => (
            "Two-step sign-in was turned off",
            vec![
                greeting,
                Text(format!(
                    "Two-step sign-in was just turned off for your Keycard account {name}: the password alone signs in now, and every other device signed in to it was signed out."
                )),
                not_you("this"),
            ],
        ),
        Notice::TwoStepLocked => (
            "Too many wrong sign-in codes",
            vec![
                greeting,
                Text(format!(
                    "Someone who knew the password of your Keycard account {name} tried too many wrong two-step codes, so the second step refuses every code for a while. If it was not you, change your password now: whoever tried has it."
                )),
            ],
        ),
        Notice::PasskeyAdded => (
            "A passkey was added to your account",
            vec![
                greeting,
                Text(format!(
                    "A passkey was just added to your Keycard account {name}: it can now sign in without the password."
                )),
                not_you("this"),
            ],
        ),
        Notice::PasskeyRemoved => (
            "A passkey was removed from your account",
            vec![
                greeting,
                Text(format!(
                    "A passkey was just removed from your Keycard account {name}: it no longer signs in."
                )),
                not_you("this"),
            ],
        ),
        Notice::PasswordReset { passkeys } => {
            let mut paragraphs = vec![
                greeting,
                Text(format!(
                    "The password of your Keycard account {name} was just reset with a link mailed to this address, and every device signed in to it was signed out."
                )),
            ];
            if *passkeys > 0 {
                let them = if *passkeys == 1 { "Its passkey still signs in" } else { "Its passkeys still sign in" };
                paragraphs.push(Link(
                    format!("{them} without the password: if you do not recognise one, remove it."),
                    format!("{origin}{}", page(Page::Passkeys)),
                ));
            }
            paragraphs.push(not_you("this"));
            ("Your password was reset", paragraphs)
        }
        Notice::EmailChanged { new_address } => (
            "Your email address was changed",
            vec![
                greeting,
                Text(match new_address {
                    Some(new) => format!(
                        "The email address of your Keycard account {name} was changed to {new}. This address will get no more mail about the account."
                    ),
                    None => format!(
                        "The email address of your Keycard account {name} was removed. This address will get no more mail about the account."
                    ),
                }),
                Link(
                    "If this was not you, someone else knows your password: sign in, change it, and set your address again.".to_owned(),
                    format!("{origin}/login"),
                ),
            ],
        ),
        Notice::AccountDeleted => (
            "Your account was deleted",
            vec![
                greeting,
                Text(format!(
                    "Your Keycard account {name} was deleted, with its sessions and its activity. This is the last message you get from us about it."
                )),
            ],
        ),
        Notice::NewDevice {
            device,
            address,
            at,
        } => (
            "A new sign-in to your account",
            vec![
                greeting,
                Text(format!(
                    "Your Keycard account {name} was signed in to from {device} (address {address}) on {}. If this was you, there is nothing to do.",
                    moment(*at)
                )),
                Link(
                    "If it was not, change your password and sign out the other sessions:"
                        .to_owned(),
                    format!("{origin}/sessions"),
                ),
            ],
        ),
    }
}

/// "24 hours", "1 hour", "15 minutes", "30 seconds".
fn lifetime(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (count, unit) = match seconds {
        0..120 => (seconds, "second"),
        120..3600 => (seconds / 60, "minute"),
        _ => (seconds / 3600, "hour"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// A moment as the letters write it, e.g. "29 November 2026, 17:24 UTC".
fn moment(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[day padding:none] [month repr:long] [year], [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| at.to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Pages, Transport};
    use keycard_core::auth::{LinkLifetimes, LinkToken};

    fn settings() -> MailSettings {
        MailSettings {
            transport: Transport::Outbox("outbox".into()),
            sender: "Keycard <keycard@example.com>".parse().unwrap(),
            link_origin: "https://auth.example.com".to_owned(),
            pages: Pages::ROOT,
            links: LinkLifetimes::default(),
            first_retry: Duration::from_secs(1),
        }
    }

    /// A reset by mail leaves passkeys in place: the notice says so and links to them,
    /// so a passkey an attacker added is found.
    #[test]
    fn a_reset_notice_says_passkeys_remain_and_links_to_them() {
        let reset = |passkeys| Letter {
            to: "grace@example.com".to_owned(),
            username: "grace".to_owned(),
            notice: Notice::PasswordReset { passkeys },
        };
        let passkeys_link = |letter: &Letter| {
            wording(&settings(), letter).1.into_iter().any(|p| {
                matches!(p, Paragraph::Link(text, link)
                    if text.contains("still sign in") && link == "https://auth.example.com/passkeys")
            })
        };
        assert!(passkeys_link(&reset(2)));
        assert!(!passkeys_link(&reset(0)));
    }

    /// A site that mounts the pages under a segment gets links to them there.
    #[test]
    fn links_lead_to_where_the_site_mounts_the_pages() {
        let token = LinkToken::generate().unwrap();
        let letter = Letter {
            to: "grace@example.com".to_owned(),
            username: "grace".to_owned(),
            notice: Notice::VerifyEmail {
                token: token.clone(),
            },
        };
        let mounted = MailSettings {
            pages: Pages::under("account"),
            ..settings()
        };
        let link = format!(
            "https://auth.example.com/account/verify-email?token={}",
            token.reveal()
        );
        assert!(
            wording(&mounted, &letter)
                .1
                .iter()
                .any(|p| matches!(p, Paragraph::Link(_, l) if *l == link))
        );
    }

    #[test]
    fn both_parts_carry_the_absolute_link_and_html_is_escaped() {
        let token = LinkToken::generate().unwrap();
        let letter = Letter {
            to: "grace@example.com".to_owned(),
            username: "o.brien<b>".to_owned(),
            notice: Notice::ResetPassword {
                token: token.clone(),
            },
        };
        let (_, paragraphs) = wording(&settings(), &letter);
        let link = format!(
            "https://auth.example.com/reset-password?token={}",
            token.reveal()
        );
        assert!(
            paragraphs
                .iter()
                .any(|p| matches!(p, Paragraph::Link(_, l) if *l == link))
        );
        let message = compose(&settings(), &letter).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert!(
            !raw.contains("o.brien<b>,</p>"),
            "the name is escaped in HTML"
        );
    }

    #[test]
    fn an_address_lettre_refuses_is_an_error_not_a_panic() {
        let letter = Letter {
            to: "not an address".to_owned(),
            username: "grace".to_owned(),
            notice: Notice::PasswordChanged,
        };
        assert!(compose(&settings(), &letter).is_err());
    }

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(lifetime(Duration::from_secs(86_400)), "24 hours");
        assert_eq!(lifetime(Duration::from_secs(3_600)), "1 hour");
        assert_eq!(lifetime(Duration::from_secs(1)), "1 second");
        assert_eq!(lifetime(Duration::from_secs(900)), "15 minutes");
    }
}
