//! Passkey (WebAuthn) ceremonies: adding one to an account (with the password
//! confirmed) and signing in with one and nothing else: a discoverable-credential
//! ("usernameless") ceremony with user verification required, so the authenticator
//! proves both possession and the person (two factors). webauthn-rs does every check
//! of the ceremonies; Keycard keeps the credentials, and hands each ceremony's state to
//! the browser sealed (see [`SealingKey`]), to be spent once when it comes back. Only
//! with the `passkeys` feature, which brings webauthn-rs (and OpenSSL).

use time::OffsetDateTime;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Uuid,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::device::ClientInfo;
use super::error::AuthError;
use super::notices::Notice;
use super::passkey_party::{AUTHENTICATION, Ceremony, PasskeyRelyingParty, REGISTRATION, expiry};
use super::passkeys::NewPasskey;
use super::random_id::random_id;
use super::service::AuthService;
use super::sessions::Session;
use super::sessions::{SecondStep, SignedIn};
use crate::domain::PasskeyName;

/// What a ceremony's start hands the page: the options for `navigator.credentials`,
/// and the sealed state the page sends back with the authenticator's answer.
pub struct CeremonyStart<T> {
    /// What the browser's `navigator.credentials` call takes.
    pub options: T,
    /// The ceremony's state, sealed, for the client to send back with the answer.
    pub sealed_state: String,
}

impl AuthService {
    fn relying_party(&self) -> Result<&PasskeyRelyingParty, AuthError> {
        self.passkeys
            .as_deref()
            .ok_or(AuthError::PasskeysUnavailable)
    }

