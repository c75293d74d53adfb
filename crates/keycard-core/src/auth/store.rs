//! What the core asks of storage, in the core's own terms: one method per transaction,
//! each all-or-nothing. keycard-sqlite and keycard-postgres implement it; the core
//! never sees SQL, so it has nothing to branch on when the database is another.

use std::sync::Arc;

use time::OffsetDateTime;

use super::activity::{ActivityEntry, ActivityEvent};
use super::device::ClientInfo;
use super::link_token::{NewLink, StoredLink};
use super::passkeys::{NewPasskey, StoredPasskey};
use super::refresh_token::RefreshToken;
use super::sessions::{
    GuardRecord, NewSession, Redemption, SessionId, SessionPolicy, StoredSession,
};
use super::throttle::{Throttle, ThrottlePolicy};
use super::token::VerifiedToken;
use super::two_factor::{SecondFactorProof, SecondFactorSpend, StoredTwoFactor, TwoStepAfterReset};
use super::users::{AccountLookup, PasswordVersion, Recipient, StoredCredentials, User, UserId};
use crate::domain::{Email, Username};

/// Why storage could not do what was asked. Nothing was committed either way.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not take the request now (locked past its timeout, full,
    /// read-only, unreachable); the same request may well succeed later.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else: a bug or a damaged database, not something a retry fixes.
    #[error("database query failed: {0}")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// How a change to an account turned out once its transaction ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange<T> {
    Done(T),
    /// The session making the change ended after the guard let the request in.
    SessionEnded,
    /// The password checked is no longer the account's, or the account is gone.
    PasswordNoLongerCurrent,
}

pub type SharedStore = Arc<dyn Store>;

