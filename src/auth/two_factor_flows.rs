//! Two-step sign-in: turning it on (a secret confirmed with a code, then recovery
//! codes), turning it off, and the second step of a login that needs it. Every change
//! ends the account's other sessions and is recorded in its activity.

use std::time::Duration;

use time::OffsetDateTime;

use super::activity::ActivityEvent;
use super::device::ClientInfo;
use super::error::AuthError;
use super::guard::Session;
use super::notices::Notice;
use super::redacted::Redacted;
use super::service::{AuthService, new_session};
use super::sessions::{NewSession, SecondStep, SignedIn};
use super::throttle::reserve_login_try_settling;
use super::two_factor::{
    PendingReset, SecondFactorProof, SecondFactorSpend, StoredTwoFactor, TotpSecret,
    TwoStepAfterReset, TwoStepChallenge, generate_recovery_codes,
};
use super::users::{PasswordVersion, StoredCredentials, UserId};
use crate::domain::{Password, RecoveryCode, TotpCode};

/// How long the second step of a login may take, unless configured otherwise.
pub const DEFAULT_TWO_STEP_LIFETIME: Duration = Duration::from_secs(300);

/// What a login leads to: a session, or the second step for an account with two-step
/// sign-in on.
#[derive(Debug)]
pub enum LoginOutcome {
    SignedIn(SignedIn),
    TwoStepRequired(TwoStepChallenge),
}

#[cfg(test)]
impl LoginOutcome {
    /// The session of a login that needed no second step.
    pub fn expect_signed_in(self) -> SignedIn {
        match self {
            Self::SignedIn(signed_in) => signed_in,
            Self::TwoStepRequired(_) => panic!("the login asked for a second step"),
        }
    }
}

/// What the second step of a sign-in is answered with.
#[derive(Debug, Clone)]
pub enum SecondFactor {
    Code(TotpCode),
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
    Off,
    /// A secret was made and waits for the first code from the app.
    SettingUp(TotpSetup),
    On {
        recovery_codes_left: usize,
    },
}

