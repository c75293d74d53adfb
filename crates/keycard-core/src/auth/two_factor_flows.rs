//! Two-step sign-in: turning it on (a secret confirmed with a code, then recovery
//! codes), turning it off, and the second step of a login that needs it. Every change
//! ends the account's other sessions and is recorded in its activity.

use time::OffsetDateTime;

use super::activity::ActivityEvent;
use super::device::ClientInfo;
use super::error::AuthError;
use super::notices::Notice;
use super::redacted::Redacted;
use super::service::{AuthService, new_session};
use super::sessions::Session;
use super::sessions::{NewSession, SecondStep, SignedIn};
use super::throttle::reserve_login_try_settling;
use super::two_factor::LoginOutcome;
use super::two_factor::{
    PendingReset, SecondFactorProof, SecondFactorSpend, StoredTwoFactor, TotpSecret,
    TwoStepAfterReset, generate_recovery_codes,
};
use super::users::{PasswordVersion, StoredCredentials, UserId};
use crate::domain::{Password, RecoveryCode, TotpCode};

/// What the second step of a sign-in is answered with.
#[derive(Debug, Clone)]
pub enum SecondFactor {
    /// A code from the authenticator app.
    Code(TotpCode),
    /// One of the recovery codes.
    RecoveryCode(RecoveryCode),
}

/// What a passed second step leads to: the session of a sign-in, recorded with the
/// spend, or a reset's new password, stored after it.
enum AfterSecondStep<'a> {
    SignIn {
        session: NewSession,
        mailbox: Option<(String, String)>,
    },
    Reset(&'a PendingReset),
}

/// Whether an account's second step can be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TwoStepState {
    Off,
    On,
    /// On, but its secret was sealed under a signing secret this server no longer has.
    Unopenable,
}

/// Where an account's two-step sign-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwoFactorStatus {
    /// Two-step sign-in is off.
    Off,
    /// A secret was made and waits for the first code from the app.
    SettingUp(TotpSetup),
    /// Two-step sign-in is on.
    On {
        /// How many recovery codes are left unused.
        recovery_codes_left: usize,
    },
}

/// What an authenticator app needs: the secret as text, and as an `otpauth://` URL for
/// a QR code. `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSetup {
    /// The base32 secret, for typing into an app.
    pub secret: String,
    /// The `otpauth://` URL, for a QR code.
    pub otpauth_url: String,
}

impl std::fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpSetup")
            .field("secret", &Redacted)
            .field("otpauth_url", &Redacted)
            .finish()
    }
}

impl TotpSetup {
    /// What an app needs of `secret` for the account called `account`.
    #[cfg(feature = "two-factor")]
    fn new(secret: &TotpSecret, account: &str) -> Result<Self, AuthError> {
        Ok(Self {
            otpauth_url: secret.otpauth_url(account)?,
            secret: secret.to_base32(),
        })
    }

    #[cfg(not(feature = "two-factor"))]
    fn new(_secret: &TotpSecret, _account: &str) -> Result<Self, AuthError> {
        Err(AuthError::TwoFactorUnavailable)
    }
}

/// Whether this build checks codes from an authenticator app (the `two-factor`
/// feature). Asked before anything is counted or changed, so a build without it
/// answers plainly instead of calling every code wrong.
fn app_codes_checked() -> Result<(), AuthError> {
    if cfg!(feature = "two-factor") {
        Ok(())
    } else {
        Err(AuthError::TwoFactorUnavailable)
    }
}

/// Failed codes are counted per account (and client address) under their own key, so
/// guessing codes runs into the same limits as guessing passwords.
fn code_throttle_key(user: UserId) -> String {
    format!("two-step:{}", user.0)
}

fn unix_seconds(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp()).unwrap_or(0)
}

