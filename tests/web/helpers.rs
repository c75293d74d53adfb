//! Builds the real app on a temporary database and speaks HTTP to it in-process.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use keycard::server::{AppState, Config, build_state, router};

use crate::{postgres, sqlite};
use leptos::prelude::LeptosOptions;
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt as _;
use tower_cookies::cookie::Cookie;

pub const PASSWORD: &str = "correct horse battery staple";
pub const SESSION_COOKIE: &str = "__Host-keycard_session";
pub const REFRESH_COOKIE: &str = "__Host-keycard_refresh";
/// The tests' signing key, so attack tests can forge tokens with and without it.
pub const SECRET: &str = "test secret, thirty-two bytes or more";

/// The key the app signs access tokens with: never the secret itself, but HKDF-SHA256 of
/// it with Keycard's salt and the label for access tokens (RFC 5869), so a forgery can
/// be made exactly like Keycard's own.
pub fn signing_key() -> Vec<u8> {
    let mut key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"keycard key derivation v1"), SECRET.as_bytes())
        .expand(b"keycard access tokens v1", &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    key.to_vec()
}
/// Where the test app believes browsers reach it.
pub const ORIGIN: &str = "https://keycard.test";
/// The address requests come from unless a test says otherwise.
/// Far more than any request takes, argon2 included, on a loaded CI machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);
pub const CLIENT_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

/// Where a form post comes from, as the browser describes it in its headers.
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    pub origin: Option<&'a str>,
    pub referer: Option<&'a str>,
    pub fetch_site: Option<&'a str>,
    pub address: IpAddr,
    pub forwarded_for: Option<&'a str>,
}

/// A browser on one of Keycard's own pages. The `Referer` is foreign on purpose:
/// no redirect may ever follow it.
pub const SAME_ORIGIN: Sender<'static> = Sender {
    origin: Some(ORIGIN),
    referer: Some("https://evil.example/phish"),
    fetch_site: Some("same-origin"),
    address: CLIENT_ADDRESS,
    forwarded_for: None,
};

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
    settings: Vec<(&'static str, String)>,
    state: AppState,
    router: Router,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(&[])
}

