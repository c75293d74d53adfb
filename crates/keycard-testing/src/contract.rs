//! The store contract: what every backend of the core's storage traits must do, seen
//! through the traits alone. Each backend's crate runs all of it with
//! [`store_contract_tests!`](crate::store_contract_tests), handing it a fresh empty store
//! per test, the way tower-sessions tests each of its stores.

use std::time::Duration;

use keycard_core::auth::{
    AccountChange, ActivityEvent, GuardRecord, LinkPurpose, NewLink, NewPasskey, NewSession,
    PasswordVersion, Redemption, RefreshToken, SecondStep, SessionId, SessionPolicy, SharedStore,
    ThrottlePolicy, User, UserId,
};
use keycard_core::domain::Username;
use time::OffsetDateTime;

use crate::client;

/// Runs every contract test against the store `$make` returns: a future, made once per
/// test, giving what must be kept alive while the store is used (a temporary
/// directory, say) and a fresh empty [`SharedStore`].
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@tests $make;
            a_name_is_taken_whatever_its_case,
            a_hash_is_upgraded_only_at_the_version_that_was_checked,
            a_password_change_ends_the_other_sessions_and_a_stale_one_changes_nothing,
            a_deleted_account_leaves_no_session_and_frees_its_name,
            a_session_starts_only_at_the_current_password_version,
            a_refresh_token_rotates_races_within_the_grace_and_ends_the_session_when_reused,
            a_session_ended_from_another_is_over_once,
            a_link_is_found_by_its_selector_and_verifies_its_address_once,
            two_step_is_staged_in_one_session_and_enabled_with_its_recovery_codes,
            a_code_step_is_spent_once,
            an_id_is_spent_once_and_never_after_its_expiry,
            a_passkey_is_found_by_its_credential_until_removed,
            activity_is_listed_newest_first_with_its_devices,
            the_throttle_refuses_after_the_limit,
            the_store_answers_and_prunes_what_has_expired,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_kept, store) = $make.await;
                $crate::contract::$name(store).await;
            }
        )*
    };
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn policy() -> SessionPolicy {
    SessionPolicy::default()
}

async fn account(store: &SharedStore, name: &str) -> User {
    store
        .create_user(
            &Username::parse(name).unwrap(),
            None,
            "hash",
            &client("curl"),
            now(),
        )
        .await
        .unwrap()
        .expect("a free name")
}

async fn version(store: &SharedStore, user: UserId) -> PasswordVersion {
    store
        .find_credentials_by_id(user)
        .await
        .unwrap()
        .expect("an active account")
        .password_version
}

/// A session of `user` started at the password version it has now; its id and its
/// first refresh token.
async fn session(store: &SharedStore, user: UserId) -> (SessionId, RefreshToken) {
    let new = NewSession {
        id: SessionId::generate().unwrap(),
        refresh: RefreshToken::generate().unwrap(),
        checked: version(store, user).await,
        second_step: SecondStep::NotTaken,
    };
    assert!(
        store
            .insert_session(&new, user, &client("curl"), now())
            .await
            .unwrap()
    );
    (new.id, new.refresh)
}

async fn is_live(store: &SharedStore, user: UserId, session: &SessionId) -> bool {
    match store
        .find_guard_record(user, session, "token-id")
        .await
        .unwrap()
    {
        GuardRecord::Found { times, .. } => policy().is_live(&times, now()),
        GuardRecord::Revoked | GuardRecord::NoSession | GuardRecord::NoAccount => false,
    }
}

pub async fn a_name_is_taken_whatever_its_case(store: SharedStore) {
    let grace = account(&store, "Grace").await;
    let again = store
        .create_user(
            &Username::parse("GRACE").unwrap(),
            None,
            "other",
            &client("curl"),
            now(),
        )
        .await
        .unwrap();
    assert!(again.is_none(), "a second Grace");
    let found = store
        .find_credentials_by_name(&Username::parse("grace").unwrap())
        .await
        .unwrap()
        .expect("found case-folded");
    assert_eq!(
        (
            found.id,
            found.username.as_str(),
            found.password_hash.as_str()
        ),
        (grace.id, "Grace", "hash")
    );
}

