//! What the core's flow tests share: a service on a temporary database, a client, and
//! a signed-up account. The database is a SQLite file in the test's directory, or,
//! when the tests run under `tests/postgres/with-server`, a fresh PostgreSQL database
//! (whose URL the directory keeps, so a second service on it finds it).

use std::sync::{Arc, Mutex};

use keycard_core::auth::{
    ActivityEvent, AuthService, ClientInfo, JwtSecret, Letter, LinkLifetimes, LoginOutcome,
    PasswordHasher, PasswordVersion, Postbox, Session, SessionPolicy, SharedStore, SignedIn,
    ThrottlePolicy, UserAgent, UserId, code_for,
};
use keycard_core::domain::{Password, TotpCode, Username};
use keycard_postgres::PgStore;
use keycard_sqlite::{DEFAULT_BUSY_TIMEOUT, Db, SqliteStore};

use crate::postgres as test_postgres;

pub const PASSWORD: &str = "correct horse battery";

pub async fn service(directory: &tempfile::TempDir) -> AuthService {
    service_with(directory, SessionPolicy::default()).await
}

pub async fn service_with(directory: &tempfile::TempDir, sessions: SessionPolicy) -> AuthService {
    service_mailing(directory, sessions, LinkLifetimes::default()).0
}

/// Letters the core posted, kept instead of sent.
#[derive(Default)]
pub struct PostedLetters(Mutex<Vec<Letter>>);

impl PostedLetters {
    /// Every letter posted so far, oldest first; the list is emptied.
    pub fn take(&self) -> Vec<Letter> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Postbox for PostedLetters {
    fn post(&self, letter: Letter) {
        self.0.lock().unwrap().push(letter);
    }
}

/// The signing secret of the services the tests make, unless one is given.
fn test_secret() -> JwtSecret {
    JwtSecret::new(vec![9; 32]).unwrap()
}

/// A service whose letters are kept in the returned list, with links lasting `links`.
pub fn service_mailing(
    directory: &tempfile::TempDir,
    sessions: SessionPolicy,
    links: LinkLifetimes,
) -> (AuthService, Arc<PostedLetters>) {
    service_signing(directory, &test_secret(), sessions, links)
}

/// A service on the database in `directory` whose keys come from `secret`, as after
/// the server's secret was changed.
pub fn service_signing(
    directory: &tempfile::TempDir,
    secret: &JwtSecret,
    sessions: SessionPolicy,
    links: LinkLifetimes,
) -> (AuthService, Arc<PostedLetters>) {
    let store: SharedStore = match postgres_database(directory) {
        Some(url) => {
            Arc::new(PgStore::connect(url.parse().unwrap(), DEFAULT_BUSY_TIMEOUT, None).unwrap())
        }
        None => Arc::new(SqliteStore::new(
            Db::open(&database_path(directory), DEFAULT_BUSY_TIMEOUT).unwrap(),
        )),
    };
    let letters = Arc::new(PostedLetters::default());
    let auth = AuthService::new(
        store,
        secret,
        PasswordHasher::new(2).unwrap(),
        ThrottlePolicy::default(),
        sessions,
        links,
        letters.clone(),
    )
    .unwrap();
    (auth, letters)
}

/// A login that is expected to need no second step.
pub trait ExpectSignedIn {
    /// The session of a login that needed no second step; panics if it asked for one.
    fn expect_signed_in(self) -> SignedIn;
}

impl ExpectSignedIn for LoginOutcome {
    fn expect_signed_in(self) -> SignedIn {
        match self {
            Self::SignedIn(signed_in) => signed_in,
            Self::TwoStepRequired(_) => panic!("the login asked for a second step"),
        }
    }
}

pub fn client(user_agent: &str) -> ClientInfo {
    ClientInfo {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        user_agent: UserAgent::from_header(Some(user_agent)),
    }
}

/// Signs up "grace" and returns the sign-in.
pub async fn signed_up(auth: &AuthService) -> SignedIn {
    auth.register(
        Username::parse("grace").unwrap(),
        None,
        Password::parse(PASSWORD).unwrap(),
        &client("curl/8.5.0"),
    )
    .await
    .unwrap()
}

/// Logs "grace" in again from `user_agent`: another session of the same account.
pub async fn logged_in(auth: &AuthService, user_agent: &str) -> SignedIn {
    auth.login(
        Username::parse("grace").unwrap(),
        Password::parse(PASSWORD).unwrap(),
        &client(user_agent),
    )
    .await
    .unwrap()
    .expect_signed_in()
}

/// The SQLite file of the service [`service`] makes in `directory`.
pub fn database_path(directory: &tempfile::TempDir) -> std::path::PathBuf {
    directory.path().join("core.db")
}

/// The PostgreSQL database of the services made in `directory`, when the tests run on
/// PostgreSQL: made by the first, found again by the others.
fn postgres_database(directory: &tempfile::TempDir) -> Option<String> {
    let server = test_postgres::server()?;
    let marker = directory.path().join("postgres-url");
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return Some(url);
    }
    let url = test_postgres::fresh_database(&server, "core");
    std::fs::write(&marker, &url).unwrap();
    Some(url)
}

