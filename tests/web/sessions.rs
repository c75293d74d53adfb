//! The session cookie, the page guard and revocation.

use axum::http::{StatusCode, header};
use tower_cookies::cookie::SameSite;

use crate::helpers::{Client, PASSWORD, REFRESH_COOKIE, SESSION_COOKIE, spawn_app};

#[tokio::test]
async fn both_session_cookies_are_http_only_lax_host_only_and_secure() {
    let app = spawn_app();
    let response = app.register("rosalind", PASSWORD, Client::Hydrated).await;
    let lifetimes = [
        (SESSION_COOKIE, time::Duration::minutes(15)),
        (REFRESH_COOKIE, time::Duration::days(7)),
    ];
    for (name, lifetime) in lifetimes {
        let cookie = response.cookie(name).expect("the cookie is set");
        assert!(!cookie.value().is_empty());
        assert_eq!(cookie.http_only(), Some(true), "{name}");
        assert_eq!(cookie.secure(), Some(true), "{name}");
        assert_eq!(cookie.same_site(), Some(SameSite::Lax), "{name}");
        assert_eq!(cookie.path(), Some("/"), "{name}");
        assert_eq!(cookie.domain(), None, "{name}");
        assert_eq!(cookie.max_age(), Some(lifetime), "{name}");
    }
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_login_before_the_profile_renders() {
    let app = spawn_app();
    let response = app.get("/profile", None).await;
    response.assert_redirects_to("/login?next=%2Fprofile");
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn a_forged_or_garbage_cookie_is_sent_to_login_and_cleared() {
    let app = spawn_app();
    let response = app.get("/profile", Some("not.a.token")).await;
    response.assert_redirects_to("/login?next=%2Fprofile");
    let cleared = response.set_cookie().expect("a clearing cookie");
    assert_eq!(cleared.value(), "");
    assert_eq!(cleared.max_age(), Some(time::Duration::ZERO));
}

#[tokio::test]
async fn logging_out_revokes_the_token_everywhere_at_once() {
    let app = spawn_app();
    let session = app.signed_up("barbara").await;
    assert_eq!(
        app.get("/profile", Some(&session)).await.status,
        StatusCode::OK
    );

    let response = app.logout(&session, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.header(header::LOCATION),
        Some("/login?logged_out=1")
    );
    let cleared = response.set_cookie().expect("a clearing cookie");
    assert_eq!(cleared.value(), "");
    assert_eq!(cleared.path(), Some("/"));

    // The same token, presented again as if copied before logout.
    app.get("/profile", Some(&session))
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
    let profile = app
        .post_form("/api/profile", &[], Some(&session), Client::Hydrated)
        .await;
    assert_eq!(profile.status, StatusCode::UNAUTHORIZED);
    assert_eq!(profile.body, "\"not_signed_in\"");
}

#[tokio::test]
async fn logging_out_without_javascript_lands_on_login_with_a_message() {
    let app = spawn_app();
    let session = app.signed_up("frances").await;
    let response = app.logout(&session, Client::PlainForm).await;
    response.assert_redirects_to("/login?logged_out=1");
    let page = app.get("/login?logged_out=1", None).await;
    assert!(page.body.contains("You are logged out"));
}

#[tokio::test]
async fn two_logins_get_two_independent_sessions() {
    let app = spawn_app();
    app.signed_up("katherine").await;
    let first = app
        .login("katherine", PASSWORD, Client::Hydrated)
        .await
        .session()
        .unwrap();
    let second = app
        .login("katherine", PASSWORD, Client::Hydrated)
        .await
        .session()
        .unwrap();
    assert_ne!(first, second);
    app.logout(&first, Client::Hydrated).await;
    assert_eq!(
        app.get("/profile", Some(&second)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn sessions_survive_a_restart_because_the_secret_is_kept() {
    let app = spawn_app();
    let session = app.signed_up("annie").await;
    let restarted = app.restart();
    assert_eq!(
        restarted.get("/profile", Some(&session)).await.status,
        StatusCode::OK
    );
}
