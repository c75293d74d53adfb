//! `make bench`: the release server on 127.0.0.1 with a fresh database, loaded by wrk,
//! one table of throughput and latency against the bare limit of the same HTTP stack.
//! KEYCARD_BENCH_SECONDS sets the length of each measurement (default 10).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keycard_core::auth::PasswordHasher;
use keycard_core::domain::Password;
use keycard_testing::postgres;
use keycard_testing::server::{Client, DataDir, PASSWORD, Server};
use serde::Deserialize;

const DEFAULT_SECONDS: u64 = 10;
const MAX_SECONDS: u64 = 30;
/// Connections for the cheap requests: enough to keep both cores busy.
const CONNECTIONS: u32 = 32;
/// Connections for logins: a few more than the cores that run argon2.
const LOGIN_CONNECTIONS: u32 = 8;
const BLOCKLIST_ROWS: u32 = 1_000_000;
/// Sessions renewed side by side in the refresh row, one wrk thread each.
const REFRESH_CHAINS: usize = 4;
const HASH_SAMPLES: u32 = 8;

/// What the wrk script's `done` hook prints for one run.
#[derive(Debug, Deserialize)]
struct Run {
    requests: u64,
    duration_us: u64,
    p50_us: u64,
    p99_us: u64,
    socket_errors: u64,
    non_2xx: u64,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }
}

/// One wrk load: a request shape and how many connections send it.
struct Load<'a> {
    path: &'a str,
    method: &'a str,
    headers: Vec<(&'a str, String)>,
    body: Option<String>,
    connections: u32,
    /// wrk threads; each has its own Lua state and at least one connection.
    threads: u32,
    /// Lua that replaces the fixed request, e.g. to chain one response into the next.
    script: Option<String>,
}

impl<'a> Load<'a> {
    fn get(path: &'a str) -> Self {
        Self {
            path,
            method: "GET",
            headers: Vec::new(),
            body: None,
            connections: CONNECTIONS,
            threads: 1,
            script: None,
        }
    }

    /// Renews sessions for as long as it runs: one wrk thread and connection per
    /// session, each sending the refresh token the last answer gave it, as a client
    /// does. A token used twice would end its session and fail the run.
    fn refresh_chains(tokens: &[String]) -> Self {
        let list: Vec<String> = tokens.iter().map(|token| format!("{token:?}")).collect();
        let script = format!(
            r#"local tokens = {{{}}}
local handed_out = 0
function setup(thread)
  handed_out = handed_out + 1
  thread:set("token", tokens[handed_out])
end
function request()
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}},
    '{{"refresh_token":"' .. token .. '"}}')
end
function response(status, headers, body)
  local next_token = body:match('"refresh_token":"(%x+)"')
  if next_token then token = next_token end
end
"#,
            list.join(", ")
        );
        let count = u32::try_from(tokens.len()).expect("a few sessions");
        Self {
            path: "/api/v1/refresh",
            method: "POST",
            headers: Vec::new(),
            body: None,
            connections: count,
            threads: count,
            script: Some(script),
        }
    }

    fn header(mut self, name: &'a str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The Lua script wrk runs: the request, and a `done` hook that prints the figures.
    fn script(&self) -> String {
        let mut lua = format!("wrk.method = {:?}\n", self.method);
        for (name, value) in &self.headers {
            let _ = writeln!(lua, "wrk.headers[{name:?}] = {value:?}");
        }
        if let Some(body) = &self.body {
            let _ = writeln!(lua, "wrk.body = {body:?}");
        }
        if let Some(script) = &self.script {
            lua.push_str(script);
        }
        lua.push_str(
            r#"done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,"non_2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"#,
        );
        lua
    }

    /// Starts wrk for `seconds`; [`finish`] collects its figures.
    fn start(&self, base: &str, seconds: u64, scripts: &Path) -> Child {
        static SCRIPTS_WRITTEN: AtomicUsize = AtomicUsize::new(0);
        let number = SCRIPTS_WRITTEN.fetch_add(1, Ordering::Relaxed);
        let script = scripts.join(format!("load{number}.lua"));
        std::fs::write(&script, self.script()).expect("the wrk script is written");
        Command::new("wrk")
            .args(["--timeout", "10s"])
            .arg(format!("--threads={}", self.threads))
            .arg(format!("--connections={}", self.connections))
            .arg(format!("--duration={seconds}s"))
            .arg("--script")
            .arg(&script)
            .arg(format!("{base}{}", self.path))
            .stdout(Stdio::piped())
            .spawn()
            .expect("wrk runs (make bench installs it)")
    }

    fn run(&self, base: &str, seconds: u64, scripts: &Path) -> Run {
        finish(self.start(base, seconds, scripts))
    }
}

fn finish(wrk: Child) -> Run {
    let output = wrk.wait_with_output().expect("wrk finishes");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("BENCH "))
        .unwrap_or_else(|| panic!("wrk printed no figures: {text}"));
    serde_json::from_str(line).expect("wrk's figures are JSON")
}

