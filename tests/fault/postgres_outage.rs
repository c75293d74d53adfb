//! PostgreSQL stopped under the load of two Keycard processes and started again. It
//! stops the server every test of the run shares, so `make test` runs it on a server
//! of its own.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::server::{Answer, Client, DataDir, Server};

/// Whether a request got the answer it may get while the database is down.
fn assert_one_of(step: &str, answer: &reqwest::Result<Answer>, allowed: &[StatusCode]) {
    if let Ok(answer) = answer {
        assert!(
            allowed.contains(&answer.status),
            "{step}: {} not in {allowed:?}: {answer:?}",
            answer.status
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgres_is_stopped_answers_are_503_or_right_and_it_recovers_by_itself() {
    let data = DataDir::postgres();
    let control = std::env::var("KEYCARD_TEST_POSTGRES_CTL")
        .expect("tests/postgres/with-server names its control script");
    let servers: Vec<Server> = (0..2)
        .map(|_| Server::start_with(&data, &[("KEYCARD_DB_BUSY_TIMEOUT_MS", "1000")]))
        .collect();
    let clients: Vec<Client> = servers.iter().map(Client::new).collect();
    let client = &clients[0];
    client.register("steady").await.unwrap();
    client.register("guessed").await.unwrap();
    let live = client.login("steady").await.unwrap().token();
    let revoked = client.login("steady").await.unwrap().token();
    assert_eq!(
        client.logout(&revoked).await.unwrap().status,
        StatusCode::OK
    );

    let stop = std::time::Duration::from_secs(4);
    let load: Vec<_> = (0..8)
        .map(|worker| {
            let client = clients[worker % clients.len()].clone();
            let (live, revoked) = (live.clone(), revoked.clone());
            tokio::spawn(async move {
                let deadline = Instant::now() + stop * 3;
                let mut unavailable = 0;
                let mut round = 0;
                while Instant::now() < deadline {
                    round += 1;
                    let user = client.user(&live).await;
                    assert_one_of(
                        "a live token",
                        &user,
                        &[StatusCode::OK, StatusCode::SERVICE_UNAVAILABLE],
                    );
                    let gone = client.user(&revoked).await;
                    assert_one_of(
                        "a logged-out token",
                        &gone,
                        &[StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE],
                    );
                    let wrong = client
                        .login_with("guessed", "not the password at all")
                        .await;
                    assert_one_of(
                        "a wrong password",
                        &wrong,
                        &[
                            StatusCode::UNAUTHORIZED,
                            StatusCode::TOO_MANY_REQUESTS,
                            StatusCode::SERVICE_UNAVAILABLE,
                        ],
                    );
                    let name = format!("load_{worker}_{round}");
                    let sign_up = client.register(&name).await;
                    assert_one_of(
                        "a sign-up",
                        &sign_up,
                        &[StatusCode::CREATED, StatusCode::SERVICE_UNAVAILABLE],
                    );
                    unavailable += usize::from(
                        user.is_ok_and(|answer| answer.status == StatusCode::SERVICE_UNAVAILABLE),
                    );
                }
                unavailable
            })
        })
        .collect();

    tokio::time::sleep(stop).await;
    let stopped = std::process::Command::new(&control)
        .arg("stop")
        .status()
        .unwrap();
    assert!(stopped.success(), "PostgreSQL did not stop");
    tokio::time::sleep(Duration::from_secs(1)).await;
    for client in &clients {
        let ready = client.get("/readyz").await.unwrap();
        assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{ready:?}");
    }
    tokio::time::sleep(stop - Duration::from_secs(1)).await;
    let started = std::process::Command::new(&control)
        .arg("start")
        .status()
        .unwrap();
    assert!(started.success(), "PostgreSQL did not start again");
    let back_at = Instant::now();
    for client in &clients {
        let recovered = loop {
            let ready = client.get("/readyz").await.unwrap();
            if ready.status == StatusCode::OK {
                break back_at.elapsed();
            }
            assert!(
                back_at.elapsed() < Duration::from_secs(10),
                "not ready 10 s after PostgreSQL came back: {ready:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        println!("ready again {recovered:?} after PostgreSQL came back");
    }
    let mut unavailable = 0;
    for worker in load {
        unavailable += worker.await.expect("no answer broke the rules");
    }
    assert!(unavailable > 0, "no request ever found the database down");
    for client in &clients {
        assert_eq!(client.user(&live).await.unwrap().status, StatusCode::OK);
        assert_eq!(
            client.user(&revoked).await.unwrap().status,
            StatusCode::UNAUTHORIZED
        );
        let again = client.login("steady").await.unwrap();
        assert_eq!(again.status, StatusCode::OK, "{again:?}");
    }
}
