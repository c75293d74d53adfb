//! Guessing passwords: no account enumeration, counted argon2 work, throttling per
//! account and address, common passwords refused, and hashes upgraded at login.

use std::net::IpAddr;
use std::time::Duration;

use argon2::password_hash::PasswordHasher as _;
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::{HeaderMap, StatusCode, header};

use crate::helpers::{
    Client, PASSWORD, SAME_ORIGIN, Sender, TestApp, TestResponse, spawn_app, spawn_app_with,
};

const WRONG: &str = "not the password at all";

fn without_date(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    let mut kept: Vec<_> = headers
        .iter()
        .filter(|(name, _)| *name != header::DATE)
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    kept.sort();
    kept
}

fn assert_identical(first: &TestResponse, second: &TestResponse) {
    assert_eq!(first.status, second.status);
    assert_eq!(first.body, second.body);
    assert_eq!(without_date(&first.headers), without_date(&second.headers));
}

#[tokio::test]
async fn unknown_user_and_wrong_password_are_byte_identical_and_cost_one_verification_each() {
    for client in [Client::Hydrated, Client::PlainForm] {
        let app = spawn_app();
        // The same name first unknown, then known with a wrong password, so even the
        // name echoed into a no-JavaScript redirect is the same.
        let before = app.password_verifications();
        let unknown = app.login("margaret", WRONG, client).await;
        assert_eq!(app.password_verifications(), before + 1);

        app.signed_up("margaret").await;
        let before = app.password_verifications();
        let wrong_password = app.login("margaret", WRONG, client).await;
        assert_eq!(app.password_verifications(), before + 1);

        assert_identical(&unknown, &wrong_password);
        assert!(unknown.session().is_none());
    }
}

