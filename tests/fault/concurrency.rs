use std::time::Duration;

use reqwest::StatusCode;

use super::load::{assert_ledger_holds, run_mixed_load};
use super::server::{Client, DataDir, PASSWORD, Server};

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

/// Sends `count` wrong passwords for `username` at once, spread over `clients`, and
/// says how many were answered with anything but 429.
pub async fn wrong_passwords_at_once(clients: &[Client], username: &str, count: usize) -> usize {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(count));
    let guesses: Vec<_> = (0..count)
        .map(|guess| {
            let client = clients[guess % clients.len()].clone();
            let (start, username) = (start.clone(), username.to_owned());
            tokio::spawn(async move {
                start.wait().await;
                client
                    .login_with(&username, &format!("wrong guess number {guess}"))
                    .await
            })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        let answer = guess.await.unwrap().expect("every guess is answered");
        match answer.status {
            StatusCode::TOO_MANY_REQUESTS => {}
            StatusCode::UNAUTHORIZED => checked += 1,
            other => panic!("a wrong password got {other}: {answer:?}"),
        }
    }
    checked
}

/// The limit is five failed logins per name and address: thirty sent at the same
/// moment from one address must not all be checked before any is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_wrong_passwords_at_once_get_at_most_five_answers_but_429() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    client.register("guessed").await.unwrap();
    let checked = wrong_passwords_at_once(&[client], "guessed", 30).await;
    assert!(checked <= 5, "{checked} of 30 wrong passwords were checked");
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

/// The races below send more sign-ins from one address, some failing, than the
/// brute-force limits allow; they are about what the database lets through.
const UNTHROTTLED: &[(&str, &str)] = &[
    ("KEYCARD_LOGIN_FAILURE_LIMIT", "1000000"),
    ("KEYCARD_ADDRESS_ATTEMPT_LIMIT", "1000000"),
];

/// Sign-ins with the account's current password and refreshes of another of its
/// sessions, twenty of each, all sent while `change` runs: the access tokens of those
/// that were let in. Every answer is a success or a refusal, never a server error.
async fn race_sign_ins_and_refreshes<T>(
    client: &Client,
    (username, password): (&str, &str),
    refresh_token: &str,
    change: impl std::future::Future<Output = T>,
) -> (T, Vec<String>) {
    let mut racers = Vec::new();
    for _ in 0..20 {
        let (signer, username, password) =
            (client.clone(), username.to_owned(), password.to_owned());
        racers.push(tokio::spawn(async move {
            signer.login_with(&username, &password).await
        }));
        let (refresher, token) = (client.clone(), refresh_token.to_owned());
        racers.push(tokio::spawn(async move { refresher.refresh(&token).await }));
    }
    let outcome = change.await;
    let mut let_in = Vec::new();
    for racer in racers {
        let answer = racer.await.unwrap().expect("every request is answered");
        match answer.status {
            StatusCode::OK => let_in.push(answer.token()),
            StatusCode::UNAUTHORIZED => {}
            other => panic!("{other}: {answer:?}"),
        }
    }
    (outcome, let_in)
}

/// Password changes, each racing sign-ins with the password it replaces and refreshes of
/// another session: once one is answered, no session but the one that changed it
/// works. Several rounds, since a sign-in slips through the gap only when its password
/// check ends during the change's write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_change_racing_sign_ins_and_refreshes_leaves_no_other_session() {
    let data = DataDir::new();
    let server = Server::start_with(&data, UNTHROTTLED);
    let client = Client::new(&server);
    client.register("changer").await.unwrap();
    let changer = client.login("changer").await.unwrap().token();
    let passwords = [PASSWORD, "a brand new passphrase"];
    for round in 0..6 {
        let (old, new) = (passwords[round % 2], passwords[(round + 1) % 2]);
        let other = client
            .login_with("changer", old)
            .await
            .unwrap()
            .refresh_token();
        let change = client.change_password(&changer, old, new);
        let (changed, let_in) =
            race_sign_ins_and_refreshes(&client, ("changer", old), &other, change).await;
        let changed = changed.unwrap();
        assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
        for token in &let_in {
            let user = client.user(token).await.unwrap();
            assert_eq!(
                user.status,
                StatusCode::UNAUTHORIZED,
                "round {round}: a session outlived the change"
            );
        }
        assert_eq!(client.user(&changer).await.unwrap().status, StatusCode::OK);
        let refused = client.login_with("changer", old).await.unwrap();
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
}

/// An account deletion racing sign-ins and refreshes: once it is answered, every token
/// of the account is refused and the name is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deletion_racing_sign_ins_and_refreshes_leaves_no_session() {
    let data = DataDir::new();
    let server = Server::start_with(&data, UNTHROTTLED);
    let client = Client::new(&server);
    client.register("leaver").await.unwrap();
    let leaver = client.login("leaver").await.unwrap().token();
    let other = client.login("leaver").await.unwrap().refresh_token();
    let delete = client.delete_account(&leaver);
    let (deleted, let_in) =
        race_sign_ins_and_refreshes(&client, ("leaver", PASSWORD), &other, delete).await;
    let deleted = deleted.unwrap();
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    for token in let_in.iter().chain([&leaver]) {
        let user = client.user(token).await.unwrap();
        assert_eq!(
            user.status,
            StatusCode::UNAUTHORIZED,
            "a session outlived the deletion"
        );
    }
    let again = client.register("leaver").await.unwrap();
    assert_eq!(again.status, StatusCode::CREATED);
}
