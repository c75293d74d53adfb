//! Email: verifying an address, resetting a forgotten password through a mailed link,
//! changing the address, and telling an account's verified address what happened to
//! it. Links are single use, expire, and are stored only as keyed hashes
//! ([`super::link_token`]); who gets mail is decided here, delivery is the mail layer's.

use std::time::Duration;

use time::OffsetDateTime;

use super::device::{ClientInfo, UserAgent, describe_device};
use super::error::AuthError;
use super::guard::Session;
use super::link_token::{LinkPurpose, LinkToken, NewLink, StoredLink};
use super::notices::{Letter, Notice};
use super::service::AuthService;
use super::sessions::SecondStep;
use super::two_factor::{PendingReset, TwoStepAfterReset};
use super::two_factor_flows::{LoginOutcome, TwoStepState};
use super::users::{AccountLookup, PasswordVersion, UserId};
use crate::domain::{CredentialError, Email, Login, Password};

/// How long mailed links work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLifetimes {
    pub verify_email: Duration,
    pub reset_password: Duration,
}

impl Default for LinkLifetimes {
    /// A day to confirm an address; an hour to use a reset link, as OWASP suggests for
    /// a token that stands in for the password.
    fn default() -> Self {
        Self {
            verify_email: Duration::from_secs(24 * 60 * 60),
            reset_password: Duration::from_secs(60 * 60),
        }
    }
}

impl LinkLifetimes {
    fn of(&self, purpose: LinkPurpose) -> Duration {
        match purpose {
            LinkPurpose::VerifyEmail => self.verify_email,
            LinkPurpose::ResetPassword => self.reset_password,
        }
    }
}

impl AuthService {
    /// Hands a letter to the mail layer; returns at once.
    pub(super) fn tell(&self, to: &str, username: &str, notice: Notice) {
        self.postbox.post(Letter {
            to: to.to_owned(),
            username: username.to_owned(),
            notice,
        });
    }

    /// Makes, stores and mails a link; nothing is mailed if the account's address (or
    /// for a reset, its password) changed meanwhile, nor a verification link to an
    /// address that has had its share lately.
    async fn mail_link(
        &self,
        user: UserId,
        username: &str,
        email: &str,
        purpose: LinkPurpose,
        password_version: Option<PasswordVersion>,
    ) -> Result<(), AuthError> {
        if purpose == LinkPurpose::VerifyEmail
            && !self.admits_verification_mail(user, email).await?
        {
            return Ok(());
        }
        let token = LinkToken::generate()?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let lifetime = i64::try_from(self.links.of(purpose).as_secs()).unwrap_or(i64::MAX);
        let link = NewLink {
            selector: token.selector(),
            verifier_hash: self.link_key.stored_hash(purpose, &token)?,
            user,
            purpose,
            email: email.to_owned(),
            password_version,
            created_at: now,
            expires_at: now.saturating_add(lifetime),
        };
        if self.store.insert_link(&link).await? {
            let notice = match purpose {
                LinkPurpose::VerifyEmail => Notice::VerifyEmail { token },
                LinkPurpose::ResetPassword => Notice::ResetPassword { token },
            };
            self.tell(email, username, notice);
        }
        Ok(())
    }