/// What an authenticator app needs: the secret as text, and as an `otpauth://` URL for
/// a QR code. `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSetup {
    pub secret: String,
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
    fn new(secret: &TotpSecret, account: &str) -> anyhow::Result<Self> {
        Ok(Self {
            otpauth_url: secret.otpauth_url(account)?,
            secret: secret.to_base32(),
        })
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
        // A secret staged in another session is that session's to show.
        if stored.staged_in.as_deref() != Some(session.id().as_str()) {
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
    pub async fn begin_two_factor(
        &self,
        session: &Session,
        password: Password,
        client: &ClientInfo,
    ) -> Result<TotpSetup, AuthError> {
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
        Ok(TotpSetup::new(&secret, &user.username)?)
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
    use crate::auth::ActivityEvent;
    use crate::auth::testing::{
        PASSWORD, assert_signed_out, client, events, logged_in, password_version, service,
        service_signing, session_of, signed_up, turned_on,
    };
    use crate::auth::two_factor::code_for;
    use crate::domain::Username;

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    fn curl() -> ClientInfo {
        client("curl/8.5.0")
    }

    fn now() -> u64 {
        unix_seconds(OffsetDateTime::now_utc())
    }

    async fn login(auth: &AuthService) -> LoginOutcome {
        auth.login(
            Username::parse("grace").unwrap(),
            password(PASSWORD),
            &client("curl/8.5.0"),
        )
        .await
        .unwrap()
    }

    /// Logs in and returns the challenge the password step gives.
    async fn challenge(auth: &AuthService) -> String {
        match login(auth).await {
            LoginOutcome::TwoStepRequired(challenge) => challenge.token,
            LoginOutcome::SignedIn(_) => panic!("signed in without a second step"),
        }
    }

    #[tokio::test]
    async fn turning_on_takes_the_password_and_a_code_and_ends_other_sessions() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let phone = logged_in(&auth, "phone").await;
        let session = session_of(&auth, &laptop).await;
        assert!(matches!(
            auth.begin_two_factor(&session, password("not the password"), &client("curl"))
                .await,
            Err(AuthError::InvalidCredentials)
        ));
        let setup = auth
            .begin_two_factor(&session, password(PASSWORD), &client("curl"))
            .await
            .unwrap();
        assert!(
            setup
                .otpauth_url
                .starts_with("otpauth://totp/Keycard:grace?")
        );
        assert_eq!(
            auth.two_factor_status(&session).await.unwrap(),
            TwoFactorStatus::SettingUp(setup.clone())
        );
        // Until it is confirmed, the password alone still signs in.
        assert!(matches!(login(&auth).await, LoginOutcome::SignedIn(_)));
        // The secret waiting for its first code is this session's alone: another
        // session of the account neither sees it nor confirms it, even with the password.
        let other = session_of(&auth, &phone).await;
        assert_eq!(
            auth.two_factor_status(&other).await.unwrap(),
            TwoFactorStatus::Off
        );
        assert!(matches!(
            auth.confirm_two_factor(
                &other,
                password(PASSWORD),
                code_for(&setup.secret, now()),
                &client("curl")
            )
            .await,
            Err(AuthError::TwoFactorNotStarted)
        ));
        // The confirmation asks for the password again.
        assert!(matches!(
            auth.confirm_two_factor(
                &session,
                password("not the password"),
                code_for(&setup.secret, now()),
                &client("curl")
            )
            .await,
            Err(AuthError::InvalidCredentials)
        ));
        let wrong = code_for(&setup.secret, now() + 300);
        assert!(matches!(
            auth.confirm_two_factor(&session, password(PASSWORD), wrong, &client("curl"))
                .await,
            Err(AuthError::WrongCode)
        ));
        let codes = auth
            .confirm_two_factor(
                &session,
                password(PASSWORD),
                code_for(&setup.secret, now()),
                &client("curl"),
            )
            .await
            .unwrap();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            auth.two_factor_status(&session).await.unwrap(),
            TwoFactorStatus::On {
                recovery_codes_left: 10
            }
        );
        assert_signed_out(&auth, &phone).await;
        session_of(&auth, &laptop).await;
        assert!(
            events(&auth, &session)
                .await
                .contains(&ActivityEvent::TwoFactorEnabled)
        );
        assert!(matches!(
            auth.begin_two_factor(&session, password(PASSWORD), &client("curl"))
                .await,
            Err(AuthError::TwoFactorAlreadyOn)
        ));
    }

    #[tokio::test]
    async fn a_login_then_needs_a_code_that_works_once_for_one_challenge() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
        let first = challenge(&auth).await;
        // The code that confirmed the setup was spent with its step (RFC 6238 §5.2).
        assert!(matches!(
            auth.complete_two_step(&first, SecondFactor::Code(two_step.code(0)), &curl())
                .await,
            Err(AuthError::WrongCode)
        ));
        // One step of clock skew is allowed: the app's next code is taken early.
        let signed_in = auth
            .complete_two_step(&first, SecondFactor::Code(two_step.code(1)), &curl())
            .await
            .unwrap();
        session_of(&auth, &signed_in).await;
        let second = challenge(&auth).await;
        assert!(matches!(
            auth.complete_two_step(&second, SecondFactor::Code(two_step.code(1)), &curl())
                .await,
            Err(AuthError::WrongCode)
        ));
        let recovery = RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
        assert!(
            matches!(
                auth.complete_two_step(&first, SecondFactor::RecoveryCode(recovery), &curl())
                    .await,
                Err(AuthError::TwoStepExpired)
            ),
            "a challenge is spent once it succeeded"
        );
        assert!(matches!(
            auth.complete_two_step(
                "not a challenge",
                SecondFactor::Code(two_step.code(1)),
                &curl()
            )
            .await,
            Err(AuthError::TwoStepExpired)
        ));
    }

    #[tokio::test]
    async fn each_recovery_code_signs_in_once_and_is_recorded() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
        let code = RecoveryCode::parse(&two_step.recovery_codes[3].to_uppercase()).unwrap();
        let recovery = SecondFactor::RecoveryCode(code);
        let signed_in = auth
            .complete_two_step(&challenge(&auth).await, recovery.clone(), &curl())
            .await
            .unwrap();
        let session = session_of(&auth, &signed_in).await;
        assert!(matches!(
            auth.complete_two_step(&challenge(&auth).await, recovery, &curl())
                .await,
            Err(AuthError::WrongCode)
        ));
        let unknown = SecondFactor::RecoveryCode(RecoveryCode::parse("abcde-23456").unwrap());
        assert!(matches!(
            auth.complete_two_step(&challenge(&auth).await, unknown, &curl())
                .await,
            Err(AuthError::WrongCode)
        ));
        assert_eq!(
            auth.two_factor_status(&session).await.unwrap(),
            TwoFactorStatus::On {
                recovery_codes_left: 9
            }
        );
        assert!(
            events(&auth, &session)
                .await
                .contains(&ActivityEvent::RecoveryCodeUsed)
        );
    }

    #[tokio::test]
    async fn wrong_codes_run_into_the_login_limit() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
        let challenge = challenge(&auth).await;
        for _ in 0..5 {
            assert!(matches!(
                auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(20)), &curl())
                    .await,
                Err(AuthError::WrongCode)
            ));
        }
        assert!(matches!(
            auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
                .await,
            Err(AuthError::Throttled(_))
        ));
    }

    /// The server's secret changed since two-step was turned on: the sealed app secret
    /// and the recovery codes' hashes no longer match anything, which must read as wrong
    /// codes, never as a server error.
    #[tokio::test]
    async fn after_the_signing_secret_changed_codes_are_wrong_not_server_errors() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
        let (rekeyed, _) = service_signing(
            &directory,
            &crate::auth::JwtSecret::new(vec![7; 32]).unwrap(),
            crate::auth::SessionPolicy::default(),
            crate::auth::LinkLifetimes::default(),
        );
        let challenge = challenge(&rekeyed).await;
        let answer = rekeyed
            .complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
            .await;
        assert!(matches!(answer, Err(AuthError::WrongCode)), "{answer:?}");
        let recovery = RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
        let answer = rekeyed
            .complete_two_step(&challenge, SecondFactor::RecoveryCode(recovery), &curl())
            .await;
        assert!(matches!(answer, Err(AuthError::WrongCode)), "{answer:?}");
    }

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

    /// A sign-in whose password was checked before two-step was turned on, and whose
    /// session is recorded after: the insert sees two-step on and refuses it.
    #[tokio::test]
    async fn a_password_only_session_is_refused_once_two_step_is_on() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let session = session_of(&auth, &laptop).await;
        let checked = password_version(&auth, session.user.id).await;
        turned_on(&auth, &session).await;
        let started = auth
            .start_session(session.user.id, checked, SecondStep::NotTaken, &curl())
            .await;
        assert!(
            matches!(started, Err(AuthError::InvalidCredentials)),
            "{started:?}"
        );
        auth.start_session(session.user.id, checked, SecondStep::Passed, &curl())
            .await
            .unwrap();
    }

    /// The password changed between a login's two steps, so its second step may start
    /// no session: the recovery code it was answered with stays unused.
    #[tokio::test]
    async fn a_recovery_code_is_not_used_up_by_a_sign_in_that_starts_no_session() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let session = session_of(&auth, &laptop).await;
        let two_step = turned_on(&auth, &session).await;
        let stale = challenge(&auth).await;
        let new_password = "a brand new passphrase";
        auth.change_password(
            &session,
            password(PASSWORD),
            password(new_password),
            &curl(),
        )
        .await
        .unwrap();
        let recovery = || RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
        let refused = auth
            .complete_two_step(&stale, SecondFactor::RecoveryCode(recovery()), &curl())
            .await;
        assert!(
            matches!(refused, Err(AuthError::InvalidCredentials)),
            "{refused:?}"
        );
        let LoginOutcome::TwoStepRequired(fresh) = auth
            .login(
                Username::parse("grace").unwrap(),
                password(new_password),
                &curl(),
            )
            .await
            .unwrap()
        else {
            panic!("signed in without the second step");
        };
        auth.complete_two_step(
            &fresh.token,
            SecondFactor::RecoveryCode(recovery()),
            &curl(),
        )
        .await
        .expect("the recovery code was not used up");
    }

    #[tokio::test]
    async fn the_second_step_expires() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory)
            .await
            .with_two_step_lifetime(Duration::from_secs(1));
        let laptop = signed_up(&auth).await;
        let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
        let challenge = challenge(&auth).await;
        assert!(auth.two_step_is_pending(&challenge));
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert!(!auth.two_step_is_pending(&challenge));
        assert!(matches!(
            auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
                .await,
            Err(AuthError::TwoStepExpired)
        ));
    }

    #[tokio::test]
    async fn turning_off_takes_the_password_and_an_unused_code_and_ends_other_sessions() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let session = session_of(&auth, &laptop).await;
        let two_step = turned_on(&auth, &session).await;
        let recovery = RecoveryCode::parse(&two_step.recovery_codes[0]).unwrap();
        let phone = auth
            .complete_two_step(
                &challenge(&auth).await,
                SecondFactor::RecoveryCode(recovery),
                &client("phone"),
            )
            .await
            .unwrap();
        let wrong_password = password("not the password");
        assert!(matches!(
            auth.disable_two_factor(&session, wrong_password, two_step.code(1), &curl())
                .await,
            Err(AuthError::InvalidCredentials)
        ));
        assert!(
            matches!(
                auth.disable_two_factor(&session, password(PASSWORD), two_step.code(0), &curl())
                    .await,
                Err(AuthError::WrongCode)
            ),
            "the code that turned it on cannot turn it off"
        );
        auth.disable_two_factor(&session, password(PASSWORD), two_step.code(1), &curl())
            .await
            .unwrap();
        assert_signed_out(&auth, &phone).await;
        session_of(&auth, &laptop).await;
        assert_eq!(
            auth.two_factor_status(&session).await.unwrap(),
            TwoFactorStatus::Off
        );
        assert!(matches!(login(&auth).await, LoginOutcome::SignedIn(_)));
        assert!(
            events(&auth, &session)
                .await
                .contains(&ActivityEvent::TwoFactorDisabled)
        );
        assert!(matches!(
            auth.disable_two_factor(&session, password(PASSWORD), two_step.code(1), &curl())
                .await,
            Err(AuthError::TwoFactorNotOn)
        ));
    }

    #[tokio::test]
    async fn a_password_changed_between_the_steps_ends_the_sign_in() {
        let directory = tempfile::tempdir().unwrap();
        let auth = service(&directory).await;
        let laptop = signed_up(&auth).await;
        let session = session_of(&auth, &laptop).await;
        let two_step = turned_on(&auth, &session).await;
        let challenge = challenge(&auth).await;
        let changed = password("a different passphrase");
        auth.change_password(&session, password(PASSWORD), changed, &curl())
            .await
            .unwrap();
        assert!(matches!(
            auth.complete_two_step(&challenge, SecondFactor::Code(two_step.code(1)), &curl())
                .await,
            Err(AuthError::InvalidCredentials)
        ));
    }
}
