//! The JSON API under /api/v1: the Flask tutorial's contract, every status code, and
//! tokens shared with the browser pages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, SESSION_COOKIE, TestApp, TestResponse, assert_answer, call, json_of, post_json,
    signing_key, spawn_app,
};

async fn register(app: &TestApp, username: &str, password: &str) -> TestResponse {
    let body = json!({"username": username, "password": password});
    post_json(app, "/api/v1/register", &body).await
}

async fn login(app: &TestApp, username: &str, password: &str) -> TestResponse {
    let body = json!({"username": username, "password": password});
    post_json(app, "/api/v1/login", &body).await
}

async fn token_for(app: &TestApp, username: &str) -> String {
    assert_eq!(
        register(app, username, PASSWORD).await.status,
        StatusCode::CREATED
    );
    let response = login(app, username, PASSWORD).await;
    json_of(&response)["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test]
async fn register_creates_the_account_with_201() {
    let app = spawn_app();
    let response = register(&app, "ada", PASSWORD).await;
    assert_answer(&response, StatusCode::CREATED, "User created successfully");
    assert!(
        response.set_cookie().is_none(),
        "the API never sets cookies"
    );
    let with_email =
        json!({"username": "grace", "password": PASSWORD, "email": "grace@example.com"});
    let response = post_json(&app, "/api/v1/register", &with_email).await;
    assert_eq!(response.status, StatusCode::CREATED);
}

#[tokio::test]
async fn register_without_username_or_password_is_400_missing() {
    let app = spawn_app();
    for body in [
        json!({}),
        json!({"username": "ada"}),
        json!({"password": PASSWORD}),
        json!({"username": "", "password": PASSWORD}),
        json!({"username": "ada", "password": ""}),
        json!({"username": null, "password": PASSWORD}),
    ] {
        let response = post_json(&app, "/api/v1/register", &body).await;
        assert_answer(
            &response,
            StatusCode::BAD_REQUEST,
            "Missing username or password",
        );
    }
}

#[tokio::test]
async fn invalid_username_or_password_is_400_saying_what_is_wrong() {
    let app = spawn_app();
    let cases = [
        ("ab", PASSWORD, "Username must be at least 3 characters"),
        (
            "bad name",
            PASSWORD,
            "Username may only contain letters, digits, '_', '.' and '-'",
        ),
        (
            " padded",
            PASSWORD,
            "Username may only contain letters, digits, '_', '.' and '-'",
        ),
        ("shorty", "short", "Password must be at least 8 characters"),
    ];
    for (username, password, msg) in cases {
        assert_answer(
            &register(&app, username, password).await,
            StatusCode::BAD_REQUEST,
            msg,
        );
    }
    for email in [json!("nope"), json!(" ada@example.com"), json!(7)] {
        let body = json!({"username": "mailer", "password": PASSWORD, "email": email});
        let response = post_json(&app, "/api/v1/register", &body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{email}");
    }
    for no_email in [json!(null), json!("")] {
        let body = json!({"username": format!("mail{}", no_email.is_null()), "password": PASSWORD, "email": no_email});
        let response = post_json(&app, "/api/v1/register", &body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{no_email}");
    }
}

#[tokio::test]
async fn a_common_password_follows_every_stated_rule_and_is_422() {
    let app = spawn_app();
    assert_answer(
        &register(&app, "common", "password1").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "This password is too common. Choose one that is harder to guess.",
    );
}

#[tokio::test]
async fn a_taken_username_is_409_in_any_case() {
    let app = spawn_app();
    register(&app, "Linus", PASSWORD).await;
    assert_answer(
        &register(&app, "LINUS", PASSWORD).await,
        StatusCode::CONFLICT,
        "User already exists",
    );
}

#[tokio::test]
async fn login_returns_a_bearer_token_and_its_lifetime() {
    let app = spawn_app();
    register(&app, "ada", PASSWORD).await;
    let response = login(&app, "ADA", PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK);
    let body = json_of(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_expires_in"], 7 * 24 * 60 * 60);
    assert_eq!(body.as_object().unwrap().len(), 5, "{body}");
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
    let refresh = body["refresh_token"].as_str().unwrap();
    assert_eq!(refresh.len(), 64);
    assert!(refresh.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(response.set_cookie().is_none());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_one_identical_401() {
    let app = spawn_app();
    register(&app, "ada", PASSWORD).await;
    let wrong = login(&app, "ada", "not the password").await;
    let unknown = login(&app, "nobody", PASSWORD).await;
    for response in [&wrong, &unknown] {
        assert_answer(
            response,
            StatusCode::UNAUTHORIZED,
            "Bad username or password",
        );
        assert_eq!(response.header(header::WWW_AUTHENTICATE), Some("Bearer"));
    }
    assert_eq!(wrong.body, unknown.body);
    let missing = call(&app, Method::POST, "/api/v1/login", Some("{}"), None).await;
    assert_answer(
        &missing,
        StatusCode::BAD_REQUEST,
        "Missing username or password",
    );
}

#[tokio::test]
async fn user_shows_the_account_of_the_token() {
    let app = spawn_app();
    let token = token_for(&app, "ada").await;
    let response = call(&app, Method::GET, "/api/v1/user", None, Some(&token)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        json_of(&response),
        json!({"username": "ada", "email": null, "email_verified": false, "status": "active"})
    );
    assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"));
}

#[tokio::test]
async fn logout_revokes_the_token_for_the_api_and_the_pages_at_once() {
    let app = spawn_app();
    let token = token_for(&app, "ada").await;
    // An API token is the same kind of token as a browser session's.
    assert_eq!(
        app.get("/profile", Some(&token)).await.status,
        StatusCode::OK
    );

    let response = call(&app, Method::DELETE, "/api/v1/logout", None, Some(&token)).await;
    assert_answer(&response, StatusCode::OK, "Token revoked");

    let after = call(&app, Method::GET, "/api/v1/user", None, Some(&token)).await;
    assert_answer(&after, StatusCode::UNAUTHORIZED, "Token has been revoked");
    assert!(
        after
            .header(header::WWW_AUTHENTICATE)
            .is_some_and(|value| value.starts_with("Bearer error=\"invalid_token\""))
    );
    let again = call(&app, Method::DELETE, "/api/v1/logout", None, Some(&token)).await;
    assert_answer(&again, StatusCode::UNAUTHORIZED, "Token has been revoked");
    app.get("/profile", Some(&token))
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
}

#[tokio::test]
async fn a_browser_sessions_token_works_as_a_bearer_token_until_the_browser_logs_out() {
    let app = spawn_app();
    let session = app.signed_up("grace").await;
    let response = call(&app, Method::GET, "/api/v1/user", None, Some(&session)).await;
    assert_eq!(json_of(&response)["username"], "grace");
    app.logout(&session, crate::helpers::Client::Hydrated).await;
    let after = call(&app, Method::GET, "/api/v1/user", None, Some(&session)).await;
    assert_answer(&after, StatusCode::UNAUTHORIZED, "Token has been revoked");
}

#[tokio::test]
async fn a_missing_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app();
    for (method, path) in [
        (Method::GET, "/api/v1/user"),
        (Method::DELETE, "/api/v1/logout"),
    ] {
        let response = call(&app, method, path, None, None).await;
        assert_answer(
            &response,
            StatusCode::UNAUTHORIZED,
            "Missing Authorization Header",
        );
        assert_eq!(response.header(header::WWW_AUTHENTICATE), Some("Bearer"));
    }
}

#[tokio::test]
async fn the_api_ignores_the_session_cookie_and_query_strings() {
    let app = spawn_app();
    let token = token_for(&app, "ada").await;
    let cookie_only = Request::get("/api/v1/user")
        .header(header::COOKIE, format!("{SESSION_COOKIE}={token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.send(cookie_only).await;
    assert_answer(
        &response,
        StatusCode::UNAUTHORIZED,
        "Missing Authorization Header",
    );
    for query in ["access_token", "token", "jwt"] {
        let path = format!("/api/v1/user?{query}={token}");
        let response = call(&app, Method::GET, &path, None, None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
}

fn forged(claims: Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

fn claims(exp_offset: i64) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "sub": "1", "iat": now - 7200, "nbf": now - 7200, "exp": now + exp_offset,
        "jti": "00112233445566778899aabbccddeeff", "iss": "keycard", "aud": "keycard",
        "sid": "0123456789abcdef0123456789abcdef",
    })
}

#[tokio::test]
async fn an_expired_token_is_401_token_has_expired() {
    let app = spawn_app();
    token_for(&app, "ada").await;
    let expired = forged(claims(-3600), &signing_key());
    let response = call(&app, Method::GET, "/api/v1/user", None, Some(&expired)).await;
    assert_answer(&response, StatusCode::UNAUTHORIZED, "Token has expired");
    assert_eq!(
        response.header(header::WWW_AUTHENTICATE),
        Some("Bearer error=\"invalid_token\", error_description=\"Token has expired\"")
    );
}

#[tokio::test]
async fn a_malformed_or_forged_token_is_401_not_422() {
    let app = spawn_app();
    token_for(&app, "ada").await;
    let wrong_key = forged(claims(3600), b"somebody else's key, 32 bytes or more");
    let payload_only = URL_SAFE_NO_PAD.encode(claims(3600).to_string());
    for token in [wrong_key.as_str(), "not-a-jwt", payload_only.as_str()] {
        let response = call(&app, Method::GET, "/api/v1/user", None, Some(token)).await;
        assert_answer(&response, StatusCode::UNAUTHORIZED, "Token is invalid");
        assert!(
            response
                .header(header::WWW_AUTHENTICATE)
                .is_some_and(|value| value.contains("error=\"invalid_token\""))
        );
    }
    let basic = Request::get("/api/v1/user")
        .header(header::AUTHORIZATION, "Basic YWRhOnBhc3N3b3Jk")
        .body(Body::empty())
        .unwrap();
    let response = app.send(basic).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.header(header::WWW_AUTHENTICATE), Some("Bearer"));
}

#[tokio::test]
async fn bad_json_is_400_json_never_an_html_page() {
    let app = spawn_app();
    let cases = [
        ("{\"username\": ", "The request body is not valid JSON"),
        ("not json at all", "The request body is not valid JSON"),
        (
            "[\"ada\", \"password\"]",
            "The request body must be a JSON object whose fields are strings (email may be null)",
        ),
        (
            "\"ada\"",
            "The request body must be a JSON object whose fields are strings (email may be null)",
        ),
        (
            "{\"username\": 5, \"password\": \"correct horse\"}",
            "The request body must be a JSON object whose fields are strings (email may be null)",
        ),
        (
            "{\"username\": \"ada\", \"password\": [1]}",
            "The request body must be a JSON object whose fields are strings (email may be null)",
        ),
    ];
    for path in ["/api/v1/register", "/api/v1/login"] {
        for (body, msg) in cases {
            let response = call(&app, Method::POST, path, Some(body), None).await;
            assert_answer(&response, StatusCode::BAD_REQUEST, msg);
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app();
    let form = Request::post("/api/v1/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=ada&password=correct+horse"))
        .unwrap();
    let response = app.send(form).await;
    assert_answer(
        &response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Send the body as JSON, with Content-Type: application/json",
    );
}

#[tokio::test]
async fn a_body_over_16_kib_is_413_before_any_hashing() {
    let app = spawn_app();
    let huge = json!({"username": "ada", "password": "x".repeat(1024 * 1024)}).to_string();
    for path in ["/api/v1/register", "/api/v1/login"] {
        let response = call(&app, Method::POST, path, Some(&huge), None).await;
        assert_answer(
            &response,
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is larger than 16 KiB",
        );
    }
    assert_eq!(app.password_verifications(), 0);
}

#[tokio::test]
async fn unknown_paths_are_404_json_and_wrong_methods_405_json() {
    let app = spawn_app();
    for path in [
        "/api/v1",
        "/api/v1/",
        "/api/v1/nothing-here",
        "/api/v1/nothing-here/",
        "/api/v1/user/",
        "/api/v1//user",
        "/api/v1/a/b/c",
    ] {
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let missing = call(&app, method.clone(), path, None, None).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert!(
                json_of(&missing)["msg"]
                    .as_str()
                    .unwrap()
                    .contains("openapi.json"),
                "{method} {path}"
            );
        }
    }
    for (method, path) in [
        (Method::GET, "/api/v1/login"),
        (Method::POST, "/api/v1/logout"),
        (Method::POST, "/api/v1/user"),
        (Method::PUT, "/api/v1/register"),
    ] {
        let response = call(&app, method.clone(), path, Some("{}"), None).await;
        assert_eq!(
            response.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(json_of(&response)["msg"].is_string());
    }
}

#[tokio::test]
async fn login_through_the_api_is_throttled_like_the_web_form() {
    let app = spawn_app();
    register(&app, "ada", PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(
            login(&app, "ada", "not the password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let before = app.password_verifications();
    let throttled = login(&app, "ada", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled
            .header(header::RETRY_AFTER)
            .is_some_and(|seconds| seconds.parse::<u64>().is_ok())
    );
    assert_eq!(
        json_of(&throttled)["msg"],
        "Too many attempts. Try again in 15 minutes."
    );
    assert_eq!(app.password_verifications(), before);
    // The web form shares the count: same name, same address.
    let web = app
        .login("ada", PASSWORD, crate::helpers::Client::Hydrated)
        .await;
    assert_eq!(web.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_this_contract() {
    let app = spawn_app();
    let response = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    let document = json_of(&response);
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    let mut described: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    described.sort();
    assert_eq!(
        described,
        [
            "DELETE /api/v1/logout",
            "DELETE /api/v1/passkeys/{id}",
            "DELETE /api/v1/sessions",
            "DELETE /api/v1/sessions/{id}",
            "DELETE /api/v1/two-factor",
            "DELETE /api/v1/user",
            "GET /api/v1/activity",
            "GET /api/v1/passkeys",
            "GET /api/v1/sessions",
            "GET /api/v1/user",
            "POST /api/v1/email/verify",
            "POST /api/v1/login",
            "POST /api/v1/login/two-factor",
            "POST /api/v1/password",
            "POST /api/v1/password/forgot",
            "POST /api/v1/password/reset",
            "POST /api/v1/refresh",
            "POST /api/v1/register",
            "POST /api/v1/two-factor",
            "POST /api/v1/two-factor/confirm",
        ]
    );
    let responses = |path: &str, method: &str| -> Vec<String> {
        let mut codes: Vec<String> = document["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        codes.sort();
        codes
    };
    assert_eq!(
        responses("/api/v1/register", "post"),
        ["201", "400", "409", "413", "415", "422", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/login", "post"),
        ["200", "400", "401", "413", "415", "429", "503"]
    );
    assert_eq!(responses("/api/v1/user", "get"), ["200", "401", "503"]);
    assert_eq!(
        responses("/api/v1/password/forgot", "post"),
        ["202", "400", "413", "415", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/password/reset", "post"),
        ["200", "400", "401", "413", "415", "422", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/login/two-factor", "post"),
        ["200", "400", "401", "413", "415", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/two-factor", "post"),
        ["200", "400", "401", "409", "413", "415", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/two-factor", "delete"),
        ["204", "400", "401", "409", "413", "415", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/email/verify", "post"),
        ["200", "400", "413", "415", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/refresh", "post"),
        ["200", "400", "401", "413", "415", "503"]
    );
    assert_eq!(responses("/api/v1/sessions", "get"), ["200", "401", "503"]);
    assert_eq!(
        responses("/api/v1/sessions/{id}", "delete"),
        ["204", "401", "403", "404", "503"]
    );
    assert_eq!(
        responses("/api/v1/sessions", "delete"),
        ["200", "401", "403", "503"]
    );
    assert_eq!(
        responses("/api/v1/password", "post"),
        ["200", "400", "401", "413", "415", "422", "429", "503"]
    );
    assert_eq!(
        responses("/api/v1/user", "delete"),
        ["204", "400", "401", "413", "415", "429", "503"]
    );
    assert_eq!(responses("/api/v1/activity", "get"), ["200", "401", "503"]);
    let codes = &document["components"]["schemas"]["ActivityView"]["properties"]["event"]["enum"];
    assert!(
        codes
            .as_array()
            .unwrap()
            .iter()
            .any(|code| code == "refresh_token_reused"),
        "{codes}"
    );
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for schema in [
        "AccessToken",
        "RegisterRequest",
        "LoginRequest",
        "RefreshRequest",
        "SessionView",
        "EndedSessions",
        "Message",
        "UserView",
        "PasswordChangeRequest",
        "DeleteAccountRequest",
        "ActivityView",
    ] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}

/// The document states the parser's own rules: a client or gateway that validates
/// against it accepts exactly what the server does.
#[tokio::test]
async fn the_openapi_document_states_the_credential_rules_the_server_applies() {
    use keycard_core::domain::{
        EMAIL_LOCAL_PART_PATTERN, EMAIL_MAX_LENGTH, EMAIL_PATTERN, PASSWORD_LENGTH,
        USERNAME_LENGTH, USERNAME_PATTERN,
    };

    let app = spawn_app();
    let document = json_of(&call(&app, Method::GET, "/api/v1/openapi.json", None, None).await);
    let schemas = &document["components"]["schemas"];
    for request in ["RegisterRequest", "LoginRequest"] {
        assert_eq!(
            schemas[request]["required"],
            json!(["username", "password"]),
            "{request}"
        );
        assert_eq!(
            schemas[request]["properties"]["username"]["$ref"],
            "#/components/schemas/Username"
        );
    }
    let username = &schemas["Username"];
    assert_eq!(username["type"], "string");
    assert_eq!(username["minLength"], json!(USERNAME_LENGTH.start()));
    assert_eq!(username["maxLength"], json!(USERNAME_LENGTH.end()));
    assert_eq!(username["pattern"], USERNAME_PATTERN);
    let password = &schemas["Password"];
    assert_eq!(password["type"], "string");
    assert_eq!(password["minLength"], json!(PASSWORD_LENGTH.start()));
    assert_eq!(password["maxLength"], json!(PASSWORD_LENGTH.end()));
    let email = schemas["Email"]["allOf"].as_array().unwrap();
    assert_eq!(email[0]["type"], json!(["string", "null"]));
    assert_eq!(email[0]["maxLength"], json!(EMAIL_MAX_LENGTH));
    assert_eq!(email[0]["pattern"], format!("^$|{EMAIL_PATTERN}"));
    assert_eq!(
        email[1]["pattern"],
        format!("^$|{EMAIL_LOCAL_PART_PATTERN}")
    );

    // What the document calls valid, the server takes; what it calls invalid, it refuses.
    let at_the_limits = [
        ("a".repeat(*USERNAME_LENGTH.start()), StatusCode::CREATED),
        ("é".repeat(*USERNAME_LENGTH.end()), StatusCode::CREATED),
        (
            "a".repeat(USERNAME_LENGTH.start() - 1),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a".repeat(USERNAME_LENGTH.end() + 1),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, status) in at_the_limits {
        assert_eq!(
            register(&app, &name, PASSWORD).await.status,
            status,
            "{name}"
        );
    }
    let session_id = &schemas["SessionView"]["properties"]["id"]["pattern"];
    assert_eq!(session_id, keycard_core::auth::SESSION_ID_PATTERN);
    let path_id =
        document["paths"]["/api/v1/sessions/{id}"]["delete"]["parameters"][0]["schema"]["pattern"]
            .clone();
    assert_eq!(path_id, keycard_core::auth::SESSION_ID_PATTERN);

    let null_name = json!({"username": null, "password": PASSWORD});
    let response = post_json(&app, "/api/v1/register", &null_name).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

/// After a reset an API client can see what still signs in without the password, and
/// remove it; nobody else's passkey can be removed.
#[tokio::test]
async fn the_api_lists_the_callers_passkeys_and_removes_one() {
    let app = spawn_app();
    let token = token_for(&app, "pat").await;
    let other = token_for(&app, "quinn").await;
    let id = "0123456789abcdef0123456789abcdef";
    app.sql("UPDATE users SET webauthn_handle = 'handle-of-pat' WHERE username = 'pat'");
    app.sql(&format!(
        "INSERT INTO passkeys (id, user_id, credential_id, name, credential, created_at)
         SELECT '{id}', id, 'c0ffee', 'Laptop', '{{}}', 1 FROM users WHERE username = 'pat'"
    ));
    let listed = call(&app, Method::GET, "/api/v1/passkeys", None, Some(&token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let passkeys = json_of(&listed);
    assert_eq!(passkeys[0]["id"], id, "{passkeys}");
    assert_eq!(passkeys[0]["name"], "Laptop");
    assert_eq!(passkeys[0]["last_used_at"], Value::Null);
    let path = format!("/api/v1/passkeys/{id}");
    let theirs = call(&app, Method::DELETE, &path, None, Some(&other)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    let removed = call(&app, Method::DELETE, &path, None, Some(&token)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    let listed = call(&app, Method::GET, "/api/v1/passkeys", None, Some(&token)).await;
    assert_eq!(json_of(&listed), json!([]));
    let again = call(&app, Method::DELETE, &path, None, Some(&token)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}
