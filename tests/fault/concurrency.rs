use std::time::Duration;

use reqwest::StatusCode;

use super::load::{assert_ledger_holds, run_mixed_load};
use super::server::{Client, DataDir, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_fifty_simultaneous_sign_ups_for_one_name_exactly_one_wins() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    let attempts: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.register("contested").await })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        let answer = attempt.await.unwrap().expect("every sign-up is answered");
        if answer.status == StatusCode::CONFLICT {
            assert_eq!(answer.message(), "User already exists");
        }
        statuses.push(answer.status);
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let taken = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, taken), (1, 49), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mixed_load_at_concurrency_64_gets_no_server_errors_and_loses_nothing() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    let ledger = run_mixed_load(&client, 64, Duration::from_secs(4)).await;
    assert!(ledger.unexpected.is_empty(), "{:?}", ledger.unexpected);
    assert_eq!(ledger.unanswered, 0);
    assert!(
        ledger.accounts.len() >= 64,
        "only {} sign-ups",
        ledger.accounts.len()
    );
    assert_ledger_holds(&client, &ledger).await;
}