#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// The brute-force limits under `policy`, counted where every process serving this
    /// store sees the same counts.
    fn throttle(&self, policy: ThrottlePolicy) -> Arc<dyn Throttle>;

    /// Whether the database answers a read now: what readiness means for Keycard.
    async fn check(&self) -> Result<(), StoreError>;

    /// Inserts a new account and records its creation; `None` if the name (compared
    /// case-folded) is taken, decided by the database so racing sign-ups cannot both win.
    async fn create_user(
        &self,
        username: &Username,
        email: Option<&Email>,
        password_hash: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<User>, StoreError>;

    /// The credentials of the active account with this name, compared case-folded.
    async fn find_credentials_by_name(
        &self,
        username: &Username,
    ) -> Result<Option<StoredCredentials>, StoreError>;

    /// The credentials of an active account, by its id.
    async fn find_credentials_by_id(
        &self,
        user: UserId,
    ) -> Result<Option<StoredCredentials>, StoreError>;

    /// Replaces the hash by one of the same password made with newer parameters, unless
    /// the password has been changed since version `checked`.
    async fn upgrade_password_hash(
        &self,
        user: UserId,
        checked: PasswordVersion,
        password_hash: &str,
    ) -> Result<(), StoreError>;

    /// Records `event` for `user`, from `client`, on its own.
    async fn record_activity(
        &self,
        user: UserId,
        event: ActivityEvent,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Records a new session, its first refresh token and the sign-in, if the account's
    /// password is still the version the sign-in checked and, unless its second step
    /// passed, two-step sign-in is not on (seen in the same transaction, so turning it on
    /// while the sign-in is under way cannot leave a password-only session behind);
    /// `false` (and nothing written) if not.
    async fn insert_session(
        &self,
        session: &NewSession,
        user: UserId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Replaces `presented` by `successor` if it is its session's current token; tells a
    /// race within the policy's grace period from a reuse, and on a reuse ends the
    /// session and records it. Requests presenting one token are served one at a time.
    async fn redeem_refresh_token(
        &self,
        presented: &RefreshToken,
        successor: &RefreshToken,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Redemption, StoreError>;

    /// Revokes the token until it expires, ends its session and records the sign-out.
    async fn sign_out(
        &self,
        token: &VerifiedToken,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Ends `user`'s live session `session` from another of theirs and records it;
    /// `false` if it is not a live session of theirs.
    async fn end_session(
        &self,
        user: UserId,
        session: &SessionId,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Ends every live session of `user` but `keep`, records it, and says how many.
    async fn end_other_sessions(
        &self,
        user: UserId,
        keep: &SessionId,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<usize, StoreError>;

    /// The live sessions of `user`, most recently active first.
    async fn list_live_sessions(
        &self,
        user: UserId,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Vec<StoredSession>, StoreError>;

    /// Writes "last active" unless another request already has, lately.
    async fn touch_session(
        &self,
        session: &SessionId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Records that the password was just entered again in `session`, and says so in the
    /// account's activity.
    async fn confirm_password(
        &self,
        user: UserId,
        session: &SessionId,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Whether the token id is revoked, then the session and its account.
    async fn find_guard_record(
        &self,
        user: UserId,
        session: &SessionId,
        token_id: &str,
    ) -> Result<GuardRecord, StoreError>;

    /// Sets a new password if `keep` is still live and the password still version
    /// `checked`; ends every other session, counts `keep` as recently signed in and
    /// records the change. Says how many sessions ended.
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn change_password(
        &self,
        user: UserId,
        keep: &SessionId,
        checked: PasswordVersion,
        password_hash: &str,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<usize>, StoreError>;

    /// Deletes the account, if `session` is still live and the password still version
    /// `checked`, with its sessions, their refresh tokens and its activity.
    async fn delete_user(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<()>, StoreError>;

    /// The account's newest events, newest first, at most `ACTIVITY_SHOWN` of them.
    async fn list_activity(&self, user: UserId) -> Result<Vec<ActivityEntry>, StoreError>;

    /// The user agents `user` has signed up or signed in with, as far back as the
    /// activity goes.
    async fn known_user_agents(&self, user: UserId) -> Result<Vec<String>, StoreError>;

    /// Stores `link` if the account is active and its address is still the link's (and
    /// for a reset, verified and its password still the version given); `false` if not.
    async fn insert_link(&self, link: &NewLink) -> Result<bool, StoreError>;

    /// The link whose selector is `selector`, whatever its state.
    async fn find_link(&self, selector: &str) -> Result<Option<StoredLink>, StoreError>;

    /// Spends the link `selector` and marks `email` verified, if the account still has
    /// that address, and records it; `false` if the link was spent already (by a
    /// racing request) or the address changed.
    async fn verify_email(
        &self,
        selector: &str,
        user: UserId,
        email: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Spends the reset link `selector` and sets a new password, if the password is
    /// still version `checked`; ends every session of the account, spends its other
    /// reset links and records the reset, and with `TurnedOff` forgets its two-step
    /// secret and recovery codes (recording that too). Returns the new version, or
    /// `None` if the link was spent already or the password changed meanwhile.
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn reset_password(
        &self,
        selector: &str,
        user: UserId,
        checked: PasswordVersion,
        password_hash: &str,
        two_step: TwoStepAfterReset,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<Option<PasswordVersion>, StoreError>;

    /// The active accounts `lookup` names that have a verified address.
    async fn find_recipients(&self, lookup: &AccountLookup) -> Result<Vec<Recipient>, StoreError>;

    /// Sets (or with `None` removes) the account's address, unverified, if `session` is
    /// still live and the password still version `checked`; spends the account's links
    /// and records the change.
    #[expect(clippy::too_many_arguments, reason = "one transaction's inputs")]
    async fn change_email(
        &self,
        user: UserId,
        session: &SessionId,
        checked: PasswordVersion,
        email: Option<&Email>,
        client: &ClientInfo,
        policy: &SessionPolicy,
        now: OffsetDateTime,
    ) -> Result<AccountChange<()>, StoreError>;

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
    /// [`Store::insert_session`] does. Nothing is spent unless all of it is, so a
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

    /// Records `id` as spent until `expires_at` (beside revoked token ids); `false` if
    /// it was already.
    async fn spend_once(&self, id: &str, expires_at: OffsetDateTime) -> Result<bool, StoreError>;

    /// The account's WebAuthn user handle: the one it has, or else `candidate`, kept.
    async fn webauthn_handle(&self, user: UserId, candidate: &str) -> Result<String, StoreError>;

    /// The account's passkeys, newest first.
    async fn list_passkeys(&self, user: UserId) -> Result<Vec<StoredPasskey>, StoreError>;

    /// Stores `passkey` and records it in the account's activity; `false` if its
    /// credential is already stored, or the account is gone.
    async fn insert_passkey(
        &self,
        passkey: &NewPasskey,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The passkey of an active account with this credential id.
    async fn find_passkey(&self, credential_id: &str) -> Result<Option<StoredPasskey>, StoreError>;

    /// Notes a sign-in with passkey `id`, and its credential's new state if it changed
    /// (the signature counter), if its credential is still `read`, the state the
    /// sign-in was checked against; `false` (nothing written) if another sign-in changed
    /// it meanwhile: two authenticators answering with one counter, a cloned one.
    async fn record_passkey_use(
        &self,
        id: &str,
        read: &str,
        credential: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Deletes `user`'s passkey `id`, ends the sessions it signed in and records it;
    /// how many sessions ended, or `None` if there is no such passkey.
    async fn remove_passkey(
        &self,
        user: UserId,
        id: &str,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<Option<usize>, StoreError>;

    /// Deletes the sessions that can no longer be used (their refresh tokens with
    /// them), revoked token ids that have expired, mailed links past their expiry, and
    /// activity past its retention.
    /// Says how many sessions and events went.
    async fn prune(&self, policy: &SessionPolicy, now: OffsetDateTime)
    -> Result<usize, StoreError>;
}
