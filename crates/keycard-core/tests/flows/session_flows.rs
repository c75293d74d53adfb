use std::time::Duration;

use keycard_core::auth::SessionPolicy;
use keycard_core::auth::*;
use keycard_core::domain::{Password, Username};
use keycard_testing::{
    PASSWORD, assert_signed_out, client, count_rows, logged_in, service, service_with, session_of,
    signed_up,
};

fn policy(change: impl FnOnce(&mut SessionPolicy)) -> SessionPolicy {
    let mut policy = SessionPolicy::default();
    change(&mut policy);
    policy
}

async fn sleep_seconds(seconds: f64) {
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
}

#[tokio::test]
async fn a_sign_in_is_a_session_with_an_unguessable_id_listed_as_this_device() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let signed_in = signed_up(&auth).await;
    assert_eq!(signed_in.session_id.as_str().len(), 32);
    let session = session_of(&auth, &signed_in).await;
    assert_ne!(session.id().as_str(), session.user.id.0.to_string());
    let listed = auth.list_sessions(&session).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].current);
    assert_eq!(listed[0].device, "curl");
    assert_eq!(listed[0].address, "127.0.0.1");
    let other = logged_in(
        &auth,
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Firefox/133.0",
    )
    .await;
    let listed = auth.list_sessions(&session).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[0].current, "the current session comes first");
    assert_eq!(listed[1].id, other.session_id);
    assert_eq!(listed[1].device, "Firefox on Android");
}

#[tokio::test]
async fn a_refresh_rotates_the_token_and_the_old_one_is_spent() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| p.refresh_reuse_grace = Duration::ZERO),
    )
    .await;
    let first = signed_up(&auth).await;
    let second = auth
        .refresh(&first.refresh.token, &client("curl"))
        .await
        .unwrap();
    assert_ne!(second.refresh.token, first.refresh.token);
    assert_ne!(second.access.token, first.access.token);
    assert_eq!(second.session_id, first.session_id);
    let third = auth
        .refresh(&second.refresh.token, &client("curl"))
        .await
        .unwrap();
    assert!(auth.current_user(Some(&third.access.token)).await.is_ok());
    // The first token, two generations old, is theft whatever the grace period.
    assert!(matches!(
        auth.refresh(&first.refresh.token, &client("curl")).await,
        Err(AuthError::Unauthenticated(Rejection::RefreshTokenReused))
    ));
    for access in [&first.access.token, &third.access.token] {
        assert!(matches!(
            auth.current_user(Some(access)).await,
            Err(AuthError::Unauthenticated(Rejection::SessionEnded))
        ));
    }
    assert!(matches!(
        auth.refresh(&third.refresh.token, &client("curl")).await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
}

#[tokio::test]
async fn the_token_just_replaced_works_again_within_the_grace_period() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let first = signed_up(&auth).await;
    let winner = auth
        .refresh(&first.refresh.token, &client("curl"))
        .await
        .unwrap();
    let loser = auth
        .refresh(&first.refresh.token, &client("curl"))
        .await
        .unwrap();
    assert_eq!(loser.refresh.token, winner.refresh.token);
    assert!(auth.current_user(Some(&loser.access.token)).await.is_ok());
    let next = auth
        .refresh(&loser.refresh.token, &client("curl"))
        .await
        .unwrap();
    assert!(auth.current_user(Some(&next.access.token)).await.is_ok());
}

