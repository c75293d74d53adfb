//! Security headers: a CSP with a fresh nonce on every HTML response that matches the
//! page's scripts, the fixed hardening headers everywhere, and HSTS only over https.

use axum::http::{StatusCode, header};

use crate::helpers::{Client, TestResponse, spawn_app, spawn_app_with};

fn csp_nonce(page: &TestResponse) -> String {
    let policy = page
        .header(header::CONTENT_SECURITY_POLICY)
        .expect("a Content-Security-Policy");
    for directive in [
        "script-src 'nonce-",
        "'strict-dynamic' 'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive:?} missing from {policy}"
        );
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let start = policy.find("'nonce-").unwrap() + "'nonce-".len();
    let length = policy[start..].find('\'').unwrap();
    policy[start..start + length].to_owned()
}

#[tokio::test]
async fn every_html_page_has_a_csp_whose_fresh_nonce_is_on_every_script() {
    let app = spawn_app();
    let session = app.signed_up("ada").await;
    let mut nonces = Vec::new();
    for (path, session) in [
        ("/", None),
        ("/login", None),
        ("/register", None),
        ("/profile", Some(session.as_str())),
        ("/no-such-page", None),
    ] {
        let page = app.get(path, session).await;
        assert!(
            page.header(header::CONTENT_TYPE)
                .is_some_and(|value| value.starts_with("text/html")),
            "{path}"
        );
        let nonce = csp_nonce(&page);
        assert!(nonce.len() >= 22, "a nonce of at least 128 bits: {nonce}");
        let scripts = page.body.matches("<script").count();
        assert!(scripts > 0, "{path} has no scripts to hydrate with");
        assert_eq!(
            page.body
                .matches(&format!("<script nonce=\"{nonce}\""))
                .count()
                + page
                    .body
                    .matches(&format!("<script type=\"module\" nonce=\"{nonce}\""))
                    .count(),
            scripts,
            "{path}: a script without this response's nonce:\n{}",
            page.body
        );
        nonces.push(nonce);
    }
    let again = csp_nonce(&app.get("/", None).await);
    nonces.push(again);
    let mut unique = nonces.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), nonces.len(), "a nonce was reused: {nonces:?}");
}

#[tokio::test]
async fn every_response_carries_the_fixed_hardening_headers() {
    let app = spawn_app();
    let page = app.get("/login", None).await;
    let function = app
        .login("nobody", "wrong password", Client::Hydrated)
        .await;
    let asset = app.get("/favicon.svg", None).await;
    assert_eq!(asset.header(header::CONTENT_TYPE), Some("image/svg+xml"));
    for response in [&page, &function, &asset] {
        assert_eq!(
            response.header(header::X_CONTENT_TYPE_OPTIONS),
            Some("nosniff")
        );
        assert_eq!(
            response.header(header::REFERRER_POLICY),
            Some("strict-origin-when-cross-origin")
        );
        assert_eq!(response.header(header::X_FRAME_OPTIONS), Some("DENY"));
        assert_eq!(
            response.header(header::STRICT_TRANSPORT_SECURITY),
            Some("max-age=63072000; includeSubDomains")
        );
    }
    for response in [&function, &asset] {
        let policy = response.header(header::CONTENT_SECURITY_POLICY).unwrap();
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
    assert_eq!(function.header(header::CACHE_CONTROL), Some("no-store"));
}

#[tokio::test]
async fn hsts_is_left_out_when_secure_cookies_are_turned_off() {
    let app = spawn_app_with(&[("KEYCARD_COOKIE_SECURE", "false")]);
    let page = app.get("/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header(header::STRICT_TRANSPORT_SECURITY), None);
    assert!(page.header(header::CONTENT_SECURITY_POLICY).is_some());
}
