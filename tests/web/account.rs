//! The account itself: changing the password, deleting the account, and its activity
//! record, on the pages (with and without JavaScript) and through the API.

use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{
    Client, Jar, PASSWORD, TestApp, api_as, api_login, api_refresh, assert_answer, call, json_of,
    spawn_app, text,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn browser_signed_up(app: &TestApp, username: &str) -> Jar {
    let response = app.register(username, PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    Jar::from_response(&response)
}

async fn browser_logged_in(app: &TestApp, username: &str, password: &str) -> Option<Jar> {
    let response = app.login(username, password, Client::Hydrated).await;
    (response.status == StatusCode::OK).then(|| Jar::from_response(&response))
}

async fn change_password(
    app: &TestApp,
    jar: &Jar,
    current: &str,
    new: &str,
    confirmation: &str,
    client: Client,
) -> crate::helpers::TestResponse {
    let fields = [
        ("current_password", current),
        ("new_password", new),
        ("confirm_new_password", confirmation),
    ];
    app.post_form_as("/api/change_password", &fields, jar, client)
        .await
}

/// The JSON body of an API call with `pair`'s access token and a JSON body.
async fn api_with_body(
    app: &TestApp,
    method: Method,
    path: &str,
    pair: &Value,
    body: &Value,
) -> crate::helpers::TestResponse {
    call(
        app,
        method,
        path,
        Some(&body.to_string()),
        Some(text(pair, "access_token")),
    )
    .await
}

/// What the account pages show a signed-out browser: the login page, then back here.
#[tokio::test]
async fn the_account_pages_and_their_functions_need_a_session() {
    let app = spawn_app();
    for page in ["/password", "/delete-account", "/activity"] {
        let response = app.get(page, None).await;
        let next = page.replace('/', "%2F");
        response.assert_redirects_to(&format!("/login?next={next}"));
    }
    let fields: [(&str, &[(&str, &str)]); 3] = [
        (
            "/api/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_new_password", NEW_PASSWORD),
            ],
        ),
        ("/api/delete_account", &[("password", PASSWORD)]),
        ("/api/activity", &[]),
    ];
    for (path, fields) in fields {
        let response = app.post_form(path, fields, None, Client::Hydrated).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    for (method, path) in [
        (Method::POST, "/api/v1/password"),
        (Method::DELETE, "/api/v1/user"),
        (Method::GET, "/api/v1/activity"),
    ] {
        let response = call(&app, method, path, Some("{}"), None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

#[tokio::test]
async fn the_profile_links_to_the_account_pages_which_render_whole() {
    let app = spawn_app();
    let jar = browser_signed_up(&app, "linker").await;
    let profile = app.get_as("/profile", &jar).await;
    for (href, label) in [
        ("/password", "Change password"),
        ("/delete-account", "Delete account"),
        ("/activity", "Activity"),
    ] {
        assert!(
            profile
                .body
                .contains(&format!("<a href=\"{href}\">{label}</a>")),
            "{label}"
        );
    }
    let password = app.get_as("/password", &jar).await;
    assert_eq!(password.status, StatusCode::OK);
    for label in ["Current password", "New password", "Confirm new password"] {
        assert!(password.body.contains(label), "{label}");
    }
    let delete = app.get_as("/delete-account", &jar).await;
    assert!(delete.body.contains("every session, on every device"));
    let activity = app.get_as("/activity", &jar).await;
    assert!(activity.body.contains("<h1>Activity</h1>"));
    assert!(activity.body.contains("Signed in"));
    assert!(activity.body.contains("Account created"));
    for page in [&password, &delete, &activity] {
        assert_eq!(page.header(header::CACHE_CONTROL), Some("no-store"));
    }
}

#[tokio::test]
async fn a_changed_password_ends_a_second_browsers_session_with_and_without_javascript() {
    for client in [Client::Hydrated, Client::PlainForm] {
        let app = spawn_app();
        let here = browser_signed_up(&app, "changer").await;
        let there = browser_logged_in(&app, "changer", PASSWORD).await.unwrap();
        let api = api_login(&app, "changer", "curl/8.5.0").await;
        let response =
            change_password(&app, &here, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, client).await;
        match client {
            Client::PlainForm => response.assert_redirects_to("/password?changed=1"),
            Client::Hydrated => assert_eq!(response.status, StatusCode::OK, "{}", response.body),
        }
        for jar in [&there, &there.without_access()] {
            app.get_as("/profile", jar)
                .await
                .assert_redirects_to("/login?next=%2Fprofile");
        }
        let user = api_as(&app, Method::GET, "/api/v1/user", &api).await;
        assert_eq!(user.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            api_refresh(&app, text(&api, "refresh_token")).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(app.get_as("/profile", &here).await.status, StatusCode::OK);
        assert_eq!(
            app.get_as("/profile", &here.without_access()).await.status,
            StatusCode::OK,
            "this browser's refresh token still renews it"
        );
        let page = app.get_as("/password?changed=1", &here).await;
        assert!(page.body.contains("Your password has been changed."));
        assert!(browser_logged_in(&app, "changer", PASSWORD).await.is_none());
        assert!(
            browser_logged_in(&app, "changer", NEW_PASSWORD)
                .await
                .is_some()
        );
    }
}

#[tokio::test]
async fn the_password_form_explains_each_refusal_with_and_without_javascript() {
    let app = spawn_app();
    let jar = browser_signed_up(&app, "refused").await;
    let cases = [
        (
            "wrong current",
            NEW_PASSWORD,
            NEW_PASSWORD,
            StatusCode::UNAUTHORIZED,
            "incorrect_current_password",
            "Current password is incorrect",
        ),
        (
            PASSWORD,
            "short",
            "short",
            StatusCode::BAD_REQUEST,
            "password_too_short",
            "Password must be at least 8 characters",
        ),
        (
            PASSWORD,
            "password123",
            "password123",
            StatusCode::BAD_REQUEST,
            "password_too_common",
            "This password is too common",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "something else",
            StatusCode::BAD_REQUEST,
            "password_mismatch",
            "Passwords do not match",
        ),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            StatusCode::BAD_REQUEST,
            "password_unchanged",
            "must be different from the current one",
        ),
    ];
    for (current, new, confirmation, status, code, words) in cases {
        let hydrated =
            change_password(&app, &jar, current, new, confirmation, Client::Hydrated).await;
        assert_eq!(hydrated.status, status, "{code}: {}", hydrated.body);
        assert!(
            hydrated.body.contains(&format!("\"{code}\"")),
            "{}",
            hydrated.body
        );
        let plain =
            change_password(&app, &jar, current, new, confirmation, Client::PlainForm).await;
        plain.assert_redirects_to(&format!("/password?error={code}"));
        let page = app.get_as(&format!("/password?error={code}"), &jar).await;
        assert!(page.body.contains(words), "{code}");
    }
    assert!(browser_logged_in(&app, "refused", PASSWORD).await.is_some());
}

#[tokio::test]
async fn wrong_current_passwords_count_as_failed_logins() {
    let app = spawn_app();
    let jar = browser_signed_up(&app, "guessed").await;
    for attempt in 0..5 {
        let guess = format!("guess number {attempt}");
        let response = change_password(
            &app,
            &jar,
            &guess,
            NEW_PASSWORD,
            NEW_PASSWORD,
            Client::Hydrated,
        )
        .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    let right = change_password(
        &app,
        &jar,
        PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
        Client::Hydrated,
    )
    .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    let delete = app
        .post_form_as(
            "/api/delete_account",
            &[("password", PASSWORD)],
            &jar,
            Client::Hydrated,
        )
        .await;
    assert_eq!(delete.status, StatusCode::TOO_MANY_REQUESTS);
    let login = app.login("guessed", PASSWORD, Client::Hydrated).await;
    assert_eq!(login.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_api_changes_the_password_and_keeps_the_callers_tokens() {
    let app = spawn_app();
    app.signed_up("apichanger").await;
    let caller = api_login(&app, "apichanger", "curl/8.5.0").await;
    let other = api_login(&app, "apichanger", "okhttp/4.12").await;
    let missing = api_with_body(&app, Method::POST, "/api/v1/password", &caller, &json!({})).await;
    assert_answer(
        &missing,
        StatusCode::BAD_REQUEST,
        "Missing current_password",
    );
    let short = api_with_body(
        &app,
        Method::POST,
        "/api/v1/password",
        &caller,
        &json!({"current_password": PASSWORD, "new_password": "short"}),
    )
    .await;
    assert_answer(
        &short,
        StatusCode::BAD_REQUEST,
        "Password must be at least 8 characters",
    );
    let wrong = api_with_body(
        &app,
        Method::POST,
        "/api/v1/password",
        &caller,
        &json!({"current_password": "not the password", "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_answer(
        &wrong,
        StatusCode::UNAUTHORIZED,
        "Current password is incorrect",
    );
    let changed = api_with_body(
        &app,
        Method::POST,
        "/api/v1/password",
        &caller,
        &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    )
    .await;
    assert_answer(&changed, StatusCode::OK, "Password changed");
    assert_eq!(
        api_as(&app, Method::GET, "/api/v1/user", &caller)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        api_refresh(&app, text(&caller, "refresh_token"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        api_as(&app, Method::GET, "/api/v1/user", &other)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api_refresh(&app, text(&other, "refresh_token"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_deleted_account_is_gone_everywhere_with_and_without_javascript() {
    for client in [Client::Hydrated, Client::PlainForm] {
        let app = spawn_app();
        let bystander = browser_signed_up(&app, "bystander").await;
        let here = browser_signed_up(&app, "leaver").await;
        let there = browser_logged_in(&app, "leaver", PASSWORD).await.unwrap();
        let api = api_login(&app, "leaver", "curl/8.5.0").await;
        let session_ids: Vec<String> =
            json_of(&api_as(&app, Method::GET, "/api/v1/sessions", &api).await)
                .as_array()
                .unwrap()
                .iter()
                .map(|session| session["id"].as_str().unwrap().to_owned())
                .collect();
        let wrong = app
            .post_form_as(
                "/api/delete_account",
                &[("password", "not the password")],
                &here,
                client,
            )
            .await;
        match client {
            Client::PlainForm => {
                wrong.assert_redirects_to("/delete-account?error=incorrect_password")
            }
            Client::Hydrated => assert_eq!(wrong.body, "\"incorrect_password\""),
        }
        assert_eq!(app.get_as("/profile", &there).await.status, StatusCode::OK);
        let deleted = app
            .post_form_as(
                "/api/delete_account",
                &[("password", PASSWORD)],
                &here,
                client,
            )
            .await;
        match client {
            Client::PlainForm => deleted.assert_redirects_to("/?account_deleted=1"),
            Client::Hydrated => assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body),
        }
        let cleared = deleted.header("clear-site-data".parse().unwrap()).unwrap();
        for kind in ["\"cookies\"", "\"storage\"", "\"cache\""] {
            assert!(cleared.contains(kind), "{cleared}");
        }
        let mut after = here.clone();
        after.update(&deleted);
        assert!(
            after.access.is_none() && after.refresh.is_none(),
            "cookies cleared"
        );
        for jar in [
            &here,
            &here.without_access(),
            &there,
            &there.without_access(),
        ] {
            app.get_as("/profile", jar)
                .await
                .assert_redirects_to("/login?next=%2Fprofile");
        }
        assert_eq!(
            api_as(&app, Method::GET, "/api/v1/user", &api).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            api_refresh(&app, text(&api, "refresh_token")).await.status,
            StatusCode::UNAUTHORIZED
        );
        let home = app.get("/?account_deleted=1", None).await;
        assert!(home.body.contains("Your account has been deleted."));
        let stored = app.every_stored_value();
        assert!(!stored.contains("leaver"), "{stored}");
        for id in &session_ids {
            assert!(!stored.contains(id.as_str()), "session {id} is left");
        }
        assert!(stored.contains("bystander"), "other accounts stay");
        assert_eq!(
            app.get_as("/profile", &bystander).await.status,
            StatusCode::OK
        );
        assert!(browser_logged_in(&app, "leaver", PASSWORD).await.is_none());
        let again = browser_signed_up(&app, "leaver").await;
        assert_eq!(app.get_as("/profile", &again).await.status, StatusCode::OK);
        for jar in [&here, &there] {
            app.get_as("/profile", jar)
                .await
                .assert_redirects_to("/login?next=%2Fprofile");
        }
    }
}

#[tokio::test]
async fn the_api_deletes_the_account_and_refuses_its_tokens_from_then_on() {
    let app = spawn_app();
    app.signed_up("apileaver").await;
    let caller = api_login(&app, "apileaver", "curl/8.5.0").await;
    let other = api_login(&app, "apileaver", "okhttp/4.12").await;
    let wrong = api_with_body(
        &app,
        Method::DELETE,
        "/api/v1/user",
        &caller,
        &json!({"password": "not the password"}),
    )
    .await;
    assert_answer(&wrong, StatusCode::UNAUTHORIZED, "Password is incorrect");
    let missing = api_with_body(&app, Method::DELETE, "/api/v1/user", &caller, &json!({})).await;
    assert_answer(&missing, StatusCode::BAD_REQUEST, "Missing password");
    let deleted = api_with_body(
        &app,
        Method::DELETE,
        "/api/v1/user",
        &caller,
        &json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    for pair in [&caller, &other] {
        let user = api_as(&app, Method::GET, "/api/v1/user", pair).await;
        assert_eq!(user.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            api_refresh(&app, text(pair, "refresh_token")).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    app.signed_up("apileaver").await;
    let user = api_as(&app, Method::GET, "/api/v1/user", &caller).await;
    assert_eq!(
        user.status,
        StatusCode::UNAUTHORIZED,
        "the name's new owner is not the caller"
    );
}

/// The activity of a scripted journey, as `(event, device)` pairs, oldest first.
async fn api_activity(app: &TestApp, pair: &Value) -> Vec<(String, String)> {
    let response = api_as(app, Method::GET, "/api/v1/activity", pair).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let events = json_of(&response);
    let events = events.as_array().unwrap();
    for event in events {
        let at = event["at"].as_str().unwrap();
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| panic!("{at} is not RFC 3339"));
        assert_eq!(event["address"], "192.0.2.10");
    }
    events
        .iter()
        .rev()
        .map(|event| {
            (
                event["event"].as_str().unwrap().to_owned(),
                event["device"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_activity_lists_a_journey_in_order_on_the_page_and_in_the_api() {
    let app = spawn_app();
    let browser = browser_signed_up(&app, "journey").await;
    // Another account's events, which the journey's activity must not show.
    browser_signed_up(&app, "stranger").await;
    let stranger = app
        .login("stranger", "not the password", Client::Hydrated)
        .await;
    assert_eq!(stranger.status, StatusCode::UNAUTHORIZED);
    let phone = api_login(&app, "journey", "okhttp/4.12").await;
    assert_eq!(
        app.login("journey", "not the password", Client::Hydrated)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // A failed sign-in is recorded in the background; the journey goes on once it is.
    for _ in 0..100 {
        let recorded = api_activity(&app, &phone).await;
        if recorded.iter().any(|(event, _)| event == "failed_sign_in") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let laptop = api_login(&app, "journey", "curl/8.5.0").await;
    let first = api_refresh(&app, text(&laptop, "refresh_token")).await;
    let second = api_refresh(&app, text(&json_of(&first), "refresh_token")).await;
    assert_eq!(second.status, StatusCode::OK);
    let reused = api_refresh(&app, text(&laptop, "refresh_token")).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    let changed = change_password(
        &app,
        &browser,
        PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
        Client::Hydrated,
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(
        api_as(&app, Method::GET, "/api/v1/user", &phone)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let body = json!({"username": "journey", "password": NEW_PASSWORD}).to_string();
    let last = json_of(&call(&app, Method::POST, "/api/v1/login", Some(&body), None).await);
    let logout = api_as(&app, Method::DELETE, "/api/v1/logout", &last).await;
    assert_eq!(logout.status, StatusCode::OK);
    let viewer = json_of(&call(&app, Method::POST, "/api/v1/login", Some(&body), None).await);
    let recorded = api_activity(&app, &viewer).await;
    let expected = [
        ("account_created", "Unknown device"),
        ("signed_in", "Unknown device"),
        ("signed_in", "OkHttp"),
        ("failed_sign_in", "Unknown device"),
        ("signed_in", "curl"),
        ("refresh_token_reused", "Unknown device"),
        ("password_changed", "Unknown device"),
        ("signed_in", "Unknown device"),
        ("signed_out", "Unknown device"),
        ("signed_in", "Unknown device"),
    ];
    let recorded: Vec<(&str, &str)> = recorded
        .iter()
        .map(|(event, device)| (event.as_str(), device.as_str()))
        .collect();
    assert_eq!(recorded, expected);
    let page = app.get_as("/activity", &browser).await;
    let words = [
        "Signed in",
        "Signed out",
        "Signed in",
        "Password changed",
        "Refresh token reused: session ended",
        "Signed in",
        "Failed sign-in",
        "Signed in",
        "Signed in",
        "Account created",
    ];
    let mut rest = page.body.as_str();
    for word in words {
        let heading = format!("<h2 class=\"event-what\">{word}</h2>");
        let at = rest
            .find(&heading)
            .unwrap_or_else(|| panic!("{word} is missing or out of order"));
        rest = &rest[at + heading.len()..];
    }
    let api = api_as(&app, Method::GET, "/api/v1/activity", &viewer)
        .await
        .body;
    for secret in [
        text(&laptop, "access_token"),
        text(&laptop, "refresh_token"),
        browser.access.as_deref().unwrap(),
        "$argon2",
        PASSWORD,
        NEW_PASSWORD,
    ] {
        assert!(!page.body.contains(secret) && !api.contains(secret));
    }
}
