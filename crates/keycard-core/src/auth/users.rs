//! Accounts as the core sees them.

use time::OffsetDateTime;

use crate::domain::{Email, Login, Username};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// An account's id, never given twice.
pub struct UserId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Whether an account may sign in.
pub enum UserStatus {
    /// May sign in.
    Active,
    /// May not sign in.
    Disabled,
}

impl UserStatus {
    /// The status's stable code, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }
}

/// An account as the rest of the app sees it: never with its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account's id.
    pub id: UserId,
    /// The username as given at sign-up.
    pub username: String,
    /// The email address, if any.
    pub email: Option<String>,
    /// Whether the owner of `email` opened a link mailed to it since it was set.
    pub email_verified: bool,
    /// Whether it may sign in.
    pub status: UserStatus,
    /// When it was signed up.
    pub created_at: OffsetDateTime,
}

impl User {
    /// The address mail about the account may go to: its address, once verified.
    pub fn verified_email(&self) -> Option<&str> {
        self.email.as_deref().filter(|_| self.email_verified)
    }
}

/// The stored hash of one account, for checking a password, and the key its failed
/// attempts are counted under.
pub struct StoredCredentials {
    /// The account's id.
    pub id: UserId,
    /// The username as given.
    pub username: String,
    /// The username's canonical key (see `Username::canonical_key`).
    pub username_key: String,
    /// The account's address if it is verified: the only one it is ever mailed at.
    pub verified_email: Option<String>,
    /// The password's argon2id PHC string.
    pub password_hash: String,
    /// The password's version, changed with every change of password.
    pub password_version: PasswordVersion,
}

impl StoredCredentials {
    /// The account's name and verified address, where a sign-in from a new device is
    /// told; `None` without a verified address.
    pub fn mailbox(&self) -> Option<(String, String)> {
        let email = self.verified_email.clone()?;
        Some((self.username.clone(), email))
    }
}

/// Which of an account's passwords a hash is: every password change makes a new
/// version, so a write that checked an older password can tell it is out of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordVersion(pub i64);

impl PasswordVersion {
    /// The version of the password an account is created with.
    pub const FIRST: Self = Self(1);
}

/// An account a password-reset link can go to: active, with a verified address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The account.
    pub user: UserId,
    /// Its username.
    pub username: String,
    /// Its verified address.
    pub email: String,
    /// Its password version when found.
    pub password_version: PasswordVersion,
}

/// What someone typed into "Username or email", as the accounts are looked up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountLookup {
    /// A username's canonical key.
    Username(String),
    /// An address's lookup key.
    Email(String),
}

impl AccountLookup {
    /// An address if it has an `@` (no username can), else a username; `None` for
    /// input that could be neither, which no account matches.
    pub fn parse(login: &Login) -> Option<Self> {
        let raw = login.as_str();
        if raw.contains('@') {
            Email::parse(raw)
                .ok()
                .map(|email| Self::Email(email.lookup_key()))
        } else {
            Username::parse(raw)
                .ok()
                .map(|name| Self::Username(name.canonical_key()))
        }
    }

    /// The throttle's key for mails asked for by this input, whether or not any
    /// account matches it.
    pub fn throttle_key(&self) -> String {
        match self {
            Self::Username(key) => format!("reset name {key}"),
            Self::Email(key) => format!("reset email {key}"),
        }
    }
}