/// The app with extra settings, as if they were set in the environment.
pub fn spawn_app_with(settings: &[(&'static str, &str)]) -> TestApp {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let mut all = vec![
        ("KEYCARD_JWT_SECRET", SECRET.to_owned()),
        ("KEYCARD_PUBLIC_ORIGIN", ORIGIN.to_owned()),
    ];
    if let Some(server) = postgres::server() {
        all.push((
            "KEYCARD_DATABASE_URL",
            postgres::fresh_database(&server, "web"),
        ));
    }
    all.extend(
        settings
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    start(directory, all)
}

fn start(directory: TempDir, settings: Vec<(&'static str, String)>) -> TestApp {
    let state = build_state(
        test_config(&directory, &settings).expect("the test configuration"),
        leptos_options(),
    )
    .expect("the app builds");
    TestApp {
        directory,
        settings,
        router: router(state.clone()),
        state,
    }
}

pub fn test_config(
    directory: &TempDir,
    settings: &[(&'static str, String)],
) -> Result<Config, keycard::server::ConfigError> {
    let database = directory.path().join("keycard.db");
    Config::from_lookup(|name| match name {
        "KEYCARD_DATABASE" => Some(database.display().to_string()),
        _ => settings
            .iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone()),
    })
}

/// Where the test app believes it listens: loopback, as `make run` does.
pub const LISTEN_ADDRESS: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// Static files come straight from `public/`, so the tests need no build of the site
/// (a fresh clone has no `target/site` until the browser tests build one).
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("keycard")
        .site_root("public")
        .site_addr(LISTEN_ADDRESS)
        .build()
}

impl TestApp {
    /// The app started again on the same database and secret files.
    pub fn restart(self) -> TestApp {
        start(self.directory, self.settings)
    }

    /// The app's PostgreSQL database, if it is not on a SQLite file.
    fn postgres_database(&self) -> Option<&str> {
        self.settings
            .iter()
            .rev()
            .find(|(name, _)| *name == "KEYCARD_DATABASE_URL")
            .map(|(_, url)| url.as_str())
    }

    /// Runs `sql` (written in the SQL both databases take) behind the app's back, and
    /// returns the first column of each row it returns, as text.
    pub fn sql(&self, sql: &str) -> Vec<String> {
        if let Some(url) = self.postgres_database() {
            return postgres::psql(url, sql)
                .lines()
                .map(str::to_owned)
                .collect();
        }
        sqlite::first_column(&self.directory.path().join("keycard.db"), sql)
    }

    /// Every row of every table of the app's database, as text, for looking for what a
    /// deleted account left behind.
    pub fn every_stored_value(&self) -> String {
        let tables = match self.postgres_database() {
            Some(_) => self.sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
            ),
            None => self.sql("SELECT name FROM sqlite_schema WHERE type = 'table'"),
        };
        let mut all = String::new();
        for table in tables {
            let rows = match self.postgres_database() {
                Some(_) => self.sql(&format!("SELECT t::text FROM {table} t")),
                None => {
                    let columns =
                        self.sql(&format!("SELECT name FROM pragma_table_info('{table}')"));
                    self.sql(&format!(
                        "SELECT {} FROM {table}",
                        columns
                            .iter()
                            .map(|column| format!("quote({column})"))
                            .collect::<Vec<_>>()
                            .join(" || ',' || ")
                    ))
                }
            };
            for row in rows {
                all.push_str(&format!("{table}:{row}\n"));
            }
        }
        all
    }

    /// Writes a live session `id` of account `user` straight into the database, so a
    /// token forged with that session id fails only for what else is wrong with it.
    pub fn add_session(&self, user: i64, id: &str) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.sql(&format!(
            "INSERT INTO sessions (id, user_id, created_at, last_active_at, password_at,
                                   client_address, user_agent)
             VALUES ('{id}', {user}, {now}, {now}, {now}, '192.0.2.10', 'test')"
        ));
    }

    /// Argon2 verifications the app has run so far.
    pub fn password_verifications(&self) -> u64 {
        self.state.keycard.auth.password_verifications()
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let mut request = request;
        if request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none()
        {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(CLIENT_ADDRESS, 40_000)));
        }
        let path = request.uri().to_string();
        let answer = async {
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
            (status, headers, bytes)
        };
        // A response that never ends would otherwise hang the whole suite.
        let (status, headers, bytes) = tokio::time::timeout(ANSWER_WITHIN, answer)
            .await
            .unwrap_or_else(|_| panic!("{path} did not finish answering within {ANSWER_WITHIN:?}"));
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, session: Option<&str>) -> TestResponse {
        self.get_with_cookies(path, session.map(access_cookie))
            .await
    }

    /// A page load by a browser holding `jar`'s cookies.
    pub async fn get_as(&self, path: &str, jar: &Jar) -> TestResponse {
        self.get_with_cookies(path, jar.header()).await
    }

    async fn get_with_cookies(&self, path: &str, cookies: Option<String>) -> TestResponse {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookies) = cookies {
            request = request.header(header::COOKIE, cookies);
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
        self.post_form_from(path, fields, session, client, SAME_ORIGIN)
            .await
    }

    /// A form post with the origin headers and client address of `sender`.
    pub async fn post_form_from(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        session: Option<&str>,
        client: Client,
        sender: Sender<'_>,
    ) -> TestResponse {
        self.post_form_with_cookies(path, fields, session.map(access_cookie), client, sender)
            .await
    }

    /// A form post from one of Keycard's pages by a browser holding `jar`'s cookies.
    pub async fn post_form_as(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        jar: &Jar,
        client: Client,
    ) -> TestResponse {
        self.post_form_with_cookies(path, fields, jar.header(), client, SAME_ORIGIN)
            .await
    }

    async fn post_form_with_cookies(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookies: Option<String>,
        client: Client,
        sender: Sender<'_>,
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
            .header(header::ACCEPT, accept);
        let optional_headers = [
            ("origin", sender.origin),
            ("referer", sender.referer),
            ("sec-fetch-site", sender.fetch_site),
            ("x-forwarded-for", sender.forwarded_for),
        ];
        for (name, value) in optional_headers {
            if let Some(value) = value {
                request = request.header(name, value);
            }
        }
        if let Some(cookies) = cookies {
            request = request.header(header::COOKIE, cookies);
        }
        let mut request = request.body(Body::from(body)).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(sender.address, 40_000)));
        self.send(request).await
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
        self.login_from(username, password, client, SAME_ORIGIN)
            .await
    }

    pub async fn login_from(
        &self,
        username: &str,
        password: &str,
        client: Client,
        sender: Sender<'_>,
    ) -> TestResponse {
        self.post_form_from(
            "/api/login",
            &[("username", username), ("password", password)],
            None,
            client,
            sender,
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

fn access_cookie(token: &str) -> String {
    format!("{SESSION_COOKIE}={token}")
}

/// A browser's two Keycard cookies, kept up to date from the responses it gets.
#[derive(Debug, Clone, Default)]
pub struct Jar {
    pub access: Option<String>,
    pub refresh: Option<String>,
}

impl Jar {
    /// The cookies a sign-in response set.
    pub fn from_response(response: &TestResponse) -> Self {
        let mut jar = Self::default();
        jar.update(response);
        jar
    }

    /// Takes what the response set, and drops what it cleared, as a browser does.
    pub fn update(&mut self, response: &TestResponse) {
        for (slot, name) in [
            (&mut self.access, SESSION_COOKIE),
            (&mut self.refresh, REFRESH_COOKIE),
        ] {
            if let Some(cookie) = response.cookie(name) {
                *slot = Some(cookie.value().to_owned()).filter(|value| !value.is_empty());
            }
        }
    }

    /// The jar once the access cookie has expired: the browser no longer sends it.
    pub fn without_access(&self) -> Self {
        Self {
            access: None,
            refresh: self.refresh.clone(),
        }
    }

    fn header(&self) -> Option<String> {
        let pairs: Vec<String> = [
            (SESSION_COOKIE, &self.access),
            (REFRESH_COOKIE, &self.refresh),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|value| format!("{name}={value}")))
        .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }
}

impl TestResponse {
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The access-token cookie this response set or cleared.
    pub fn set_cookie(&self) -> Option<Cookie<'static>> {
        self.cookie(SESSION_COOKIE)
    }

    /// The cookie called `name` this response set or cleared.
    pub fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| Cookie::parse(value.to_owned()).ok())
            .find(|cookie| cookie.name() == name)
    }

    /// The refresh token this response set, if it set a non-empty one.
    pub fn refresh(&self) -> Option<String> {
        self.cookie(REFRESH_COOKIE)
            .map(|cookie| cookie.value().to_owned())
            .filter(|value| !value.is_empty())
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

/// A page load or plain form post from one of Keycard's pages by a browser sending
/// `cookies` (a whole `Cookie` header).
pub fn browser_request(
    method: Method,
    path: &str,
    cookies: &str,
    form: Option<&str>,
) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookies)
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, ORIGIN)
        .header("sec-fetch-site", "same-origin");
    if form.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    request
        .body(form.map_or_else(Body::empty, |form| Body::from(form.to_owned())))
        .unwrap()
}

