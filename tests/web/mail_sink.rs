//! A real SMTP server for the mail tests: Debian's aiosmtpd (`python3-aiosmtpd`),
//! started by each test that needs it, keeping what it receives in a maildir that the
//! test reads back. Stopped when dropped.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{Address, MessageParser};
use tempfile::TempDir;

/// Debian's interpreter, which has Debian's aiosmtpd (a pyenv or venv one may not).
const PYTHON: &str = "/usr/bin/python3";
/// Far longer than any delivery takes, so a slow CI machine does not fail a test.
const ARRIVES_WITHIN: Duration = Duration::from_secs(20);

pub struct MailSink {
    child: Child,
    maildir: TempDir,
    port: u16,
    tls: Option<SinkTls>,
}

/// How a sink with a certificate takes connections.
#[derive(Debug, Clone, Copy)]
pub enum SinkTls {
    /// Plain first, then STARTTLS, which it requires before any mail.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Wrapper,
}

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The headers and body exactly as they arrived.
    pub raw: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Received {
    /// The one link to `path` (e.g. `/reset-password`) in the plain-text part, after
    /// checking the HTML part carries the very same one.
    pub fn link(&self, path: &str) -> String {
        let links = links_in(&self.text, path);
        assert_eq!(links.len(), 1, "one {path} link in {}", self.text);
        let in_html = links_in(&self.html, path);
        assert!(
            in_html.contains(&links[0]),
            "the HTML part carries the link too: {}",
            self.html
        );
        links[0].clone()
    }

    /// The `token` of the link to `path`.
    pub fn token(&self, path: &str) -> String {
        let link = self.link(path);
        link.split_once("?token=")
            .map(|(_, token)| token.to_owned())
            .unwrap_or_else(|| panic!("no token in {link}"))
    }
}

/// Every absolute link to `path` on the test origin in `text`.
fn links_in(text: &str, path: &str) -> Vec<String> {
    let start = format!("https://keycard.test{path}?token=");
    text.match_indices(&start)
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || ":/?=.-_".contains(*c))
                .collect()
        })
        .collect()
}

/// A throwaway certificate authority and a certificate it signed for 127.0.0.1, made
/// with openssl as `tests/postgres/with-server` makes the database server's.
pub struct TestCertificates {
    directory: TempDir,
}

impl TestCertificates {
    pub fn new() -> Self {
        let directory = tempfile::tempdir().expect("a directory for certificates");
        let script = r#"set -euo pipefail
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Keycard test mail CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout server.key -out server.csr 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
  "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem 2>/dev/null"#;
        let status = Command::new("bash")
            .args(["-c", script])
            .current_dir(directory.path())
            .status()
            .expect("bash runs");
        assert!(
            status.success(),
            "openssl could not make the test certificates"
        );
        Self { directory }
    }

    pub fn ca(&self) -> PathBuf {
        self.directory.path().join("ca.pem")
    }
}

impl MailSink {
    pub fn start() -> Self {
        Self::spawn(None, &[])
    }

    /// A sink with a certificate `certificates` signed, taking mail only over TLS.
    pub fn start_with_tls(certificates: &TestCertificates, tls: SinkTls) -> Self {
        let (certificate, key) = match tls {
            SinkTls::StartTls => ("--tlscert", "--tlskey"),
            SinkTls::Wrapper => ("--smtpscert", "--smtpskey"),
        };
        let file = |name: &str| certificates.directory.path().join(name);
        Self::spawn(
            Some(tls),
            &[
                certificate.into(),
                file("server.pem"),
                key.into(),
                file("server.key"),
            ],
        )
    }

    fn spawn(tls: Option<SinkTls>, options: &[PathBuf]) -> Self {
        let maildir = tempfile::tempdir().expect("a maildir");
        let port = free_port();
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(options)
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // A folder that does not exist yet: Python's Maildir makes its
            // subfolders only when it creates the folder itself.
            .arg(maildir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's python3-aiosmtpd is installed (.ci/setup installs it)");
        let sink = Self {
            child,
            maildir,
            port,
            tls,
        };
        let deadline = Instant::now() + ARRIVES_WITHIN;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    /// `KEYCARD_SMTP_URL` for this sink, on loopback.
    pub fn url(&self) -> String {
        let port = self.port;
        match self.tls {
            None => format!("smtp://127.0.0.1:{port}"),
            Some(SinkTls::StartTls) => format!("smtp://127.0.0.1:{port}?tls=required"),
            Some(SinkTls::Wrapper) => format!("smtps://127.0.0.1:{port}"),
        }
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> =
            std::fs::read_dir(self.maildir.path().join("maildir").join("new"))
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter_map(|entry| {
                            let modified = entry.metadata().ok()?.modified().ok()?;
                            Some((modified, entry.path()))
                        })
                        .collect()
                })
                .unwrap_or_default();
        files.sort();
        files.into_iter().map(|(_, path)| path).collect()
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.files().iter().map(parse).collect()
    }

    /// Waits until `count` messages to `to` have arrived; returns them, oldest first.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + ARRIVES_WITHIN;
        loop {
            let messages: Vec<Received> = self
                .received()
                .into_iter()
                .filter(|message| message.to.iter().any(|address| address == to))
                .collect();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{count} messages to {to} did not arrive; got {messages:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(path: &PathBuf) -> Received {
    let bytes = std::fs::read(path).expect("a readable message");
    let message = MessageParser::default()
        .parse(&bytes)
        .expect("a message that parses");
    let to = match message.to() {
        Some(Address::List(list)) => list
            .iter()
            .filter_map(|address| address.address().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Received {
        raw: String::from_utf8_lossy(&bytes).into_owned(),
        to,
        subject: message.subject().unwrap_or_default().to_owned(),
        text: message.body_text(0).unwrap_or_default().into_owned(),
        html: message.body_html(0).unwrap_or_default().into_owned(),
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
