//! Seeing where you are signed in and ending sessions, from the `/sessions` page (with
//! and without JavaScript) and from the API; the recent-password rule; and that an
//! ended session fails on its very next request, whatever it holds.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{
    Client, Jar, PASSWORD, TestApp, api_as, api_login, api_refresh, assert_answer, call, json_of,
    spawn_app, spawn_app_with, text,
};

async fn browser_signed_up(app: &TestApp, username: &str) -> Jar {
    let response = app.register(username, PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    Jar::from_response(&response)
}

async fn browser_logged_in(app: &TestApp, username: &str) -> Jar {
    let response = app.login(username, PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    Jar::from_response(&response)
}

async fn api_sessions(app: &TestApp, access: &str) -> Vec<Value> {
    let response = call(app, Method::GET, "/api/v1/sessions", None, Some(access)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    json_of(&response).as_array().unwrap().clone()
}

/// Every surface refuses `jar` and `api` as signed out: the page, a server function,
/// the API with the access token, and renewal with either refresh token.
async fn assert_ended(app: &TestApp, jar: &Jar, api: &Value) {
    app.get_as("/profile", jar)
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
    app.get_as("/sessions", &jar.without_access())
        .await
        .assert_redirects_to("/login?next=%2Fsessions");
    let function = app
        .post_form_as("/api/profile", &[], jar, Client::Hydrated)
        .await;
    assert_eq!(function.status, StatusCode::UNAUTHORIZED);
    let user = api_as(app, Method::GET, "/api/v1/user", api).await;
    assert_eq!(user.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api_refresh(app, text(api, "refresh_token")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_api_lists_the_callers_live_sessions_this_one_first() {
    let app = spawn_app();
    browser_signed_up(&app, "lister").await;
    api_login(&app, "lister", "python-requests/2.32.3").await;
    let mine = api_login(&app, "lister", "curl/8.5.0").await;
    let sessions = api_sessions(&app, text(&mine, "access_token")).await;
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions[0]["current"], true);
    assert_eq!(sessions[0]["device"], "curl");
    assert_eq!(sessions[0]["address"], "192.0.2.10");
    let id = sessions[0]["id"].as_str().unwrap();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    for field in ["created_at", "last_active_at"] {
        let moment = sessions[0][field].as_str().unwrap();
        time::OffsetDateTime::parse(moment, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| panic!("{field} {moment} is not RFC 3339"));
    }
    assert!(
        sessions[1..]
            .iter()
            .all(|session| session["current"] == false)
    );
    let devices: Vec<&str> = sessions
        .iter()
        .map(|s| s["device"].as_str().unwrap())
        .collect();
    assert!(devices.contains(&"Python requests"), "{devices:?}");
    // The test client sends no User-Agent.
    assert!(devices.contains(&"Unknown device"), "{devices:?}");
}

#[tokio::test]
async fn ending_one_session_through_the_api_signs_it_out_everywhere_at_once() {
    let app = spawn_app();
    let browser = browser_signed_up(&app, "ender").await;
    let phone = api_login(&app, "ender", "okhttp/4.12").await;
    let laptop = api_login(&app, "ender", "curl/8.5.0").await;
    let sessions = api_sessions(&app, text(&laptop, "access_token")).await;
    let browser_id = sessions
        .iter()
        .find(|s| s["device"] == "Unknown device")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ended = api_as(
        &app,
        Method::DELETE,
        &format!("/api/v1/sessions/{browser_id}"),
        &laptop,
    )
    .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.body);
    assert!(ended.body.is_empty());
    app.get_as("/profile", &browser)
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
    app.get_as("/profile", &browser.without_access())
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
    // The others carry on.
    assert_eq!(
        api_sessions(&app, text(&phone, "access_token")).await.len(),
        2
    );
}

#[tokio::test]
async fn someone_elses_session_id_and_an_unknown_one_get_the_same_404() {
    let app = spawn_app();
    app.signed_up("owner").await;
    app.signed_up("intruder").await;
    let owner = api_login(&app, "owner", "curl/8.5.0").await;
    let intruder = api_login(&app, "intruder", "curl/8.5.0").await;
    let owners_id = api_sessions(&app, text(&owner, "access_token")).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in [
        owners_id.as_str(),
        "0123456789abcdef0123456789abcdef",
        "not-an-id",
    ] {
        let response = api_as(
            &app,
            Method::DELETE,
            &format!("/api/v1/sessions/{id}"),
            &intruder,
        )
        .await;
        assert_answer(&response, StatusCode::NOT_FOUND, "No such session");
    }
    let user = api_as(&app, Method::GET, "/api/v1/user", &owner).await;
    assert_eq!(user.status, StatusCode::OK);
}

#[tokio::test]
async fn ending_your_own_session_through_the_api_is_a_logout() {
    let app = spawn_app();
    app.signed_up("selfie").await;
    let me = api_login(&app, "selfie", "curl/8.5.0").await;
    let id = api_sessions(&app, text(&me, "access_token")).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = api_as(&app, Method::DELETE, &format!("/api/v1/sessions/{id}"), &me).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    let user = api_as(&app, Method::GET, "/api/v1/user", &me).await;
    assert_eq!(user.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_api_ends_all_other_sessions_and_says_how_many() {
    let app = spawn_app();
    let browser = browser_signed_up(&app, "purger").await;
    let other = api_login(&app, "purger", "okhttp/4.12").await;
    let me = api_login(&app, "purger", "curl/8.5.0").await;
    let response = api_as(&app, Method::DELETE, "/api/v1/sessions", &me).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(json_of(&response), serde_json::json!({"ended": 2}));
    assert_ended(&app, &browser, &other).await;
    assert_eq!(api_sessions(&app, text(&me, "access_token")).await.len(), 1);
}

#[tokio::test]
async fn ending_other_sessions_needs_a_recent_password_on_the_api() {
    let app = spawn_app_with(&[("KEYCARD_REAUTH_WINDOW", "1")]);
    app.signed_up("cautious").await;
    let other = api_login(&app, "cautious", "okhttp/4.12").await;
    let stale = api_login(&app, "cautious", "curl/8.5.0").await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let other_id = api_sessions(&app, text(&stale, "access_token")).await[1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = api_as(
        &app,
        Method::DELETE,
        &format!("/api/v1/sessions/{other_id}"),
        &stale,
    )
    .await;
    assert_answer(&one, StatusCode::FORBIDDEN, "Recent sign-in required");
    let all = api_as(&app, Method::DELETE, "/api/v1/sessions", &stale).await;
    assert_answer(&all, StatusCode::FORBIDDEN, "Recent sign-in required");
    // A fresh login is a recent password. It ends the sign-up's session, `other` and
    // `stale`.
    let fresh = api_login(&app, "cautious", "curl/8.5.0").await;
    let all = api_as(&app, Method::DELETE, "/api/v1/sessions", &fresh).await;
    assert_eq!(json_of(&all), serde_json::json!({"ended": 3}));
    let user = api_as(&app, Method::GET, "/api/v1/user", &other).await;
    assert_eq!(user.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_sessions_page_lists_this_device_first_and_is_never_cached() {
    let app = spawn_app();
    let jar = browser_signed_up(&app, "viewer").await;
    api_login(&app, "viewer", "curl/8.5.0").await;
    let page = app.get_as("/sessions", &jar).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let this_device = page.body.find("This device").expect("the current row");
    let curl = page.body.find(">curl<").expect("the other session");
    assert!(this_device < curl, "this device comes first");
    for text in [
        "<h1>Sessions</h1>",
        "192.0.2.10",
        "Signed in",
        "Last active",
        ">Sign out<",
        ">Sign out all other sessions<",
    ] {
        assert!(page.body.contains(text), "missing {text:?}");
    }
    assert_eq!(
        page.body.matches(">Sign out<").count(),
        1,
        "only the other row"
    );
    app.get("/sessions", None)
        .await
        .assert_redirects_to("/login?next=%2Fsessions");
}

/// The session id of the `/sessions` page's one "Sign out" form.
fn other_session_id(page: &str) -> String {
    let marker = r#"name="id" value=""#;
    let start = page.find(marker).expect("a Sign out form") + marker.len();
    page[start..start + 32].to_owned()
}

#[tokio::test]
async fn the_sessions_page_signs_another_session_out_with_and_without_javascript() {
    for client in [Client::Hydrated, Client::PlainForm] {
        let app = spawn_app();
        let here = browser_signed_up(&app, "twice").await;
        let there = browser_logged_in(&app, "twice").await;
        let there_api = api_login(&app, "twice", "curl/8.5.0").await;
        let page = app.get_as("/sessions", &here).await;
        let id = other_session_id(&page.body);
        let ended = app
            .post_form_as("/api/end_session", &[("id", &id)], &here, client)
            .await;
        match client {
            Client::PlainForm => ended.assert_redirects_to("/sessions?ended=1"),
            Client::Hydrated => assert_eq!(ended.status, StatusCode::OK, "{}", ended.body),
        }
        let rest = app.get_as("/sessions", &here).await;
        assert_eq!(rest.body.matches("class=\"session\"").count(), 2);
        let page = app.get_as("/sessions", &here).await;
        let id = other_session_id(&page.body);
        app.post_form_as("/api/end_session", &[("id", &id)], &here, client)
            .await;
        app.get_as("/profile", &there)
            .await
            .assert_redirects_to("/login?next=%2Fprofile");
        let gone = api_as(&app, Method::GET, "/api/v1/user", &there_api).await;
        assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get_as("/profile", &here).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_sessions_page_signs_all_others_out_with_and_without_javascript() {
    for client in [Client::Hydrated, Client::PlainForm] {
        let app = spawn_app();
        let here = browser_signed_up(&app, "sweeper").await;
        let there = browser_logged_in(&app, "sweeper").await;
        let api = api_login(&app, "sweeper", "curl/8.5.0").await;
        let response = app
            .post_form_as("/api/end_other_sessions", &[], &here, client)
            .await;
        match client {
            Client::PlainForm => response.assert_redirects_to("/sessions?ended=2"),
            Client::Hydrated => assert_eq!(response.body, "2"),
        }
        assert_ended(&app, &there, &api).await;
        let page = app.get_as("/sessions?ended=2", &here).await;
        assert!(page.body.contains("Signed out 2 sessions."));
        assert!(!page.body.contains(">Sign out<"));
    }
}

#[tokio::test]
async fn the_sessions_page_asks_for_the_password_again_when_it_is_stale() {
    let app = spawn_app_with(&[("KEYCARD_REAUTH_WINDOW", "1")]);
    let here = browser_signed_up(&app, "forgetful").await;
    let there = browser_logged_in(&app, "forgetful").await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let page = app.get_as("/sessions", &here).await;
    assert!(page.body.contains("Confirm your password"));
    assert!(!page.body.contains(">Sign out<"));
    // Forms posted anyway are refused.
    let refused = app
        .post_form_as("/api/end_other_sessions", &[], &here, Client::PlainForm)
        .await;
    refused.assert_redirects_to("/sessions?error=recent_sign_in_required");
    let wrong = app
        .post_form_as(
            "/api/confirm_password",
            &[("password", "not the password")],
            &here,
            Client::PlainForm,
        )
        .await;
    wrong.assert_redirects_to("/sessions?error=incorrect_password");
    let shown = app
        .get_as("/sessions?error=incorrect_password", &here)
        .await;
    assert!(shown.body.contains("Password is incorrect"));
    let right = app
        .post_form_as(
            "/api/confirm_password",
            &[("password", PASSWORD)],
            &here,
            Client::PlainForm,
        )
        .await;
    right.assert_redirects_to("/sessions?confirmed=1");
    let page = app.get_as("/sessions?confirmed=1", &here).await;
    assert!(page.body.contains("Password confirmed."));
    assert!(page.body.contains(">Sign out<"));
    let ended = app
        .post_form_as("/api/end_other_sessions", &[], &here, Client::PlainForm)
        .await;
    ended.assert_redirects_to("/sessions?ended=1");
    app.get_as("/profile", &there)
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
}

#[tokio::test]
async fn a_wrong_password_on_the_sessions_page_counts_as_a_failed_login() {
    let app = spawn_app_with(&[("KEYCARD_LOGIN_FAILURE_LIMIT", "2")]);
    let here = browser_signed_up(&app, "guesser").await;
    for _ in 0..2 {
        let wrong = app
            .post_form_as(
                "/api/confirm_password",
                &[("password", "not the password")],
                &here,
                Client::Hydrated,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = app.login("guesser", PASSWORD, Client::Hydrated).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
}
