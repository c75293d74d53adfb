//! Sessions with their refresh tokens, revoked token ids, and what the guard reads on
//! every request.

use time::OffsetDateTime;

use crate::auth::device::ClientInfo;
use crate::auth::refresh_token::RefreshToken;
use crate::auth::sessions::{
    GuardRecord, NewSession, Redemption, SessionId, SessionPolicy, StoredSession,
};
use crate::auth::token::VerifiedToken;
use crate::auth::users::UserId;

use super::StoreError;

/// Sessions with their refresh tokens, revoked token ids, and what the guard reads on
/// every request.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
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
}
