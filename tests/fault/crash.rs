use std::time::Duration;

use super::load::{assert_ledger_holds, run_mixed_load};
use super::server::{Client, DataDir, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_kill_9_mid_load_every_acknowledged_write_and_token_survives() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    let load = {
        let client = client.clone();
        tokio::spawn(async move { run_mixed_load(&client, 8, Duration::from_secs(30)).await })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    server.kill_hard();
    let ledger = load.await.unwrap();
    assert!(ledger.unexpected.is_empty(), "{:?}", ledger.unexpected);
    assert!(ledger.unanswered > 0, "the crash cut no request short");
    assert!(
        !ledger.live_tokens.is_empty() && !ledger.revoked_tokens.is_empty(),
        "too little happened before the crash: {ledger:?}"
    );

    // PostgreSQL is another process, which the kill leaves running.
    if data.postgres_url().is_none() {
        let check = rusqlite::Connection::open(data.database()).unwrap();
        let integrity: String = check
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }

    let restarted = Server::start(&data);
    assert_ledger_holds(&Client::new(&restarted), &ledger).await;
}