async fn fail_logins(app: &TestApp, username: &str, times: usize, sender: Sender<'_>) {
    for attempt in 0..times {
        let response = app
            .login_from(username, WRONG, Client::Hydrated, sender)
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
}

fn retry_after(response: &TestResponse) -> u64 {
    response
        .header(header::RETRY_AFTER)
        .and_then(|seconds| seconds.parse().ok())
        .expect("a Retry-After in seconds")
}

#[tokio::test]
async fn after_five_failures_login_is_throttled_without_running_argon2() {
    let app = spawn_app();
    app.signed_up("grace").await;
    fail_logins(&app, "grace", 5, SAME_ORIGIN).await;

    let before = app.password_verifications();
    for password in [WRONG, PASSWORD] {
        let response = app.login("grace", password, Client::Hydrated).await;
        assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
        assert!((14 * 60..=15 * 60).contains(&retry_after(&response)));
        assert!(response.session().is_none());
        let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        assert!(
            body["too_many_attempts"]["retry_after_seconds"].is_u64(),
            "{body}"
        );
    }
    assert_eq!(
        app.password_verifications(),
        before,
        "argon2 ran while throttled"
    );

    // The no-JavaScript form shows when to try again.
    let plain = app.login("grace", PASSWORD, Client::PlainForm).await;
    let location = plain.header(header::LOCATION).unwrap().to_owned();
    assert!(
        location.starts_with("/login?error=too_many_attempts&detail="),
        "{location}"
    );
    let page = app.get(&location, None).await;
    assert!(
        page.body
            .contains("Too many attempts. Try again in 15 minutes."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn throttling_is_per_account_and_address() {
    let app = spawn_app();
    app.signed_up("grace").await;
    app.signed_up("alan").await;
    fail_logins(&app, "grace", 5, SAME_ORIGIN).await;
    let elsewhere = Sender {
        address: "198.51.100.20".parse().unwrap(),
        ..SAME_ORIGIN
    };
    let from_elsewhere = app
        .login_from("grace", PASSWORD, Client::Hydrated, elsewhere)
        .await;
    assert_eq!(from_elsewhere.status, StatusCode::OK);
    let other_account = app.login("alan", PASSWORD, Client::Hydrated).await;
    assert_eq!(other_account.status, StatusCode::OK);
    let same_name_other_case = app.login("GRACE", PASSWORD, Client::Hydrated).await;
    assert_eq!(same_name_other_case.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_successful_login_resets_the_count() {
    let app = spawn_app();
    app.signed_up("grace").await;
    fail_logins(&app, "grace", 4, SAME_ORIGIN).await;
    let success = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(success.status, StatusCode::OK);
    fail_logins(&app, "grace", 4, SAME_ORIGIN).await;
    let still_allowed = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(still_allowed.status, StatusCode::OK);
}

#[tokio::test]
async fn the_real_user_gets_in_once_the_configured_window_passes() {
    let app = spawn_app_with(&[
        ("KEYCARD_LOGIN_FAILURE_LIMIT", "2"),
        ("KEYCARD_THROTTLE_WINDOW", "2"),
    ]);
    app.signed_up("grace").await;
    fail_logins(&app, "grace", 2, SAME_ORIGIN).await;
    let locked = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&locked) <= 2);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let unlocked = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
}

#[tokio::test]
async fn one_address_gets_a_bounded_number_of_logins_and_sign_ups() {
    let app = spawn_app_with(&[("KEYCARD_ADDRESS_ATTEMPT_LIMIT", "3")]);
    for name in ["ada", "alan", "grace"] {
        assert_eq!(
            app.register(name, PASSWORD, Client::Hydrated).await.status,
            StatusCode::OK
        );
    }
    let fourth = app.register("edsger", PASSWORD, Client::Hydrated).await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&fourth) > 0);
    let login = app.login("ada", PASSWORD, Client::Hydrated).await;
    assert_eq!(login.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = Sender {
        address: "198.51.100.20".parse().unwrap(),
        ..SAME_ORIGIN
    };
    let other_address = app
        .login_from("ada", PASSWORD, Client::Hydrated, elsewhere)
        .await;
    assert_eq!(other_address.status, StatusCode::OK);
}

#[tokio::test]
async fn x_forwarded_for_cannot_dodge_the_limit_without_a_trusted_proxy() {
    let app = spawn_app();
    app.signed_up("grace").await;
    for attempt in 0..6 {
        let forwarded = format!("203.0.113.{attempt}");
        let spoofing = Sender {
            forwarded_for: Some(&forwarded),
            ..SAME_ORIGIN
        };
        let response = app
            .login_from("grace", WRONG, Client::Hydrated, spoofing)
            .await;
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(response.status, expected, "attempt {attempt}");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own() {
    let proxy: IpAddr = "10.0.0.1".parse().unwrap();
    let app = spawn_app_with(&[("KEYCARD_TRUSTED_PROXIES", "10.0.0.1")]);
    app.signed_up("grace").await;
    let attacker = Sender {
        address: proxy,
        forwarded_for: Some("203.0.113.66"),
        ..SAME_ORIGIN
    };
    fail_logins(&app, "grace", 5, attacker).await;
    let locked = app
        .login_from("grace", PASSWORD, Client::Hydrated, attacker)
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let real_user = Sender {
        address: proxy,
        forwarded_for: Some("198.51.100.5"),
        ..SAME_ORIGIN
    };
    let response = app
        .login_from("grace", PASSWORD, Client::Hydrated, real_user)
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn a_common_password_is_refused_at_sign_up() {
    let app = spawn_app();
    for common in ["password1", "iloveyou", "Qwertyuiop", "baseball1"] {
        let response = app.register("newcomer", common, Client::Hydrated).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{common}");
        assert_eq!(response.body, r#"{"invalid":"password_too_common"}"#);
    }
    let page = app.get("/register?error=password_too_common", None).await;
    assert!(page.body.contains("This password is too common"));
    let plain = app
        .register("newcomer", "password1", Client::PlainForm)
        .await;
    plain.assert_redirects_to("/register?error=password_too_common&username=newcomer");
}

#[tokio::test]
async fn a_hash_made_with_older_parameters_verifies_and_is_upgraded_at_login() {
    let app = spawn_app();
    app.signed_up("grace").await;
    let older = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(8 * 1024, 1, 1, None).unwrap(),
    );
    let old_hash = older
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
    let stored_hash =
        || app.sql("SELECT password_hash FROM users WHERE username = 'grace'")[0].clone();
    app.sql(&format!("UPDATE users SET password_hash = '{old_hash}'"));
    assert!(stored_hash().starts_with("$argon2id$v=19$m=8192,t=1,p=1$"));

    let response = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let upgraded = stored_hash();
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{upgraded}"
    );
    let again = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(stored_hash(), upgraded, "a current hash is left alone");
}