impl AuthService {
    /// Where two-step sign-in stands for the signed-in account; while it is being set
    /// up, with what the app needs.
    pub async fn two_factor_status(&self, session: &Session) -> Result<TwoFactorStatus, AuthError> {
        let user = &session.user;
        let Some(stored) = self.store.find_two_factor(user.id).await? else {
            return Ok(TwoFactorStatus::Off);
        };
        if stored.enabled {
            return Ok(TwoFactorStatus::On {
                recovery_codes_left: stored.recovery_codes_left,
            });
        }
        // A secret staged in another session is that session's to show, and a build
        // without app codes shows none.
        if app_codes_checked().is_err()
            || stored.staged_in.as_deref() != Some(session.id().as_str())
        {
            return Ok(TwoFactorStatus::Off);
        }
        // A staged secret that no longer opens is one to start over with.
        let Some(secret) = self.open_secret(user.id, &stored.sealed_secret) else {
            return Ok(TwoFactorStatus::Off);
        };
        Ok(TwoFactorStatus::SettingUp(TotpSetup::new(
            &secret,
            &user.username,
        )?))
    }

    /// Starts turning two-step sign-in on, after checking the password: a new secret
    /// (replacing one an earlier, unfinished attempt made) for the app to scan.
    /// [`AuthError::TwoFactorUnavailable`] without the `two-factor` feature, as are
    /// confirming, turning off, and a second step answered with an app's code.
    pub async fn begin_two_factor(
        &self,
        session: &Session,
        password: Password,
        client: &ClientInfo,
    ) -> Result<TotpSetup, AuthError> {
        app_codes_checked()?;
        self.check_own_password(session, password, client).await?;
        let user = &session.user;
        let secret = TotpSecret::generate()?;
        let sealed = self.two_factor.seal(user.id, &secret)?;
        if !self
            .store
            .stage_two_factor(user.id, session.id(), &sealed, OffsetDateTime::now_utc())
            .await?
        {
            return Err(AuthError::TwoFactorAlreadyOn);
        }
        TotpSetup::new(&secret, &user.username)
    }

