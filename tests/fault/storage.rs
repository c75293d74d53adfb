use std::io::Write as _;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;

use super::server::{
    Client, DataDir, Server, keycard_command, keycard_in_namespace, run_to_failure,
};

fn tmpfs(directory: &Path, options: &str) -> String {
    format!(
        "mount -t tmpfs -o {options} keycard-test '{}'",
        directory.display()
    )
}

/// Runs Keycard on a data directory prepared by `setup` and returns the one thing it
/// said on stderr before exiting non-zero.
fn start_up_failure(setup: impl Fn(&Path) -> String) -> (DataDir, String) {
    let data = DataDir::new();
    let (status, stderr) = run_to_failure(keycard_in_namespace(&data, &setup(&data.path)));
    assert!(
        !status.success(),
        "keycard started anyway; stderr: {stderr}"
    );
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "want one line, got: {stderr}");
    let line = lines[0].to_owned();
    assert!(
        line.contains(&data.database().display().to_string()),
        "{line}"
    );
    (data, line)
}

#[test]
fn start_up_in_a_read_only_directory_fails_with_one_sentence_naming_the_path() {
    let (_data, line) = start_up_failure(|directory| tmpfs(directory, "ro,size=1m"));
    assert!(line.contains("Read-only file system"), "{line}");
}

#[test]
fn start_up_on_a_full_disk_fails_with_one_sentence_naming_the_path() {
    let (_data, line) = start_up_failure(|directory| {
        format!(
            "{} && (head -c 1M /dev/zero > '{}/filler' 2>/dev/null || true)",
            tmpfs(directory, "size=64k"),
            directory.display()
        )
    });
    assert!(
        line.contains("full") || line.contains("No space left"),
        "{line}"
    );
}

/// Fills the filesystem the server sees at `directory` through its /proc root.
fn fill_disk(server: &Server, directory: &Path) -> PathBuf {
    let inside = format!("/proc/{}/root{}/filler", server.pid(), directory.display());
    let mut filler = std::fs::File::create(&inside).expect("a filler file inside the tmpfs");
    let block = vec![0u8; 64 * 1024];
    loop {
        if let Err(error) = filler.write_all(&block).and_then(|()| filler.sync_all()) {
            assert_eq!(error.raw_os_error(), Some(28), "want ENOSPC, got {error}");
            return PathBuf::from(inside);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_a_full_disk_writes_fail_clearly_reads_go_on_and_space_brings_writes_back() {
    let data = DataDir::new();
    let server = Server::spawn(keycard_in_namespace(&data, &tmpfs(&data.path, "size=2m")));
    let client = Client::new(&server);
    client.register("early").await.unwrap();
    let token = client.login("early").await.unwrap().token();

    let filler = fill_disk(&server, &data.path);
    let mut refused = None;
    for attempt in 0..30 {
        let answer = client.register(&format!("late{attempt}")).await.unwrap();
        match answer.status {
            StatusCode::CREATED => continue,
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(answer);
                break;
            }
            _ => panic!("a sign-up on a full disk got {answer:?}"),
        }
    }
    let refused = refused.expect("30 sign-ups fit on a full disk");
    assert!(refused.message().contains("try again"), "{refused:?}");

    // A login starts a session, which is a write: refused the same way.
    let login = client.login("early").await.unwrap();
    assert_eq!(login.status, StatusCode::SERVICE_UNAVAILABLE, "{login:?}");
    assert_eq!(client.user(&token).await.unwrap().status, StatusCode::OK);
    assert_eq!(client.get("/readyz").await.unwrap().status, StatusCode::OK);

    std::fs::remove_file(filler).unwrap();
    assert_eq!(client.login("early").await.unwrap().status, StatusCode::OK);
    assert_eq!(
        client.register("roomagain").await.unwrap().status,
        StatusCode::CREATED
    );
}

/// A data directory whose signing secret was lost while the database kept its accounts:
/// a new secret would sign everyone out and leave every two-step secret unopenable, so
/// the start is refused with one sentence naming the file, unless told otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_secret_beside_accounts_refuses_the_start_unless_allowed() {
    let data = DataDir::new();
    let secret = data.path.join("jwt-secret");
    {
        let server = Server::start(&data);
        Client::new(&server).register("kept").await.unwrap();
    }
    std::fs::remove_file(&secret).expect("the generated secret was there");

    let (status, stderr) = run_to_failure(keycard_command(&data));
    assert!(!status.success(), "keycard started anyway: {stderr}");
    assert!(
        stderr.contains(&secret.display().to_string())
            && stderr.contains("KEYCARD_ALLOW_NEW_SECRET=true"),
        "{stderr}"
    );
    assert!(!secret.exists(), "a new secret was written");

    let mut allowed = keycard_command(&data);
    allowed.env("KEYCARD_ALLOW_NEW_SECRET", "true");
    let server = Server::spawn(allowed);
    let answer = Client::new(&server).login("kept").await.unwrap();
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert!(secret.exists());
}