    /// Whether `email` may get another verification link: a few an hour, whichever
    /// accounts ask, so throwaway accounts cannot flood a stranger's inbox. Refused in
    /// silence, since the answer must not tell whether the address is being flooded;
    /// the account can ask again later.
    async fn admits_verification_mail(&self, user: UserId, email: &str) -> Result<bool, AuthError> {
        let recipient =
            Email::parse(email).map_or_else(|_| email.to_lowercase(), |email| email.lookup_key());
        match self.throttle.admit_mail_to(&recipient).await {
            Ok(()) => Ok(true),
            Err(AuthError::Throttled(_)) => {
                tracing::info!(
                    user_id = user.0,
                    "verification link not mailed: its address had its share this hour"
                );
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }

    /// Mails a verification link to a new address, after the change that set it has
    /// been committed: a failure here is logged, and the person can ask again.
    pub(super) async fn mail_verification_link(&self, user: UserId, username: &str, email: &str) {
        let mailed = self
            .mail_link(user, username, email, LinkPurpose::VerifyEmail, None)
            .await;
        if let Err(error) = mailed {
            tracing::warn!(user_id = user.0, %error, "could not mail a verification link");
        }
    }

    /// "Send the link again": a new verification link for the signed-in account's
    /// address, a few per account in the throttle window.
    pub async fn resend_verification(
        &self,
        session: &Session,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let user = &session.user;
        let Some(email) = user.email.as_deref().filter(|_| !user.email_verified) else {
            return Ok(());
        };
        self.throttle
            .admit_mail(&format!("verify {}", user.id.0))
            .await?;
        self.mail_link(
            user.id,
            &user.username,
            email,
            LinkPurpose::VerifyEmail,
            None,
        )
        .await
    }

    /// "Forgot your password?": mails a reset link to every active account `login`
    /// names that has a verified address. The answer is the same, and as quick, whether
    /// or not any does: the lookup and the mail happen after it.
    pub async fn request_password_reset(
        &self,
        login: &Login,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let Some(lookup) = AccountLookup::parse(login) else {
            return Ok(());
        };
        self.throttle.admit_mail(&lookup.throttle_key()).await?;
        let auth = self.clone();
        tokio::spawn(async move {
            if let Err(error) = auth.mail_reset_links(&lookup).await {
                tracing::warn!(%error, "could not mail a password reset link");
            }
        });
        Ok(())
    }

    async fn mail_reset_links(&self, lookup: &AccountLookup) -> Result<(), AuthError> {
        for recipient in self.store.find_recipients(lookup).await? {
            self.mail_link(
                recipient.user,
                &recipient.username,
                &recipient.email,
                LinkPurpose::ResetPassword,
                Some(recipient.password_version),
            )
            .await?;
            tracing::info!(user_id = recipient.user.0, "password reset link mailed");
        }
        Ok(())
    }

    /// The stored link `token` proves, if it is one for `purpose` and has not expired.
    async fn redeemable_link(
        &self,
        purpose: LinkPurpose,
        token: &LinkToken,
    ) -> Result<StoredLink, AuthError> {
        let stored = self.store.find_link(&token.selector()).await?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        match stored {
            Some(link)
                if link.purpose == Some(purpose)
                    && self.link_key.matches(purpose, token, &link.verifier_hash)
                    && now < link.expires_at =>
            {
                Ok(link)
            }
            _ => Err(AuthError::InvalidLink),
        }
    }

    /// The name of the account a reset link that can still be used is for, so the page
    /// says whose password is being set (a link someone else mailed must not quietly
    /// sign the visitor into that someone's account) before anyone types it twice.
    pub async fn check_reset_link(
        &self,
        token: &LinkToken,
        client: &ClientInfo,
    ) -> Result<String, AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        self.redeemable_link(LinkPurpose::ResetPassword, token)
            .await
            .map(|link| link.username)
    }

    /// Sets a new password with a reset link: the link is spent, every session of the
    /// account ends, its verified address is told, and a fresh session starts. For an
    /// account with two-step sign-in on, nothing changes yet: the new password waits,
    /// sealed in the challenge of the second step, and is stored only once a code or a
    /// recovery code is given (ASVS 6.4.3), so a mailbox alone neither signs the owner
    /// out nor sets their password. One exception: a two-step secret this server can no
    /// longer open (the signing secret changed) could never be answered, so the reset
    /// then turns two-step off and says so.
    pub async fn reset_password(
        &self,
        token: &LinkToken,
        new: Password,
        client: &ClientInfo,
    ) -> Result<LoginOutcome, AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let link = self
            .redeemable_link(LinkPurpose::ResetPassword, token)
            .await?;
        let reset = PendingReset {
            selector: token.selector(),
            password_hash: self.new_password_hash(new).await?,
        };
        let two_step = match self.two_step_state(link.user).await? {
            TwoStepState::On => {
                tracing::info!(
                    user_id = link.user.0,
                    "reset link right; second step asked for"
                );
                return self.second_step_for(link.user, link.password_version, Some(&reset));
            }
            TwoStepState::Unopenable => TwoStepAfterReset::TurnedOff,
            TwoStepState::Off => TwoStepAfterReset::Kept,
        };
        let version = self.apply_reset(&link, &reset, two_step, client).await?;
        self.finish_sign_in(link.user, version, SecondStep::NotTaken, None, client)
            .await
            .map(LoginOutcome::SignedIn)
    }

