//! Mailed links (verification and reset) and the account changes they complete.

use time::OffsetDateTime;

use crate::auth::device::ClientInfo;
use crate::auth::link_token::{NewLink, StoredLink};
use crate::auth::sessions::{SessionId, SessionPolicy};
use crate::auth::two_factor::TwoStepAfterReset;
use crate::auth::users::{PasswordVersion, UserId};
use crate::domain::Email;

use super::{AccountChange, StoreError};

/// Mailed links (verification and reset) and the account changes they complete.
#[async_trait::async_trait]
pub trait LinkStore: Send + Sync {
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
}
