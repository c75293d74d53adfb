//! Email: verifying an address, resetting a forgotten password through a mailed link,
//! changing the address, and telling an account's verified address what happened to
//! it. Links are single use, expire, and are stored only as keyed hashes
//! ([`super::link_token`]); who gets mail is decided here, delivery is the mail layer's.

use time::OffsetDateTime;

use super::device::{ClientInfo, UserAgent, describe_device};
use super::error::AuthError;
use super::link_token::{LinkPurpose, LinkToken, NewLink, StoredLink};
use super::notices::{Letter, Notice};
use super::service::AuthService;
use super::sessions::SecondStep;
use super::sessions::Session;
use super::two_factor::LoginOutcome;
use super::two_factor::{PendingReset, TwoStepAfterReset};
use super::two_factor_flows::TwoStepState;
use super::users::{AccountLookup, PasswordVersion, UserId};
use crate::domain::{CredentialError, Email, Login, Password};

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
