use std::sync::Arc;

use keycard_core::auth::*;
use keycard_core::domain::*;
use keycard_testing::{PASSWORD, client, service, signed_up};

/// "grace" signed up, then logged in with each of `passwords` from one address, all
/// released at the same moment; the answers in the same order.
async fn logins_at_once(passwords: Vec<String>) -> Vec<Result<LoginOutcome, AuthError>> {
    let directory = tempfile::tempdir().unwrap();
    let auth = service(&directory).await;
    signed_up(&auth).await;
    let start = Arc::new(tokio::sync::Barrier::new(passwords.len()));
    let logins: Vec<_> = passwords
        .into_iter()
        .map(|password| {
            let (auth, start) = (auth.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                auth.login(
                    Username::parse("grace").unwrap(),
                    Password::parse(&password).unwrap(),
                    &client("curl/8.5.0"),
                )
                .await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for login in logins {
        answers.push(login.await.unwrap());
    }
    answers
}

/// Thirty wrong passwords for one name from one address, sent at once: each try is
/// taken before its hash is checked, so no more than the limit's five get checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_wrong_passwords_at_once_get_at_most_five_checks() {
    let guesses = (0..30).map(|guess| format!("wrong guess number {guess}"));
    let mut checked = 0;
    for answer in logins_at_once(guesses.collect()).await {
        match answer {
            Err(AuthError::Throttled(_)) => {}
            Err(AuthError::InvalidCredentials) => checked += 1,
            other => panic!("a wrong password got {other:?}"),
        }
    }
    assert!(checked <= 5, "{checked} of 30 wrong passwords were checked");
    assert!(checked >= 1, "none of the guesses was checked");
}

/// The limit counts tries while they are checked, but right passwords give theirs
/// back: twelve simultaneous right logins from one address all get in, the ones past
/// the fifth after waiting for a try to come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twelve_right_passwords_at_once_all_get_in() {
    for answer in logins_at_once(vec![PASSWORD.to_owned(); 12]).await {
        assert!(answer.is_ok(), "a right password got {answer:?}");
    }
}
