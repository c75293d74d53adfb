//! A mixed load of sign-ups, logins, profile views and logouts, with a ledger of
//! every success the server acknowledged, to check against afterwards.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::server::{Answer, Client};

#[derive(Debug, Default)]
pub struct Ledger {
    /// Sign-ups answered 201.
    pub accounts: Vec<String>,
    /// Tokens from logins answered 200 whose logout was never asked for.
    pub live_tokens: Vec<String>,
    /// Tokens whose logout was answered 200.
    pub revoked_tokens: Vec<String>,
    /// Any answer the flow did not expect, 5xx above all.
    pub unexpected: Vec<String>,
    /// Requests that got no answer at all (refused or cut connections).
    pub unanswered: usize,
}

/// Runs `workers` clients side by side until `duration` has passed. A client stops at
/// its first unanswered request, as a client of a crashed server would.
pub async fn run_mixed_load(client: &Client, workers: usize, duration: Duration) -> Ledger {
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = (0..workers)
        .map(|worker| {
            let client = client.clone();
            let ledger = Arc::clone(&ledger);
            tokio::spawn(async move { user_journeys(client, worker, deadline, ledger).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("a load worker panicked");
    }
    Arc::try_unwrap(ledger)
        .expect("all workers are done")
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
}

async fn user_journeys(
    client: Client,
    worker: usize,
    deadline: Instant,
    ledger: Arc<Mutex<Ledger>>,
) {
    let record = |change: &dyn Fn(&mut Ledger)| {
        change(&mut ledger.lock().unwrap_or_else(PoisonError::into_inner));
    };
    let expect = |step: &str, answer: reqwest::Result<Answer>, wanted: StatusCode| match answer {
        Ok(answer) if answer.status == wanted => Some(answer),
        Ok(answer) => {
            let line = format!("{step}: {} {}", answer.status, answer.body);
            record(&|ledger| ledger.unexpected.push(line.clone()));
            None
        }
        Err(_) => {
            record(&|ledger| ledger.unanswered += 1);
            None
        }
    };
    let mut round = 0;
    while Instant::now() < deadline {
        round += 1;
        let name = format!("load{worker}r{round}");
        if expect(
            "register",
            client.register(&name).await,
            StatusCode::CREATED,
        )
        .is_none()
        {
            return;
        }
        record(&|ledger| ledger.accounts.push(name.clone()));
        let Some(logged_in) = expect("login", client.login(&name).await, StatusCode::OK) else {
            return;
        };
        let token = logged_in.token();
        let Some(profile) = expect("profile", client.profile(&token).await, StatusCode::OK) else {
            return;
        };
        if !profile.body.as_str().unwrap_or_default().contains(&name) {
            record(&|ledger| ledger.unexpected.push(format!("profile without {name}")));
        }
        // Every other session is ended, so both kinds of token are there to check.
        if round % 2 == 0 {
            record(&|ledger| ledger.live_tokens.push(token.clone()));
            continue;
        }
        if expect("logout", client.logout(&token).await, StatusCode::OK).is_none() {
            return;
        }
        record(&|ledger| ledger.revoked_tokens.push(token.clone()));
    }
}

/// Checks the ledger against the server: every acknowledged account logs in, every
/// acknowledged logout is refused, every other token still works.
pub async fn assert_ledger_holds(client: &Client, ledger: &Ledger) {
    for name in &ledger.accounts {
        let answer = client.login(name).await.expect("an answer");
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{name} cannot log in: {answer:?}"
        );
    }
    for token in &ledger.revoked_tokens {
        let answer = client.user(token).await.expect("an answer");
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "a logged-out token works: {answer:?}"
        );
    }
    for token in &ledger.live_tokens {
        let answer = client.user(token).await.expect("an answer");
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "a live token is refused: {answer:?}"
        );
    }
}
