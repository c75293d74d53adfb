use std::time::Duration;

use keycard_core::auth::SignedIn;
use keycard_core::auth::*;
use keycard_core::auth::{ActivityEvent, LoginOutcome, RefreshToken, SecondStep};
use keycard_core::domain::Username;
use keycard_core::domain::*;
use keycard_testing::{
    ExpectSignedIn, PASSWORD, assert_signed_out, client, count_rows, database_path, logged_in,
    password_version, service, session_of, signed_up, sql,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

fn password(text: &str) -> Password {
    Password::parse(text).unwrap()
}

/// An account signed in on a laptop (whose session is returned) and a phone.
async fn two_devices() -> (tempfile::TempDir, AuthService, SignedIn, SignedIn, Session) {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let phone = logged_in(&auth, "Firefox/133.0").await;
    let session = session_of(&auth, &laptop).await;
    (directory, auth, laptop, phone, session)
}

async fn login(auth: &AuthService, text: &str) -> Result<SignedIn, AuthError> {
    auth.login(
        Username::parse("grace").unwrap(),
        password(text),
        &client("curl"),
    )
    .await
    .map(LoginOutcome::expect_signed_in)
}

/// The account's events, oldest first, once `count` of them are recorded (a failed
/// sign-in is written in the background).
async fn events(auth: &AuthService, session: &Session, count: usize) -> Vec<ActivityEvent> {
    for _ in 0..100 {
        let entries = auth.activity(session).await.unwrap();
        if entries.len() >= count {
            return entries.into_iter().rev().map(|entry| entry.event).collect();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {count} events were recorded");
}

#[tokio::test]
async fn a_changed_password_ends_the_other_sessions_and_keeps_this_one() {
    let (_directory, auth, laptop, phone, session) = two_devices().await;
    let ended = auth
        .change_password(
            &session,
            password(PASSWORD),
            password(NEW_PASSWORD),
            &client("curl"),
        )
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert!(matches!(
        auth.current_user(Some(&phone.access.token)).await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
    assert!(
        auth.refresh(&phone.refresh.token, &client("Firefox/133.0"))
            .await
            .is_err()
    );
    let session = session_of(&auth, &laptop).await;
    assert!(!auth.needs_recent_password(&session));
    assert!(
        auth.refresh(&laptop.refresh.token, &client("curl"))
            .await
            .is_ok()
    );
    assert!(matches!(
        login(&auth, PASSWORD).await,
        Err(AuthError::InvalidCredentials)
    ));
    assert!(login(&auth, NEW_PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login() {
    let (_directory, auth, _laptop, phone, session) = two_devices().await;
    for _ in 0..5 {
        assert!(matches!(
            auth.change_password(
                &session,
                password("not the password"),
                password(NEW_PASSWORD),
                &client("curl")
            )
            .await,
            Err(AuthError::InvalidCredentials)
        ));
    }
    assert!(matches!(
        auth.change_password(
            &session,
            password(PASSWORD),
            password(NEW_PASSWORD),
            &client("curl")
        )
        .await,
        Err(AuthError::Throttled(_))
    ));
    assert!(matches!(
        login(&auth, PASSWORD).await,
        Err(AuthError::Throttled(_))
    ));
    assert!(auth.current_user(Some(&phone.access.token)).await.is_ok());
    let recorded = events(&auth, &session, 8).await;
    assert_eq!(
        recorded
            .iter()
            .filter(|event| **event == ActivityEvent::FailedSignIn)
            .count(),
        5
    );
}

#[tokio::test]
async fn the_new_password_follows_the_sign_up_rules_and_must_differ() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let session = session_of(&auth, &signed_up(&auth).await).await;
    assert!(matches!(
        auth.change_password(
            &session,
            password(PASSWORD),
            password("password123"),
            &client("curl")
        )
        .await,
        Err(AuthError::InvalidInput(CredentialError::PasswordTooCommon))
    ));
    assert!(matches!(
        auth.change_password(
            &session,
            password(PASSWORD),
            password(PASSWORD),
            &client("curl")
        )
        .await,
        Err(AuthError::InvalidInput(CredentialError::PasswordUnchanged))
    ));
    // The same text as a wrong current password is simply a wrong password.
    assert!(matches!(
        auth.change_password(
            &session,
            password("wrong one!"),
            password("wrong one!"),
            &client("curl")
        )
        .await,
        Err(AuthError::InvalidCredentials)
    ));
    assert!(login(&auth, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_session_ended_meanwhile_cannot_change_the_password() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let phone = logged_in(&auth, "Firefox/133.0").await;
    let stolen = session_of(&auth, &phone).await;
    let owner = session_of(&auth, &laptop).await;
    auth.end_other_sessions(&owner, &client("curl"))
        .await
        .unwrap();
    assert!(matches!(
        auth.change_password(
            &stolen,
            password(PASSWORD),
            password(NEW_PASSWORD),
            &client("x")
        )
        .await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
    assert!(matches!(
        auth.delete_account(&stolen, password(PASSWORD), &client("x"))
            .await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
    assert!(login(&auth, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn a_sign_in_that_checked_the_old_password_starts_no_session_after_the_change() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let laptop = signed_up(&auth).await;
    let session = session_of(&auth, &laptop).await;
    let user = session.user.id;
    let old_version = password_version(&auth, user).await;
    auth.change_password(
        &session,
        password(PASSWORD),
        password(NEW_PASSWORD),
        &client("curl"),
    )
    .await
    .unwrap();
    assert!(matches!(
        auth.start_session(user, old_version, SecondStep::NotTaken, &client("curl"))
            .await,
        Err(AuthError::InvalidCredentials)
    ));
    assert_eq!(auth.list_sessions(&session).await.unwrap().len(), 1);
}

/// Six sign-ins with the current password and a refresh of another session, all
/// running while `change` runs; returns the access tokens they got.
async fn race_with<T>(
    auth: &AuthService,
    phone: &SignedIn,
    change: impl std::future::Future<Output = T>,
) -> (T, Vec<String>) {
    let mut racers: Vec<tokio::task::JoinHandle<Result<SignedIn, AuthError>>> = (0..6)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { login(&auth, PASSWORD).await })
        })
        .collect();
    let refresh = RefreshToken::parse(&phone.refresh.token.reveal()).unwrap();
    let refresher = auth.clone();
    racers.push(tokio::spawn(async move {
        refresher.refresh(&refresh, &client("curl")).await
    }));
    let outcome = change.await;
    let mut tokens = Vec::new();
    for racer in racers {
        if let Ok(signed_in) = racer.await.unwrap() {
            tokens.push(signed_in.access.token);
        }
    }
    (outcome, tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_sign_ins_and_refreshes_leave_no_session_alive_after_a_change() {
    let (_directory, auth, laptop, phone, session) = two_devices().await;
    let curl = client("curl");
    let change = auth.change_password(&session, password(PASSWORD), password(NEW_PASSWORD), &curl);
    let (changed, mut tokens) = race_with(&auth, &phone, change).await;
    changed.unwrap();
    tokens.push(phone.access.token.clone());
    for token in tokens {
        assert!(auth.current_user(Some(&token)).await.is_err());
    }
    let sessions = auth
        .list_sessions(&session_of(&auth, &laptop).await)
        .await
        .unwrap();
    assert_eq!(
        sessions.len(),
        1,
        "only the session that changed it is left"
    );
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_behind_and_its_name_is_free_again() {
    let (directory, auth, laptop, phone, session) = two_devices().await;
    assert!(matches!(
        auth.delete_account(&session, password("not the password"), &client("curl"))
            .await,
        Err(AuthError::InvalidCredentials)
    ));
    assert!(auth.current_user(Some(&phone.access.token)).await.is_ok());
    auth.delete_account(&session, password(PASSWORD), &client("curl"))
        .await
        .unwrap();
    for signed_in in [&laptop, &phone] {
        assert_signed_out(&auth, signed_in).await;
    }
    let mut left = Vec::new();
    for table in ["users", "sessions", "refresh_tokens", "activity"] {
        left.push((table, count_rows(&directory, table)));
    }
    assert!(left.iter().all(|(_, count)| *count == 0), "{left:?}");
    assert!(matches!(
        login(&auth, PASSWORD).await,
        Err(AuthError::InvalidCredentials)
    ));
    let again = signed_up(&auth).await;
    let session = session_of(&auth, &again).await;
    assert_eq!(
        events(&auth, &session, 2).await,
        [ActivityEvent::AccountCreated, ActivityEvent::SignedIn]
    );
    for signed_in in [&laptop, &phone] {
        assert!(
            auth.current_user(Some(&signed_in.access.token))
                .await
                .is_err()
        );
    }
}

/// Whatever was keyed by a deleted account's id (throttle counts, a pending second
/// step, links) must not pass to whoever signs up next.
#[tokio::test]
async fn a_deleted_accounts_id_is_never_given_to_the_next_account() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let deleted = session_of(&auth, &signed_up(&auth).await).await;
    auth.delete_account(&deleted, password(PASSWORD), &client("curl"))
        .await
        .unwrap();
    let next = session_of(&auth, &signed_up(&auth).await).await;
    assert_ne!(next.user.id, deleted.user.id);
}

#[tokio::test]
async fn a_logout_that_raced_the_deletion_of_its_account_is_no_error() {
    let (directory, auth, _laptop, _phone, session) = two_devices().await;
    let let_in_before_the_deletion = session.clone();
    auth.delete_account(&session, password(PASSWORD), &client("curl"))
        .await
        .unwrap();
    auth.logout(&let_in_before_the_deletion, &client("curl"))
        .await
        .unwrap();
    assert_eq!(count_rows(&directory, "activity"), 0);
}

#[tokio::test]
async fn a_deleted_account_is_overwritten_in_the_sqlite_file() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let name = "unmistakable_name";
    let signed_in = auth
        .register(
            Username::parse(name).unwrap(),
            None,
            password(PASSWORD),
            &client("curl"),
        )
        .await
        .unwrap();
    let session = session_of(&auth, &signed_in).await;
    auth.delete_account(&session, password(PASSWORD), &client("curl"))
        .await
        .unwrap();
    drop(auth);
    let path = database_path(&directory);
    sql(&directory, "PRAGMA wal_checkpoint(TRUNCATE)");
    let file = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&file);
    assert!(
        !text.contains(name),
        "the deleted name is still in the file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_sign_ins_and_refreshes_leave_nothing_after_a_deletion() {
    let (directory, auth, _laptop, phone, session) = two_devices().await;
    let curl = client("curl");
    let delete = auth.delete_account(&session, password(PASSWORD), &curl);
    let (deleted, tokens) = race_with(&auth, &phone, delete).await;
    deleted.unwrap();
    for token in tokens {
        assert!(auth.current_user(Some(&token)).await.is_err());
    }
    assert_eq!(count_rows(&directory, "sessions"), 0);
}

#[tokio::test]
async fn the_activity_lists_a_journey_in_order_with_its_devices() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let curl = client("curl/8.5.0");
    let laptop = signed_up(&auth).await;
    let firefox = client("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0");
    let phone = auth
        .login(
            Username::parse("grace").unwrap(),
            password(PASSWORD),
            &firefox,
        )
        .await
        .unwrap()
        .expect_signed_in();
    let session = session_of(&auth, &laptop).await;
    assert!(login(&auth, "not the password").await.is_err());
    events(&auth, &session, 4).await;
    auth.confirm_password(&session, password(PASSWORD), &curl)
        .await
        .unwrap();
    auth.end_session_by_id(&session, &phone.session_id, &curl)
        .await
        .unwrap();
    logged_in(&auth, "curl/8").await;
    auth.end_other_sessions(&session, &curl).await.unwrap();
    auth.change_password(&session, password(PASSWORD), password(NEW_PASSWORD), &curl)
        .await
        .unwrap();
    let renewed = auth.refresh(&laptop.refresh.token, &curl).await.unwrap();
    auth.refresh(&renewed.refresh.token, &curl).await.unwrap();
    assert!(matches!(
        auth.refresh(&laptop.refresh.token, &firefox).await,
        Err(AuthError::Unauthenticated(Rejection::RefreshTokenReused))
    ));
    let last = session_of(&auth, &login(&auth, NEW_PASSWORD).await.unwrap()).await;
    auth.logout(&last, &curl).await.unwrap();
    let entries = auth.activity(&last).await.unwrap();
    let recorded: Vec<ActivityEvent> = entries.iter().rev().map(|entry| entry.event).collect();
    use ActivityEvent::*;
    assert_eq!(
        recorded,
        [
            AccountCreated,
            SignedIn,
            SignedIn,
            FailedSignIn,
            Reauthenticated,
            SessionEnded,
            SignedIn,
            OtherSessionsSignedOut,
            PasswordChanged,
            RefreshTokenReused,
            SignedIn,
            SignedOut,
        ]
    );
    let phone_sign_in = &entries[entries.len() - 3];
    assert_eq!(phone_sign_in.device, "Firefox on Android");
    assert_eq!(phone_sign_in.address, "127.0.0.1");
    assert_eq!(
        entries[2].device, "Firefox on Android",
        "who presented the old token"
    );
    assert_eq!(entries[0].device, "curl");
}
