//! The real `keycard` binary as a child process on a free loopback port, and an HTTP
//! client that speaks to it the way API clients and browsers do: for the fault tests
//! (the debug binary cargo builds for them) and the benchmark (release/build's).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::postgres;

pub const PASSWORD: &str = "a long and uncommon passphrase";
/// Every test client comes from 127.0.0.1, so the per-address limit would soon refuse
/// the load these tests make on purpose.
const UNTHROTTLED: &str = "1000000";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The signing key of servers on PostgreSQL, which must be given (every process of one
/// site shares it).
const SHARED_SECRET: &str = "fault tests' shared secret, 32 bytes or more";

/// Where a server keeps its data: a directory with its SQLite file (and generated
/// secret), or, when the suite runs against PostgreSQL, a fresh database there. A
/// restart on the same `DataDir` sees the data again, and so does every server
/// started on it.
pub struct DataDir {
    _root: tempfile::TempDir,
    pub path: PathBuf,
    postgres: Option<String>,
}

impl DataDir {
    /// On the database the run is for: PostgreSQL under `tests/postgres/with-server`,
    /// else SQLite.
    #[expect(
        clippy::new_without_default,
        reason = "it makes a directory, and on PostgreSQL a database: not a default value"
    )]
    pub fn new() -> Self {
        Self::with_postgres(
            postgres::server().map(|server| postgres::fresh_database(&server, "fault")),
        )
    }

    /// On the PostgreSQL database at `url`, or on a SQLite file if `None`, whatever
    /// the run is for.
    pub fn with_postgres(postgres: Option<String>) -> Self {
        let root = tempfile::tempdir().expect("a temporary directory");
        let path = root.path().join("data");
        std::fs::create_dir(&path).expect("a data directory");
        Self {
            _root: root,
            path,
            postgres,
        }
    }

    /// The PostgreSQL database's URL, if the data is there.
    pub fn postgres_url(&self) -> Option<&str> {
        self.postgres.as_deref()
    }

    /// The SQLite file; the tests that look inside it run on SQLite only.
    pub fn database(&self) -> PathBuf {
        assert!(self.postgres.is_none(), "this test is for SQLite only");
        self.path.join("keycard.db")
    }

    /// For the tests of several processes on one database, which need PostgreSQL.
    pub fn postgres() -> Self {
        let data = Self::new();
        assert!(
            data.postgres_url().is_some(),
            "this test needs PostgreSQL: run it under tests/postgres/with-server (make test does)"
        );
        data
    }
}

/// The `keycard` binary cargo built beside the running program, in the same target
/// directory and profile: `target/debug/keycard` for the fault tests (run from
/// `target/debug/deps`), the release build's `target/release/keycard` for the benchmark
/// (`target/release/keycard-bench`).
fn keycard_binary() -> PathBuf {
    let running = std::env::current_exe().expect("the running program's own path");
    let directory = running
        .parent()
        .expect("cargo builds programs into target/<profile>");
    let profile = if directory.ends_with("deps") {
        directory.parent().expect("deps sits in target/<profile>")
    } else {
        directory
    };
    let binary = profile.join("keycard");
    assert!(
        binary.exists(),
        "{} is missing: build it first (make test and make bench do)",
        binary.display()
    );
    binary
}

/// The workspace's root, where Keycard finds `public/` as `make run` does.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The command that starts Keycard on `data`, on a port the system picks.
pub fn keycard_command(data: &DataDir) -> Command {
    let mut command = Command::new(keycard_binary());
    if let Some(url) = &data.postgres {
        command
            .env("KEYCARD_DATABASE_URL", url)
            .env("KEYCARD_JWT_SECRET", SHARED_SECRET);
    }
    command
        .current_dir(workspace_root())
        .env("KEYCARD_DATABASE", data.path.join("keycard.db"))
        .env("KEYCARD_ADDRESS_ATTEMPT_LIMIT", UNTHROTTLED)
        .env("LEPTOS_OUTPUT_NAME", "keycard")
        .env("LEPTOS_SITE_ROOT", "public")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Keycard, with `data` as its storage, wrapped in `unshare` so that `setup` (a shell
/// snippet, run as root of a private mount namespace) can mount a filesystem over
/// the data directory first. Works without real root where user namespaces are on.
pub fn keycard_in_namespace(data: &DataDir, setup: &str) -> Command {
    let plain = keycard_command(data);
    let mut command = Command::new("unshare");
    command
        .args(["--user", "--map-root-user", "--mount", "--", "sh", "-c"])
        .arg(format!("{setup} && exec \"$0\""))
        .arg(plain.get_program())
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in plain.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    command
}

pub struct Server {
    child: Child,
    pub base: String,
    /// Every line the server has written to its standard output (the log).
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(data: &DataDir) -> Self {
        Self::spawn(keycard_command(data))
    }

    pub fn start_with(data: &DataDir, settings: &[(&str, &str)]) -> Self {
        let mut command = keycard_command(data);
        command.envs(settings.iter().copied());
        Self::spawn(command)
    }

    /// Starts `command` and waits for the log line that names the bound address.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("the keycard binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (address_sender, address) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                if line.contains("Keycard is listening on")
                    && let Some(bound) = line
                        .split_whitespace()
                        .find_map(|field| field.strip_prefix("address="))
                {
                    let _ = address_sender.send(bound.to_owned());
                }
            }
        });
        let stderr = forward_lines(stderr);
        let address = address.recv_timeout(START_TIMEOUT).unwrap_or_else(|_| {
            let _ = child.kill();
            let said: Vec<String> = stderr.try_iter().collect();
            panic!("keycard did not start: {}", said.join("\n"))
        });
        Self {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to finish anything, as in a crash or an OOM kill.
    pub fn kill_hard(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed server is reaped");
    }

    /// Sends SIGTERM; the caller then waits with [`Server::wait_for_exit`].
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM could not be sent");
    }

    /// The exit status, if the process ends within `limit`.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        exit_within(&mut self.child, limit)
    }
}