/// Runs `sql` on the service's database in `directory` behind its back; the first
/// column of each row, as text.
pub fn sql(directory: &tempfile::TempDir, sql: &str) -> Vec<String> {
    match postgres_database(directory) {
        Some(url) => test_postgres::psql(&url, sql)
            .lines()
            .map(str::to_owned)
            .collect(),
        None => crate::sqlite::first_column(&database_path(directory), sql),
    }
}

/// How many rows `table` of the service's database in `directory` holds.
pub fn count_rows(directory: &tempfile::TempDir, table: &str) -> i64 {
    sql(directory, &format!("SELECT COUNT(*) FROM {table}"))[0]
        .parse()
        .unwrap()
}

/// The version of `user`'s password now: what a sign-in that checked it carries.
pub async fn password_version(auth: &AuthService, user: UserId) -> PasswordVersion {
    auth.store()
        .find_credentials_by_id(user)
        .await
        .unwrap()
        .unwrap()
        .password_version
}

/// The session the guard finds for `signed_in`'s access token.
pub async fn session_of(auth: &AuthService, signed_in: &SignedIn) -> Session {
    auth.current_user(Some(&signed_in.access.token))
        .await
        .unwrap()
}

/// Neither `signed_in`'s access token nor its refresh token works any more.
pub async fn assert_signed_out(auth: &AuthService, signed_in: &SignedIn) {
    assert!(
        auth.current_user(Some(&signed_in.access.token))
            .await
            .is_err()
    );
    assert!(
        auth.refresh(&signed_in.refresh.token, &client("curl"))
            .await
            .is_err()
    );
}

/// What the tests know of an account's two-step sign-in.
pub struct TurnedOn {
    pub secret: String,
    pub recovery_codes: Vec<String>,
    /// When it was confirmed: with the code of this moment's step, spent since. The
    /// tests take codes relative to it, so a step boundary passing mid-test changes
    /// nothing: the next step's code stays within the one step of skew.
    pub at: u64,
}

impl TurnedOn {
    /// The app's code `steps` steps after the confirming one.
    pub fn code(&self, steps: u64) -> TotpCode {
        code_for(&self.secret, self.at + 30 * steps).unwrap()
    }
}

/// Turns two-step on for the account signed in as `session`, with its password
/// [`PASSWORD`].
pub async fn turned_on(auth: &AuthService, session: &Session) -> TurnedOn {
    let password = || Password::parse(PASSWORD).unwrap();
    let setup = auth
        .begin_two_factor(session, password(), &client("curl"))
        .await
        .unwrap();
    let at = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    let recovery_codes = auth
        .confirm_two_factor(
            session,
            password(),
            code_for(&setup.secret, at).unwrap(),
            &client("curl"),
        )
        .await
        .unwrap();
    TurnedOn {
        secret: setup.secret,
        recovery_codes,
        at,
    }
}

/// The account's activity, newest first.
pub async fn events(auth: &AuthService, session: &Session) -> Vec<ActivityEvent> {
    auth.activity(session)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.event)
        .collect()
}
