//! Forged, tampered and malformed tokens, each refused: the profile page sends the
//! browser to login, and the profile server function answers a generic 401.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use crate::helpers::{Client, PASSWORD, SECRET, SESSION_COOKIE, TestApp, signing_key, spawn_app};

/// The one answer every refused token gets from the profile server function.
const NOT_SIGNED_IN: &str = "\"not_signed_in\"";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn encode(part: &Value) -> String {
    URL_SAFE_NO_PAD.encode(part.to_string())
}

/// A token with exactly this header and these claims, signed with `algorithm` and
/// `key`; the building block of every forgery below.
fn sign(header: &Value, claims: &Value, algorithm: Algorithm, key: &[u8]) -> String {
    let message = format!("{}.{}", encode(header), encode(claims));
    let key = EncodingKey::from_secret(key).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, algorithm).unwrap();
    format!("{message}.{signature}")
}

fn header() -> Value {
    json!({"alg": "HS256", "typ": "JWT"})
}

/// The id of the live session `app_with_one_account` gives account 1.
const SESSION_ID: &str = "0123456789abcdef0123456789abcdef";

/// Claims exactly like the ones Keycard issues, for account 1 in its live session.
fn claims() -> Value {
    json!({
        "sub": "1", "iat": now(), "nbf": now(), "exp": now() + 600,
        "jti": "00112233445566778899aabbccddeeff", "iss": "keycard", "aud": "keycard",
        "sid": SESSION_ID,
    })
}

fn claims_with(field: &str, value: Value) -> Value {
    let mut claims = claims();
    claims[field] = value;
    claims
}

fn claims_without(field: &str) -> Value {
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove(field);
    claims
}

fn header_with(field: &str, value: Value) -> Value {
    let mut header = header();
    header[field] = value;
    header
}

/// Signed with the real key: only the claims are wrong.
fn signed(claims: &Value) -> String {
    sign(&header(), claims, Algorithm::HS256, &signing_key())
}

/// Signed with the real key and valid claims: only the header is wrong.
fn signed_with_header(header: &Value) -> String {
    sign(header, &claims(), Algorithm::HS256, &signing_key())
}

/// An app with account 1 in it and a live session of it with a known id, so a
/// correctly made token would be accepted.
async fn app_with_one_account() -> TestApp {
    let app = spawn_app();
    app.signed_up("alice").await;
    app.add_session(1, SESSION_ID);
    app
}

async fn profile_function(app: &TestApp, token: &str) -> (StatusCode, String) {
    let response = app
        .post_form("/api/profile", &[], Some(token), Client::Hydrated)
        .await;
    (response.status, response.body)
}

/// The token is refused on both surfaces, and refused generically.
async fn assert_refused(token: &str) {
    let app = app_with_one_account().await;
    let page = app.get("/profile", Some(token)).await;
    page.assert_redirects_to("/login?next=%2Fprofile");
    assert_eq!(
        profile_function(&app, token).await,
        (StatusCode::UNAUTHORIZED, NOT_SIGNED_IN.to_owned())
    );
}

#[tokio::test]
async fn a_token_made_exactly_like_keycards_own_is_accepted() {
    // Proves the forgeries below fail for what they change, not for how they are made.
    let app = app_with_one_account().await;
    let token = signed(&claims());
    assert_eq!(
        app.get("/profile", Some(&token)).await.status,
        StatusCode::OK
    );
    assert_eq!(profile_function(&app, &token).await.0, StatusCode::OK);
}

/// The configured secret is only the input of key derivation: a token signed with it
/// directly (as anyone who learns one derived key's use might try) is refused.
#[tokio::test]
async fn a_token_signed_with_the_secret_itself_is_refused() {
    assert_refused(&sign(
        &header(),
        &claims(),
        Algorithm::HS256,
        SECRET.as_bytes(),
    ))
    .await;
}

#[tokio::test]
async fn alg_none_is_refused() {
    let unsigned = format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "typ": "JWT"})),
        encode(&claims())
    );
    assert_refused(&unsigned).await;
}

#[tokio::test]
async fn a_token_re_signed_with_hs384_is_refused() {
    let header = header_with("alg", json!("HS384"));
    assert_refused(&sign(&header, &claims(), Algorithm::HS384, &signing_key())).await;
}

#[tokio::test]
async fn a_token_re_signed_with_hs512_is_refused() {
    let header = header_with("alg", json!("HS512"));
    assert_refused(&sign(&header, &claims(), Algorithm::HS512, &signing_key())).await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let forged = sign(
        &header(),
        &claims(),
        Algorithm::HS256,
        b"an attacker's own key, 32 bytes long",
    );
    assert_refused(&forged).await;
}

#[tokio::test]
async fn a_flipped_byte_is_refused() {
    let token = signed(&claims());
    let (message, _) = token.rsplit_once('.').unwrap();
    let tampered_claims = claims_with("sub", json!("2"));
    let tampered = token.replacen(
        message.split('.').nth(1).unwrap(),
        &encode(&tampered_claims),
        1,
    );
    assert_refused(&tampered).await;
    let mut bytes = token.into_bytes();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    assert_refused(&String::from_utf8(bytes).unwrap()).await;
}

#[tokio::test]
async fn a_missing_signature_is_refused() {
    let token = signed(&claims());
    let (message, _) = token.rsplit_once('.').unwrap();
    assert_refused(&format!("{message}.")).await;
    assert_refused(message).await;
}

#[tokio::test]
async fn a_wrong_number_of_segments_is_refused() {
    let token = signed(&claims());
    assert_refused(&format!("{token}.{}", encode(&json!({})))).await;
    assert_refused(token.split('.').next().unwrap()).await;
}

