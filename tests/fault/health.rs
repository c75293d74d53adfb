use reqwest::StatusCode;

use super::server::{Client, DataDir, Server};

#[tokio::test]
async fn healthz_and_readyz_answer_when_the_server_and_database_are_up() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    let health = client.get("/healthz").await.unwrap();
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, Some("ok\n"))
    );
    let ready = client.get("/readyz").await.unwrap();
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready", "{ready:?}");
    assert_eq!(ready.body["database"], "ok");
    assert_eq!(ready.body["mail"]["transport"], "outbox");
    assert_eq!(ready.body["mail"]["state"], "ok");
}