/// The exit status of `child`, if it ends within `limit`.
fn exit_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward_lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    receiver
}

/// Runs a process that is expected to fail at start-up, and returns its exit status
/// and everything it wrote to stderr.
pub fn run_to_failure(mut command: Command) -> (ExitStatus, String) {
    let mut child = command.spawn().expect("the command starts");
    let stderr = forward_lines(child.stderr.take().expect("piped stderr"));
    let status = exit_within(&mut child, START_TIMEOUT).unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the process was still running after {START_TIMEOUT:?}")
    });
    std::thread::sleep(Duration::from_millis(100));
    (status, stderr.try_iter().collect::<Vec<_>>().join("\n"))
}

/// An answer from the server: its status and JSON body (`Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    pub fn message(&self) -> &str {
        self.body["msg"].as_str().unwrap_or_default()
    }

    pub fn token(&self) -> String {
        self.field("access_token")
    }

    pub fn refresh_token(&self) -> String {
        self.field("refresh_token")
    }

    fn field(&self, name: &str) -> String {
        self.body[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {self:?}"))
            .to_owned()
    }
}

/// A JSON API client. Every request opens its own connection, so requests run side
/// by side and none is caught on an idle keep-alive connection at shutdown.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    pub fn new(server: &Server) -> Self {
        Self::for_base(&server.base)
    }

    pub fn for_base(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .expect("an HTTP client");
        Self {
            http,
            base: base.to_owned(),
        }
    }

    async fn answer(request: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
        let response = request.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(Answer { status, body })
    }

    pub async fn register(&self, username: &str) -> reqwest::Result<Answer> {
        let body = json!({ "username": username, "password": PASSWORD });
        Self::answer(self.http.post(self.url("/api/v1/register")).json(&body)).await
    }

    pub async fn login(&self, username: &str) -> reqwest::Result<Answer> {
        let body = json!({ "username": username, "password": PASSWORD });
        Self::answer(self.http.post(self.url("/api/v1/login")).json(&body)).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> reqwest::Result<Answer> {
        let body = json!({ "username": username, "password": password });
        Self::answer(self.http.post(self.url("/api/v1/login")).json(&body)).await
    }

    /// `POST /api/v1/password` from `current` to `new`.
    pub async fn change_password(
        &self,
        token: &str,
        current: &str,
        new: &str,
    ) -> reqwest::Result<Answer> {
        let body = json!({ "current_password": current, "new_password": new });
        let request = self
            .http
            .post(self.url("/api/v1/password"))
            .bearer_auth(token);
        Self::answer(request.json(&body)).await
    }

    /// `DELETE /api/v1/user` with the account's `PASSWORD`.
    pub async fn delete_account(&self, token: &str) -> reqwest::Result<Answer> {
        let body = json!({ "password": PASSWORD });
        let request = self
            .http
            .delete(self.url("/api/v1/user"))
            .bearer_auth(token);
        Self::answer(request.json(&body)).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Result<Answer> {
        let body = json!({ "refresh_token": refresh_token });
        Self::answer(self.http.post(self.url("/api/v1/refresh")).json(&body)).await
    }

    pub async fn user(&self, token: &str) -> reqwest::Result<Answer> {
        Self::answer(self.http.get(self.url("/api/v1/user")).bearer_auth(token)).await
    }

    /// `GET /api/v1/sessions`: the caller's live sessions.
    pub async fn sessions(&self, token: &str) -> reqwest::Result<Answer> {
        Self::answer(
            self.http
                .get(self.url("/api/v1/sessions"))
                .bearer_auth(token),
        )
        .await
    }

    /// `DELETE /api/v1/sessions/{id}`: ends another session of the caller's.
    pub async fn end_session(&self, token: &str, id: &str) -> reqwest::Result<Answer> {
        let path = format!("/api/v1/sessions/{id}");
        Self::answer(self.http.delete(self.url(&path)).bearer_auth(token)).await
    }

    pub async fn logout(&self, token: &str) -> reqwest::Result<Answer> {
        Self::answer(
            self.http
                .delete(self.url("/api/v1/logout"))
                .bearer_auth(token),
        )
        .await
    }

    /// The profile page as a browser with the session cookie loads it.
    pub async fn profile(&self, token: &str) -> reqwest::Result<Answer> {
        let request = self
            .http
            .get(self.url("/profile"))
            .header("Cookie", format!("__Host-keycard_session={token}"))
            .header("Accept", "text/html");
        Self::answer(request).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Result<Answer> {
        Self::answer(self.http.post(self.url(path)).json(body)).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<Answer> {
        Self::answer(self.http.get(self.url(path))).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}
