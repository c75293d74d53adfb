//! What `Debug` prints in place of a secret, so a value that holds one can still be
//! logged or shown in a failed assertion without giving it away.

/// Prints `[redacted]`.
pub struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