    /// Finishes turning two-step sign-in on, in the session that started it, with the
    /// password again and the first code the app shows: every other session ends, and
    /// the account's recovery codes are returned, the only time they are ever shown.
    pub async fn confirm_two_factor(
        &self,
        session: &Session,
        password: Password,
        code: TotpCode,
        client: &ClientInfo,
    ) -> Result<Vec<String>, AuthError> {
        app_codes_checked()?;
        self.check_own_password(session, password, client).await?;
        let user = session.user.id;
        let stored = self
            .store
            .find_two_factor(user)
            .await?
            .ok_or(AuthError::TwoFactorNotStarted)?;
        if stored.enabled {
            return Err(AuthError::TwoFactorAlreadyOn);
        }
        if stored.staged_in.as_deref() != Some(session.id().as_str()) {
            return Err(AuthError::TwoFactorNotStarted);
        }
        let step = self
            .check_code(user, &stored.sealed_secret, &code, client)
            .await?;
        let codes = generate_recovery_codes()?;
        let hashes = codes
            .iter()
            .map(|code| {
                let parsed = RecoveryCode::parse(code)?;
                Ok(self.two_factor.recovery_hash(&parsed)?)
            })
            .collect::<Result<Vec<_>, AuthError>>()?;
        let enabled = self
            .store
            .enable_two_factor(
                user,
                session.id(),
                step,
                &hashes,
                client,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?
            .into_result()?;
        if !enabled {
            return Err(AuthError::TwoFactorNotStarted);
        }
        tracing::info!(target: "keycard::security", user_id = user.0, "two-step sign-in turned on; other sessions ended");
        self.tell_verified_address(session, Notice::TwoFactorEnabled);
        Ok(codes)
    }

    /// Turns two-step sign-in off, with the password and a current code; every other
    /// session ends.
    pub async fn disable_two_factor(
        &self,
        session: &Session,
        password: Password,
        code: TotpCode,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        app_codes_checked()?;
        let checked = self.check_own_password(session, password, client).await?;
        let user = session.user.id;
        let stored = self
            .enabled_two_factor(user)
            .await?
            .ok_or(AuthError::TwoFactorNotOn)?;
        let step = self
            .check_code(user, &stored.sealed_secret, &code, client)
            .await?;
        let disabled = self
            .store
            .disable_two_factor(
                user,
                session.id(),
                checked,
                step,
                client,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?
            .into_result()?;
        if !disabled {
            // The step was spent by a racing request: the code has been used.
            return Err(AuthError::WrongCode);
        }
        tracing::info!(target: "keycard::security", user_id = user.0, "two-step sign-in turned off; other sessions ended");
        self.tell_verified_address(session, Notice::TwoFactorDisabled);
        Ok(())
    }

    /// The second step of a sign-in: the challenge the password step gave, and a code
    /// or a recovery code. Succeeds once per challenge, and never with a code (or
    /// recovery code) that was used before.
    pub async fn complete_two_step(
        &self,
        challenge: &str,
        answer: SecondFactor,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        if matches!(answer, SecondFactor::Code(_)) {
            app_codes_checked()?;
        }
        self.throttle.admit_attempt(client.address).await?;
        let challenge = self
            .two_factor
            .verify_challenge(challenge)
            .ok_or(AuthError::TwoStepExpired)?;
        let user = challenge.user;
        let tries_left = self.reserve_code_try(user, client).await?;
        let stored = self
            .enabled_two_factor(user)
            .await?
            .ok_or(AuthError::TwoStepExpired)?;
        let now = OffsetDateTime::now_utc();
        let proof = match &answer {
            SecondFactor::Code(code) => self
                .open_secret(user, &stored.sealed_secret)
                .and_then(|secret| secret.matching_step(code, unix_seconds(now)))
                .map(SecondFactorProof::Step),
            SecondFactor::RecoveryCode(code) => Some(self.two_factor.recovery_proof(code)?),
        };
        // A plain sign-in's session is recorded in the transaction that spends the
        // code, so a recovery code is never used up by a sign-in that starts nothing. A
        // reset's session waits for its new password, stored after the spend.
        let then = match &challenge.pending_reset {
            Some(reset) => AfterSecondStep::Reset(reset),
            None => {
                let credentials = self.store.find_credentials_by_id(user).await?;
                AfterSecondStep::SignIn {
                    session: new_session(challenge.checked, SecondStep::Passed)?,
                    mailbox: credentials.as_ref().and_then(StoredCredentials::mailbox),
                }
            }
        };
        let (start, known_user_agents) = match &then {
            AfterSecondStep::SignIn { session, mailbox } => (
                Some(session),
                self.devices_known_before(user, mailbox.as_ref()).await?,
            ),
            AfterSecondStep::Reset(_) => (None, Vec::new()),
        };
        let spend = match proof {
            Some(proof) => {
                self.store
                    .spend_second_factor(
                        &challenge.id,
                        challenge.expires_at,
                        user,
                        &proof,
                        start,
                        client,
                        now,
                    )
                    .await?
            }
            None => SecondFactorSpend::Rejected,
        };
        match spend {
            SecondFactorSpend::Spent => {}
            SecondFactorSpend::Rejected => {
                self.count_wrong_code(user, tries_left, client).await;
                return Err(AuthError::WrongCode);
            }
            SecondFactorSpend::ChallengeSpent => return Err(AuthError::TwoStepExpired),
            SecondFactorSpend::SessionRefused => return Err(AuthError::InvalidCredentials),
        }
        self.give_back_code_try(user, client).await?;
        match then {
            AfterSecondStep::SignIn { session, mailbox } => {
                self.after_sign_in(user, mailbox, &known_user_agents, client);
                self.signed_in(user, session, now)
            }
            AfterSecondStep::Reset(reset) => {
                // The reset's new password is stored only now, with the code given.
                let link = self
                    .store
                    .find_link(&reset.selector)
                    .await?
                    .filter(|link| link.user == user)
                    .ok_or(AuthError::InvalidLink)?;
                let version = self
                    .apply_reset(&link, reset, TwoStepAfterReset::Kept, client)
                    .await?;
                self.finish_sign_in(user, version, SecondStep::Passed, None, client)
                    .await
            }
        }
    }

    /// Whether `challenge` is one of ours that is still good: the second-step page asks
    /// before it shows its form.
    pub fn two_step_is_pending(&self, challenge: &str) -> bool {
        self.two_factor.verify_challenge(challenge).is_some()
    }

    /// What a correct password leads to for `user`: a session, or for an account with
    /// two-step sign-in on, a challenge for the second step.
    pub(super) async fn after_password(
        &self,
        user: UserId,
        checked: PasswordVersion,
        mailbox: Option<(String, String)>,
        client: &ClientInfo,
    ) -> Result<LoginOutcome, AuthError> {
        if self.enabled_two_factor(user).await?.is_some() {
            tracing::info!(user_id = user.0, "password right; second step asked for");
            return self.second_step_for(user, checked, None);
        }
        self.finish_sign_in(user, checked, SecondStep::NotTaken, mailbox, client)
            .await
            .map(LoginOutcome::SignedIn)
    }

    /// The challenge of `user`'s second step, for a sign-in that checked password
    /// version `checked` (and, for a reset, carrying its new password).
    pub(super) fn second_step_for(
        &self,
        user: UserId,
        checked: PasswordVersion,
        pending_reset: Option<&PendingReset>,
    ) -> Result<LoginOutcome, AuthError> {
        let challenge = self.two_factor.issue_challenge(
            user,
            checked,
            self.two_step_lifetime,
            OffsetDateTime::now_utc(),
            pending_reset,
        )?;
        Ok(LoginOutcome::TwoStepRequired(challenge))
    }

    /// Whether `user` has two-step sign-in on with a secret this server can open; one
    /// that no longer opens (the signing secret changed) is logged, and reported apart
    /// so a reset by mail can still let the owner in.
    pub(super) async fn two_step_state(&self, user: UserId) -> Result<TwoStepState, AuthError> {
        Ok(match self.enabled_two_factor(user).await? {
            Some(stored) => match self.open_secret(user, &stored.sealed_secret) {
                Some(_) => TwoStepState::On,
                None => TwoStepState::Unopenable,
            },
            None => TwoStepState::Off,
        })
    }

    /// The step a code from `user`'s app is right for, or a counted failure.
    async fn check_code(
        &self,
        user: UserId,
        sealed_secret: &str,
        code: &TotpCode,
        client: &ClientInfo,
    ) -> Result<u64, AuthError> {
        app_codes_checked()?;
        let tries_left = self.reserve_code_try(user, client).await?;
        let now = unix_seconds(OffsetDateTime::now_utc());
        match self
            .open_secret(user, sealed_secret)
            .and_then(|secret| secret.matching_step(code, now))
        {
            Some(step) => {
                self.give_back_code_try(user, client).await?;
                Ok(step)
            }
            None => {
                self.count_wrong_code(user, tries_left, client).await;
                Err(AuthError::WrongCode)
            }
        }
    }

    /// On an account with two-step sign-in on, a change that would let someone in
    /// without the second step (adding a passkey) needs a current code too, spent like
    /// a sign-in's. Nothing is asked of an account without it.
    #[cfg(feature = "passkeys")]
    pub(super) async fn require_current_code(
        &self,
        user: UserId,
        code: Option<TotpCode>,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let Some(stored) = self.enabled_two_factor(user).await? else {
            return Ok(());
        };
        let code = code.ok_or(AuthError::WrongCode)?;
        let step = self
            .check_code(user, &stored.sealed_secret, &code, client)
            .await?;
        if !self.store.spend_code_step(user, step).await? {
            return Err(AuthError::WrongCode);
        }
        Ok(())
    }

    /// Whether the signed-in account has two-step sign-in on.
    pub async fn two_step_is_on(&self, session: &Session) -> Result<bool, AuthError> {
        Ok(self.enabled_two_factor(session.user.id).await?.is_some())
    }

    /// `user`'s two-step settings if two-step sign-in is on (not merely being set up).
    async fn enabled_two_factor(&self, user: UserId) -> Result<Option<StoredTwoFactor>, AuthError> {
        Ok(self
            .store
            .find_two_factor(user)
            .await?
            .filter(|stored| stored.enabled))
    }

    /// Takes one try at a code for `user`: one of those the account has from the
    /// client's network, and one of those it has from every network together, so many
    /// addresses do not make many guesses. Says how many of the latter are left.
    async fn reserve_code_try(&self, user: UserId, client: &ClientInfo) -> Result<u32, AuthError> {
        let key = code_throttle_key(user);
        reserve_login_try_settling(&*self.throttle, &key, client.address).await?;
        self.throttle.reserve_code_try(&key).await
    }

    /// A right code gives its tries back.
    async fn give_back_code_try(&self, user: UserId, client: &ClientInfo) -> Result<(), AuthError> {
        let key = code_throttle_key(user);
        self.throttle
            .record_successful_login(&key, client.address)
            .await?;
        self.throttle.give_back_code_try(&key).await
    }

    /// A wrong code stays counted; the one that uses up the account's last try locks
    /// the second step for everyone until the window passes, and tells the owner.
    async fn count_wrong_code(&self, user: UserId, tries_left: u32, client: &ClientInfo) {
        if tries_left > 0 {
            return;
        }
        tracing::warn!(target: "keycard::security", user_id = user.0, "too many wrong codes: the second step is locked");
        let now = OffsetDateTime::now_utc();
        if let Err(error) = self
            .store
            .record_activity(user, ActivityEvent::TwoStepLocked, client, now)
            .await
        {
            tracing::warn!(user_id = user.0, %error, "could not record the second step locked");
        }
        match self.store.find_credentials_by_id(user).await {
            Ok(credentials) => {
                if let Some((username, email)) =
                    credentials.as_ref().and_then(StoredCredentials::mailbox)
                {
                    self.tell(&email, &username, Notice::TwoStepLocked);
                }
            }
            Err(error) => {
                tracing::warn!(user_id = user.0, %error, "could not tell of the second step locked");
            }
        }
    }

    /// The account's app secret, or `None` (logged with the account and the reason) if
    /// it does not open: a signing secret changed since it was sealed must not turn
    /// into server errors, only into codes that are never right.
    fn open_secret(&self, user: UserId, sealed: &str) -> Option<TotpSecret> {
        let secret = self.two_factor.open(user, sealed);
        if secret.is_none() {
            tracing::warn!(
                target: "keycard::security",
                user_id = user.0,
                "the two-step secret of this account does not open with the server's key (the signing secret changed since it was sealed?): its codes cannot be checked"
            );
        }
        secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{SecondFactorProof, StoredTwoFactor};

    /// Values that carry a secret can be logged and asserted on without showing it.
    #[test]
    fn debug_never_shows_a_secret() {
        let secret = TotpSecret::generate().unwrap();
        let setup = TotpSetup::new(&secret, "grace").unwrap();
        let stored = StoredTwoFactor {
            sealed_secret: "sealed-bytes".to_owned(),
            enabled: true,
            staged_in: Some("session-id".to_owned()),
            recovery_codes_left: 3,
        };
        let proof = SecondFactorProof::RecoveryCode {
            hashes: ["recovery-hash".to_owned(), "legacy-hash".to_owned()],
        };
        let shown = format!("{setup:?} {stored:?} {proof:?} {secret:?}");
        for hidden in [
            setup.secret.as_str(),
            &setup.otpauth_url,
            "sealed-bytes",
            "session-id",
            "recovery-hash",
            "legacy-hash",
        ] {
            assert!(!shown.contains(hidden), "{shown} shows {hidden}");
        }
    }
}
