//! Sign-up, login and logout: the flows every surface (pages, server functions, the
//! JSON API) goes through. Each sign-in starts a session.

use std::sync::Arc;

use time::OffsetDateTime;

use super::activity::ActivityEvent;
use super::common_passwords::is_common_password;
use super::device::ClientInfo;
use super::error::{AuthError, Rejection};
use super::link_token::{LinkKey, LinkLifetimes};
use super::notices::Postbox;
#[cfg(feature = "passkeys")]
use super::passkey_party::PasskeyRelyingParty;
use super::password::{PasswordHasher, Verification};
use super::refresh_token::{RefreshToken, SuccessorKey};
use super::sessions::{
    IssuedRefreshToken, NewSession, SecondStep, Session, SessionId, SessionPolicy, SignedIn,
};
use super::store::{SharedStore, StoreError};
use super::throttle::{Throttle, ThrottlePolicy, reserve_login_try_settling};
use super::token::{JwtSecret, TokenKeys};
use super::touch::Touching;
use super::two_factor::{DEFAULT_TWO_STEP_LIFETIME, LoginOutcome, TwoFactorKeys};
use super::users::{PasswordVersion, StoredCredentials, UserId};
use crate::domain::{CredentialError, Email, Password, Username};

/// The authentication core. Cheap to clone; clones share the store and keys.
#[derive(Clone)]
pub struct AuthService {
    pub(super) store: SharedStore,
    pub(super) tokens: Arc<TokenKeys>,
    pub(super) successor_key: Arc<SuccessorKey>,
    pub(super) sessions: SessionPolicy,
    pub(super) passwords: PasswordHasher,
    pub(super) throttle: Arc<dyn Throttle>,
    pub(super) touching: Touching,
    pub(super) postbox: Arc<dyn Postbox>,
    pub(super) link_key: Arc<LinkKey>,
    pub(super) links: LinkLifetimes,
    pub(super) two_factor: Arc<TwoFactorKeys>,
    pub(super) two_step_lifetime: std::time::Duration,
    /// `None` where WebAuthn cannot work (a public origin without a domain name).
    #[cfg(feature = "passkeys")]
    pub(super) passkeys: Option<Arc<PasskeyRelyingParty>>,
}

