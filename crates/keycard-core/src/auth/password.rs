//! Argon2id password hashing with pinned parameters, run on a few dedicated threads.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::anyhow;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::try_generate_salt;
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::hashing_threads::HashingThreads;
use crate::domain::Password;

/// OWASP's argon2id baseline: 19 MiB of memory, two passes, one lane.
const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// Hashes and verifies passwords. Cheap to clone; clones share the hashing threads.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    threads: Arc<HashingThreads>,
    /// Verified against when a username is unknown, so that case costs the same
    /// argon2 run as a wrong password and timing does not reveal which names exist.
    dummy_hash: Arc<str>,
    /// Argon2 verifications run so far: the evidence that every login costs exactly
    /// one, and a throttled one none.
    verifications: Arc<AtomicU64>,
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Mismatch,
    Match,
    /// The password is right, but the hash was made with other parameters than the
    /// current ones, so it should be replaced.
    MatchWithOutdatedHash,
}

impl PasswordHasher {
    /// Builds the hasher and starts its threads. `threads` hashes run at once; the rest
    /// wait their turn.
    pub fn new(threads: usize) -> anyhow::Result<Self> {
        let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
            .map_err(|e| anyhow!("invalid argon2 parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = unmatchable_hash(&argon2)?;
        Ok(Self {
            argon2,
            threads: Arc::new(HashingThreads::start(threads)?),
            dummy_hash: dummy_hash.into(),
            verifications: Arc::new(AtomicU64::new(0)),
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
    /// stored hash, so both cases take one argon2 run.
    pub async fn verify_password(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> anyhow::Result<Verification> {
        let argon2 = self.argon2.clone();
        let known_user = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let verifications = Arc::clone(&self.verifications);
        self.run_blocking(move || {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| anyhow!("stored password hash is malformed: {e}"))?;
            verifications.fetch_add(1, Ordering::Relaxed);
            let matched = verify_with(&parsed, password.expose())?;
            Ok(
                match (known_user && matched, is_current(&argon2, &parsed)) {
                    (false, _) => Verification::Mismatch,
                    (true, true) => Verification::Match,
                    (true, false) => Verification::MatchWithOutdatedHash,
                },
            )
        })
        .await
    }

    /// How many argon2 verifications this hasher has run.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.threads.run(work).await?
    }
}

/// Whether `hash` was made with the algorithm, version and cost parameters in use now.
fn is_current(argon2: &Argon2<'_>, hash: &PasswordHash) -> bool {
    let Ok(params) = Params::try_from(hash) else {
        return false;
    };
    let current = argon2.params();
    hash.algorithm.as_str() == Algorithm::Argon2id.as_str()
        && hash.version == Some(Version::V0x13.into())
        && (params.m_cost(), params.t_cost(), params.p_cost())
            == (current.m_cost(), current.t_cost(), current.p_cost())
}

thread_local! {
    /// Argon2's 19 MiB of working memory, allocated once per hashing thread and reused:
    /// a fresh buffer per hash costs page faults, or left allocator arenas holding
    /// hundreds of MiB after a burst of logins.
    static WORK_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2 with this thread's reusable working memory.
fn compute(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> anyhow::Result<()> {
    let blocks = argon2.params().block_count();
    WORK_MEMORY
        .with_borrow_mut(|memory| {
            if memory.len() < blocks {
                memory.resize(blocks, Block::default());
            }
            argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
        })
        .map_err(|e| anyhow!("argon2 hashing failed: {e}"))
}

fn phc_error(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("argon2 PHC string: {error}")
}

/// A PHC string for `password` under `argon2`'s parameters, with a fresh salt.
fn hash_with(argon2: &Argon2<'_>, password: &[u8]) -> anyhow::Result<String> {
    let salt = Salt::new(&try_generate_salt().map_err(phc_error)?).map_err(phc_error)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(argon2, password, &salt, &mut output)?;
    phc_string(argon2, salt, &output)
}

/// The stand-in for an unknown user's hash: checking a password against it costs one
/// full argon2 run under the current parameters, like a real one. Its output is all
/// zeros rather than a computed hash, so building it costs no argon2 run at start-up
/// and leaves no 19 MiB working buffer on the start-up thread.
fn unmatchable_hash(argon2: &Argon2<'_>) -> anyhow::Result<String> {
    let salt = Salt::new(b"keycard-unknown-user").map_err(phc_error)?;
    phc_string(argon2, salt, &[0u8; Params::DEFAULT_OUTPUT_LEN])
}

fn phc_string(argon2: &Argon2<'_>, salt: Salt, output: &[u8]) -> anyhow::Result<String> {
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(phc_error)?,
        salt: Some(salt),
        hash: Some(Output::new(output).map_err(phc_error)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches `stored`, recomputed with the stored algorithm, version
/// and parameters and compared in constant time (`Output`'s equality).
fn verify_with(stored: &PasswordHash, password: &[u8]) -> anyhow::Result<bool> {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return Err(anyhow!("stored password hash has no salt or no hash"));
    };
    let algorithm = Algorithm::try_from(stored.algorithm.as_str()).map_err(phc_error)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| anyhow!("stored password hash has an unknown version: {e}"))?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(phc_error)?;
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    compute(&argon2, password, salt, &mut computed)?;
    Ok(Output::new(&computed).map_err(phc_error)? == *expected)
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
        assert_eq!(
            hasher
                .verify_password(password("correct horse"), Some(stored.clone()))
                .await
                .unwrap(),
            Verification::Match
        );
        assert_eq!(
            hasher
                .verify_password(password("correct house"), Some(stored))
                .await
                .unwrap(),
            Verification::Mismatch
        );
        assert_eq!(hasher.verifications(), 2);
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let argon2 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap(),
        );
        for _ in 0..2 {
            let ours = hash_with(&argon2, b"correct horse").unwrap();
            assert!(
                argon2
                    .verify_password(b"correct horse", ours.as_str())
                    .is_ok()
            );
            assert!(
                argon2
                    .verify_password(b"correct house", ours.as_str())
                    .is_err()
            );
        }
        let theirs = argon2.hash_password(b"correct horse").unwrap();
        assert!(verify_with(&theirs, b"correct horse").unwrap());
        assert!(!verify_with(&theirs, b"correct house").unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_even_with_the_dummy_password() {
        let hasher = PasswordHasher::new(2).unwrap();
        let dummy = password("keycard dummy password, never valid");
        assert_eq!(
            hasher.verify_password(dummy, None).await.unwrap(),
            Verification::Mismatch
        );
        assert_eq!(hasher.verifications(), 1);
    }

    #[tokio::test]
    async fn a_hash_with_older_parameters_verifies_and_asks_to_be_replaced() {
        let hasher = PasswordHasher::new(2).unwrap();
        let weaker = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        );
        let stored = hash_with(&weaker, b"correct horse").unwrap();
        assert_eq!(
            hasher
                .verify_password(password("correct horse"), Some(stored))
                .await
                .unwrap(),
            Verification::MatchWithOutdatedHash
        );
    }
}
