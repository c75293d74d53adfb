//! Accounts as the core sees them.

use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
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
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
    pub status: UserStatus,
    pub created_at: OffsetDateTime,
}

/// The stored hash of one account, for checking a password, and the key its failed
/// attempts are counted under.
pub struct StoredCredentials {
    pub id: UserId,
    pub username_key: String,
    pub password_hash: String,
    pub password_version: PasswordVersion,
}

/// Which of an account's passwords a hash is: every password change makes a new
/// version, so a write that checked an older password can tell it is out of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordVersion(pub i64);

impl PasswordVersion {
    /// The version of the password an account is created with.
    pub const FIRST: Self = Self(1);
}