impl AuthService {
    /// The store the core keeps its records in, for reading them beside the flows
    /// (tests, reports); a write through it skips the flows' checks and notices.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// The core over `store`, signing with keys made from `secret`, mailing through
    /// `postbox`.
    pub fn new(
        store: SharedStore,
        secret: &JwtSecret,
        passwords: PasswordHasher,
        throttle: ThrottlePolicy,
        sessions: SessionPolicy,
        links: LinkLifetimes,
        postbox: Arc<dyn Postbox>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            postbox,
            link_key: Arc::new(LinkKey::new(secret)?),
            links,
            two_factor: Arc::new(TwoFactorKeys::new(secret)?),
            two_step_lifetime: DEFAULT_TWO_STEP_LIFETIME,
            #[cfg(feature = "passkeys")]
            passkeys: None,
            throttle: store.throttle(throttle),
            store,
            tokens: Arc::new(TokenKeys::new(secret, sessions.access_token_lifetime)?),
            successor_key: Arc::new(SuccessorKey::new(secret)?),
            sessions,
            passwords,
            touching: Touching::default(),
        })
    }

    /// How long the second step of a login may take.
    pub fn with_two_step_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.two_step_lifetime = lifetime;
        self
    }

    /// Passkeys for `party`'s origin.
    #[cfg(feature = "passkeys")]
    pub fn with_passkeys(mut self, party: PasskeyRelyingParty) -> Self {
        self.passkeys = Some(Arc::new(party));
        self
    }

    /// Argon2 verifications run so far, for tests and metrics.
    pub fn password_verifications(&self) -> u64 {
        self.passwords.verifications()
    }

    /// Whether the database answers, so the service can take requests.
    pub async fn check_ready(&self) -> Result<(), StoreError> {
        self.store.check().await
    }

    /// Creates an account without signing in (the JSON API's registration). The address
    /// `client` came from has a bounded number of attempts.
    pub async fn create_account(
        &self,
        username: Username,
        email: Option<Email>,
        password: Password,
        client: &ClientInfo,
    ) -> Result<UserId, AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let password_hash = self.new_password_hash(password).await?;
        let now = OffsetDateTime::now_utc();
        let user = self
            .store
            .create_user(&username, email.as_ref(), &password_hash, client, now)
            .await?
            .ok_or(AuthError::UsernameTaken)?;
        tracing::info!(user_id = user.id.0, "account created");
        if let Some(email) = &user.email {
            self.mail_verification_link(user.id, &user.username, email)
                .await;
        }
        Ok(user.id)
    }

    /// The hash of a password someone chose for their account: never one of the most
    /// common ones.
    pub(super) async fn new_password_hash(&self, password: Password) -> Result<String, AuthError> {
        if is_common_password(&password) {
            return Err(CredentialError::PasswordTooCommon.into());
        }
        Ok(self.passwords.hash_password(password).await?)
    }

    /// Creates an account and signs it in (the sign-up form).
    pub async fn register(
        &self,
        username: Username,
        email: Option<Email>,
        password: Password,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let user = self
            .create_account(username, email, password, client)
            .await?;
        self.start_session(user, PasswordVersion::FIRST, SecondStep::NotTaken, client)
            .await
    }

    /// Checks a username and password; an unknown name and a wrong password give the
    /// same error after the same amount of work. Too many failures for one name from
    /// one address are refused before any hashing. An account with two-step sign-in on
    /// gets a challenge for its second step instead of a session.
    pub async fn login(
        &self,
        username: Username,
        password: Password,
        client: &ClientInfo,
    ) -> Result<LoginOutcome, AuthError> {
        let account_key = username.canonical_key();
        self.throttle.admit_attempt(client.address).await?;
        let stored = self.store.find_credentials_by_name(&username).await?;
        let mailbox = stored.as_ref().and_then(StoredCredentials::mailbox);
        let (user, version) = self
            .check_password(&account_key, stored, password, client)
            .await?;
        self.after_password(user, version, mailbox, client).await
    }

    /// Starts the session of a sign-in whose every step succeeded, and tells the
    /// account's verified address (`mailbox`: name and address) if the device is new.
    pub(super) async fn finish_sign_in(
        &self,
        user: UserId,
        checked: PasswordVersion,
        second_step: SecondStep,
        mailbox: Option<(String, String)>,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let known_user_agents = self.devices_known_before(user, mailbox.as_ref()).await?;
        let signed_in = self
            .start_session(user, checked, second_step, client)
            .await?;
        self.after_sign_in(user, mailbox, &known_user_agents, client);
        Ok(signed_in)
    }

    /// The user agents `user` signed in with before, if there is an address to tell of
    /// a new one: read before the session is recorded, which would make every device
    /// known.
    pub(super) async fn devices_known_before(
        &self,
        user: UserId,
        mailbox: Option<&(String, String)>,
    ) -> Result<Vec<String>, AuthError> {
        Ok(match mailbox {
            Some(_) => self.store.known_user_agents(user).await?,
            None => Vec::new(),
        })
    }

    /// Logs a sign-in that started its session, and tells the account's verified
    /// address if the device is not one of `known_user_agents`.
    pub(super) fn after_sign_in(
        &self,
        user: UserId,
        mailbox: Option<(String, String)>,
        known_user_agents: &[String],
        client: &ClientInfo,
    ) {
        tracing::info!(user_id = user.0, "signed in");
        if let Some((username, email)) = mailbox {
            self.tell_if_new_device(user, &username, &email, known_user_agents, client);
        }
    }

    /// The password check of a login or of a signed-in person asked for it again:
    /// a try per account and address taken first, one argon2 run whether or not the
    /// account exists, failures counted (and recorded in the account's activity) and a success
    /// clearing them, an outdated hash upgraded. Returns the account and the version of
    /// the password that matched.
    pub(super) async fn check_password(
        &self,
        account_key: &str,
        stored: Option<StoredCredentials>,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(UserId, PasswordVersion), AuthError> {
        let address = client.address;
        // Taken before the hash is checked, so concurrent guesses cannot all pass.
        reserve_login_try_settling(&*self.throttle, account_key, address).await?;
        let (account, stored_hash) = match stored {
            Some(credentials) => (
                Some((credentials.id, credentials.password_version)),
                Some(credentials.password_hash),
            ),
            None => (None, None),
        };
        let verification = self
            .passwords
            .verify_password(password.clone(), stored_hash)
            .await?;
        let (user_id, version) = match (account, verification) {
            (Some(account), Verification::Match | Verification::MatchWithOutdatedHash) => account,
            _ => {
                if let Some((user_id, _)) = account {
                    self.record_failure_in_background(user_id, client);
                }
                return Err(AuthError::InvalidCredentials);
            }
        };
        self.throttle
            .record_successful_login(account_key, address)
            .await?;
        // The password was right, so a failed upgrade must not turn into a failed login.
        if verification == Verification::MatchWithOutdatedHash
            && let Err(error) = self.rehash(user_id, version, password).await
        {
            tracing::warn!(
                user_id = user_id.0,
                error = format!("{error:#}"),
                "could not upgrade a password hash"
            );
        }
        Ok((user_id, version))
    }

    /// The password check of a signed-in person asked for their password again, under the
    /// same limits as a login. Returns the version of the password that matched.
    pub(super) async fn check_own_password(
        &self,
        session: &Session,
        password: Password,
        client: &ClientInfo,
    ) -> Result<PasswordVersion, AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let user = session.user.id;
        let stored = self.store.find_credentials_by_id(user).await?;
        let Some(account_key) = stored.as_ref().map(|stored| stored.username_key.clone()) else {
            return Err(Rejection::AccountGone.into());
        };
        let (_, version) = self
            .check_password(&account_key, stored, password, client)
            .await?;
        Ok(version)
    }

    /// Records a failed sign-in in the account's activity without holding up the answer:
    /// waiting for the write would make a wrong password for a real account slower than
    /// one for a name nobody has, which tells an attacker which names exist.
    fn record_failure_in_background(&self, user: UserId, client: &ClientInfo) {
        let store = self.store.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let recorded = store
                .record_activity(
                    user,
                    ActivityEvent::FailedSignIn,
                    &client,
                    OffsetDateTime::now_utc(),
                )
                .await;
            if let Err(error) = recorded {
                tracing::warn!(user_id = user.0, %error, "could not record a failed sign-in");
            }
        });
    }

    /// Stores a hash made with the current parameters in place of an older one.
    async fn rehash(
        &self,
        user_id: UserId,
        version: PasswordVersion,
        password: Password,
    ) -> Result<(), AuthError> {
        let password_hash = self.passwords.hash_password(password).await?;
        self.store
            .upgrade_password_hash(user_id, version, &password_hash)
            .await?;
        tracing::info!(
            user_id = user_id.0,
            "password hash upgraded to current parameters"
        );
        Ok(())
    }

    /// A new session for `user`, its first refresh token and an access token, unless
    /// the password that was checked (version `checked`) has been changed since, the
    /// account deleted, or two-step sign-in turned on for a sign-in that took no second
    /// step: then the sign-in fails as if the password had been wrong.
    ///
    /// Every sign-in ends here; a host app that proves who someone is in a way of its
    /// own calls it with the [`PasswordVersion`] it read before that proof, so a
    /// password change in between still wins.
    pub async fn start_session(
        &self,
        user: UserId,
        checked: PasswordVersion,
        second_step: SecondStep,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        let session = new_session(checked, second_step)?;
        let now = OffsetDateTime::now_utc();
        if !self
            .store
            .insert_session(&session, user, client, now)
            .await?
        {
            return Err(AuthError::InvalidCredentials);
        }
        self.signed_in(user, session, now)
    }

    /// What the client gets for a session recorded at `now`: an access token and the
    /// session's first refresh token.
    pub(super) fn signed_in(
        &self,
        user: UserId,
        session: NewSession,
        now: OffsetDateTime,
    ) -> Result<SignedIn, AuthError> {
        let seconds = now.unix_timestamp();
        Ok(SignedIn {
            access: self.tokens.issue_token(user, &session.id, now)?,
            refresh: IssuedRefreshToken {
                token: session.refresh,
                expires_at: self.sessions.ends_at(seconds, seconds),
            },
            session_id: session.id,
        })
    }

    /// Ends the session and revokes the token that proved it, in one transaction: every
    /// token and the refresh token of this sign-in stop working at once.
    pub async fn logout(&self, session: &Session, client: &ClientInfo) -> Result<(), AuthError> {
        let user = session.user.id;
        self.store
            .sign_out(&session.token, client, OffsetDateTime::now_utc())
            .await?;
        tracing::info!(user_id = user.0, "signed out");
        Ok(())
    }
}

/// A session about to be recorded, with a fresh id and refresh token.
pub(super) fn new_session(
    checked: PasswordVersion,
    second_step: SecondStep,
) -> Result<NewSession, AuthError> {
    Ok(NewSession {
        id: SessionId::generate()?,
        refresh: RefreshToken::generate()?,
        checked,
        second_step,
    })
}
