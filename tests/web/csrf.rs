//! Cross-site request forgery: every state-changing request must come from Keycard's
//! own origin, logout ends the session for good, and GET changes nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::{
    Client, ORIGIN, PASSWORD, SAME_ORIGIN, Sender, TestApp, TestResponse, spawn_app, spawn_app_with,
};

const CROSS_SITE_BODY: &str = "\"cross_site\"";

async fn sign_up_from(app: &TestApp, username: &str, sender: Sender<'_>) -> TestResponse {
    let fields = [
        ("username", username),
        ("email", ""),
        ("password", PASSWORD),
        ("confirm_password", PASSWORD),
    ];
    app.post_form_from("/api/register", &fields, None, Client::Hydrated, sender)
        .await
}

/// The sign-up was refused with 403 and left nothing behind: the name is still free.
async fn assert_refused_and_nothing_changed(app: &TestApp, sender: Sender<'_>) {
    let response = sign_up_from(app, "victim", sender).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN, "{}", response.body);
    assert_eq!(response.body, CROSS_SITE_BODY);
    assert!(response.session().is_none());
    let later = sign_up_from(app, "victim", SAME_ORIGIN).await;
    assert_eq!(
        later.status,
        StatusCode::OK,
        "the refused sign-up left a trace"
    );
}

#[tokio::test]
async fn a_request_the_browser_marks_cross_site_is_refused() {
    let app = spawn_app();
    let sender = Sender {
        fetch_site: Some("cross-site"),
        ..SAME_ORIGIN
    };
    assert_refused_and_nothing_changed(&app, sender).await;
}

#[tokio::test]
async fn a_foreign_origin_is_refused() {
    let app = spawn_app();
    for origin in [
        "https://evil.example",
        "https://keycard.test.evil.example",
        "http://keycard.test",
        "https://keycard.test:8443",
        "null",
    ] {
        let sender = Sender {
            origin: Some(origin),
            fetch_site: None,
            ..SAME_ORIGIN
        };
        let response = sign_up_from(&app, "victim", sender).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{origin}");
    }
    assert_refused_and_nothing_changed(
        &app,
        Sender {
            origin: Some("https://evil.example"),
            ..SAME_ORIGIN
        },
    )
    .await;
}

