//! Argon2id password hashing with pinned parameters, run on the blocking pool with a
//! bound on how many hashes run at once.

use std::sync::Arc;

use anyhow::Context as _;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::Password;

/// OWASP's argon2id baseline: 19 MiB of memory, two passes, one lane.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// Hashes and verifies passwords. Cheap to clone; clones share the concurrency bound.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// Verified against when a username is unknown, so that case costs the same
    /// argon2 run as a wrong password and timing does not reveal which names exist.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// Builds the hasher and its dummy hash (one argon2 run, so call it at start-up).
    /// At most `max_concurrent` hashes run at once; the rest wait their turn.
    pub fn new(max_concurrent: usize) -> anyhow::Result<Self> {
        let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = hash_with(&argon2, b"keycard dummy password, never valid")?;
        Ok(Self {
            argon2,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a fresh
    /// random salt.
    pub async fn hash_password(&self, password: Password) -> anyhow::Result<String> {
        let argon2 = self.argon2.clone();
        self.run_blocking(move || hash_with(&argon2, password.expose()))
            .await
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// stored hash, so both cases take one argon2 run. Returns whether it matched.
    pub async fn verify_password(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        let argon2 = self.argon2.clone();
        let known_user = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matched = self
            .run_blocking(move || {
                let parsed = PasswordHash::new(&phc)
                    .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
                Ok(argon2.verify_password(password.expose(), &parsed).is_ok())
            })
            .await?;
        Ok(known_user && matched)
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .context("password hashing pool closed")?;
        tokio::task::spawn_blocking(work)
            .await
            .context("password hashing task failed")?
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &[u8]) -> anyhow::Result<String> {
    argon2
        .hash_password(password)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    #[tokio::test]
    async fn a_hash_is_argon2id_with_the_pinned_parameters_and_a_fresh_salt() {
        let hasher = PasswordHasher::new(2).unwrap();
        let first = hasher
            .hash_password(password("correct horse"))
            .await
            .unwrap();
        let second = hasher
            .hash_password(password("correct horse"))
            .await
            .unwrap();
        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "salts must differ");
    }

    #[tokio::test]
    async fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let hasher = PasswordHasher::new(2).unwrap();
        let stored = hasher
            .hash_password(password("correct horse"))
            .await
            .unwrap();
        assert!(
            hasher
                .verify_password(password("correct horse"), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify_password(password("correct house"), Some(stored))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let hasher = PasswordHasher::new(2).unwrap();
        let dummy = password("keycard dummy password, never valid");
        assert!(!hasher.verify_password(dummy, None).await.unwrap());
    }
}