fn main() -> ExitCode {
    let seconds = std::env::var("KEYCARD_BENCH_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|value| (1..=MAX_SECONDS).contains(value))
        .unwrap_or(DEFAULT_SECONDS);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(benchmark(seconds))
}

async fn benchmark(seconds: u64) -> ExitCode {
    let started = Instant::now();
    let hash = one_hash_time().await;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let hash_limit = cores as f64 / hash.as_secs_f64();
    let mut table = Table::default();
    let mut notes = Vec::new();
    let mut failed = 0;
    let mut databases = vec![("SQLite", DataDir::with_postgres(None))];
    match postgres::server() {
        Some(server) => databases.push((
            "PostgreSQL",
            DataDir::with_postgres(Some(postgres::fresh_database(&server, "bench"))),
        )),
        None => notes.push(
            "no PostgreSQL rows: run under tests/postgres/with-server (make bench does)".to_owned(),
        ),
    }
    for (database, data) in &databases {
        let measured = measure(database, data, seconds, hash_limit, &mut table).await;
        failed += measured.failed;
        notes.push(format!(
            "{database}: logins during the flood {:.1}/s; peak server memory (VmHWM) {:.1} MiB, target < 150 MiB: {}",
            measured.flood_logins_per_second,
            measured.peak_mib,
            if measured.peak_mib < 150.0 { "met" } else { "MISSED" }
        ));
    }

    println!();
    println!("{}", table.render());
    println!();
    println!(
        "login limit: {cores} cores / {:.1} ms per argon2id hash = {hash_limit:.1} logins/s",
        hash.as_secs_f64() * 1e3
    );
    for note in notes {
        println!("{note}");
    }
    println!(
        "{seconds} s per measurement, wrk 1 thread, {CONNECTIONS} connections ({LOGIN_CONNECTIONS} for logins; {REFRESH_CHAINS} threads of one connection for refreshes); whole run {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if failed > 0 {
        eprintln!("{failed} requests failed or were not 2xx, so the figures above are not valid");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// What one database's rows leave besides the table.
struct Measured {
    failed: u64,
    flood_logins_per_second: f64,
    peak_mib: f64,
}

/// The release server on `data`, measured row by row into `table`.
async fn measure(
    database: &str,
    data: &DataDir,
    seconds: u64,
    hash_limit: f64,
    table: &mut Table,
) -> Measured {
    let scripts = tempfile::tempdir().expect("a directory for wrk scripts");
    let server = Server::start(data);
    let client = Client::new(&server);
    client
        .register("bench")
        .await
        .expect("the bench user signs up");
    let token = client
        .login("bench")
        .await
        .expect("the bench user logs in")
        .token();

    let base = server.base.clone();
    let bearer = || Load::get("/api/v1/user").header("Authorization", format!("Bearer {token}"));
    let login = Load {
        path: "/api/v1/login",
        method: "POST",
        headers: vec![("Content-Type", "application/json".to_owned())],
        body: Some(format!(r#"{{"username":"bench","password":"{PASSWORD}"}}"#)),
        connections: LOGIN_CONNECTIONS,
        threads: 1,
        script: None,
    };
    let mut refresh_tokens = Vec::new();
    for _ in 0..REFRESH_CHAINS {
        let answer = client.login("bench").await.expect("the bench user logs in");
        refresh_tokens.push(answer.refresh_token());
    }

    let bare = Load::get("/healthz").run(&base, seconds, scripts.path());
    let user = bearer().run(&base, seconds, scripts.path());
    let profile = Load::get("/profile")
        .header("Cookie", format!("__Host-keycard_session={token}"))
        .header("Accept", "text/html".to_owned())
        .run(&base, seconds, scripts.path());
    let logins = login.run(&base, seconds, scripts.path());
    let flood = login.start(&base, seconds, scripts.path());
    let user_in_flood = bearer().run(&base, seconds, scripts.path());
    let flood = finish(flood);
    seed_blocklist(data, BLOCKLIST_ROWS);
    let user_big_blocklist = bearer().run(&base, seconds, scripts.path());
    // Last, because thousands of rotations a second grow SQLite's write-ahead log, which
    // slows the reads measured after it until the next checkpoint.
    let refreshes = Load::refresh_chains(&refresh_tokens).run(&base, seconds, scripts.path());
    let peak_kib = peak_memory_kib(server.pid());
    let runs = [
        &bare,
        &user,
        &profile,
        &logins,
        &refreshes,
        &flood,
        &user_in_flood,
        &user_big_blocklist,
    ];
    let failed: u64 = runs.iter().map(|run| run.socket_errors + run.non_2xx).sum();

    let bare_rate = bare.per_second();
    let vs_bare = |run: &Run| format!("{:.0}%", 100.0 * run.per_second() / bare_rate);
    let mut row = |name: &str, run: &Run, target: &str, met: bool| {
        table.row(database, name, run, &vs_bare(run), target, met);
    };
    row("bare limit: GET /healthz", &bare, "", true);
    let user_share = user.per_second() / bare_rate;
    row(
        "GET /api/v1/user (bearer)",
        &user,
        ">= 70% of bare",
        user_share >= 0.70,
    );
    let profile_share = profile.per_second() / bare_rate;
    row(
        "GET /profile (cookie, SSR)",
        &profile,
        ">= 35% of bare",
        profile_share >= 0.35,
    );
    let login_share = logins.per_second() / hash_limit;
    row(
        "POST /api/v1/login (argon2id)",
        &logins,
        &format!(">= 90% of {hash_limit:.1}/s: {:.0}%", 100.0 * login_share),
        login_share >= 0.90,
    );
    row("POST /api/v1/refresh (rotation)", &refreshes, "", true);
    row(
        "GET /api/v1/user during login flood",
        &user_in_flood,
        "p99 < 10 ms",
        user_in_flood.p99_us < 10_000,
    );
    let blocklist_share = user_big_blocklist.per_second() / user.per_second();
    row(
        "GET /api/v1/user, 1M revoked tokens",
        &user_big_blocklist,
        &format!(
            "within 10% of empty: {:+.1}%",
            100.0 * (blocklist_share - 1.0)
        ),
        blocklist_share >= 0.90,
    );
    Measured {
        failed,
        flood_logins_per_second: flood.per_second(),
        peak_mib: peak_kib as f64 / 1024.0,
    }
}

/// Mean time of one argon2id hash with Keycard's parameters and code, on one thread,
/// while the server is idle; the first run, which allocates, is not counted.
async fn one_hash_time() -> Duration {
    let hasher = PasswordHasher::new(1).expect("argon2 parameters");
    let password = Password::parse(PASSWORD).expect("the bench password is valid");
    hasher
        .hash_password(password.clone())
        .await
        .expect("argon2 hashes");
    let started = Instant::now();
    for _ in 0..HASH_SAMPLES {
        hasher
            .hash_password(password.clone())
            .await
            .expect("argon2 hashes");
    }
    started.elapsed() / HASH_SAMPLES
}

/// Adds `rows` revoked tokens that expire in an hour, as a busy day of logouts would.
fn seed_blocklist(data: &DataDir, rows: u32) {
    let expires = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    if let Some(url) = data.postgres_url() {
        postgres::psql(
            url,
            &format!(
                "INSERT INTO revoked_tokens (jti, expires_at)
                 SELECT lpad(to_hex(n), 32, '0'), {expires} FROM generate_series(1, {rows}) n;
                 ANALYZE revoked_tokens"
            ),
        );
        return;
    }
    let mut connection = rusqlite::Connection::open(data.database()).expect("the database opens");
    connection
        .busy_timeout(Duration::from_secs(10))
        .expect("a busy timeout");
    let transaction = connection.transaction().expect("a transaction");
    {
        let mut insert = transaction
            .prepare("INSERT INTO revoked_tokens (jti, expires_at) VALUES (?1, ?2)")
            .expect("the insert prepares");
        for n in 0..rows {
            insert
                .execute(rusqlite::params![format!("{n:032x}"), expires])
                .expect("a row is inserted");
        }
    }
    transaction.commit().expect("the rows are committed");
    connection
        .pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .expect("the log is checkpointed");
}

/// The server's peak resident set, from /proc.
fn peak_memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("the server's /proc status is readable");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("/proc status has a VmHWM line in kB")
}

/// The results as a Markdown table, ready to paste into BENCHMARKS.md.
#[derive(Default)]
struct Table {
    rows: Vec<[String; 8]>,
}

impl Table {
    fn row(
        &mut self,
        database: &str,
        name: &str,
        run: &Run,
        vs_bare: &str,
        target: &str,
        met: bool,
    ) {
        self.rows.push([
            database.to_owned(),
            name.to_owned(),
            format!("{:.0}", run.per_second()),
            format!("{:.2}", run.p50_us as f64 / 1e3),
            format!("{:.2}", run.p99_us as f64 / 1e3),
            vs_bare.to_owned(),
            target.to_owned(),
            match (target.is_empty(), met) {
                (true, _) => String::new(),
                (false, true) => "met".to_owned(),
                (false, false) => "MISSED".to_owned(),
            },
        ]);
    }

    fn render(&self) -> String {
        let header = [
            "database",
            "measurement",
            "req/s",
            "p50 ms",
            "p99 ms",
            "vs bare",
            "target",
            "",
        ];
        let mut widths = header.map(str::len);
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            format!("| {} |", padded.join(" | "))
        };
        let mut lines = vec![
            line(header.to_vec()),
            format!("|{}|", widths.map(|width| "-".repeat(width + 2)).join("|")),
        ];
        for row in &self.rows {
            lines.push(line(row.iter().map(String::as_str).collect()));
        }
        lines.join("\n")
    }
}
