//! `CurrentUser` and `OptionalUser` in a host app's own handlers, behind the layers
//! that resolve the client and its browser session, over a real store; and the JSON
//! API mounted where the host chooses.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use keycard_axum::{
    ApiPrefix, CurrentUser, EdgePolicy, KeycardServices, KeycardState, OptionalUser, OwnOrigins,
    SessionCookies, api_routes, refuse_cross_site_requests, resolve_browser_session,
    resolve_client_address,
};
use keycard_testing::{service, signed_up};
use keycard_types::Pages;
use tower::ServiceExt as _;
use tower_cookies::CookieManagerLayer;

/// A host app with one guarded and one open handler; its state is Keycard's alone.
async fn host_app(directory: &tempfile::TempDir) -> (Router, String) {
    let auth = service(directory).await;
    let access_token = signed_up(&auth).await.access.token;
    let keycard = KeycardState::new(KeycardServices {
        auth,
        session_cookies: SessionCookies::new(false),
        edge: EdgePolicy {
            own_origins: OwnOrigins::new(None, "127.0.0.1:3000".parse().unwrap()).unwrap(),
            trusted_proxies: Arc::from([]),
            strict_transport: false,
        },
        pages: Pages::ROOT,
        api_prefix: ApiPrefix::new("/auth/api"),
    });
    let app = Router::new()
        .route(
            "/notes",
            get(|CurrentUser(session): CurrentUser| async move { session.user.username }),
        )
        .route(
            "/hello",
            get(|OptionalUser(session): OptionalUser| async move {
                session.map_or("stranger".to_owned(), |session| session.user.username)
            }),
        )
        .nest(
            keycard.api_prefix.as_str(),
            api_routes().with_state(keycard.clone()),
        )
        .layer(from_fn_with_state(keycard.clone(), resolve_browser_session))
        .layer(from_fn_with_state(
            keycard.clone(),
            refuse_cross_site_requests,
        ))
        .layer(from_fn_with_state(keycard.clone(), resolve_client_address))
        .layer(CookieManagerLayer::new())
        .with_state(keycard);
    (app, access_token)
}

async fn get_text(
    app: &Router,
    path: &str,
    header: Option<(header::HeaderName, String)>,
) -> (StatusCode, String) {
    call(app, Method::GET, path, header).await
}

async fn call(
    app: &Router,
    method: Method,
    path: &str,
    header: Option<(header::HeaderName, String)>,
) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn nobody_signed_in_is_refused_by_current_user_and_a_stranger_to_optional_user() {
    let directory = tempfile::tempdir().unwrap();
    let (app, _) = host_app(&directory).await;
    let (status, body) = get_text(&app, "/notes", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, r#"{"msg":"Please log in to see this page"}"#);
    assert_eq!(
        get_text(&app, "/hello", None).await,
        (StatusCode::OK, "stranger".to_owned())
    );
}

#[tokio::test]
async fn the_session_cookie_and_a_bearer_token_both_sign_in() {
    let directory = tempfile::tempdir().unwrap();
    let (app, token) = host_app(&directory).await;
    let by_cookie = (header::COOKIE, format!("keycard_session={token}"));
    let by_bearer = (header::AUTHORIZATION, format!("Bearer {token}"));
    for signed_in in [by_cookie, by_bearer] {
        assert_eq!(
            get_text(&app, "/notes", Some(signed_in.clone())).await,
            (StatusCode::OK, "grace".to_owned())
        );
        assert_eq!(
            get_text(&app, "/hello", Some(signed_in)).await,
            (StatusCode::OK, "grace".to_owned())
        );
    }
}

#[tokio::test]
async fn a_forged_token_signs_nobody_in() {
    let directory = tempfile::tempdir().unwrap();
    let (app, token) = host_app(&directory).await;
    let forged = format!("{}x", token);
    for header in [
        (header::AUTHORIZATION, format!("Bearer {forged}")),
        (header::COOKIE, format!("keycard_session={forged}")),
        (header::AUTHORIZATION, format!("Basic {token}")),
    ] {
        assert_eq!(
            get_text(&app, "/notes", Some(header.clone())).await.0,
            StatusCode::UNAUTHORIZED,
            "{header:?}"
        );
        assert_eq!(
            get_text(&app, "/hello", Some(header)).await,
            (StatusCode::OK, "stranger".to_owned())
        );
    }
}

/// The API answers below the host's prefix, and only there; its document names the
/// paths there; and it stays bearer-only (no Origin check) at the new place too.
#[tokio::test]
async fn the_api_answers_where_the_host_mounts_it() {
    let directory = tempfile::tempdir().unwrap();
    let (app, token) = host_app(&directory).await;
    let bearer = || Some((header::AUTHORIZATION, format!("Bearer {token}")));
    let (status, body) = get_text(&app, "/auth/api/user", bearer()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#""username":"grace""#), "{body}");
    assert_eq!(
        get_text(&app, "/api/v1/user", bearer()).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = get_text(&app, "/auth/api/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.starts_with('{'), "not JSON: {body}");
    // The answer points at the document where this site serves it.
    assert!(body.contains("/auth/api/openapi.json"), "{body}");

    let (_, document) = get_text(&app, "/auth/api/openapi.json", None).await;
    assert!(document.contains(r#""/auth/api/login""#));
    assert!(!document.contains("/api/v1/"), "{document}");
    assert!(document.contains("`POST /auth/api/login/two-factor`"));

    // No Origin header, which a page's form post would be refused for.
    let (status, _) = call(&app, Method::DELETE, "/auth/api/logout", bearer()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get_text(&app, "/auth/api/user", bearer()).await.0,
        StatusCode::UNAUTHORIZED
    );
}
