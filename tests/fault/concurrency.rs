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

/// Twenty requests renew one session with the same refresh token at once, as tabs or
/// retries do: all are answered 200 with the same next token, and the session lives on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_race_within_the_grace_period_never_ends_the_session() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    client.register("racer").await.unwrap();
    let token = client.login("racer").await.unwrap().refresh_token();
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let (client, token) = (client.clone(), token.clone());
            tokio::spawn(async move { client.refresh(&token).await })
        })
        .collect();
    let mut successors = Vec::new();
    for racer in racers {
        let answer = racer.await.unwrap().expect("every refresh is answered");
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        successors.push(answer.refresh_token());
        assert_eq!(
            client.user(&answer.token()).await.unwrap().status,
            StatusCode::OK
        );
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "{successors:?}");
    let next = client.refresh(&successors[0]).await.unwrap();
    assert_eq!(next.status, StatusCode::OK, "{next:?}");
}