#[tokio::test]
async fn without_origin_the_referer_decides() {
    let app = spawn_app();
    let foreign = Sender {
        origin: None,
        fetch_site: None,
        referer: Some("https://evil.example/keycard.test/register"),
        ..SAME_ORIGIN
    };
    assert_refused_and_nothing_changed(&app, foreign).await;
    let own = Sender {
        origin: None,
        fetch_site: None,
        referer: Some("https://keycard.test/register?x=1"),
        ..SAME_ORIGIN
    };
    assert_eq!(
        sign_up_from(&app, "neighbour", own).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_request_with_neither_origin_nor_referer_is_refused() {
    let app = spawn_app();
    let anonymous = Sender {
        origin: None,
        referer: None,
        fetch_site: None,
        ..SAME_ORIGIN
    };
    assert_refused_and_nothing_changed(&app, anonymous).await;
}

#[tokio::test]
async fn login_csrf_is_refused_so_nobody_is_signed_into_the_attackers_account() {
    let app = spawn_app();
    app.signed_up("attacker").await;
    let forged = Sender {
        origin: Some("https://evil.example"),
        fetch_site: Some("cross-site"),
        ..SAME_ORIGIN
    };
    for client in [Client::Hydrated, Client::PlainForm] {
        let response = app.login_from("attacker", PASSWORD, client, forged).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        assert!(response.set_cookie().is_none());
    }
    let plain = app
        .login_from("attacker", PASSWORD, Client::PlainForm, forged)
        .await;
    assert!(
        plain.body.contains("did not come from a Keycard page"),
        "{}",
        plain.body
    );
}

#[tokio::test]
async fn forged_logout_is_refused_and_the_session_lives_on() {
    let app = spawn_app();
    let session = app.signed_up("victim").await;
    let forged = Sender {
        origin: Some("https://evil.example"),
        ..SAME_ORIGIN
    };
    let response = app
        .post_form_from(
            "/api/logout",
            &[],
            Some(&session),
            Client::PlainForm,
            forged,
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/profile", Some(&session)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn forged_session_endings_are_refused_and_every_session_lives_on() {
    let app = spawn_app();
    let victim = app.signed_up("victim").await;
    let elsewhere = app.login("victim", PASSWORD, Client::Hydrated).await;
    let elsewhere = elsewhere.session().unwrap();
    let forged = Sender {
        origin: Some("https://evil.example"),
        fetch_site: Some("cross-site"),
        ..SAME_ORIGIN
    };
    let page = app.get("/sessions", Some(&victim)).await;
    let marker = r#"name="id" value=""#;
    let start = page.body.find(marker).unwrap() + marker.len();
    let id = &page.body[start..start + 32];
    let attempts: [(&str, &[(&str, &str)]); 3] = [
        ("/api/end_session", &[("id", id)]),
        ("/api/end_other_sessions", &[]),
        ("/api/confirm_password", &[("password", PASSWORD)]),
    ];
    for (path, fields) in attempts {
        let response = app
            .post_form_from(path, fields, Some(&victim), Client::PlainForm, forged)
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
    }
    for session in [&victim, &elsewhere] {
        assert_eq!(
            app.get("/profile", Some(session)).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_default_origin_is_the_listen_address() {
    let app = spawn_app_with(&[("KEYCARD_PUBLIC_ORIGIN", "")]);
    let own = Sender {
        origin: Some("http://127.0.0.1:3000"),
        ..SAME_ORIGIN
    };
    assert_eq!(
        sign_up_from(&app, "local", own).await.status,
        StatusCode::OK
    );
    let configured_elsewhere = Sender {
        origin: Some(ORIGIN),
        ..SAME_ORIGIN
    };
    let response = sign_up_from(&app, "remote", configured_elsewhere).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn no_state_change_is_reachable_with_get() {
    let app = spawn_app();
    app.signed_up("grace").await;
    let attempts = [
        format!(
            "/api/login?username=grace&password={}",
            PASSWORD.replace(' ', "+")
        ),
        format!(
            "/api/register?username=mallory&email=&password={0}&confirm_password={0}",
            PASSWORD.replace(' ', "+")
        ),
    ];
    for path in attempts {
        let request = Request::get(&path)
            .header(header::ORIGIN, ORIGIN)
            .body(Body::empty())
            .unwrap();
        let response = app.send(request).await;
        assert!(!response.status.is_success(), "{path}: {}", response.status);
        assert!(response.set_cookie().is_none(), "{path}");
    }
    let mallory = app.register("mallory", PASSWORD, Client::Hydrated).await;
    assert_eq!(mallory.status, StatusCode::OK, "GET created the account");
}

#[tokio::test]
async fn logout_clears_the_cookie_by_name_and_path_and_clears_site_data() {
    let app = spawn_app();
    let session = app.signed_up("ada").await;
    for client in [Client::Hydrated, Client::PlainForm] {
        let response = app.logout(&session, client).await;
        let cleared = response.set_cookie().expect("a clearing cookie");
        assert_eq!(cleared.name(), crate::helpers::SESSION_COOKIE);
        assert_eq!(cleared.path(), Some("/"));
        assert_eq!(cleared.value(), "");
        assert_eq!(cleared.max_age(), Some(time::Duration::ZERO));
        assert_eq!(
            response.header(header::HeaderName::from_static("clear-site-data")),
            Some("\"cookies\"")
        );
    }
}

/// With no public origin configured and Keycard on loopback (the test app's listen
/// address is 127.0.0.1:3000), every local name of that port is Keycard's own.
#[tokio::test]
async fn on_loopback_localhost_127_0_0_1_and_ipv6_loopback_are_all_keycards_own() {
    let app = spawn_app_with(&[("KEYCARD_PUBLIC_ORIGIN", "")]);
    for (number, origin) in [
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
    ]
    .into_iter()
    .enumerate()
    {
        let sender = Sender {
            origin: Some(origin),
            ..SAME_ORIGIN
        };
        let response = sign_up_from(&app, &format!("local{number}"), sender).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{origin}: {}",
            response.body
        );
        let page = format!("{origin}/register");
        let by_referer = Sender {
            origin: None,
            referer: Some(&page),
            ..SAME_ORIGIN
        };
        let response = sign_up_from(&app, &format!("referred{number}"), by_referer).await;
        assert_eq!(response.status, StatusCode::OK, "{origin} as Referer");
    }
    for foreign in [
        "https://evil.example",
        "http://localhost:3001",
        "https://localhost:3000",
        "http://localhost.evil.example:3000",
        "http://127.0.0.2:3000",
    ] {
        let sender = Sender {
            origin: Some(foreign),
            ..SAME_ORIGIN
        };
        let response = sign_up_from(&app, "victim", sender).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{foreign}");
    }
}

#[tokio::test]
async fn a_configured_public_origin_is_the_only_one_even_on_loopback() {
    let app = spawn_app();
    for local in ["http://localhost:3000", "http://127.0.0.1:3000"] {
        let sender = Sender {
            origin: Some(local),
            ..SAME_ORIGIN
        };
        let response = sign_up_from(&app, "victim", sender).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{local}");
        assert_eq!(response.body, CROSS_SITE_BODY);
    }
    let own = Sender {
        origin: Some(ORIGIN),
        ..SAME_ORIGIN
    };
    assert_eq!(
        sign_up_from(&app, "owner", own).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn forged_password_changes_and_deletions_are_refused_and_change_nothing() {
    let app = spawn_app();
    let victim = app.signed_up("victim").await;
    let forged = Sender {
        origin: Some("https://evil.example"),
        fetch_site: Some("cross-site"),
        ..SAME_ORIGIN
    };
    let new_password = "the attacker's choice";
    let attempts: [(&str, &[(&str, &str)]); 2] = [
        (
            "/api/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_new_password", new_password),
            ],
        ),
        ("/api/delete_account", &[("password", PASSWORD)]),
    ];
    for (path, fields) in attempts {
        for client in [Client::PlainForm, Client::Hydrated] {
            let response = app
                .post_form_from(path, fields, Some(&victim), client, forged)
                .await;
            assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    assert_eq!(
        app.get("/profile", Some(&victim)).await.status,
        StatusCode::OK
    );
    let login = app.login("victim", PASSWORD, Client::Hydrated).await;
    assert_eq!(login.status, StatusCode::OK, "the password was changed");
}
