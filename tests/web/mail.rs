//! Email over a real SMTP server: verification and reset links followed from the
//! messages received, their single use and expiry, the same answer for every name,
//! the notices, throttling, and what cannot be injected into a message.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{
    Client, Jar, PASSWORD, SAME_ORIGIN, Sender, TestApp, TestResponse, api_as, api_refresh,
    assert_answer, browser_request, json_of, post_json, spawn_app_with, text,
};
use crate::mail_sink::{MailSink, SinkTls, TestCertificates};

const NEW_PASSWORD: &str = "a brand new passphrase";
const INVALID_LINK: &str = "This link is invalid or has expired";
const RESET_REQUESTED: &str = "If an account with a verified email matches, we sent a link";
const RESET_COOKIE: &str = "__Host-keycard_reset";

pub fn app_mailing_to(sink: &MailSink, extra: &[(&'static str, &str)]) -> TestApp {
    let url = sink.url();
    let mut settings = vec![
        ("KEYCARD_SMTP_URL", url.as_str()),
        ("KEYCARD_MAIL_FROM", "Keycard <keycard@keycard.test>"),
    ];
    settings.extend_from_slice(extra);
    spawn_app_with(&settings)
}

async fn api_register(app: &TestApp, username: &str, email: &str) -> TestResponse {
    post_json(
        app,
        "/api/v1/register",
        &json!({"username": username, "password": PASSWORD, "email": email}),
    )
    .await
}

/// Registers `username` with `email` through the API and verifies the address with
/// the link mailed to it.
pub async fn verified_account(app: &TestApp, sink: &MailSink, username: &str, email: &str) {
    let registered = api_register(app, username, email).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let mail = sink.wait_for(email, 1).await;
    let token = mail[0].token("/verify-email");
    let verified = post_json(app, "/api/v1/email/verify", &json!({"token": token})).await;
    assert_answer(&verified, StatusCode::OK, "Email verified");
}

async fn api_login_with(app: &TestApp, username: &str, password: &str) -> TestResponse {
    post_json(
        app,
        "/api/v1/login",
        &json!({"username": username, "password": password}),
    )
    .await
}

pub async fn forgot(app: &TestApp, login: &str) -> TestResponse {
    post_json(app, "/api/v1/password/forgot", &json!({"login": login})).await
}

#[tokio::test]
async fn a_reset_link_from_the_mail_works_once_ends_every_session_and_the_old_password() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    let email = "ada@example.com";
    verified_account(&app, &sink, "ada", email).await;
    let laptop = json_of(&api_login_with(&app, "ada", PASSWORD).await);
    let phone = json_of(&api_login_with(&app, "ada", PASSWORD).await);
    assert_answer(
        &forgot(&app, "ada").await,
        StatusCode::ACCEPTED,
        RESET_REQUESTED,
    );
    let mail = sink.wait_for(email, 2).await;
    let reset = &mail[1];
    assert_eq!(reset.subject, "Reset your password");
    let token = reset.token("/reset-password");
    assert_eq!(token.len(), 64, "256 random bits in the link");
    let stored = app.every_stored_value();
    assert!(
        !stored.contains(&token[32..]),
        "the link's verifier is never stored"
    );

    let answer = post_json(
        &app,
        "/api/v1/password/reset",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let fresh = json_of(&answer);
    for old in [&laptop, &phone] {
        let user = api_as(&app, Method::GET, "/api/v1/user", old).await;
        assert_eq!(user.status, StatusCode::UNAUTHORIZED);
        let renewed = api_refresh(&app, text(old, "refresh_token")).await;
        assert_eq!(renewed.status, StatusCode::UNAUTHORIZED);
    }
    let user = api_as(&app, Method::GET, "/api/v1/user", &fresh).await;
    assert_eq!(user.status, StatusCode::OK);
    assert_eq!(json_of(&user)["email_verified"], json!(true));
    let old_password = api_login_with(&app, "ada", PASSWORD).await;
    assert_eq!(old_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api_login_with(&app, "ada", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    let again = post_json(
        &app,
        "/api/v1/password/reset",
        &json!({"token": token, "new_password": "yet another passphrase"}),
    )
    .await;
    assert_answer(&again, StatusCode::BAD_REQUEST, INVALID_LINK);
    let told = sink.wait_for(email, 3).await;
    assert_eq!(told[2].subject, "Your password was reset");
    let activity = json_of(&api_as(&app, Method::GET, "/api/v1/activity", &fresh).await);
    let events: Vec<&str> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["event"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"password_reset"), "{events:?}");
    assert!(events.contains(&"email_verified"), "{events:?}");
}

#[tokio::test]
async fn unknown_names_and_unverified_addresses_get_the_same_answer_and_no_reset_mail() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    let registered = api_register(&app, "bea", "bea@example.com").await;
    assert_eq!(registered.status, StatusCode::CREATED);
    sink.wait_for("bea@example.com", 1).await;
    let mut answers = Vec::new();
    for login in [
        "bea",
        "bea@example.com",
        "nobody",
        "nobody@example.com",
        "not a name!",
    ] {
        let answer = forgot(&app, login).await;
        answers.push((answer.status, answer.body));
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "{answers:?}"
    );
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    let too_long = forgot(&app, &"a".repeat(255)).await;
    assert_answer(
        &too_long,
        StatusCode::BAD_REQUEST,
        "A username or email is at most 254 characters",
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = sink.received();
    assert_eq!(
        received.len(),
        1,
        "only the verification link: {received:#?}"
    );
    assert_eq!(received[0].subject, "Confirm your email address");
}

#[tokio::test]
async fn links_expire_with_short_settings() {
    let sink = MailSink::start();
    let app = app_mailing_to(
        &sink,
        &[
            ("KEYCARD_RESET_LINK_TTL", "1"),
            ("KEYCARD_VERIFY_LINK_TTL", "1"),
        ],
    );
    let email = "cyd@example.com";
    let registered = api_register(&app, "cyd", email).await;
    assert_eq!(registered.status, StatusCode::CREATED);
    let token = sink.wait_for(email, 1).await[0].token("/verify-email");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = post_json(&app, "/api/v1/email/verify", &json!({"token": token})).await;
    assert_answer(&late, StatusCode::BAD_REQUEST, INVALID_LINK);
    app.sql("UPDATE users SET email_verified = TRUE");
    forgot(&app, "cyd").await;
    let token = sink.wait_for(email, 2).await[1].token("/reset-password");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = post_json(
        &app,
        "/api/v1/password/reset",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_answer(&late, StatusCode::BAD_REQUEST, INVALID_LINK);
    assert_eq!(
        api_login_with(&app, "cyd", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_and_forged_tokens_are_the_same_invalid_link() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    let email = "dee@example.com";
    api_register(&app, "dee", email).await;
    let token = sink.wait_for(email, 1).await[0].token("/verify-email");
    let forged = format!("{}{}", &token[..32], "0".repeat(32));
    for bad in [forged.as_str(), "short", &token.to_uppercase(), ""] {
        let answer = post_json(&app, "/api/v1/email/verify", &json!({"token": bad})).await;
        if bad.is_empty() {
            assert_answer(&answer, StatusCode::BAD_REQUEST, "Missing token");
        } else {
            assert_answer(&answer, StatusCode::BAD_REQUEST, INVALID_LINK);
        }
        let reset = post_json(
            &app,
            "/api/v1/password/reset",
            &json!({"token": bad, "new_password": NEW_PASSWORD}),
        )
        .await;
        assert_eq!(reset.status, StatusCode::BAD_REQUEST, "{}", reset.body);
    }
    let answer = post_json(
        &app,
        "/api/v1/password/reset",
        &json!({"token": token, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_answer(&answer, StatusCode::BAD_REQUEST, INVALID_LINK);
}

#[tokio::test]
async fn reset_requests_are_limited_per_account_across_addresses_and_per_address() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[("KEYCARD_ADDRESS_ATTEMPT_LIMIT", "8")]);
    verified_account(&app, &sink, "eve", "eve@example.com").await;
    let from = |last: u8| Sender {
        address: std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, last)),
        ..SAME_ORIGIN
    };
    for last in 1..=3 {
        let answer = app
            .post_form_from(
                "/api/forgot_password",
                &[("login", "eve")],
                None,
                Client::Hydrated,
                from(last),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let fourth = app
        .post_form_from(
            "/api/forgot_password",
            &[("login", "EVE")],
            None,
            Client::Hydrated,
            from(4),
        )
        .await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(fourth.header(header::RETRY_AFTER).is_some());
    sink.wait_for("eve@example.com", 4).await;
    // One address asking for many names runs out of attempts too.
    let mut statuses = Vec::new();
    for number in 0..8 {
        statuses.push(forgot(&app, &format!("someone{number}")).await.status);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn no_header_can_be_injected_through_a_username_or_an_email() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    for (username, email) in [
        ("fay\r\nBcc: evil@example.com", "fay@example.com"),
        ("fay", "fay@example.com\r\nBcc: evil@example.com"),
        ("fay", "fay@example.com\nSubject: hi"),
        ("fay", "\"fay\r\n\"@example.com"),
    ] {
        let answer = api_register(&app, username, email).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    }
    let email = "o'fay+tag@example.com";
    let answer = api_register(&app, "fay.o-connor", email).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let mail = sink.wait_for(email, 1).await;
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let headers = mail[0].raw.split("\r\n\r\n").next().unwrap_or_default();
    let headers = headers.split("\n\n").next().unwrap_or_default();
    assert!(!headers.to_lowercase().contains("bcc"), "{headers}");
    assert_eq!(mail[0].to, [email]);
    assert!(mail[0].text.contains("Hello fay.o-connor,"));
    assert!(mail[0].html.contains("Hello fay.o-connor,"));
}

#[tokio::test]
async fn a_new_device_a_password_change_and_a_deletion_are_told_to_the_verified_address() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    let email = "gus@example.com";
    verified_account(&app, &sink, "gus", email).await;
    let same_device = json_of(&api_login_with(&app, "gus", PASSWORD).await);
    let request = Request::post("/api/v1/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
        )
        .body(Body::from(
            json!({"username": "gus", "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);
    let told = sink.wait_for(email, 2).await;
    assert_eq!(told[1].subject, "A new sign-in to your account");
    assert!(
        told[1].text.contains("Chrome on Windows"),
        "{}",
        told[1].text
    );
    let changed = crate::helpers::call(
        &app,
        Method::POST,
        "/api/v1/password",
        Some(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}).to_string()),
        Some(text(&same_device, "access_token")),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let told = sink.wait_for(email, 3).await;
    assert_eq!(told[2].subject, "Your password was changed");
    let deleted = crate::helpers::call(
        &app,
        Method::DELETE,
        "/api/v1/user",
        Some(&json!({"password": NEW_PASSWORD}).to_string()),
        Some(text(&same_device, "access_token")),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let told = sink.wait_for(email, 4).await;
    assert_eq!(told[3].subject, "Your account was deleted");
}

/// An app mailing through `url`, where `username` signs up with an address (201 though
/// the mail fails), and `/readyz`'s answer once it reports mail failing (or after ten
/// seconds); every answer meanwhile is 200, since the site still serves.
async fn sign_up_while_mail_fails(url: &str, username: &str) -> (TestApp, serde_json::Value) {
    let app = spawn_app_with(&[
        ("KEYCARD_SMTP_URL", url),
        ("KEYCARD_MAIL_FROM", "keycard@keycard.test"),
    ]);
    let answer = api_register(&app, username, &format!("{username}@example.com")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let mut ready = json!(null);
    for _ in 0..100 {
        let response = app.get("/readyz", None).await;
        assert_eq!(response.status, StatusCode::OK);
        ready = json_of(&response);
        if ready["mail"]["state"] == "failing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (app, ready)
}

#[tokio::test]
async fn a_mail_server_that_is_down_fails_no_request_and_readyz_says_so() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (app, ready) = sign_up_while_mail_fails(&format!("smtp://127.0.0.1:{port}"), "hal").await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["mail"]["state"], "failing", "{ready}");
    assert_eq!(ready["mail"]["transport"], "smtp");
    assert!(ready["mail"]["last_error"].as_str().is_some(), "{ready}");
    assert_eq!(
        api_login_with(&app, "hal", PASSWORD).await.status,
        StatusCode::OK,
        "the account change stands"
    );
}

/// A browser opening a reset link: the token leaves the address for a cookie.
async fn open_reset_link(app: &TestApp, token: &str) -> String {
    let opened = app
        .get(&format!("/reset-password?token={token}"), None)
        .await;
    opened.assert_redirects_to("/reset-password");
    let cookie = opened.cookie(RESET_COOKIE).expect("the reset cookie");
    assert!(cookie.http_only().unwrap_or(false) && cookie.secure().unwrap_or(false));
    assert!(
        cookie
            .max_age()
            .is_some_and(|age| age.whole_minutes() <= 15)
    );
    cookie.value().to_owned()
}

/// A browser request holding the reset link's cookie.
fn with_cookie(method: Method, path: &str, cookie: &str, form: Option<&str>) -> Request<Body> {
    browser_request(method, path, &format!("{RESET_COOKIE}={cookie}"), form)
}

#[tokio::test]
async fn the_pages_reset_a_password_without_javascript_and_sign_in_afresh() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    let email = "ivy@example.com";
    verified_account(&app, &sink, "ivy", email).await;
    let login_page = app.get("/login", None).await;
    assert!(login_page.body.contains("href=\"/forgot-password\""));
    let asked = app
        .post_form(
            "/api/forgot_password",
            &[("login", email)],
            None,
            Client::PlainForm,
        )
        .await;
    asked.assert_redirects_to("/forgot-password?sent=1");
    let page = app.get("/forgot-password?sent=1", None).await;
    assert!(page.body.contains(RESET_REQUESTED), "{}", page.body);
    let token = sink.wait_for(email, 2).await[1].token("/reset-password");
    let cookie = open_reset_link(&app, &token).await;
    let form = app
        .send(with_cookie(Method::GET, "/reset-password", &cookie, None))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Confirm new password"), "{}", form.body);
    // The page says whose password this is, so a link someone else mailed cannot
    // quietly sign the visitor into that someone's account.
    assert!(
        form.body
            .contains("You are setting a new password for <strong>ivy</strong>"),
        "{}",
        form.body
    );
    assert_eq!(form.header(header::CACHE_CONTROL), Some("no-store"));
    let mismatch = app
        .send(with_cookie(
            Method::POST,
            "/api/reset_password",
            &cookie,
            Some("new_password=a+brand+new+passphrase&confirm_new_password=something+else"),
        ))
        .await;
    assert_eq!(mismatch.status, StatusCode::SEE_OTHER);
    let done = app
        .send(with_cookie(
            Method::POST,
            "/api/reset_password",
            &cookie,
            Some("new_password=a+brand+new+passphrase&confirm_new_password=a+brand+new+passphrase"),
        ))
        .await;
    done.assert_redirects_to("/profile?password_reset=1");
    let jar = Jar::from_response(&done);
    assert!(jar.access.is_some(), "signed in afresh");
    let cleared = done
        .cookie(RESET_COOKIE)
        .expect("the reset cookie is cleared");
    assert_eq!(cleared.value(), "");
    let profile = app.get_as("/profile?password_reset=1", &jar).await;
    assert!(profile.body.contains("Your password has been reset"));
    let spent = app
        .send(with_cookie(Method::GET, "/reset-password", &cookie, None))
        .await;
    assert!(spent.body.contains(INVALID_LINK), "{}", spent.body);
    let old = app.login("ivy", PASSWORD, Client::Hydrated).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn opening_a_verification_link_changes_nothing_until_the_button_is_pressed() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    let email = "joe@example.com";
    let response = app
        .submit_sign_up(
            &crate::helpers::SignUp {
                username: "joe",
                email,
                password: PASSWORD,
                confirmation: PASSWORD,
            },
            Client::PlainForm,
        )
        .await;
    let jar = Jar::from_response(&response);
    let profile = app.get_as("/profile", &jar).await;
    assert!(profile.body.contains("Not verified"), "{}", profile.body);
    let token = sink.wait_for(email, 1).await[0].token("/verify-email");
    let page = app.get(&format!("/verify-email?token={token}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Verify email"));
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM users WHERE email_verified = TRUE"),
        ["0"]
    );
    let pressed = app
        .post_form(
            "/api/verify_email",
            &[("token", &token)],
            None,
            Client::PlainForm,
        )
        .await;
    pressed.assert_redirects_to("/verify-email?verified=1");
    let profile = app.get_as("/profile", &jar).await;
    assert!(profile.body.contains(">Verified<"), "{}", profile.body);
    let again = app
        .post_form(
            "/api/verify_email",
            &[("token", &token)],
            None,
            Client::PlainForm,
        )
        .await;
    assert!(
        again
            .header(header::LOCATION)
            .is_some_and(|location| location.contains("error=invalid_link")),
        "{:?}",
        again.headers
    );
}

#[tokio::test]
async fn a_new_address_is_confirmed_again_and_the_old_one_is_told() {
    let sink = MailSink::start();
    let app = app_mailing_to(&sink, &[]);
    verified_account(&app, &sink, "kit", "kit@example.com").await;
    let jar = Jar::from_response(&app.login("kit", PASSWORD, Client::PlainForm).await);
    let page = app.get_as("/email", &jar).await;
    assert_eq!(page.status, StatusCode::OK);
    let wrong = app
        .post_form_as(
            "/api/change_email",
            &[
                ("email", "kit@new.example"),
                ("password", "not the password"),
            ],
            &jar,
            Client::Hydrated,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let changed = app
        .post_form_as(
            "/api/change_email",
            &[("email", "kit@new.example"), ("password", PASSWORD)],
            &jar,
            Client::PlainForm,
        )
        .await;
    changed.assert_redirects_to("/email?changed=1");
    let old = sink.wait_for("kit@example.com", 2).await;
    assert_eq!(old[1].subject, "Your email address was changed");
    assert!(old[1].text.contains("kit@new.example"));
    let new = sink.wait_for("kit@new.example", 1).await;
    let profile = app.get_as("/profile", &jar).await;
    assert!(profile.body.contains("Not verified"));
    let resent = app
        .post_form_as("/api/resend_verification", &[], &jar, Client::PlainForm)
        .await;
    resent.assert_redirects_to("/profile?link_sent=1");
    let both = sink.wait_for("kit@new.example", 2).await;
    assert_ne!(
        both[1].token("/verify-email"),
        new[0].token("/verify-email")
    );
    let verified = post_json(
        &app,
        "/api/v1/email/verify",
        &json!({"token": new[0].token("/verify-email")}),
    )
    .await;
    assert_answer(&verified, StatusCode::OK, "Email verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_reset_link_presented_many_times_at_once_resets_exactly_once() {
    let sink = MailSink::start();
    let app = std::sync::Arc::new(app_mailing_to(&sink, &[]));
    let email = "lou@example.com";
    verified_account(&app, &sink, "lou", email).await;
    forgot(&app, "lou").await;
    let token = sink.wait_for(email, 2).await[1].token("/reset-password");
    let racers: Vec<_> = (0..8)
        .map(|number| {
            let app = app.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let password = format!("racing passphrase number {number}");
                let answer = post_json(
                    &app,
                    "/api/v1/password/reset",
                    &json!({"token": token, "new_password": password}),
                )
                .await;
                (answer.status, password)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        let (status, password) = racer.await.unwrap();
        match status {
            StatusCode::OK => winners.push(password),
            other => assert_eq!(other, StatusCode::BAD_REQUEST),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one reset wins");
    assert_eq!(
        api_login_with(&app, "lou", &winners[0]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mail_goes_over_tls_only_to_a_server_whose_certificate_verifies() {
    let certificates = TestCertificates::new();
    let ca = certificates.ca().display().to_string();
    for tls in [SinkTls::StartTls, SinkTls::Wrapper] {
        let sink = MailSink::start_with_tls(&certificates, tls);
        let url = sink.url();
        let trusting = spawn_app_with(&[
            ("KEYCARD_SMTP_URL", url.as_str()),
            ("KEYCARD_MAIL_FROM", "keycard@keycard.test"),
            ("KEYCARD_SMTP_CA", ca.as_str()),
        ]);
        let answer = api_register(&trusting, "tess", "tess@example.com").await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        let mail = sink.wait_for("tess@example.com", 1).await;
        assert_eq!(mail[0].subject, "Confirm your email address", "{tls:?}");

        // The same server is not trusted without the test's certificate authority.
        let (_, ready) = sign_up_while_mail_fails(&url, "uma").await;
        let error = ready["mail"]["last_error"].as_str().unwrap_or_default();
        assert!(
            error.to_lowercase().contains("certificate"),
            "{tls:?}: {ready}"
        );
        assert!(
            sink.received()
                .iter()
                .all(|message| !message.to.contains(&"uma@example.com".to_owned())),
            "{tls:?}: nothing was sent to a server that could not be verified"
        );
    }
}