#[tokio::test]
async fn two_refreshes_at_once_both_succeed_in_one_live_session() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let first = signed_up(&auth).await;
    let curl = client("curl");
    let (one, two) = tokio::join!(
        auth.refresh(&first.refresh.token, &curl),
        auth.refresh(&first.refresh.token, &curl)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.refresh.token, two.refresh.token);
    let session = session_of(&auth, &one).await;
    assert_eq!(auth.list_sessions(&session).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_replaced_token_after_the_grace_period_ends_the_session() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| p.refresh_reuse_grace = Duration::from_secs(1)),
    )
    .await;
    let first = signed_up(&auth).await;
    let second = auth
        .refresh(&first.refresh.token, &client("curl"))
        .await
        .unwrap();
    sleep_seconds(2.2).await;
    assert!(matches!(
        auth.refresh(&first.refresh.token, &client("curl")).await,
        Err(AuthError::Unauthenticated(Rejection::RefreshTokenReused))
    ));
    assert!(matches!(
        auth.refresh(&second.refresh.token, &client("curl")).await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
}

#[tokio::test]
async fn an_unknown_refresh_token_is_refused_and_ends_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let signed_in = signed_up(&auth).await;
    let stranger = RefreshToken::generate().unwrap();
    assert!(matches!(
        auth.refresh(&stranger, &client("curl")).await,
        Err(AuthError::Unauthenticated(Rejection::UnknownRefreshToken))
    ));
    assert!(
        auth.refresh(&signed_in.refresh.token, &client("curl"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_session_unused_for_the_idle_timeout_is_over() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| p.idle_timeout = Duration::from_secs(1)),
    )
    .await;
    let signed_in = signed_up(&auth).await;
    assert!(
        auth.current_user(Some(&signed_in.access.token))
            .await
            .is_ok()
    );
    sleep_seconds(2.5).await;
    assert!(matches!(
        auth.current_user(Some(&signed_in.access.token)).await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
    assert!(matches!(
        auth.refresh(&signed_in.refresh.token, &client("curl"))
            .await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
}

#[tokio::test]
async fn a_session_in_use_lasts_past_the_idle_timeout_but_not_past_its_lifetime() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| {
            p.idle_timeout = Duration::from_secs(2);
            p.lifetime = Duration::from_secs(4);
        }),
    )
    .await;
    let mut signed_in = signed_up(&auth).await;
    for _ in 0..3 {
        sleep_seconds(1.2).await;
        signed_in = auth
            .refresh(&signed_in.refresh.token, &client("curl"))
            .await
            .unwrap();
    }
    sleep_seconds(1.5).await;
    assert!(matches!(
        auth.refresh(&signed_in.refresh.token, &client("curl"))
            .await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
    assert!(matches!(
        auth.current_user(Some(&signed_in.access.token)).await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
}

#[tokio::test]
async fn requests_alone_keep_a_session_alive_past_the_idle_timeout() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| p.idle_timeout = Duration::from_secs(2)),
    )
    .await;
    let signed_in = signed_up(&auth).await;
    for _ in 0..6 {
        sleep_seconds(0.7).await;
        assert!(
            auth.current_user(Some(&signed_in.access.token))
                .await
                .is_ok(),
            "the guard's own record of activity lapsed"
        );
    }
}

#[tokio::test]
async fn ending_another_session_needs_a_recent_password() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| p.reauthentication_window = Duration::from_secs(1)),
    )
    .await;
    let laptop = signed_up(&auth).await;
    let phone = logged_in(&auth, "Firefox/133.0").await;
    sleep_seconds(2.2).await;
    let session = session_of(&auth, &laptop).await;
    assert!(auth.needs_recent_password(&session));
    assert!(matches!(
        auth.end_session_by_id(&session, &phone.session_id, &client("curl"))
            .await,
        Err(AuthError::RecentSignInRequired)
    ));
    assert!(matches!(
        auth.end_other_sessions(&session, &client("curl")).await,
        Err(AuthError::RecentSignInRequired)
    ));
    let wrong = Password::parse("not the password").unwrap();
    assert!(matches!(
        auth.confirm_password(&session, wrong, &client("curl"))
            .await,
        Err(AuthError::InvalidCredentials)
    ));
    let right = Password::parse(PASSWORD).unwrap();
    auth.confirm_password(&session, right, &client("curl"))
        .await
        .unwrap();
    let session = session_of(&auth, &laptop).await;
    assert!(!auth.needs_recent_password(&session));
    assert_eq!(
        auth.end_session_by_id(&session, &phone.session_id, &client("curl"))
            .await
            .unwrap(),
        Ended::AnotherSession
    );
    assert!(matches!(
        auth.current_user(Some(&phone.access.token)).await,
        Err(AuthError::Unauthenticated(Rejection::SessionEnded))
    ));
    assert!(
        auth.refresh(&phone.refresh.token, &client("curl"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn someone_elses_session_and_an_unknown_one_are_both_not_found() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let grace = signed_up(&auth).await;
    let alan = auth
        .register(
            Username::parse("alan").unwrap(),
            None,
            Password::parse(PASSWORD).unwrap(),
            &client("curl"),
        )
        .await
        .unwrap();
    let session = session_of(&auth, &grace).await;
    for id in [alan.session_id.clone(), SessionId::generate().unwrap()] {
        assert!(matches!(
            auth.end_session_by_id(&session, &id, &client("curl")).await,
            Err(AuthError::SessionNotFound)
        ));
    }
    assert!(auth.current_user(Some(&alan.access.token)).await.is_ok());
}

#[tokio::test]
async fn ending_your_own_session_by_id_is_a_logout() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let signed_in = signed_up(&auth).await;
    let session = session_of(&auth, &signed_in).await;
    assert_eq!(
        auth.end_session_by_id(&session, &signed_in.session_id, &client("curl"))
            .await
            .unwrap(),
        Ended::ThisSession
    );
    assert_signed_out(&auth, &signed_in).await;
}

#[tokio::test]
async fn signing_out_the_others_keeps_this_session_and_counts_the_rest() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let here = signed_up(&auth).await;
    let others = [
        logged_in(&auth, "Firefox/133.0").await,
        logged_in(&auth, "curl/8").await,
    ];
    let session = session_of(&auth, &here).await;
    assert_eq!(
        auth.end_other_sessions(&session, &client("curl"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        auth.end_other_sessions(&session, &client("curl"))
            .await
            .unwrap(),
        0
    );
    for other in &others {
        assert_signed_out(&auth, other).await;
    }
    assert!(auth.current_user(Some(&here.access.token)).await.is_ok());
}

#[tokio::test]
async fn pruning_deletes_what_can_no_longer_be_used_and_keeps_the_rest() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service_with(
        &directory,
        policy(|p| p.idle_timeout = Duration::from_secs(2)),
    )
    .await;
    let ended = signed_up(&auth).await;
    let session = session_of(&auth, &ended).await;
    auth.logout(&session, &client("curl")).await.unwrap();
    let idle = logged_in(&auth, "curl").await;
    sleep_seconds(1.5).await;
    let live = logged_in(&auth, "curl").await;
    sleep_seconds(1.6).await;
    assert_eq!(auth.prune_expired().await.unwrap(), 2);
    assert_eq!(count_rows(&directory, "sessions"), 1);
    assert_eq!(count_rows(&directory, "refresh_tokens"), 1);
    assert!(
        auth.refresh(&live.refresh.token, &client("curl"))
            .await
            .is_ok()
    );
    assert!(
        auth.refresh(&idle.refresh.token, &client("curl"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn only_fingerprints_of_refresh_tokens_are_in_the_sqlite_file() {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    let signed_in = signed_up(&auth).await;
    drop(auth);
    let bytes = std::fs::read(directory.path().join("core.db")).unwrap();
    let wal = std::fs::read(directory.path().join("core.db-wal")).unwrap_or_default();
    let token = signed_in.refresh.token.reveal();
    for file in [bytes, wal] {
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains(&token));
    }
}
