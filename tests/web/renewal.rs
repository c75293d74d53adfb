//! Short access tokens renewed by rotating refresh tokens: transparently for browsers,
//! through `POST /api/v1/refresh` for API clients; races within the grace period keep
//! the session, any other reuse ends it; idle and absolute expiry.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::Value;

use crate::helpers::{
    Client, Jar, PASSWORD, TestApp, api_as, api_login, api_refresh, assert_answer, call,
    capture_logs, json_of, signing_key, spawn_app, spawn_app_with, text,
};

async fn signed_up_browser(app: &TestApp, username: &str) -> Jar {
    let response = app.register(username, PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    Jar::from_response(&response)
}

async fn sleep_seconds(seconds: f64) {
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
}

/// `token` with the same claims but an `exp` in the past, signed with the app's key:
/// what an access cookie holds once its token has expired.
fn expired_copy_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    claims["iat"] = (now - 3600).into();
    claims["nbf"] = (now - 3600).into();
    claims["exp"] = (now - 1800).into();
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&signing_key()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_browser_whose_access_cookie_is_gone_is_renewed_and_lands_on_its_profile() {
    let app = spawn_app();
    let jar = signed_up_browser(&app, "returning").await;
    let back_later = jar.without_access();
    let page = app.get_as("/profile", &back_later).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>returning</h1>"));
    let renewed = Jar::from_response(&page);
    assert!(renewed.access.is_some(), "a new access cookie");
    assert!(renewed.refresh.is_some(), "a new refresh cookie");
    assert_ne!(renewed.refresh, jar.refresh, "the refresh token rotated");
    assert_eq!(
        app.get_as("/profile", &renewed).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_browser_whose_access_token_has_expired_is_renewed_too() {
    let app = spawn_app();
    let mut jar = signed_up_browser(&app, "lapsed").await;
    jar.access = jar.access.as_deref().map(expired_copy_of);
    let function = app
        .post_form_as("/api/profile", &[], &jar, Client::Hydrated)
        .await;
    assert_eq!(function.status, StatusCode::OK, "{}", function.body);
    assert!(function.body.contains("lapsed"));
    assert!(function.refresh().is_some());
}

#[tokio::test]
async fn two_requests_with_the_same_refresh_cookie_at_once_both_stay_signed_in() {
    let app = spawn_app();
    let jar = signed_up_browser(&app, "tabbed").await.without_access();
    let (first, second) = tokio::join!(app.get_as("/profile", &jar), app.get_as("/sessions", &jar));
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(
        first.refresh(),
        second.refresh(),
        "both got the one successor"
    );
    let after = Jar::from_response(&first);
    assert_eq!(app.get_as("/profile", &after).await.status, StatusCode::OK);
    let sessions = app.get_as("/sessions", &after).await;
    assert_eq!(sessions.body.matches("class=\"session\"").count(), 1);
}

#[tokio::test]
async fn a_browser_that_logs_out_loses_both_cookies_and_its_refresh_token_dies() {
    let app = spawn_app();
    let jar = signed_up_browser(&app, "leaver").await;
    let logout = app
        .post_form_as("/api/logout", &[], &jar, Client::PlainForm)
        .await;
    logout.assert_redirects_to("/login?logged_out=1");
    let mut after = jar.clone();
    after.update(&logout);
    assert!(after.access.is_none() && after.refresh.is_none());
    // A copy of the refresh cookie, kept by an attacker, renews nothing.
    let page = app.get_as("/profile", &jar.without_access()).await;
    page.assert_redirects_to("/login?next=%2Fprofile");
    assert_eq!(
        page.cookie(crate::helpers::REFRESH_COOKIE).unwrap().value(),
        ""
    );
}

#[tokio::test]
async fn the_api_renews_with_a_refresh_token_and_each_one_works_once() {
    let app = spawn_app();
    app.signed_up("renewer").await;
    let login = api_login(&app, "renewer", "curl/8.5.0").await;
    let response = api_refresh(&app, text(&login, "refresh_token")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let renewed = json_of(&response);
    assert_eq!(renewed["token_type"], "Bearer");
    assert_eq!(renewed["expires_in"], 900);
    assert_ne!(renewed["refresh_token"], login["refresh_token"]);
    assert_ne!(renewed["access_token"], login["access_token"]);
    let user = api_as(&app, Method::GET, "/api/v1/user", &renewed).await;
    assert_eq!(user.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_refuses_what_is_not_a_live_refresh_token() {
    let app = spawn_app();
    app.signed_up("picky").await;
    let login = api_login(&app, "picky", "curl/8.5.0").await;
    for token in ["", "not-a-token", &"0".repeat(64), &"A".repeat(64)] {
        assert_answer(
            &api_refresh(&app, token).await,
            StatusCode::UNAUTHORIZED,
            "Refresh token is invalid or has expired",
        );
    }
    for body in ["{}", r#"{"refresh_token": null}"#] {
        let response = call(&app, Method::POST, "/api/v1/refresh", Some(body), None).await;
        assert_answer(&response, StatusCode::BAD_REQUEST, "Missing refresh_token");
    }
    // None of that touched the real one.
    assert_eq!(
        api_refresh(&app, text(&login, "refresh_token"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_api_race_within_the_grace_period_gives_both_requests_one_working_pair() {
    let app = spawn_app();
    app.signed_up("racer").await;
    let login = api_login(&app, "racer", "curl/8.5.0").await;
    let token = text(&login, "refresh_token");
    let (first, second) = tokio::join!(api_refresh(&app, token), api_refresh(&app, token));
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let (first, second) = (json_of(&first), json_of(&second));
    assert_eq!(first["refresh_token"], second["refresh_token"]);
    for pair in [&first, &second] {
        let user = api_as(&app, Method::GET, "/api/v1/user", pair).await;
        assert_eq!(user.status, StatusCode::OK);
    }
    let next = api_refresh(&app, text(&first, "refresh_token")).await;
    assert_eq!(next.status, StatusCode::OK);
}

#[tokio::test]
async fn a_replaced_token_used_after_the_grace_period_ends_the_session_and_is_logged() {
    let (logs, _capturing) = capture_logs();
    let app = spawn_app_with(&[("KEYCARD_REFRESH_REUSE_GRACE", "1")]);
    app.signed_up("victim").await;
    let login = api_login(&app, "victim", "curl/8.5.0").await;
    let stolen = text(&login, "refresh_token").to_owned();
    let owner = json_of(&api_refresh(&app, &stolen).await);
    sleep_seconds(2.2).await;
    assert_answer(
        &api_refresh(&app, &stolen).await,
        StatusCode::UNAUTHORIZED,
        "Refresh token was already used, so its session has been ended; log in again",
    );
    // The whole session is over: the owner's newer tokens too, on every surface.
    assert_answer(
        &api_refresh(&app, text(&owner, "refresh_token")).await,
        StatusCode::UNAUTHORIZED,
        "The session has ended; log in again",
    );
    let user = api_as(&app, Method::GET, "/api/v1/user", &owner).await;
    assert_answer(
        &user,
        StatusCode::UNAUTHORIZED,
        "The session has ended; log in again",
    );
    let warning = logs
        .text()
        .lines()
        .find(|line| line.contains("refresh token reused: session ended"))
        .map(str::to_owned)
        .expect("a warning in the log");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("keycard::security"), "{warning}");
}

#[tokio::test]
async fn a_session_left_idle_past_the_timeout_is_over_on_every_surface() {
    let app = spawn_app_with(&[("KEYCARD_SESSION_IDLE_TIMEOUT", "1")]);
    let jar = signed_up_browser(&app, "idler").await;
    let login = api_login(&app, "idler", "curl/8.5.0").await;
    sleep_seconds(2.5).await;
    let user = api_as(&app, Method::GET, "/api/v1/user", &login).await;
    assert_answer(
        &user,
        StatusCode::UNAUTHORIZED,
        "The session has ended; log in again",
    );
    assert_eq!(
        api_refresh(&app, text(&login, "refresh_token"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.get_as("/profile", &jar)
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
    app.get_as("/profile", &jar.without_access())
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
}

#[tokio::test]
async fn a_session_in_use_still_ends_at_its_absolute_lifetime() {
    let app = spawn_app_with(&[
        ("KEYCARD_SESSION_IDLE_TIMEOUT", "60"),
        ("KEYCARD_SESSION_LIFETIME", "3"),
    ]);
    app.signed_up("stayer").await;
    let mut pair = api_login(&app, "stayer", "curl/8.5.0").await;
    assert_eq!(pair["refresh_expires_in"], 3);
    for _ in 0..2 {
        sleep_seconds(1.0).await;
        let renewed = api_refresh(&app, text(&pair, "refresh_token")).await;
        assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
        pair = json_of(&renewed);
    }
    sleep_seconds(2.2).await;
    assert_eq!(
        api_refresh(&app, text(&pair, "refresh_token")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let user = api_as(&app, Method::GET, "/api/v1/user", &pair).await;
    assert_eq!(user.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_api_logout_ends_the_session_so_its_refresh_token_dies_too() {
    let app = spawn_app();
    app.signed_up("quitter").await;
    let login = api_login(&app, "quitter", "curl/8.5.0").await;
    let logout = api_as(&app, Method::DELETE, "/api/v1/logout", &login).await;
    assert_eq!(logout.status, StatusCode::OK);
    assert_eq!(
        api_refresh(&app, text(&login, "refresh_token"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