pub async fn a_hash_is_upgraded_only_at_the_version_that_was_checked(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let checked = version(&store, grace.id).await;
    store
        .upgrade_password_hash(grace.id, PasswordVersion(checked.0 + 1), "stale")
        .await
        .unwrap();
    store
        .upgrade_password_hash(grace.id, checked, "stronger")
        .await
        .unwrap();
    let found = store
        .find_credentials_by_id(grace.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.password_hash, "stronger");
    assert_eq!(found.password_version, checked, "the same password");
}

pub async fn a_password_change_ends_the_other_sessions_and_a_stale_one_changes_nothing(
    store: SharedStore,
) {
    let grace = account(&store, "grace").await;
    let (laptop, _) = session(&store, grace.id).await;
    let (phone, _) = session(&store, grace.id).await;
    let checked = version(&store, grace.id).await;
    let change = |checked| {
        let store = store.clone();
        let laptop = laptop.clone();
        async move {
            store
                .change_password(
                    grace.id,
                    &laptop,
                    checked,
                    "new",
                    &client("curl"),
                    &policy(),
                    now(),
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(change(checked).await, AccountChange::Done(1));
    assert!(is_live(&store, grace.id, &laptop).await);
    assert!(!is_live(&store, grace.id, &phone).await);
    assert_eq!(
        change(checked).await,
        AccountChange::PasswordNoLongerCurrent
    );
    let found = store
        .find_credentials_by_id(grace.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.password_hash, "new");
    assert_ne!(found.password_version, checked);
}

pub async fn a_deleted_account_leaves_no_session_and_frees_its_name(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let (laptop, _) = session(&store, grace.id).await;
    let checked = version(&store, grace.id).await;
    let deleted = store
        .delete_user(grace.id, &laptop, checked, &policy(), now())
        .await
        .unwrap();
    assert_eq!(deleted, AccountChange::Done(()));
    assert!(!is_live(&store, grace.id, &laptop).await);
    assert!(
        store
            .find_credentials_by_id(grace.id)
            .await
            .unwrap()
            .is_none()
    );
    let again = account(&store, "grace").await;
    assert_ne!(again.id, grace.id, "an id is never given twice");
}

pub async fn a_session_starts_only_at_the_current_password_version(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let checked = version(&store, grace.id).await;
    let stale = NewSession {
        id: SessionId::generate().unwrap(),
        refresh: RefreshToken::generate().unwrap(),
        checked: PasswordVersion(checked.0 + 1),
        second_step: SecondStep::NotTaken,
    };
    assert!(
        !store
            .insert_session(&stale, grace.id, &client("curl"), now())
            .await
            .unwrap()
    );
    assert!(!is_live(&store, grace.id, &stale.id).await);
    let (current, _) = session(&store, grace.id).await;
    assert!(is_live(&store, grace.id, &current).await);
    let listed = store
        .list_live_sessions(grace.id, &policy(), now())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, current);
}

pub async fn a_refresh_token_rotates_races_within_the_grace_and_ends_the_session_when_reused(
    store: SharedStore,
) {
    let grace = account(&store, "grace").await;
    let (laptop, first) = session(&store, grace.id).await;
    let second = RefreshToken::generate().unwrap();
    let redeem = |presented: &RefreshToken, successor: &RefreshToken, at| {
        let (store, presented, successor) = (store.clone(), presented.clone(), successor.clone());
        async move {
            store
                .redeem_refresh_token(&presented, &successor, &client("curl"), &policy(), at)
                .await
                .unwrap()
        }
    };
    let at = now();
    assert!(matches!(
        redeem(&first, &second, at).await,
        Redemption::Rotated { session, .. } if session == laptop
    ));
    assert!(matches!(
        redeem(&first, &second, at).await,
        Redemption::Raced { session, .. } if session == laptop
    ));
    let after_grace = at + policy().refresh_reuse_grace + Duration::from_secs(1);
    assert!(matches!(
        redeem(&first, &RefreshToken::generate().unwrap(), after_grace).await,
        Redemption::Reused { session, .. } if session == laptop
    ));
    assert!(matches!(
        redeem(&second, &RefreshToken::generate().unwrap(), after_grace).await,
        Redemption::Ended
    ));
    assert!(matches!(
        redeem(&RefreshToken::generate().unwrap(), &second, at).await,
        Redemption::Unknown
    ));
}

pub async fn a_session_ended_from_another_is_over_once(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let (laptop, _) = session(&store, grace.id).await;
    let (phone, _) = session(&store, grace.id).await;
    let (curl, policy) = (client("curl"), policy());
    let end = || store.end_session(grace.id, &phone, &curl, &policy, now());
    assert!(end().await.unwrap());
    assert!(!end().await.unwrap());
    assert!(!is_live(&store, grace.id, &phone).await);
    assert!(is_live(&store, grace.id, &laptop).await);
    let ada = account(&store, "ada").await;
    assert!(
        !store
            .end_session(ada.id, &laptop, &curl, &policy, now())
            .await
            .unwrap(),
        "another account's session"
    );
}

pub async fn a_link_is_found_by_its_selector_and_verifies_its_address_once(store: SharedStore) {
    let email = keycard_core::domain::Email::parse("grace@example.com").unwrap();
    let grace = store
        .create_user(
            &Username::parse("grace").unwrap(),
            Some(&email),
            "hash",
            &client("curl"),
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    let link = NewLink {
        selector: "selector-1".to_owned(),
        verifier_hash: "verifier-hash".to_owned(),
        user: grace.id,
        purpose: LinkPurpose::VerifyEmail,
        email: email.as_str().to_owned(),
        password_version: None,
        created_at: now().unix_timestamp(),
        expires_at: now().unix_timestamp() + 3600,
    };
    assert!(store.insert_link(&link).await.unwrap());
    let found = store
        .find_link("selector-1")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        (found.user, found.purpose, found.verifier_hash.as_str()),
        (grace.id, Some(LinkPurpose::VerifyEmail), "verifier-hash")
    );
    let curl = client("curl");
    let verify = || store.verify_email("selector-1", grace.id, email.as_str(), &curl, now());
    assert!(verify().await.unwrap());
    assert!(!verify().await.unwrap(), "a link works once");
    let credentials = store
        .find_credentials_by_id(grace.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(credentials.verified_email.as_deref(), Some(email.as_str()));
    assert!(store.find_link("unknown").await.unwrap().is_none());
}

pub async fn two_step_is_staged_in_one_session_and_enabled_with_its_recovery_codes(
    store: SharedStore,
) {
    let grace = account(&store, "grace").await;
    let (laptop, _) = session(&store, grace.id).await;
    let (phone, _) = session(&store, grace.id).await;
    assert!(store.find_two_factor(grace.id).await.unwrap().is_none());
    assert!(
        store
            .stage_two_factor(grace.id, &laptop, "sealed", now())
            .await
            .unwrap()
    );
    let staged = store.find_two_factor(grace.id).await.unwrap().unwrap();
    assert_eq!(
        (staged.enabled, staged.staged_in.as_deref()),
        (false, Some(laptop.as_str()))
    );
    let codes = ["one".to_owned(), "two".to_owned()];
    let enable = |session: &SessionId| {
        let (store, session, codes) = (store.clone(), session.clone(), codes.clone());
        async move {
            store
                .enable_two_factor(
                    grace.id,
                    &session,
                    1,
                    &codes,
                    &client("curl"),
                    &policy(),
                    now(),
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(
        enable(&phone).await,
        AccountChange::Done(false),
        "staged elsewhere"
    );
    assert_eq!(enable(&laptop).await, AccountChange::Done(true));
    let enabled = store.find_two_factor(grace.id).await.unwrap().unwrap();
    assert_eq!((enabled.enabled, enabled.recovery_codes_left), (true, 2));
    assert!(
        !is_live(&store, grace.id, &phone).await,
        "other sessions end"
    );
}

pub async fn a_code_step_is_spent_once(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let (laptop, _) = session(&store, grace.id).await;
    store
        .stage_two_factor(grace.id, &laptop, "sealed", now())
        .await
        .unwrap();
    store
        .enable_two_factor(
            grace.id,
            &laptop,
            10,
            &[],
            &client("curl"),
            &policy(),
            now(),
        )
        .await
        .unwrap();
    assert!(
        !store.spend_code_step(grace.id, 10).await.unwrap(),
        "the enabling step"
    );
    assert!(store.spend_code_step(grace.id, 11).await.unwrap());
    assert!(!store.spend_code_step(grace.id, 11).await.unwrap());
    assert!(
        !store.spend_code_step(grace.id, 10).await.unwrap(),
        "an earlier step"
    );
}

pub async fn an_id_is_spent_once_and_never_after_its_expiry(store: SharedStore) {
    let later = now() + Duration::from_secs(60);
    assert!(store.spend_once("ceremony", later).await.unwrap());
    assert!(!store.spend_once("ceremony", later).await.unwrap());
    assert!(
        !store
            .spend_once("late", now() - Duration::from_secs(1))
            .await
            .unwrap()
    );
}

pub async fn a_passkey_is_found_by_its_credential_until_removed(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let handle = store.webauthn_handle(grace.id, "first").await.unwrap();
    assert_eq!(
        store.webauthn_handle(grace.id, "second").await.unwrap(),
        handle,
        "one handle per account"
    );
    let passkey = NewPasskey {
        id: "key-1".to_owned(),
        user: grace.id,
        credential_id: "c0ffee".to_owned(),
        name: "Phone".to_owned(),
        credential: "{}".to_owned(),
    };
    assert!(
        store
            .insert_passkey(&passkey, &client("curl"), now())
            .await
            .unwrap()
    );
    let found = store.find_passkey("c0ffee").await.unwrap().unwrap();
    assert_eq!(
        (
            found.id.as_str(),
            found.user,
            found.user_handle.as_str(),
            found.name.as_str()
        ),
        ("key-1", grace.id, handle.as_str(), "Phone")
    );
    assert_eq!(store.list_passkeys(grace.id).await.unwrap().len(), 1);
    let ada = account(&store, "ada").await;
    assert_eq!(
        store
            .remove_passkey(ada.id, "key-1", &client("curl"), now())
            .await
            .unwrap(),
        None,
        "another account's passkey"
    );
    assert_eq!(
        store
            .remove_passkey(grace.id, "key-1", &client("curl"), now())
            .await
            .unwrap(),
        Some(0)
    );
    assert!(store.find_passkey("c0ffee").await.unwrap().is_none());
}

pub async fn activity_is_listed_newest_first_with_its_devices(store: SharedStore) {
    let grace = account(&store, "grace").await;
    let start = now();
    let record = |event, user_agent, seconds| {
        let store = store.clone();
        async move {
            store
                .record_activity(
                    grace.id,
                    event,
                    &client(user_agent),
                    start + Duration::from_secs(seconds),
                )
                .await
                .unwrap();
        }
    };
    record(ActivityEvent::SignedIn, "Firefox", 1).await;
    record(ActivityEvent::FailedSignIn, "curl/8", 2).await;
    let events: Vec<ActivityEvent> = store
        .list_activity(grace.id)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.event)
        .collect();
    assert_eq!(
        events,
        [
            ActivityEvent::FailedSignIn,
            ActivityEvent::SignedIn,
            ActivityEvent::AccountCreated
        ]
    );
    let mut agents = store.known_user_agents(grace.id).await.unwrap();
    agents.sort();
    assert_eq!(agents, ["Firefox", "curl"], "sign-ups and sign-ins only");
}

pub async fn the_throttle_refuses_after_the_limit(store: SharedStore) {
    let policy = ThrottlePolicy {
        failures_per_account: 2,
        ..ThrottlePolicy::default()
    };
    let throttle = store.throttle(policy);
    let address = client("curl").address;
    throttle.reserve_login_try("grace", address).await.unwrap();
    throttle.reserve_login_try("grace", address).await.unwrap();
    assert!(throttle.reserve_login_try("grace", address).await.is_err());
    throttle
        .reserve_login_try("ada", address)
        .await
        .expect("another account counts apart");
}

pub async fn the_store_answers_and_prunes_what_has_expired(store: SharedStore) {
    store.check().await.unwrap();
    let grace = account(&store, "grace").await;
    let (laptop, _) = session(&store, grace.id).await;
    assert_eq!(store.prune(&policy(), now()).await.unwrap(), 0);
    let past_lifetime = now() + policy().lifetime + Duration::from_secs(1);
    assert!(store.prune(&policy(), past_lifetime).await.unwrap() >= 1);
    assert!(matches!(
        store
            .find_guard_record(grace.id, &laptop, "token-id")
            .await
            .unwrap(),
        GuardRecord::NoSession
    ));
}