/// One API call the way curl makes it: JSON body, optional bearer token, no cookies,
/// no Origin.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = body.map_or_else(Body::empty, |body| Body::from(body.to_owned()));
    app.send(request.body(body).unwrap()).await
}

pub fn json_of(response: &TestResponse) -> Value {
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        Some("application/json"),
        "{} {}",
        response.status,
        response.body
    );
    serde_json::from_str(&response.body).expect("a JSON body")
}

pub fn assert_answer(response: &TestResponse, status: StatusCode, msg: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(json_of(response), json!({ "msg": msg }));
}

pub async fn post_json(app: &TestApp, path: &str, body: &Value) -> TestResponse {
    call(app, Method::POST, path, Some(&body.to_string()), None).await
}

/// Log lines the app writes while the returned guard lives, on this thread (the
/// `#[tokio::test]` runtime runs every task of the test on it).
pub fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    (logs.clone(), tracing::subscriber::set_default(subscriber))
}

#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

/// `POST /api/v1/login` with `user_agent`; the JSON body of a successful answer.
pub async fn api_login(app: &TestApp, username: &str, user_agent: &str) -> Value {
    let body = json!({"username": username, "password": PASSWORD}).to_string();
    let request = Request::post("/api/v1/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, user_agent)
        .body(Body::from(body))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    json_of(&response)
}

/// `POST /api/v1/refresh` with `token`.
pub async fn api_refresh(app: &TestApp, token: &str) -> TestResponse {
    post_json(app, "/api/v1/refresh", &json!({"refresh_token": token})).await
}

/// A string field of a JSON answer.
pub fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
}

/// An API call made with the access token of `pair`, a login or refresh answer.
pub async fn api_as(app: &TestApp, method: Method, path: &str, pair: &Value) -> TestResponse {
    call(app, method, path, None, Some(text(pair, "access_token"))).await
}