    /// Stores the new password of a reset with `link` (the link spent, every session
    /// ended, the owner told) if the password is still the version the link was made
    /// for; the new version.
    pub(super) async fn apply_reset(
        &self,
        link: &StoredLink,
        reset: &PendingReset,
        two_step: TwoStepAfterReset,
        client: &ClientInfo,
    ) -> Result<PasswordVersion, AuthError> {
        let user = link.user;
        let version = self
            .store
            .reset_password(
                &reset.selector,
                user,
                link.password_version,
                &reset.password_hash,
                two_step,
                client,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?
            .ok_or(AuthError::InvalidLink)?;
        tracing::info!(
            target: "keycard::security",
            user_id = user.0,
            "password reset by mailed link; every session ended"
        );
        // A reset removes no passkey (each is a credential of its own), so the owner
        // is told they remain, and where to remove one.
        let passkeys = self.store.list_passkeys(user).await?.len();
        self.tell(
            &link.email,
            &link.username,
            Notice::PasswordReset { passkeys },
        );
        if two_step == TwoStepAfterReset::TurnedOff {
            tracing::warn!(
                target: "keycard::security",
                user_id = user.0,
                "two-step sign-in turned off by a reset: its secret no longer opened"
            );
            self.tell(&link.email, &link.username, Notice::TwoFactorDisabled);
        }
        Ok(version)
    }

    /// Marks an address verified with the link mailed to it. No sign-in is needed: the
    /// link is the proof.
    pub async fn verify_email(
        &self,
        token: &LinkToken,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let link = self
            .redeemable_link(LinkPurpose::VerifyEmail, token)
            .await?;
        let verified = self
            .store
            .verify_email(
                &token.selector(),
                link.user,
                &link.email,
                client,
                OffsetDateTime::now_utc(),
            )
            .await?;
        if !verified {
            return Err(AuthError::InvalidLink);
        }
        tracing::info!(user_id = link.user.0, "email address verified");
        Ok(())
    }

    /// Sets a new address (or with `None` removes it) after checking the password. The
    /// new one starts unverified and is sent a link; a verified old one is told.
    pub async fn change_email(
        &self,
        session: &Session,
        password: Password,
        email: Option<Email>,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let checked = self.check_own_password(session, password, client).await?;
        let user = &session.user;
        if user.email.as_deref() == email.as_ref().map(Email::as_str) {
            return Err(CredentialError::EmailUnchanged.into());
        }
        self.store
            .change_email(
                user.id,
                session.id(),
                checked,
                email.as_ref(),
                client,
                &self.sessions,
                OffsetDateTime::now_utc(),
            )
            .await?
            .into_result()?;
        tracing::info!(target: "keycard::security", user_id = user.id.0, "email address changed");
        if let Some(old) = user.verified_email() {
            let new_address = email.as_ref().map(|email| email.as_str().to_owned());
            self.tell(old, &user.username, Notice::EmailChanged { new_address });
        }
        if let Some(email) = email {
            self.mail_verification_link(user.id, &user.username, email.as_str())
                .await;
        }
        Ok(())
    }

    /// Tells the verified address of a sign-in from a device (browser and system, or
    /// program) the account has not signed up or in with before.
    pub(super) fn tell_if_new_device(
        &self,
        user: UserId,
        username: &str,
        verified_email: &str,
        known_user_agents: &[String],
        client: &ClientInfo,
    ) {
        let device = describe_device(&client.user_agent);
        let known = known_user_agents
            .iter()
            .any(|agent| describe_device(&UserAgent::from_header(Some(agent))) == device);
        if !known {
            tracing::info!(user_id = user.0, device, "sign-in from a new device");
            self.tell(
                verified_email,
                username,
                Notice::NewDevice {
                    device,
                    address: client.address.to_string(),
                    at: OffsetDateTime::now_utc(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::auth::sessions::SessionPolicy;
    use crate::auth::testing::{
        PASSWORD, PostedLetters, assert_signed_out, client, count_rows, events, logged_in,
        service_mailing, service_signing, session_of, turned_on,
    };
    use crate::auth::{ActivityEvent, LoginOutcome, NewPasskey, Rejection, SecondFactor, SignedIn};
    use crate::domain::Username;

    const NEW_PASSWORD: &str = "a brand new passphrase";
    const ADDRESS: &str = "grace@example.com";

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    fn mailing(
        directory: &tempfile::TempDir,
        links: LinkLifetimes,
    ) -> (AuthService, Arc<PostedLetters>) {
        service_mailing(directory, SessionPolicy::default(), links)
    }

    /// Signs up "grace" with an address from curl; returns the sign-in.
    async fn signed_up_with_email(auth: &AuthService) -> SignedIn {
        auth.register(
            Username::parse("grace").unwrap(),
            Some(Email::parse(ADDRESS).unwrap()),
            password(PASSWORD),
            &client("curl/8.5.0"),
        )
        .await
        .unwrap()
    }

    /// The token of the one link in `letters`, checking whom it went to and what for.
    fn link_in(letters: &[Letter], to: &str, purpose: LinkPurpose) -> LinkToken {
        let [letter] = letters else {
            panic!("expected one letter, got {letters:?}");
        };
        assert_eq!(letter.to, to);
        match (&letter.notice, purpose) {
            (Notice::VerifyEmail { token }, LinkPurpose::VerifyEmail)
            | (Notice::ResetPassword { token }, LinkPurpose::ResetPassword) => token.clone(),
            (other, _) => panic!("expected a {purpose:?} link, got {other:?}"),
        }
    }

    /// Signs up "grace" with a verified address; the letters are emptied.
    async fn verified(auth: &AuthService, letters: &PostedLetters) -> SignedIn {
        let signed_in = signed_up_with_email(auth).await;
        let token = link_in(&letters.take(), ADDRESS, LinkPurpose::VerifyEmail);
        auth.verify_email(&token, &client("curl")).await.unwrap();
        signed_in
    }

    /// The letters a background task posts within a second.
    async fn letters_soon(letters: &PostedLetters) -> Vec<Letter> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut posted = letters.take();
        for _ in 0..7 {
            if !posted.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            posted = letters.take();
        }
        posted
    }

    async fn reset_link(auth: &AuthService, letters: &PostedLetters, login: &str) -> LinkToken {
        auth.request_password_reset(&Login::parse(login).unwrap(), &client("curl"))
            .await
            .unwrap();
        link_in(
            &letters_soon(letters).await,
            ADDRESS,
            LinkPurpose::ResetPassword,
        )
    }

    fn grace() -> Login {
        Login::parse("grace").unwrap()
    }

    async fn login(auth: &AuthService, with: &str) -> Result<SignedIn, AuthError> {
        auth.login(
            Username::parse("grace").unwrap(),
            password(with),
            &client("curl/8.5.0"),
        )
        .await
        .map(LoginOutcome::expect_signed_in)
    }

    #[tokio::test]
    async fn signing_up_with_an_address_mails_a_link_that_verifies_it_once() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let signed_in = signed_up_with_email(&auth).await;
        assert!(!session_of(&auth, &signed_in).await.user.email_verified);
        let token = link_in(&letters.take(), ADDRESS, LinkPurpose::VerifyEmail);
        let stored = crate::auth::testing::sql(&directory, "SELECT verifier_hash FROM mail_links");
        assert!(
            !stored[0].contains(&token.reveal()[32..]),
            "only a hash is kept"
        );
        auth.verify_email(&token, &client("curl")).await.unwrap();
        let session = session_of(&auth, &signed_in).await;
        assert!(session.user.email_verified);
        assert!(matches!(
            auth.verify_email(&token, &client("curl")).await,
            Err(AuthError::InvalidLink)
        ));
        let newest = auth.activity(&session).await.unwrap();
        assert_eq!(newest[0].event, ActivityEvent::EmailVerified);
    }

    #[tokio::test]
    async fn reset_links_go_only_to_verified_addresses_and_the_answer_never_tells() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        signed_up_with_email(&auth).await;
        letters.take();
        for login in ["grace", ADDRESS, "nobody", "nobody@example.com", "!!"] {
            auth.request_password_reset(&Login::parse(login).unwrap(), &client("curl"))
                .await
                .unwrap();
        }
        assert_eq!(
            letters_soon(&letters).await,
            [],
            "unverified: no reset mail"
        );
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        verified(&auth, &letters).await;
        reset_link(&auth, &letters, "GRACE").await;
        reset_link(&auth, &letters, "Grace@Example.COM").await;
    }

    #[tokio::test]
    async fn a_reset_spends_the_link_ends_every_session_and_kills_the_old_password() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let laptop = verified(&auth, &letters).await;
        let phone = logged_in(&auth, "Firefox/133.0").await;
        letters.take();
        let token = reset_link(&auth, &letters, "grace").await;
        auth.check_reset_link(&token, &client("x")).await.unwrap();
        assert!(matches!(
            auth.reset_password(&token, password("password123"), &client("x"))
                .await,
            Err(AuthError::InvalidInput(CredentialError::PasswordTooCommon))
        ));
        let fresh = auth
            .reset_password(&token, password(NEW_PASSWORD), &client("Firefox/133.0"))
            .await
            .unwrap()
            .expect_signed_in();
        for signed_in in [&laptop, &phone] {
            assert_signed_out(&auth, signed_in).await;
        }
        let session = session_of(&auth, &fresh).await;
        assert!(matches!(
            login(&auth, PASSWORD).await,
            Err(AuthError::InvalidCredentials)
        ));
        login(&auth, NEW_PASSWORD).await.unwrap();
        assert!(matches!(
            auth.reset_password(&token, password("yet another passphrase"), &client("x"))
                .await,
            Err(AuthError::InvalidLink)
        ));
        let told = letters.take();
        assert!(
            told.iter()
                .any(|letter| matches!(letter.notice, Notice::PasswordReset { .. }))
        );
        let events: Vec<ActivityEvent> = auth
            .activity(&session)
            .await
            .unwrap()
            .iter()
            .map(|entry| entry.event)
            .collect();
        assert!(events.contains(&ActivityEvent::PasswordReset));
        assert_eq!(count_rows(&directory, "mail_links"), 0);
    }

    /// On grace's two-step account, `right` passes the password step and `wrong` does not.
    async fn assert_password_is(auth: &AuthService, right: &str, wrong: &str) {
        let grace = || Username::parse("grace").unwrap();
        assert!(matches!(
            auth.login(grace(), password(right), &client("curl")).await,
            Ok(LoginOutcome::TwoStepRequired(_))
        ));
        assert!(matches!(
            auth.login(grace(), password(wrong), &client("curl")).await,
            Err(AuthError::InvalidCredentials)
        ));
    }

    /// Someone with the mailbox alone: on a two-step account the reset changes nothing
    /// (the owner stays signed in, the old password works, the link stays usable) until
    /// the second step is passed; only then is the new password stored, every session
    /// ended and the owner told.
    #[tokio::test]
    async fn a_reset_of_a_two_step_account_changes_nothing_before_the_code() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let laptop = verified(&auth, &letters).await;
        let two_step = turned_on(&auth, &session_of(&auth, &laptop).await).await;
        letters.take();
        let token = reset_link(&auth, &letters, "grace").await;
        let LoginOutcome::TwoStepRequired(challenge) = auth
            .reset_password(&token, password(NEW_PASSWORD), &client("x"))
            .await
            .unwrap()
        else {
            panic!("a reset of a two-step account signed in without the code");
        };
        session_of(&auth, &laptop).await;
        assert_password_is(&auth, PASSWORD, NEW_PASSWORD).await;
        assert!(
            !letters_soon(&letters)
                .await
                .iter()
                .any(|letter| matches!(letter.notice, Notice::PasswordReset { .. }))
        );
        auth.check_reset_link(&token, &client("x")).await.unwrap();

        let fresh = auth
            .complete_two_step(
                &challenge.token,
                SecondFactor::Code(two_step.code(1)),
                &client("x"),
            )
            .await
            .unwrap();
        assert_signed_out(&auth, &laptop).await;
        session_of(&auth, &fresh).await;
        assert_password_is(&auth, NEW_PASSWORD, PASSWORD).await;
        assert!(matches!(
            auth.check_reset_link(&token, &client("x")).await,
            Err(AuthError::InvalidLink)
        ));
        assert!(
            letters
                .take()
                .iter()
                .any(|letter| matches!(letter.notice, Notice::PasswordReset { .. }))
        );
    }

    /// The server's secret changed since two-step was turned on, so no code can ever be
    /// right: a reset by mail still lets the owner in, turning two-step off and saying so.
    #[tokio::test]
    async fn after_the_signing_secret_changed_a_reset_still_lets_the_owner_in() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let laptop = verified(&auth, &letters).await;
        turned_on(&auth, &session_of(&auth, &laptop).await).await;
        let (rekeyed, letters) = service_signing(
            &directory,
            &crate::auth::JwtSecret::new(vec![7; 32]).unwrap(),
            SessionPolicy::default(),
            LinkLifetimes::default(),
        );
        let token = reset_link(&rekeyed, &letters, "grace").await;
        let fresh = rekeyed
            .reset_password(&token, password(NEW_PASSWORD), &client("x"))
            .await
            .unwrap()
            .expect_signed_in();
        let session = session_of(&rekeyed, &fresh).await;
        assert_eq!(
            rekeyed.two_factor_status(&session).await.unwrap(),
            crate::auth::TwoFactorStatus::Off
        );
        assert!(
            events(&rekeyed, &session)
                .await
                .contains(&ActivityEvent::TwoFactorDisabled)
        );
        assert!(
            letters
                .take()
                .iter()
                .any(|letter| letter.notice == Notice::TwoFactorDisabled)
        );
    }

