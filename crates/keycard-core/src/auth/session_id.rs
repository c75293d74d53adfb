//! A session's id: random, never derived from the user. The tokens name it and the
//! sessions are kept under it.

use super::random_id::{is_random_id, random_id};

/// What a session id looks like: what [`SessionId::parse`] takes. utoipa's attributes
/// take only literals, so the API document repeats it, and a test holds the two equal.
pub const SESSION_ID_PATTERN: &str = "^[0-9a-f]{32}$";

/// A session's id: 128 random bits, never derived from the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    /// A new random session id.
    pub fn generate() -> anyhow::Result<Self> {
        random_id().map(Self)
    }

    /// An id as a client wrote it; anything that cannot be one is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        is_random_id(raw).then(|| Self(raw.to_owned()))
    }

    /// An id read back from storage, which only ever holds generated ones.
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
