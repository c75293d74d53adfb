//! Two-step sign-in: the sealed secret, the recovery codes and the time steps already used.

use time::OffsetDateTime;

use crate::auth::device::ClientInfo;
use crate::auth::sessions::{NewSession, SessionId, SessionPolicy};
use crate::auth::two_factor::{SecondFactorProof, SecondFactorSpend, StoredTwoFactor};
use crate::auth::users::{PasswordVersion, UserId};

use super::{AccountChange, StoreError};

/// Two-step sign-in: the sealed secret, the recovery codes and the time steps already used.
#[async_trait::async_trait]
pub trait TwoStepStore: Send + Sync {
    /// The account's two-step settings, if it has any (on, or being set up).
    async fn find_two_factor(&self, user: UserId) -> Result<Option<StoredTwoFactor>, StoreError>;

    /// Keeps `sealed_secret` as the secret waiting for the account's first code in
    /// `session` alone, in place of any earlier one; `false` (and nothing written) if
    /// two-step is on already.
    async fn stage_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        sealed_secret: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Turns two-step sign-in on with the secret staged in `session`, if it is still live:
    /// `step` is the first code's (spent), `recovery_hashes` replace any earlier
    /// recovery codes, every other session ends and the change is recorded. `false`
    /// if no secret waits there (turned on meanwhile, staged again elsewhere, or never).
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn enable_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        step: u64,
        recovery_hashes: &[String],
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<bool>, StoreError>;

    /// Turns two-step sign-in off and forgets its secret and recovery codes, if
    /// `session` is still live, the password still version `checked`, and `step` later
    /// than the last code used; every other session ends and the change is recorded.
    /// `false` if the step was not later (a code used before).
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn disable_two_factor(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        step: u64,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<bool>, StoreError>;

    /// Spends a code's `step` of `user`'s app, if later than the last one used; `false`
    /// if not (a code used before) or two-step is not on.
    async fn spend_code_step(&self, user: UserId, step: u64) -> Result<bool, StoreError>;

    /// Spends a login's second step at once: the challenge `challenge_id` (remembered
    /// until it expires) and `proof`, a code's step later than the last one used or an
    /// unused recovery code of `user` (recording its use), and records `start` as
    /// [`SessionStore::insert_session`](super::SessionStore::insert_session) does. Nothing is spent unless all of it is, so a
    /// recovery code is never used up by a sign-in that starts no session.
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn spend_second_factor(
        &self,
        challenge_id: &str,
        challenge_expires_at: OffsetDateTime,
        user: UserId,
        proof: &SecondFactorProof,
        start: Option<&NewSession>,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<SecondFactorSpend, StoreError>;
}
