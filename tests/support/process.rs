//! The real server binary as a child process, so that a test can kill it with SIGKILL.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use banter::server::storage::database::Database;

use super::FreshDatabase;
use super::object_store::Storage;

/// The real binary, so that it can be killed with SIGKILL.
pub struct Process {
    child: Child,
    pub addr: String,
}

impl Process {
    /// The server on `fresh`'s database, with `args` added to its command line.
    pub fn start(fresh: &FreshDatabase, args: &[&str]) -> Self {
        Self::start_on(&fresh.database, &fresh.storage(), args)
    }

    /// The server on `database` (another node's), keeping attachments in `storage`.
    pub fn start_on(database: &Database, storage: &Storage, args: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_banter"));
        command.args(["--addr", "127.0.0.1:0", "--log", "info"]);
        storage.configure_command(&mut command);
        match database {
            Database::Sqlite(path) => command.arg("--db").arg(path),
            Database::Postgres(url) => command.arg("--database-url").arg(url),
        };
        let mut child = command
            .args(args)
            .arg("--leptos-config")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .env("NO_COLOR", "1")
            .env("RUST_LOG_STYLE", "never")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("server printed its address").expect("log line");
            if let Some(at) = line.find("listening on http://") {
                break line[at + "listening on http://".len()..].trim().to_owned();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, addr }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}
