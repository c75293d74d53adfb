//! The embedded default, as `make run` starts it: no SMTP settings, so every letter is
//! an `.eml` file in the outbox beside the database, named in the log, that a
//! developer can open and follow.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use keycard_core::auth::LINK_TOKEN_LENGTH;
use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::json;

use super::server::{Client, DataDir, PASSWORD, Server};

/// The letters in `outbox`, oldest first, once there are `count` of them.
fn wait_for_letters(outbox: &Path, count: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut letters: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(outbox)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
                    .filter_map(|entry| {
                        Some((entry.metadata().ok()?.modified().ok()?, entry.path()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if letters.len() >= count {
            letters.sort();
            return letters.into_iter().map(|(_, path)| path).collect();
        }
        assert!(
            Instant::now() < deadline,
            "no {count} letters in {outbox:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The subject of the letter at `path`, and the token of its link. The file can be
/// listed before its writer has finished it (the file transport creates, then writes),
/// so a letter that does not parse yet is read again for a few seconds.
fn read_letter(path: &Path) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let bytes = std::fs::read(path).expect("a readable letter");
        if let Some(letter) = subject_and_token(&bytes) {
            return letter;
        }
        assert!(
            Instant::now() < deadline,
            "no whole letter with a link in {path:?}: {}",
            String::from_utf8_lossy(&bytes)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn subject_and_token(bytes: &[u8]) -> Option<(String, String)> {
    let message = MessageParser::default().parse(bytes)?;
    let text = message.body_text(0)?;
    let (_, rest) = text.split_once("?token=")?;
    let token: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    (token.len() == LINK_TOKEN_LENGTH)
        .then(|| (message.subject().unwrap_or_default().to_owned(), token))
}

#[tokio::test]
async fn without_smtp_settings_letters_are_readable_files_in_the_outbox_named_in_the_log() {
    let data = DataDir::new();
    let server = Server::start(&data);
    let client = Client::new(&server);
    let registered = client
        .post(
            "/api/v1/register",
            &json!({"username": "outbox_user", "password": PASSWORD, "email": "ada@example.com"}),
        )
        .await
        .unwrap();
    assert_eq!(registered.status, StatusCode::CREATED, "{registered:?}");
    let outbox = data.path.join("outbox");
    let letters = wait_for_letters(&outbox, 1);
    let mode = std::fs::metadata(&outbox).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o700,
        "the outbox holds sign-in links: owner only"
    );
    let (subject, token) = read_letter(&letters[0]);
    assert_eq!(subject, "Confirm your email address");
    let verified = client
        .post("/api/v1/email/verify", &json!({"token": token}))
        .await
        .unwrap();
    assert_eq!(verified.status, StatusCode::OK, "{verified:?}");
    let asked = client
        .post("/api/v1/password/forgot", &json!({"login": "outbox_user"}))
        .await
        .unwrap();
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    let letters = wait_for_letters(&outbox, 2);
    let (subject, token) = read_letter(&letters[1]);
    assert_eq!(subject, "Reset your password");
    let reset = client
        .post(
            "/api/v1/password/reset",
            &json!({"token": token, "new_password": "a brand new passphrase"}),
        )
        .await
        .unwrap();
    assert_eq!(reset.status, StatusCode::OK, "{reset:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let named = letters[1].display().to_string();
    while !server.log().contains(&named) {
        assert!(
            Instant::now() < deadline,
            "no log line names {named}:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
