use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;

use super::server::{Client, DataDir, Server};

const SIGN_UPS: usize = 48;
/// Sign-ups answered before SIGTERM is sent.
const STARTED_BEFORE_SIGNAL: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_requests_in_flight_finish_then_exits_zero() {
    let data = DataDir::new();
    let mut server = Server::start(&data);
    let client = Client::new(&server);
    let finished = Arc::new(AtomicUsize::new(0));
    // Each sign-up runs argon2, so a batch keeps the server busy past the signal.
    let sign_ups: Vec<_> = (0..SIGN_UPS)
        .map(|n| {
            let client = client.clone();
            let finished = Arc::clone(&finished);
            tokio::spawn(async move {
                let answer = client.register(&format!("inflight{n}")).await;
                finished.fetch_add(1, Ordering::SeqCst);
                answer
            })
        })
        .collect();
    // Signal once a few sign-ups are done: by then the server has read the others'
    // requests (reading is cheap and runs ahead of the lower-priority hashing threads),
    // so they are in flight. A fixed delay was a race on a loaded machine: a connection
    // whose request had not been read yet is idle to the server, and closed.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while finished.load(Ordering::SeqCst) < STARTED_BEFORE_SIGNAL {
        assert!(std::time::Instant::now() < deadline, "no sign-up finished");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.terminate();
    let done_at_signal = finished.load(Ordering::SeqCst);
    assert!(
        done_at_signal < SIGN_UPS,
        "all sign-ups ended before SIGTERM; nothing was in flight"
    );

    for sign_up in sign_ups {
        let answer = sign_up
            .await
            .unwrap()
            .expect("a request in flight is answered");
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    }
    let status = server
        .wait_for_exit(Duration::from_secs(5))
        .expect("keycard exits within 5 s of SIGTERM");
    assert!(status.success(), "exit status {status}");

    let restarted = Server::start(&data);
    let client = Client::new(&restarted);
    for n in 0..SIGN_UPS {
        let answer = client.login(&format!("inflight{n}")).await.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "inflight{n} was lost");
    }
}
