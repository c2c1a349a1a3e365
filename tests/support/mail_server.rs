//! A real SMTP server of the test's own: aiosmtpd (from PyPI; `scripts/bootstrap.sh test`
//! installs it in `.tools/aiosmtpd/`) on a free loopback port, keeping every email it receives
//! in a Maildir the test reads back, as sent. Stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::PATIENCE;

/// Names the Python that has aiosmtpd, when it is not `.tools/aiosmtpd/bin/python`.
pub const AIOSMTPD_PYTHON_ENV: &str = "BANTER_TEST_AIOSMTPD_PYTHON";

pub struct TestSmtp {
    /// What `--smtp-url` says.
    pub url: String,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
    child: Child,
}

/// One email as the server received it: its headers and body, unfolded.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: String,
}

impl Received {
    /// The value of header `name` (the first one).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().or_else(|| self.raw.split("\n\n").next())?;
        let unfolded = head.replace("\r\n ", " ").replace("\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }

    /// The body, decoded from quoted-printable if it was sent so.
    pub fn body(&self) -> String {
        let body =
            self.raw.split_once("\r\n\r\n").or_else(|| self.raw.split_once("\n\n")).map_or("", |(_, b)| b);
        let quoted = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        let body = body.replace("\r\n", "\n");
        if !quoted {
            return body;
        }
        let mut bytes = Vec::new();
        let mut rest = body.as_bytes();
        while let Some((&first, tail)) = rest.split_first() {
            match first {
                b'=' if tail.first() == Some(&b'\n') => rest = &tail[1..],
                b'=' if tail.len() >= 2 => {
                    let hex = std::str::from_utf8(&tail[..2]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(byte) => bytes.push(byte),
                        Err(_) => bytes.extend_from_slice(&[b'=', tail[0], tail[1]]),
                    }
                    rest = &tail[2..];
                }
                other => {
                    bytes.push(other);
                    rest = tail;
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The links in the body that start with `prefix`.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        self.body().split_whitespace().filter(|word| word.starts_with(prefix)).map(str::to_owned).collect()
    }
}

impl TestSmtp {
    pub async fn start() -> Self {
        let port = {
            let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            free.local_addr().expect("its address").port()
        };
        let dir = tempfile::tempdir().expect("a directory for the mail");
        let maildir = dir.path().join("mail");
        let python = std::env::var(AIOSMTPD_PYTHON_ENV).unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/aiosmtpd/bin/python").to_owned()
        });
        let child = Command::new(&python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd runs (scripts/bootstrap.sh test installs it in .tools/aiosmtpd)");
        let deadline = tokio::time::Instant::now() + PATIENCE * 3;
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "aiosmtpd did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { url: format!("smtp://127.0.0.1:{port}"), maildir, _dir: dir, child }
    }

    /// Every email received so far for `address`, oldest first.
    pub fn received_by(&self, address: &str) -> Vec<Received> {
        let mut found: Vec<(std::time::SystemTime, Received)> = Vec::new();
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(folder)) else { continue };
            for entry in entries.flatten() {
                let Some(received) = read(&entry.path()) else { continue };
                if received.header("To").is_some_and(|to| to.eq_ignore_ascii_case(address)) {
                    let at = entry.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                    found.push((at, received));
                }
            }
        }
        found.sort_by_key(|(at, _)| *at);
        found.into_iter().map(|(_, received)| received).collect()
    }

    /// Wait until `count` emails have come for `address`; all of them.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let received = self.received_by(address);
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{count} emails for {address} did not come; {} did",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn read(path: &Path) -> Option<Received> {
    Some(Received { raw: std::fs::read_to_string(path).ok()? })
}

impl Drop for TestSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
