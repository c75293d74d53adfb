//! Sign-up, login and logout through the server functions, with and without JavaScript.

use axum::http::{StatusCode, header};

use crate::helpers::{Client, PASSWORD, SignUp, spawn_app};

#[tokio::test]
async fn signing_up_signs_the_person_in_and_sends_them_to_their_profile() {
    let app = spawn_app();
    let response = app.register("ada", PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header(header::LOCATION), Some("/profile"));
    let session = response.session().expect("a session cookie");
    let profile = app.get("/profile", Some(&session)).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("<h1>ada</h1>"), "{}", profile.body);
}

#[tokio::test]
async fn signing_up_without_javascript_redirects_to_the_profile() {
    let app = spawn_app();
    let response = app.register("grace", PASSWORD, Client::PlainForm).await;
    response.assert_redirects_to("/profile");
    assert!(response.session().is_some());
}

#[tokio::test]
async fn a_taken_username_is_refused_whatever_its_case() {
    let app = spawn_app();
    app.signed_up("Linus").await;
    let response = app.register("LINUS", PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.body, "\"username_taken\"");
    assert!(response.session().is_none());
}

#[tokio::test]
async fn invalid_sign_up_input_is_a_400_that_says_what_is_wrong() {
    let app = spawn_app();
    let cases = [
        (("ab", PASSWORD, PASSWORD, ""), "username_too_short"),
        (
            ("bad name", PASSWORD, PASSWORD, ""),
            "username_invalid_character",
        ),
        (("shorty", "short", "short", ""), "password_too_short"),
        (
            ("mismatch", PASSWORD, "something else", ""),
            "password_mismatch",
        ),
        (
            ("mailer", PASSWORD, PASSWORD, "not-an-email"),
            "email_invalid",
        ),
    ];
    for ((username, password, confirmation, email), code) in cases {
        let form = SignUp {
            username,
            email,
            password,
            confirmation,
        };
        let response = app.submit_sign_up(&form, Client::Hydrated).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{username}");
        assert_eq!(response.body, format!(r#"{{"invalid":"{code}"}}"#));
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app();
    app.signed_up("margaret").await;
    let wrong_password = app
        .login("margaret", "not the password", Client::Hydrated)
        .await;
    let unknown_user = app.login("nobody-here", PASSWORD, Client::Hydrated).await;
    for response in [&wrong_password, &unknown_user] {
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.body, "\"invalid_credentials\"");
        assert!(response.session().is_none());
    }
}

#[tokio::test]
async fn logging_in_accepts_the_name_in_any_case_and_lands_on_profile() {
    let app = spawn_app();
    app.signed_up("Barbara").await;
    let response = app.login("bARBARA", PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header(header::LOCATION), Some("/profile"));
    assert!(response.session().is_some());
}

#[tokio::test]
async fn a_failed_plain_form_post_goes_back_to_the_form_with_the_message_and_the_name() {
    let app = spawn_app();
    app.signed_up("edsger").await;
    let response = app
        .login("edsger", "wrong password", Client::PlainForm)
        .await;
    response.assert_redirects_to("/login?error=invalid_credentials&username=edsger");
    let form = app
        .get("/login?error=invalid_credentials&username=edsger", None)
        .await;
    assert!(form.body.contains("Invalid username or password"));
    assert!(form.body.contains(r#"value="edsger""#), "{}", form.body);
    assert!(!form.body.contains("wrong password"));
}

#[tokio::test]
async fn a_failed_plain_sign_up_keeps_username_and_email_but_never_passwords() {
    let app = spawn_app();
    let form = SignUp {
        username: "alan",
        email: "alan@example.com",
        password: "secret-one",
        confirmation: "secret-two",
    };
    let response = app.submit_sign_up(&form, Client::PlainForm).await;
    response.assert_redirects_to(
        "/register?error=password_mismatch&username=alan&email=alan%40example.com",
    );
    let form = app
        .get(response.header(header::LOCATION).unwrap(), None)
        .await;
    assert!(form.body.contains("Passwords do not match"));
    assert!(form.body.contains(r#"value="alan@example.com""#));
}

#[tokio::test]
async fn login_follows_a_same_site_next_page_and_ignores_any_other() {
    let app = spawn_app();
    app.signed_up("hedy").await;
    let cases = [
        ("/profile?tab=1", "/profile?tab=1"),
        ("//evil.example/steal", "/profile"),
        ("https://evil.example/", "/profile"),
        ("/\\evil.example", "/profile"),
    ];
    for (next, landing) in cases {
        let response = app
            .post_form(
                "/api/login",
                &[("username", "hedy"), ("password", PASSWORD), ("next", next)],
                None,
                Client::PlainForm,
            )
            .await;
        response.assert_redirects_to(landing);
    }
}

#[tokio::test]
async fn a_plain_form_post_never_bounces_to_the_referer() {
    let app = spawn_app();
    let response = app.login("nobody", PASSWORD, Client::PlainForm).await;
    let location = response.header(header::LOCATION).unwrap();
    assert!(location.starts_with("/login?"), "{location}");
}

#[tokio::test]
async fn an_unreadable_form_post_is_a_client_error_that_stays_on_the_site() {
    let app = spawn_app();
    let unreadable = [("unexpected", "field")];
    let hydrated = app
        .post_form("/api/login", &unreadable, None, Client::Hydrated)
        .await;
    assert_eq!(
        hydrated.status,
        StatusCode::BAD_REQUEST,
        "{}",
        hydrated.body
    );
    assert_eq!(hydrated.body, "\"bad_request\"");
    // The framework would send this back to the (foreign) Referer.
    let plain = app
        .post_form("/api/login", &unreadable, None, Client::PlainForm)
        .await;
    plain.assert_redirects_to("/");
}
