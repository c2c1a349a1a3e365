//! Sending email over SMTP (lettre) from a bounded queue, so that nothing that mails waits on
//! the mail server. A letter that does not fit in the queue is refused at once (the caller
//! says so, or logs it); one that fails is tried [`MAIL_ATTEMPTS`] times, the waits doubling
//! from [`MAIL_RETRY_FIRST`], then dropped with a warning.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use tokio::sync::{Semaphore, mpsc};

use crate::server::config::Config;

/// Letters waiting to be sent; beyond it new ones are refused.
pub const MAIL_QUEUE: usize = 256;
/// Letters being sent at once.
pub const MAIL_CONCURRENCY: usize = 4;
/// How long one conversation with the SMTP server may take.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(10);
/// Tries per letter.
pub const MAIL_ATTEMPTS: u32 = 3;
/// The wait before the second try; each later wait is twice the one before.
pub const MAIL_RETRY_FIRST: Duration = Duration::from_secs(2);

/// One email to one address, in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// A digest's one-click unsubscribe address (RFC 8058), put in its headers.
    pub unsubscribe: Option<String>,
}

/// Why a letter was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("this server sends no email (no --smtp-url)")]
    Off,
    #[error("too much email is waiting to be sent")]
    Busy,
}

/// The handle everything that mails holds.
#[derive(Clone)]
pub struct Mailer {
    tx: Option<mpsc::Sender<Letter>>,
}

impl Mailer {
    /// A mailer for `config`'s `--smtp-url`, its task started; one that sends nothing without it.
    pub fn start(config: &Config) -> anyhow::Result<Self> {
        let Some(url) = &config.smtp_url else { return Ok(Self { tx: None }) };
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|error| anyhow::anyhow!("--mail-from {:?} is no address: {error}", config.mail_from))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|error| anyhow::anyhow!("--smtp-url cannot be used: {error}"))?
            .timeout(Some(MAIL_TIMEOUT))
            .build();
        let (tx, rx) = mpsc::channel(MAIL_QUEUE);
        tokio::spawn(run(rx, Arc::new(transport), from));
        tracing::info!(from = %config.mail_from, "email is sent through the SMTP server");
        Ok(Self { tx: Some(tx) })
    }

    /// Whether this server sends email at all.
    pub fn is_on(&self) -> bool {
        self.tx.is_some()
    }

    /// Queue `letter`; never waits.
    pub fn send(&self, letter: Letter) -> Result<(), MailError> {
        let tx = self.tx.as_ref().ok_or(MailError::Off)?;
        tx.try_send(letter).map_err(|_| MailError::Busy)
    }
}

async fn run(
    mut rx: mpsc::Receiver<Letter>,
    transport: Arc<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
) {
    let permits = Arc::new(Semaphore::new(MAIL_CONCURRENCY));
    while let Some(letter) = rx.recv().await {
        let message = match build(&from, &letter) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "a letter could not be written; not sent");
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else { return };
        let transport = Arc::clone(&transport);
        tokio::spawn(async move {
            deliver(&transport, &message).await;
            drop(permit);
        });
    }
}

/// The email itself: from, to, subject, a plain-text body, and a digest's unsubscribe headers.
pub fn build(from: &Mailbox, letter: &Letter) -> Result<Message, String> {
    let to: Mailbox = letter.to.parse().map_err(|error| format!("{error}"))?;
    let mut message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&letter.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(letter.text.clone())
        .map_err(|error| error.to_string())?;
    if let Some(link) = &letter.unsubscribe {
        let headers = message.headers_mut();
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{link}>"),
        ));
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ));
    }
    Ok(message)
}

/// Send `message`, trying again after a failure.
async fn deliver(transport: &AsyncSmtpTransport<Tokio1Executor>, message: &Message) {
    let mut wait = MAIL_RETRY_FIRST;
    for attempt in 1..=MAIL_ATTEMPTS {
        match transport.send(message.clone()).await {
            Ok(_) => return tracing::debug!(attempt, "email sent"),
            // A permanent refusal (a bad address, say) will not change on a second try.
            Err(error) if error.is_permanent() => {
                return tracing::warn!(%error, "the SMTP server refused an email");
            }
            Err(error) if attempt == MAIL_ATTEMPTS => {
                return tracing::warn!(%error, attempt, "email not sent; given up");
            }
            Err(error) => tracing::info!(%error, attempt, "email not sent; trying again"),
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_carries_one_click_unsubscribe_headers_and_plain_text() {
        let from: Mailbox = "Banter <chat@example.com>".parse().expect("an address");
        let letter = Letter {
            to: "ann@example.com".into(),
            subject: "What you missed".into(),
            text: "Bob: <b>hi</b>".into(),
            unsubscribe: Some("https://chat.example.com/unsubscribe?token=1.ab".into()),
        };
        let written = String::from_utf8(build(&from, &letter).expect("writes").formatted()).expect("text");
        assert!(
            written.contains("List-Unsubscribe: <https://chat.example.com/unsubscribe?token=1.ab>"),
            "{written}"
        );
        assert!(written.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{written}");
        assert!(written.contains("Content-Type: text/plain"), "{written}");
        assert!(written.contains("Bob: <b>hi</b>"), "{written}");
        let no_address = Letter { to: "not an address".into(), ..letter };
        assert!(build(&from, &no_address).is_err());
    }
}
