//! Several Keycard processes on one PostgreSQL database. Run only against PostgreSQL
//! (`make test` does).

use reqwest::StatusCode;

use super::concurrency::wrong_passwords_at_once;
use super::postgres;
use super::server::{Client, DataDir, PASSWORD, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_on_one_database_behave_as_one() {
    let data = DataDir::postgres();
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&data)).collect();
    let [first, second, third] = [0, 1, 2].map(|index| Client::new(&servers[index]));

    assert_eq!(
        first.register("shared").await.unwrap().status,
        StatusCode::CREATED
    );
    let token = second.login("shared").await.unwrap().token();
    assert_eq!(third.user(&token).await.unwrap().status, StatusCode::OK);
    assert_eq!(third.logout(&token).await.unwrap().status, StatusCode::OK);
    assert_eq!(
        first.user(&token).await.unwrap().status,
        StatusCode::UNAUTHORIZED,
        "a token logged out on one process works on another"
    );

    let here = second.login("shared").await.unwrap().token();
    let there = first.login("shared").await.unwrap().token();
    let listed = second.sessions(&there).await.unwrap();
    let there_id = listed.body.as_array().unwrap().iter().find_map(|session| {
        session["current"]
            .as_bool()
            .unwrap()
            .then(|| session["id"].as_str().unwrap().to_owned())
    });
    let ended = second
        .end_session(&here, &there_id.expect("the current session is listed"))
        .await
        .unwrap();
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{ended:?}");
    for client in [&first, &third] {
        assert_eq!(
            client.user(&there).await.unwrap().status,
            StatusCode::UNAUTHORIZED,
            "a session ended on one process lives on another"
        );
    }

    // The default limit is 5 failed logins per account and address: spread over the
    // three processes, the sixth is refused just as on one.
    let clients = [&first, &second, &third];
    for attempt in 0..5 {
        let answer = clients[attempt % 3]
            .login_with("shared", "not the password at all")
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    for client in clients {
        let answer = client.login_with("shared", PASSWORD).await.unwrap();
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS, "{answer:?}");
    }

    let attempts: Vec<_> = (0..50)
        .map(|attempt| {
            let client = clients[attempt % 3].clone();
            tokio::spawn(async move { client.register("contested").await })
        })
        .collect();
    let mut created = 0;
    for attempt in attempts {
        let answer = attempt.await.unwrap().expect("every sign-up is answered");
        match answer.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("a racing sign-up got {other}: {answer:?}"),
        }
    }
    assert_eq!(
        created, 1,
        "racing sign-ups of one name over three processes"
    );
}

/// Thirty wrong passwords for one name from one address at the same moment, spread over
/// three processes: the shared count lets at most five through to the hash check.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_wrong_passwords_at_once_over_three_processes_get_at_most_five_checks() {
    let data = DataDir::postgres();
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&data)).collect();
    let clients: Vec<Client> = servers.iter().map(Client::new).collect();
    clients[0].register("guessed").await.unwrap();
    let checked = wrong_passwords_at_once(&clients, "guessed", 30).await;
    assert!(checked <= 5, "{checked} of 30 wrong passwords were checked");
}

#[test]
fn processes_starting_at_once_on_a_new_database_migrate_it_once() {
    let data = DataDir::postgres();
    let servers: Vec<Server> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| Server::start(&data)))
            .collect();
        starting
            .into_iter()
            .map(|server| server.join().expect("every process starts"))
            .collect()
    });
    let url = data.postgres_url().expect("a PostgreSQL database");
    let versions = postgres::psql(url, "SELECT version FROM keycard_schema ORDER BY version");
    assert_eq!(
        versions.lines().collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5"],
        "{versions}"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for server in &servers {
        let ready = runtime
            .block_on(Client::new(server).get("/readyz"))
            .unwrap();
        assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_sslmode_require_connections_are_encrypted_and_the_server_verified() {
    let data = DataDir::postgres();
    let url = data.postgres_url().expect("a PostgreSQL database");
    let tls_url = format!("{url}?sslmode=require");
    let test_ca = std::env::var("KEYCARD_TEST_POSTGRES_CA")
        .expect("tests/postgres/with-server names its certificate authority");

    let trusting = Server::start_with(
        &data,
        &[
            ("KEYCARD_DATABASE_URL", &tls_url),
            ("KEYCARD_DATABASE_CA", &test_ca),
        ],
    );
    let client = Client::new(&trusting);
    assert_eq!(
        client.register("private").await.unwrap().status,
        StatusCode::CREATED
    );
    let token = client.login("private").await.unwrap().token();
    assert_eq!(client.user(&token).await.unwrap().status, StatusCode::OK);
    let connections = postgres::psql(
        url,
        "SELECT count(*) FILTER (WHERE s.ssl) || ' of ' || count(*)
         FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
         WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()",
    );
    let (encrypted, all) = connections.trim().split_once(" of ").unwrap();
    assert!(
        all != "0" && encrypted == all,
        "{connections}: some were in the clear"
    );

    // The server's certificate is signed by an authority the system does not know: a
    // process not told of it refuses to talk to the database, and says 503.
    let untrusting = Server::start_with(&data, &[("KEYCARD_DATABASE_URL", &tls_url)]);
    let doubtful = Client::new(&untrusting);
    let ready = doubtful.get("/readyz").await.unwrap();
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE, "{ready:?}");
    let user = doubtful.user(&token).await.unwrap();
    assert_eq!(user.status, StatusCode::SERVICE_UNAVAILABLE, "{user:?}");
}
