use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rusqlite::Connection;

use super::server::{Answer, Client, DataDir, PASSWORD, Server};

const BUSY_TIMEOUT_MS: &str = "1000";
/// The busy timeout plus room for argon2 and a loaded machine; a write that took
/// longer than this would be hanging, not refusing.
const ANSWER_WITHIN: Duration = Duration::from_secs(4);

fn start(data: &DataDir) -> Server {
    Server::start_with(data, &[("KEYCARD_DB_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)])
}

fn assert_unavailable(answer: &Answer, asked_at: Instant) {
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{answer:?}");
    assert!(answer.message().contains("try again"), "{answer:?}");
    assert!(
        asked_at.elapsed() < ANSWER_WITHIN,
        "answered after {:?}",
        asked_at.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_another_process_holds_the_write_lock_writes_answer_503_and_reads_go_on() {
    let data = DataDir::new();
    let server = start(&data);
    let client = Client::new(&server);
    client.register("holder").await.unwrap();
    let to_end = client.login("holder").await.unwrap().token();
    let kept = client.login("holder").await.unwrap().token();

    let blocker = Connection::open(data.database()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

    let asked_at = Instant::now();
    assert_unavailable(&client.register("newcomer").await.unwrap(), asked_at);
    let asked_at = Instant::now();
    let logout = client.logout(&to_end).await.unwrap();
    assert_unavailable(&logout, asked_at);
    assert!(!logout.message().contains("logged out"), "{logout:?}");

    // A login starts a session, which is a write: it waits, then says to try again.
    let asked_at = Instant::now();
    assert_unavailable(&client.login("holder").await.unwrap(), asked_at);

    assert_eq!(client.user(&to_end).await.unwrap().status, StatusCode::OK);
    let profile = client.profile(&kept).await.unwrap();
    assert_eq!(profile.status, StatusCode::OK, "{profile:?}");
    assert_eq!(client.get("/readyz").await.unwrap().status, StatusCode::OK);

    blocker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(client.login("holder").await.unwrap().status, StatusCode::OK);
    assert_eq!(
        client.register("newcomer").await.unwrap().status,
        StatusCode::CREATED
    );
    assert_eq!(client.logout(&to_end).await.unwrap().status, StatusCode::OK);
    assert_eq!(
        client.user(&to_end).await.unwrap().status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn when_the_blocklist_cannot_be_read_the_guard_refuses_with_503() {
    let data = DataDir::new();
    let server = start(&data);
    let client = Client::new(&server);
    client.register("reader").await.unwrap();
    let token = client.login("reader").await.unwrap().token();
    let admin = Connection::open(data.database()).unwrap();

    admin
        .execute_batch("ALTER TABLE revoked_tokens RENAME TO revoked_tokens_hidden")
        .unwrap();
    assert_refused_closed(&client, &token).await;
    admin
        .execute_batch("ALTER TABLE revoked_tokens_hidden RENAME TO revoked_tokens")
        .unwrap();
    assert_eq!(client.user(&token).await.unwrap().status, StatusCode::OK);
}

async fn assert_refused_closed(client: &Client, token: &str) {
    let asked_at = Instant::now();
    assert_unavailable(&client.user(token).await.unwrap(), asked_at);
    let profile = client.profile(token).await.unwrap();
    assert_eq!(
        profile.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{profile:?}"
    );
    assert!(!profile.body.to_string().contains("reader"), "{profile:?}");
}

/// The gap itself, held open: another process holds the write lock, so the change
/// waits to write after checking the password; sign-ins with the old password check it
/// meanwhile and queue behind the change. Once the lock is released the change commits
/// first, and not one of those sign-ins may start a session.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_that_checked_the_old_password_while_a_change_waited_start_no_session() {
    let data = DataDir::new();
    let server = Server::start_with(&data, &[("KEYCARD_DB_BUSY_TIMEOUT_MS", "20000")]);
    let client = Client::new(&server);
    client.register("waiter").await.unwrap();
    let changer = client.login("waiter").await.unwrap().token();
    let blocker = Connection::open(data.database()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let change = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .change_password(&changer, PASSWORD, "a brand new passphrase")
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sign_ins: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.login("waiter").await })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    blocker.execute_batch("ROLLBACK").unwrap();
    let changed = change.await.unwrap().unwrap();
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    for sign_in in sign_ins {
        let answer = sign_in.await.unwrap().unwrap();
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{answer:?}");
    }
}