#[tokio::test]
async fn bad_base64url_is_refused() {
    let token = signed(&claims());
    let segments: Vec<&str> = token.split('.').collect();
    assert_refused(&format!(
        "{}.{}*!.{}",
        segments[0], segments[1], segments[2]
    ))
    .await;
    assert_refused(&format!(
        "{}.{}.{}",
        segments[0], "bm90IGpzb24", segments[2]
    ))
    .await;
}

#[tokio::test]
async fn an_expired_token_is_refused_beyond_a_leeway_of_five_seconds() {
    assert_refused(&signed(&claims_with("exp", json!(now() - 7)))).await;
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    assert_refused(&signed(&claims_without("exp"))).await;
}

#[tokio::test]
async fn a_string_exp_is_refused() {
    let exp = (now() + 600).to_string();
    assert_refused(&signed(&claims_with("exp", json!(exp)))).await;
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    assert_refused(&signed(&claims_with("nbf", json!(now() + 120)))).await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_beyond_the_leeway_is_refused() {
    assert_refused(&signed(&claims_with("iat", json!(now() + 61)))).await;
}

#[tokio::test]
async fn a_wrong_issuer_is_refused() {
    assert_refused(&signed(&claims_with("iss", json!("someone-else")))).await;
}

#[tokio::test]
async fn a_missing_issuer_is_refused() {
    assert_refused(&signed(&claims_without("iss"))).await;
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    assert_refused(&signed(&claims_with("aud", json!("another-app")))).await;
}

#[tokio::test]
async fn a_missing_audience_is_refused() {
    assert_refused(&signed(&claims_without("aud"))).await;
}

#[tokio::test]
async fn an_embedded_jwk_is_refused() {
    let key =
        json!({"kty": "oct", "k": URL_SAFE_NO_PAD.encode(b"attacker key, 32 bytes or longer")});
    let header = header_with("jwk", key);
    assert_refused(&signed_with_header(&header)).await;
}

#[tokio::test]
async fn a_jku_is_refused_and_never_fetched() {
    let header = header_with("jku", json!("http://127.0.0.1:9/keys.json"));
    assert_refused(&signed_with_header(&header)).await;
}

#[tokio::test]
async fn an_x5u_is_refused_and_never_fetched() {
    let header = header_with("x5u", json!("http://127.0.0.1:9/cert.pem"));
    assert_refused(&signed_with_header(&header)).await;
}

#[tokio::test]
async fn an_odd_kid_is_refused_and_never_used_as_a_path() {
    for kid in ["../../../../dev/null", "' OR '1'='1", "/etc/passwd"] {
        let header = header_with("kid", json!(kid));
        let attackers_key = b"the attacker's idea of the key file";
        assert_refused(&sign(&header, &claims(), Algorithm::HS256, attackers_key)).await;
        assert_refused(&signed_with_header(&header)).await;
    }
}

#[tokio::test]
async fn a_token_over_4_kib_is_refused_before_decoding() {
    let padded = claims_with("padding", json!("x".repeat(4096)));
    assert_refused(&signed(&padded)).await;
}

#[tokio::test]
async fn a_token_in_the_query_string_is_ignored() {
    let app = app_with_one_account().await;
    let token = signed(&claims());
    let page = app.get(&format!("/profile?token={token}"), None).await;
    assert!(page.status.is_redirection());
    assert!(
        page.header(header::LOCATION)
            .is_some_and(|location| location.starts_with("/login?next="))
    );
    for name in ["token", "access_token", "jwt"] {
        let response = app
            .post_form(
                &format!("/api/profile?{name}={token}"),
                &[],
                None,
                Client::Hydrated,
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn two_logins_get_two_different_token_ids() {
    let app = app_with_one_account().await;
    let token_id = |token: String| {
        let payload = token.split('.').nth(1).unwrap().to_owned();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        claims["jti"].as_str().unwrap().to_owned()
    };
    let first = app
        .login("alice", PASSWORD, Client::Hydrated)
        .await
        .session()
        .unwrap();
    let second = app
        .login("alice", PASSWORD, Client::Hydrated)
        .await
        .session()
        .unwrap();
    assert_ne!(token_id(first), token_id(second));
}

#[tokio::test]
async fn after_logout_the_token_is_refused_by_the_page_and_every_function() {
    let app = spawn_app();
    let token = app.signed_up("margaret").await;
    app.logout(&token, Client::Hydrated).await;
    app.get("/profile", Some(&token))
        .await
        .assert_redirects_to("/login?next=%2Fprofile");
    assert_eq!(
        profile_function(&app, &token).await,
        (StatusCode::UNAUTHORIZED, NOT_SIGNED_IN.to_owned())
    );
    let session = app
        .post_form("/api/session", &[], Some(&token), Client::Hydrated)
        .await;
    assert_eq!(session.body, "null");
    let request = Request::get("/")
        .header(header::COOKIE, format!("{SESSION_COOKIE}={token}"))
        .body(Body::empty())
        .unwrap();
    let home = app.send(request).await;
    assert!(!home.body.contains("margaret"), "{}", home.body);
}

#[tokio::test]
async fn the_server_refuses_to_start_with_a_secret_under_32_bytes() {
    let directory = tempfile::tempdir().unwrap();
    let settings = [("KEYCARD_JWT_SECRET", "x".repeat(31))];
    let error = crate::helpers::test_config(&directory, &settings).unwrap_err();
    assert!(error.to_string().contains("at least 32 bytes"), "{error}");
    let accepted = [("KEYCARD_JWT_SECRET", "x".repeat(32))];
    assert!(crate::helpers::test_config(&directory, &accepted).is_ok());
}