    #[tokio::test]
    async fn a_reset_link_expires_and_dies_with_any_later_password_change() {
        let directory = tempfile::tempdir().unwrap();
        let second = Duration::from_secs(1);
        let (auth, letters) = mailing(
            &directory,
            LinkLifetimes {
                verify_email: Duration::from_secs(60),
                reset_password: second,
            },
        );
        let laptop = verified(&auth, &letters).await;
        let token = reset_link(&auth, &letters, "grace").await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(matches!(
            auth.check_reset_link(&token, &client("x")).await,
            Err(AuthError::InvalidLink)
        ));
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let token = reset_link(&auth, &letters, "grace").await;
        let session = session_of(&auth, &laptop).await;
        auth.change_password(
            &session,
            password(PASSWORD),
            password(NEW_PASSWORD),
            &client("curl"),
        )
        .await
        .unwrap();
        assert!(matches!(
            auth.reset_password(&token, password("yet another passphrase"), &client("x"))
                .await,
            Err(AuthError::InvalidLink)
        ));
        login(&auth, NEW_PASSWORD).await.unwrap();
    }

    #[tokio::test]
    async fn a_link_works_only_for_its_purpose() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        signed_up_with_email(&auth).await;
        let token = link_in(&letters.take(), ADDRESS, LinkPurpose::VerifyEmail);
        assert!(matches!(
            auth.reset_password(&token, password(NEW_PASSWORD), &client("x"))
                .await,
            Err(AuthError::InvalidLink)
        ));
        let forged = LinkToken::parse(&format!("{}{}", token.selector(), "0".repeat(32))).unwrap();
        assert!(matches!(
            auth.verify_email(&forged, &client("x")).await,
            Err(AuthError::InvalidLink)
        ));
        auth.verify_email(&token, &client("x")).await.unwrap();
    }

    #[tokio::test]
    async fn reset_mails_are_limited_per_name_whatever_the_address_asking() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        verified(&auth, &letters).await;
        for _ in 0..3 {
            auth.request_password_reset(&grace(), &client("curl"))
                .await
                .unwrap();
        }
        assert!(matches!(
            auth.request_password_reset(&grace(), &client("curl")).await,
            Err(AuthError::Throttled(_))
        ));
        assert!(matches!(
            auth.request_password_reset(&Login::parse("nobody").unwrap(), &client("curl"))
                .await,
            Ok(())
        ));
        assert_eq!(letters_soon(&letters).await.len(), 3);
    }

    #[tokio::test]
    async fn a_new_address_starts_unverified_and_the_old_one_is_told() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let laptop = verified(&auth, &letters).await;
        let session = session_of(&auth, &laptop).await;
        assert!(matches!(
            auth.change_email(
                &session,
                password("not the password"),
                Some(Email::parse("new@example.com").unwrap()),
                &client("curl")
            )
            .await,
            Err(AuthError::InvalidCredentials)
        ));
        auth.change_email(
            &session,
            password(PASSWORD),
            Some(Email::parse("new@example.com").unwrap()),
            &client("curl"),
        )
        .await
        .unwrap();
        let posted = letters.take();
        assert_eq!(posted.len(), 2, "{posted:?}");
        assert_eq!(posted[0].to, ADDRESS);
        assert_eq!(
            posted[0].notice,
            Notice::EmailChanged {
                new_address: Some("new@example.com".to_owned())
            }
        );
        let token = link_in(&posted[1..], "new@example.com", LinkPurpose::VerifyEmail);
        let session = session_of(&auth, &laptop).await;
        assert_eq!(session.user.email.as_deref(), Some("new@example.com"));
        assert!(!session.user.email_verified);
        auth.request_password_reset(&grace(), &client("curl"))
            .await
            .unwrap();
        assert_eq!(
            letters_soon(&letters).await,
            [],
            "an unverified address gets no reset"
        );
        auth.verify_email(&token, &client("curl")).await.unwrap();
        assert!(matches!(
            auth.change_email(
                &session_of(&auth, &laptop).await,
                password(PASSWORD),
                Some(Email::parse("new@example.com").unwrap()),
                &client("curl")
            )
            .await,
            Err(AuthError::InvalidInput(CredentialError::EmailUnchanged))
        ));
    }

    #[tokio::test]
    async fn a_sign_in_from_a_new_device_is_told_once_and_other_changes_are_told() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let laptop = verified(&auth, &letters).await;
        login(&auth, PASSWORD).await.unwrap();
        assert_eq!(letters.take(), [], "curl signed up, so it is known");
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        logged_in(&auth, firefox).await;
        let posted = letters.take();
        assert!(
            matches!(&posted[..], [Letter { notice: Notice::NewDevice { device, .. }, .. }] if device == "Firefox on Linux"),
            "{posted:?}"
        );
        logged_in(&auth, firefox).await;
        assert_eq!(letters.take(), []);
        let session = session_of(&auth, &laptop).await;
        auth.change_password(
            &session,
            password(PASSWORD),
            password(NEW_PASSWORD),
            &client("curl"),
        )
        .await
        .unwrap();
        auth.delete_account(&session, password(NEW_PASSWORD), &client("curl"))
            .await
            .unwrap();
        let told: Vec<Notice> = letters
            .take()
            .into_iter()
            .map(|letter| letter.notice)
            .collect();
        assert_eq!(told, [Notice::PasswordChanged, Notice::AccountDeleted]);
        assert!(matches!(
            auth.current_user(Some(&laptop.access.token)).await,
            Err(AuthError::Unauthenticated(
                Rejection::AccountGone | Rejection::SessionEnded
            ))
        ));
    }

    /// Throwaway accounts all naming one stranger's address: it gets five verification
    /// mails in the hour, then no more, while every sign-up is answered the same.
    #[tokio::test]
    async fn one_address_gets_at_most_five_verification_mails_an_hour_from_many_accounts() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        for number in 0..8 {
            auth.register(
                Username::parse(&format!("throwaway{number}")).unwrap(),
                Some(
                    Email::parse(if number % 2 == 0 {
                        "victim@example.com"
                    } else {
                        "Victim@Example.com"
                    })
                    .unwrap(),
                ),
                password(PASSWORD),
                &client("curl/8.5.0"),
            )
            .await
            .unwrap();
        }
        let verifications = letters
            .take()
            .into_iter()
            .filter(|letter| matches!(letter.notice, Notice::VerifyEmail { .. }))
            .count();
        assert_eq!(verifications, 5);
    }

    /// An attacker with the password and many addresses: the account's twentieth wrong
    /// code, whatever the addresses, locks the second step for everyone (the right code
    /// too), and the owner is told in the activity record and by mail.
    #[tokio::test]
    async fn twenty_wrong_codes_from_many_addresses_lock_the_second_step_and_tell_the_owner() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let session = session_of(&auth, &verified(&auth, &letters).await).await;
        let two_step = turned_on(&auth, &session).await;
        letters.take();
        let from = |host: u8| ClientInfo {
            address: std::net::Ipv4Addr::new(198, 51, 100, host).into(),
            user_agent: crate::auth::UserAgent::from_header(Some("curl/8.5.0")),
        };
        let LoginOutcome::TwoStepRequired(challenge) = auth
            .login(
                Username::parse("grace").unwrap(),
                password(PASSWORD),
                &from(1),
            )
            .await
            .unwrap()
        else {
            panic!("signed in without the second step");
        };
        let wrong = two_step.code(40);
        for host in 1..=5 {
            for _ in 0..4 {
                let answer = auth
                    .complete_two_step(
                        &challenge.token,
                        SecondFactor::Code(wrong.clone()),
                        &from(host),
                    )
                    .await;
                assert!(matches!(answer, Err(AuthError::WrongCode)), "{answer:?}");
            }
        }
        let right = two_step.code(1);
        let answer = auth
            .complete_two_step(&challenge.token, SecondFactor::Code(right), &from(99))
            .await;
        assert!(matches!(answer, Err(AuthError::Throttled(_))), "{answer:?}");
        let events = events(&auth, &session).await;
        assert!(events.contains(&ActivityEvent::TwoStepLocked), "{events:?}");
        let told: Vec<Notice> = letters
            .take()
            .into_iter()
            .map(|letter| letter.notice)
            .collect();
        assert_eq!(
            told.iter()
                .filter(|notice| **notice == Notice::TwoStepLocked)
                .count(),
            1,
            "{told:?}"
        );
    }

    #[tokio::test]
    async fn turning_two_step_on_and_off_and_removing_a_passkey_are_told() {
        let directory = tempfile::tempdir().unwrap();
        let (auth, letters) = mailing(&directory, LinkLifetimes::default());
        let session = session_of(&auth, &verified(&auth, &letters).await).await;
        let two_step = turned_on(&auth, &session).await;
        auth.disable_two_factor(
            &session,
            password(PASSWORD),
            two_step.code(1),
            &client("curl"),
        )
        .await
        .unwrap();
        let passkey = NewPasskey {
            id: "key-1".to_owned(),
            user: session.user.id,
            credential_id: "c0ffee".to_owned(),
            name: "Laptop".to_owned(),
            credential: "{}".to_owned(),
        };
        let now = time::OffsetDateTime::now_utc();
        auth.store
            .insert_passkey(&passkey, &client("curl"), now)
            .await
            .unwrap();
        auth.remove_passkey(&session, "key-1", &client("curl"))
            .await
            .unwrap();
        let told: Vec<Notice> = letters
            .take()
            .into_iter()
            .map(|letter| letter.notice)
            .collect();
        assert_eq!(
            told,
            [
                Notice::TwoFactorEnabled,
                Notice::TwoFactorDisabled,
                Notice::PasskeyRemoved
            ]
        );
    }
}