    /// Starts adding a passkey, after checking the password (and on an account with
    /// two-step sign-in on, a current code): options that ask the
    /// authenticator for a discoverable credential with user verification, and leave out
    /// the account's passkeys already on it.
    pub async fn begin_passkey_registration(
        &self,
        session: &Session,
        password: crate::domain::Password,
        code: Option<crate::domain::TotpCode>,
        client: &ClientInfo,
    ) -> Result<CeremonyStart<CreationChallengeResponse>, AuthError> {
        let party = self.relying_party()?;
        self.check_own_password(session, password, client).await?;
        // A passkey signs in on its own: on a two-step account, it takes both factors.
        self.require_current_code(session.user.id, code, client)
            .await?;
        let user = &session.user;
        let handle = self
            .store
            .webauthn_handle(user.id, &Uuid::new_v4().to_string())
            .await?;
        let handle = Uuid::parse_str(&handle).map_err(anyhow::Error::from)?;
        let existing = self
            .store
            .list_passkeys(user.id)
            .await?
            .iter()
            .filter_map(|stored| serde_json::from_str::<Passkey>(&stored.credential).ok())
            .map(|passkey| passkey.cred_id().clone())
            .collect();
        let (mut options, state) = party
            .webauthn
            .start_passkey_registration(handle, &user.username, &user.username, Some(existing))
            .map_err(|e| anyhow::anyhow!("no passkey registration options: {e}"))?;
        // Sign-in is usernameless, so the credential must be discoverable: webauthn-rs
        // leaves that to the authenticator ("discouraged"), which may then not store it.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        let sealed_state = party.seal(
            REGISTRATION,
            &Ceremony::<PasskeyRegistration> {
                id: random_id()?,
                expires_at: expiry(),
                user: Some(user.id.0),
                state,
            },
        )?;
        Ok(CeremonyStart {
            options,
            sealed_state,
        })
    }

    /// Finishes adding a passkey with the authenticator's answer; recorded in the
    /// account's activity.
    pub async fn finish_passkey_registration(
        &self,
        session: &Session,
        name: PasskeyName,
        sealed_state: &str,
        answer: &RegisterPublicKeyCredential,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let party = self.relying_party()?;
        let ceremony: Ceremony<PasskeyRegistration> = party.open(REGISTRATION, sealed_state)?;
        let user = session.user.id;
        if ceremony.user != Some(user.0) {
            return Err(AuthError::PasskeyRefused);
        }
        let passkey = party
            .webauthn
            .finish_passkey_registration(answer, &ceremony.state)
            .map_err(|error| {
                tracing::info!(user_id = user.0, %error, "passkey registration refused");
                AuthError::PasskeyRefused
            })?;
        self.spend_ceremony(&ceremony).await?;
        let new = NewPasskey {
            id: random_id()?,
            user,
            credential_id: credential_id_text(passkey.cred_id().as_ref()),
            name: name.as_str().to_owned(),
            credential: serde_json::to_string(&passkey).map_err(anyhow::Error::from)?,
        };
        if !self
            .store
            .insert_passkey(&new, client, OffsetDateTime::now_utc())
            .await?
        {
            return Err(AuthError::PasskeyRefused);
        }
        tracing::info!(target: "keycard::security", user_id = user.0, "passkey added");
        self.tell_verified_address(session, Notice::PasskeyAdded);
        Ok(())
    }

    /// Starts a sign-in with a passkey: options for any discoverable credential of
    /// this site, with user verification required.
    pub fn begin_passkey_sign_in(
        &self,
    ) -> Result<CeremonyStart<RequestChallengeResponse>, AuthError> {
        let party = self.relying_party()?;
        let (mut options, state) = party
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| anyhow::anyhow!("no passkey sign-in options: {e}"))?;
        // A button starts it, so the browser shows its dialog at once.
        options.mediation = None;
        let sealed_state = party.seal(
            AUTHENTICATION,
            &Ceremony::<DiscoverableAuthentication> {
                id: random_id()?,
                expires_at: expiry(),
                user: None,
                state,
            },
        )?;
        Ok(CeremonyStart {
            options,
            sealed_state,
        })
    }

    /// Finishes a sign-in with a passkey: the credential must be one of an active
    /// account's, its signature good and the person verified. Counts as both factors.
    pub async fn finish_passkey_sign_in(
        &self,
        sealed_state: &str,
        answer: &PublicKeyCredential,
        client: &ClientInfo,
    ) -> Result<SignedIn, AuthError> {
        self.throttle.admit_attempt(client.address).await?;
        let party = self.relying_party()?;
        let ceremony: Ceremony<DiscoverableAuthentication> =
            party.open(AUTHENTICATION, sealed_state)?;
        let (handle, credential_id) = party
            .webauthn
            .identify_discoverable_authentication(answer)
            .map_err(|_| AuthError::PasskeyRefused)?;
        let stored = self
            .store
            .find_passkey(&credential_id_text(credential_id))
            .await?
            .filter(|stored| stored.user_handle == handle.to_string())
            .ok_or(AuthError::PasskeyRefused)?;
        let mut passkey: Passkey =
            serde_json::from_str(&stored.credential).map_err(anyhow::Error::from)?;
        let result = party
            .webauthn
            .finish_discoverable_authentication(
                answer,
                ceremony.state.clone(),
                &[DiscoverableKey::from(&passkey)],
            )
            .map_err(|error| {
                tracing::info!(user_id = stored.user.0, %error, "passkey sign-in refused");
                AuthError::PasskeyRefused
            })?;
        if !result.user_verified() {
            return Err(AuthError::PasskeyRefused);
        }
        self.spend_ceremony(&ceremony).await?;
        let updated = passkey
            .update_credential(&result)
            .filter(|changed| *changed)
            .map(|_| serde_json::to_string(&passkey))
            .transpose()
            .map_err(anyhow::Error::from)?;
        // Checked against the state read above: a sign-in racing this one with the same
        // counter (a cloned authenticator) changed it meanwhile, and only one gets in.
        if !self
            .store
            .record_passkey_use(
                &stored.id,
                &stored.credential,
                updated.as_deref(),
                OffsetDateTime::now_utc(),
            )
            .await?
        {
            tracing::warn!(
                target: "keycard::security",
                user_id = stored.user.0,
                "passkey sign-in refused: another sign-in changed its counter meanwhile (a cloned authenticator?)"
            );
            return Err(AuthError::PasskeyRefused);
        }
        let credentials = self
            .store
            .find_credentials_by_id(stored.user)
            .await?
            .ok_or(AuthError::PasskeyRefused)?;
        tracing::info!(user_id = stored.user.0, "passkey verified");
        let mailbox = credentials.mailbox();
        self.finish_sign_in(
            stored.user,
            credentials.password_version,
            SecondStep::Passkey(stored.id),
            mailbox,
            client,
        )
        .await
    }

    /// Marks a ceremony finished; one that already was is refused.
    async fn spend_ceremony<S>(&self, ceremony: &Ceremony<S>) -> Result<(), AuthError> {
        let expires_at = OffsetDateTime::from_unix_timestamp(ceremony.expires_at)
            .map_err(anyhow::Error::from)?;
        if !self.store.spend_once(&ceremony.id, expires_at).await? {
            return Err(AuthError::PasskeyRefused);
        }
        Ok(())
    }
}

/// A credential id as stored and looked up: hex.
fn credential_id_text(bytes: &[u8]) -> String {
    hex::encode(bytes)
}
