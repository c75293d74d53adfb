//! The mail queue: letters are composed at once and delivered by a background task,
//! a few at a time, each tried again with growing waits before it is given up and
//! logged. A request never waits for a mail server, and the queue is bounded: when it
//! is full, a letter is dropped and logged rather than memory growing without end.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, mpsc};

use super::compose::compose;
use super::{MailSettings, SmtpSecurity, SmtpUrl, Transport};
use keycard_core::auth::{Letter, Postbox};

/// Letters waiting at most; more are dropped (and logged) until the queue drains.
const QUEUE_CAPACITY: usize = 1000;
/// Deliveries in flight at once.
const PARALLEL_DELIVERIES: usize = 4;
/// Tries per letter, the first included.
const ATTEMPTS: u32 = 4;
/// How long one attempt may talk to an SMTP server.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Posts letters to the queue; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    queue: mpsc::Sender<Message>,
    settings: Arc<MailSettings>,
    status: Arc<Status>,
}

/// What `/readyz` reports of mail: the site still serves when mail fails, so this is
/// detail for whoever watches it, not a reason to take the process out of service.
#[derive(Debug, Clone, Serialize)]
pub struct MailHealth {
    /// "outbox" or "smtp".
    pub transport: &'static str,
    /// "ok", or "failing" while the latest delivery attempt failed.
    pub state: &'static str,
    /// Letters waiting to be sent.
    pub queued: u64,
    /// Letters sent since the start.
    pub sent: u64,
    /// Letters given up after every attempt, or dropped because the queue was full.
    pub failed: u64,
    /// Why the last delivery failed, if it did and none succeeded since.
    pub last_error: Option<String>,
    /// Unix seconds.
    pub last_error_at: Option<i64>,
}

#[derive(Default)]
struct Status {
    queued: AtomicU64,
    sent: AtomicU64,
    failed: AtomicU64,
    /// Whether the latest attempt failed; the next success clears it.
    failing: AtomicBool,
    last_error: Mutex<Option<(String, i64)>>,
}

impl Status {
    fn record_failure(&self, error: String) {
        self.failing.store(true, Ordering::Relaxed);
        *lock(&self.last_error) = Some((error, OffsetDateTime::now_utc().unix_timestamp()));
    }

    fn record_success(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.failing.store(false, Ordering::Relaxed);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where the worker hands messages.
enum Sender {
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Sender {
    /// Sends one message; says where it went, for the log.
    async fn send(&self, message: Message) -> Result<String, String> {
        match self {
            Self::Outbox(outbox, folder) => outbox
                .send(message)
                .await
                .map(|id| folder.join(format!("{id}.eml")).display().to_string())
                .map_err(|error| format!("could not write to the outbox: {error}")),
            Self::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|response| format!("the SMTP server ({})", response.code()))
                .map_err(|error| format!("the SMTP server refused or failed: {error}")),
        }
    }
}

impl Mailer {
    /// Opens the transport (creating the outbox folder, owner-only: letters hold
    /// links that sign people in) and starts the delivery task on the current runtime.
    pub fn start(settings: MailSettings) -> anyhow::Result<Self> {
        let sender = match &settings.transport {
            Transport::Outbox(folder) => {
                use std::os::unix::fs::DirBuilderExt as _;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(folder)
                    .map_err(|error| {
                        anyhow::anyhow!("could not create the outbox {}: {error}", folder.display())
                    })?;
                Sender::Outbox(AsyncFileTransport::new(folder), folder.clone())
            }
            Transport::Smtp { url, extra_ca } => Sender::Smtp(smtp_transport(url, extra_ca)?),
        };
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let status = Arc::new(Status::default());
        tokio::spawn(deliver_all(
            receiver,
            Arc::new(sender),
            status.clone(),
            settings.first_retry,
        ));
        Ok(Self {
            queue,
            settings: Arc::new(settings),
            status,
        })
    }

    /// How delivery is going.
    pub fn health(&self) -> MailHealth {
        let status = &self.status;
        let last_error = lock(&status.last_error).clone();
        MailHealth {
            transport: match self.settings.transport {
                Transport::Outbox(_) => "outbox",
                Transport::Smtp { .. } => "smtp",
            },
            state: if status.failing.load(Ordering::Relaxed) {
                "failing"
            } else {
                "ok"
            },
            queued: status.queued.load(Ordering::Relaxed),
            sent: status.sent.load(Ordering::Relaxed),
            failed: status.failed.load(Ordering::Relaxed),
            last_error_at: last_error.as_ref().map(|(_, at)| *at),
            last_error: last_error.map(|(error, _)| error),
        }
    }

    /// Where mail goes, for the start-up log line.
    pub fn describe(&self) -> String {
        match &self.settings.transport {
            Transport::Outbox(folder) => format!("the outbox {}", folder.display()),
            Transport::Smtp { url, .. } => url.describe(),
        }
    }
}

impl Postbox for Mailer {
    fn post(&self, letter: Letter) {
        let message = match compose(&self.settings, &letter) {
            Ok(message) => message,
            Err(error) => {
                self.status.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error, "a letter could not be composed and was not sent");
                return;
            }
        };
        match self.queue.try_send(message) {
            Ok(()) => {
                self.status.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => {
                self.status.failed.fetch_add(1, Ordering::Relaxed);
                self.status
                    .record_failure("the mail queue is full".to_owned());
                tracing::error!(%error, "the mail queue is full; a letter was dropped");
            }
        }
    }
}

/// The SMTP transport `url` describes; with `extra_ca`, the server's certificate may
/// also chain to one of the authorities in that PEM file.
fn smtp_transport(
    url: &SmtpUrl,
    extra_ca: &Option<PathBuf>,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)?.timeout(Some(SMTP_TIMEOUT));
    if let Some(path) = extra_ca {
        let pem = std::fs::read(path).map_err(|error| {
            anyhow::anyhow!("could not read KEYCARD_SMTP_CA {}: {error}", path.display())
        })?;
        let parameters = TlsParameters::builder(url.host().to_owned())
            .add_root_certificate(Certificate::from_pem(&pem)?)
            .build_rustls()?;
        builder = builder.tls(match url.security() {
            SmtpSecurity::Tls => Tls::Wrapper(parameters),
            SmtpSecurity::StartTls | SmtpSecurity::Plain => Tls::Required(parameters),
        });
    }
    Ok(builder.build())
}

/// Takes letters off the queue for as long as the process runs.
async fn deliver_all(
    mut receiver: mpsc::Receiver<Message>,
    sender: Arc<Sender>,
    status: Arc<Status>,
    first_retry: Duration,
) {
    let in_flight = Arc::new(Semaphore::new(PARALLEL_DELIVERIES));
    while let Some(message) = receiver.recv().await {
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let (sender, status) = (sender.clone(), status.clone());
        tokio::spawn(async move {
            deliver(&sender, &status, message, first_retry).await;
            status.queued.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
}

async fn deliver(sender: &Sender, status: &Status, message: Message, first_retry: Duration) {
    let mut wait = first_retry;
    for attempt in 1..=ATTEMPTS {
        match sender.send(message.clone()).await {
            Ok(destination) => {
                status.record_success();
                tracing::info!("mail sent to {destination}");
                return;
            }
            Err(error) => {
                tracing::warn!(attempt, error, "mail delivery failed");
                status.record_failure(error);
                if attempt < ATTEMPTS {
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                }
            }
        }
    }
    status.failed.fetch_add(1, Ordering::Relaxed);
    tracing::error!(attempts = ATTEMPTS, "mail given up after every attempt");
}
