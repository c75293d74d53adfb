//! Builds the real app on a temporary database and speaks HTTP to it in-process.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use keycard::server::{Config, build_app};
use leptos::prelude::LeptosOptions;
use tempfile::TempDir;
use tower::ServiceExt as _;
use tower_cookies::cookie::Cookie;

pub const PASSWORD: &str = "correct horse battery staple";
pub const SESSION_COOKIE: &str = "__Host-keycard_session";

/// How the request is sent: by the hydrated page's fetch, or by the browser posting
/// the form itself with JavaScript off.
#[derive(Clone, Copy)]
pub enum Client {
    Hydrated,
    PlainForm,
}

/// What a person types into the sign-up form.
pub struct SignUp<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub confirmation: &'a str,
}

pub struct TestApp {
    directory: TempDir,
    router: Router,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub fn spawn_app() -> TestApp {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let router = build_app_in(&directory);
    TestApp { directory, router }
}

fn build_app_in(directory: &TempDir) -> Router {
    let database = directory.path().join("keycard.db");
    let config = Config::from_lookup(|name| match name {
        "KEYCARD_DATABASE" => Some(database.display().to_string()),
        _ => None,
    })
    .expect("the test configuration");
    let options = LeptosOptions::builder()
        .output_name("keycard")
        .site_root("target/site")
        .build();
    build_app(config, options).expect("the app builds")
}

impl TestApp {
    /// The app started again on the same database and secret files.
    pub fn restart(self) -> TestApp {
        let router = build_app_in(&self.directory);
        TestApp {
            directory: self.directory,
            router,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a readable body");
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, session: Option<&str>) -> TestResponse {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(session) = session {
            request = request.header(header::COOKIE, format!("{SESSION_COOKIE}={session}"));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        session: Option<&str>,
        client: Client,
    ) -> TestResponse {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let accept = match client {
            Client::Hydrated => "application/json",
            Client::PlainForm => "text/html,application/xhtml+xml,*/*;q=0.8",
        };
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::REFERER, "https://evil.example/phish");
        if let Some(session) = session {
            request = request.header(header::COOKIE, format!("{SESSION_COOKIE}={session}"));
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    pub async fn register(&self, username: &str, password: &str, client: Client) -> TestResponse {
        let form = SignUp {
            username,
            email: "",
            password,
            confirmation: password,
        };
        self.submit_sign_up(&form, client).await
    }

    pub async fn submit_sign_up(&self, form: &SignUp<'_>, client: Client) -> TestResponse {
        self.post_form(
            "/api/register",
            &[
                ("username", form.username),
                ("email", form.email),
                ("password", form.password),
                ("confirm_password", form.confirmation),
            ],
            None,
            client,
        )
        .await
    }

    pub async fn login(&self, username: &str, password: &str, client: Client) -> TestResponse {
        self.post_form(
            "/api/login",
            &[("username", username), ("password", password)],
            None,
            client,
        )
        .await
    }

    pub async fn logout(&self, session: &str, client: Client) -> TestResponse {
        self.post_form("/api/logout", &[], Some(session), client)
            .await
    }

    /// Signs a new account up and returns its session token.
    pub async fn signed_up(&self, username: &str) -> String {
        let response = self.register(username, PASSWORD, Client::Hydrated).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.session().expect("a session cookie")
    }
}

impl TestResponse {
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn set_cookie(&self) -> Option<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| Cookie::parse(value.to_owned()).ok())
            .find(|cookie| cookie.name() == SESSION_COOKIE)
    }

    /// The session token this response set, if it set a non-empty one.
    pub fn session(&self) -> Option<String> {
        self.set_cookie()
            .map(|cookie| cookie.value().to_owned())
            .filter(|value| !value.is_empty())
    }

    pub fn assert_redirects_to(&self, location: &str) {
        assert!(
            matches!(self.status, StatusCode::FOUND | StatusCode::SEE_OTHER),
            "expected a redirect, got {} with {}",
            self.status,
            self.body
        );
        assert_eq!(self.header(header::LOCATION), Some(location));
    }
}
