//! Hostile input: oversized bodies, look-alike and invisible characters in names, SQL
//! metacharacters, and internal errors that must not leak their details.

use axum::http::{StatusCode, header};

use crate::helpers::{Client, PASSWORD, SignUp, spawn_app};

#[tokio::test]
async fn a_one_megabyte_password_is_refused_before_argon2_sees_it() {
    let app = spawn_app();
    let huge = "x".repeat(1024 * 1024);
    for client in [Client::Hydrated, Client::PlainForm] {
        let login = app.login("someone", &huge, client).await;
        assert_eq!(login.status, StatusCode::PAYLOAD_TOO_LARGE);
        let sign_up = app.register("someone", &huge, client).await;
        assert_eq!(sign_up.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert_eq!(app.password_verifications(), 0);
}

#[tokio::test]
async fn names_differing_only_by_normalisation_or_case_are_one_user() {
    let app = spawn_app();
    // U+03A9 GREEK CAPITAL LETTER OMEGA and U+2126 OHM SIGN.
    app.signed_up("\u{03A9}mega").await;
    let taken = app
        .register("\u{2126}mega", PASSWORD, Client::Hydrated)
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    for spelling in ["\u{2126}mega", "\u{03C9}MEGA", "\u{03A9}MEGA"] {
        let login = app.login(spelling, PASSWORD, Client::Hydrated).await;
        assert_eq!(login.status, StatusCode::OK, "{spelling}");
    }
    // Fullwidth letters are their ASCII selves after NFKC.
    app.signed_up("alice").await;
    let fullwidth = app
        .register("\u{FF41}lice", PASSWORD, Client::Hydrated)
        .await;
    assert_eq!(fullwidth.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn invisible_and_control_characters_in_names_are_refused() {
    let app = spawn_app();
    for name in [
        "nul\u{0}name",
        "tab\tname",
        "bell\u{7}name",
        "zero\u{200B}width",
        "joiner\u{200D}name",
        "bidi\u{202E}txt.exe",
        "isolate\u{2066}name",
        "bom\u{FEFF}name",
        "selector\u{FE0F}",
        "stacked\u{0301}\u{0301}",
    ] {
        let response = app.register(name, PASSWORD, Client::Hydrated).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{name:?}");
        assert_eq!(
            response.body, r#"{"invalid":"username_invalid_character"}"#,
            "{name:?}"
        );
    }
}

#[tokio::test]
async fn name_length_is_counted_as_given_not_after_normalisation() {
    let app = spawn_app();
    // 22 Hangul syllables typed as 66 separate jamo: 22 characters once composed, but
    // 66 as given, and the rule (the one the OpenAPI document states) counts those.
    let decomposed: String = std::iter::repeat_n("\u{1100}\u{1161}\u{11A8}", 22).collect();
    let response = app.register(&decomposed, PASSWORD, Client::Hydrated).await;
    assert_eq!(response.body, r#"{"invalid":"username_too_long"}"#);
    let composed: String = std::iter::repeat_n("\u{AC01}", 22).collect();
    let response = app.register(&composed, PASSWORD, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn sql_metacharacters_are_stored_and_shown_as_data() {
    let app = spawn_app();
    let password = "'); DROP TABLE users; --";
    let email = "x'or'1'='1--@example.com";
    let form = SignUp {
        username: "o.brien--",
        email,
        password,
        confirmation: password,
    };
    let response = app.submit_sign_up(&form, Client::Hydrated).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let login = app.login("O.Brien--", password, Client::Hydrated).await;
    let session = login.session().expect("the same password logs in");
    let profile = app.get("/profile", Some(&session)).await;
    let shown = [
        "x'or'1'='1--@example.com",
        "x&#x27;or&#x27;1&#x27;=&#x27;1--@example.com",
    ];
    assert!(
        shown.iter().any(|email| profile.body.contains(email)),
        "{}",
        profile.body
    );
    let other = app
        .register("someone-else", PASSWORD, Client::Hydrated)
        .await;
    assert_eq!(other.status, StatusCode::OK, "the users table survived");
}

#[tokio::test]
async fn an_internal_error_shows_a_reference_and_never_its_details() {
    let app = spawn_app();
    app.signed_up("grace").await;
    app.sql("ALTER TABLE users RENAME TO users_gone");

    let hydrated = app.login("grace", PASSWORD, Client::Hydrated).await;
    assert_eq!(hydrated.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body: serde_json::Value = serde_json::from_str(&hydrated.body).unwrap();
    assert!(body["internal"]["reference"].is_u64(), "{body}");

    let plain = app.login("grace", PASSWORD, Client::PlainForm).await;
    let location = plain.header(header::LOCATION).unwrap().to_owned();
    assert!(
        location.starts_with("/login?error=internal&detail="),
        "{location}"
    );
    let page = app.get(&location, None).await;
    assert!(
        page.body
            .contains("Something went wrong on our side (reference "),
        "{}",
        page.body
    );

    for response in [&hydrated, &plain, &page] {
        let text = format!("{:?}{}", response.headers, response.body).to_lowercase();
        for leak in ["sqlite", "no such table", "users", "rusqlite", "error:"] {
            assert!(!text.contains(leak), "{leak:?} leaked: {text}");
        }
    }
}

#[tokio::test]
async fn an_invisible_letter_does_not_make_a_new_name() {
    let app = spawn_app();
    app.signed_up("alice").await;
    // U+3164 HANGUL FILLER is a letter that shows as nothing.
    let look_alike = app
        .register("\u{3164}alice", PASSWORD, Client::Hydrated)
        .await;
    assert_eq!(look_alike.status, StatusCode::CONFLICT);
}
