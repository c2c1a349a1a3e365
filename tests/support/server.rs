//! A real server in the test's process, on 127.0.0.1:0: started (on a fresh database, an
//! existing one, or a site of static files), restarted, stopped, and its database opened
//! beside it. Accounts are signed up through the real form endpoint, once per name.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use banter::server::storage::database::Database;
use banter::server::{self, Config, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::PATIENCE;
use super::database::FreshDatabase;
use super::object_store::Storage;

pub struct TestServer {
    pub addr: SocketAddr,
    /// The database it runs on (see [`TestServer::store`] to read it directly).
    pub database: Database,
    /// Where it keeps attachments.
    pub storage: Storage,
    /// Dropped (a PostgreSQL database with it) after `Drop::drop` has stopped the server.
    fresh: Option<FreshDatabase>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    /// Session cookies of the accounts signed up so far, by username.
    cookies: Mutex<HashMap<String, String>>,
}

/// Wait until the server at `addr` answers HTTP. A server that stopped while starting (its
/// database, its bucket) fails the test with its own error, not with the reset connection a
/// later request would meet.
async fn serving(addr: SocketAddr, task: &mut JoinHandle<anyhow::Result<()>>) {
    let deadline = tokio::time::Instant::now() + PATIENCE * 3;
    loop {
        if task.is_finished() {
            match task.await {
                Ok(Ok(())) => panic!("the server stopped while starting, without an error"),
                Ok(Err(error)) => panic!("the server did not start: {error:#}"),
                Err(error) => panic!("the server's task failed while starting: {error}"),
            }
        }
        if answers_http(addr).await {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the server did not start answering in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether `GET /healthz` at `addr` gets an HTTP answer (any status) within [`PATIENCE`].
async fn answers_http(addr: SocketAddr) -> bool {
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let answered = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response.starts_with(b"HTTP/1.1 "))
    };
    matches!(tokio::time::timeout(PATIENCE, answered).await, Ok(Ok(true)))
}

/// The password [`TestServer::sign_up_known`] signs people up with.
pub const KNOWN_PASSWORD: &str = "correct horse battery";

/// Sign up `username` on the server at `addr`; its session cookie.
pub async fn sign_up(addr: SocketAddr, username: &str) -> String {
    tokio::time::timeout(PATIENCE, banter::load::client::sign_up(addr, username))
        .await
        .expect("sign-up in time")
        .expect("sign-up gives a session")
}

pub fn leptos_options() -> leptos::config::LeptosOptions {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    leptos::config::get_configuration(Some(path)).expect("Leptos.toml reads").leptos_options
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server on a fresh database, with `tune` adjusting the configuration.
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        Self::start_fresh(FreshDatabase::new().await, tune).await
    }

    /// A server on `fresh`, which it keeps (and drops) with itself.
    pub async fn start_fresh(fresh: FreshDatabase, tune: impl FnOnce(&mut Config)) -> Self {
        let mut server = Self::start_on(&fresh.database, fresh.storage(), tune).await;
        server.fresh = Some(fresh);
        server
    }

    /// A server on a fresh database whose site (static files) is the repository's `public/`,
    /// as `cargo leptos build` copies it, for tests of those files that must not depend on a
    /// build having run.
    pub async fn start_serving_public() -> Self {
        Self::start_serving_site(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/public")), false).await
    }

    /// A server on a fresh database serving the static files in `site`; `hashed_names` as when
    /// the build gave the bundle hashed file names.
    pub async fn start_serving_site(site: &Path, hashed_names: bool) -> Self {
        let fresh = FreshDatabase::new().await;
        let mut options = leptos_options();
        options.site_root = site.to_string_lossy().into();
        options.hash_files = hashed_names;
        let mut server = Self::start_with_options(&fresh.database, fresh.storage(), |_| {}, options).await;
        server.fresh = Some(fresh);
        server
    }

    /// A server on an existing database (another server's, after it stopped).
    pub async fn start_on(database: &Database, storage: Storage, tune: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_options(database, storage, tune, leptos_options()).await
    }

    async fn start_with_options(
        database: &Database,
        storage: Storage,
        tune: impl FnOnce(&mut Config),
        options: leptos::config::LeptosOptions,
    ) -> Self {
        let mut config = Config::with_database(database.clone());
        storage.configure(&mut config);
        tune(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let mut task = tokio::spawn(server::run(config, options, listener, async move {
            let _ = stopped.await;
        }));
        serving(addr, &mut task).await;
        Self {
            addr,
            database: database.clone(),
            storage,
            fresh: None,
            stop: Some(stop),
            task: Some(task),
            cookies: Mutex::default(),
        }
    }

    /// Stop (gracefully) and start again on the same database and uploads, `tune`d anew.
    pub async fn restart(mut self, tune: impl FnOnce(&mut Config)) -> Self {
        self.stop().await;
        let mut next = Self::start_on(&self.database, self.storage.clone(), tune).await;
        next.fresh = self.fresh.take();
        next
    }

    /// The server's database opened beside it, to read (or arrange) what a test checks.
    pub async fn store(&self) -> Store {
        Store::connect(&self.database, banter::server::storage::store::BUSY_TIMEOUT)
            .await
            .expect("the database opens")
    }

    /// A pool on the server's database, for statements a test runs itself (`$1` placeholders,
    /// as in the store).
    pub async fn sql(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = match &self.database {
            Database::Sqlite(path) => format!("sqlite://{}", path.display()),
            Database::Postgres(url) => url.clone(),
        };
        sqlx::AnyPool::connect(&url).await.expect("a second connection to the database")
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Begin a graceful shutdown and wait for the server to finish it.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("server stops in time")
                .expect("server task")
                .expect("server ran cleanly");
        }
    }

    /// The session cookie (`banter_session=…`) of the account `username`, signed up through
    /// the real form endpoint the first time it is asked for.
    /// Sign `username` up with the password [`KNOWN_PASSWORD`] (for tests that type it again):
    /// the session cookie, `banter_session=…`.
    pub async fn sign_up_known(&self, username: &str) -> String {
        let form = format!("username={username}&password={}", super::form_value(KNOWN_PASSWORD));
        let answer = self.post_form("/api/sign_up", None, &form).await;
        let session = super::set_cookie(&answer, "banter_session").unwrap_or_else(|| panic!("{answer}"));
        format!("banter_session={session}")
    }

    pub async fn cookie(&self, username: &str) -> String {
        if let Some(cookie) = self.cookies.lock().expect("cookie jar").get(username) {
            return cookie.clone();
        }
        let cookie = sign_up(self.addr, username).await;
        self.cookies.lock().expect("cookie jar").insert(username.to_owned(), cookie.clone());
        cookie
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        // A 500 is the server's own fault: no test, whatever it provokes, may meet one (the
        // count is the whole suite's, in this process).
        if !std::thread::panicking() {
            let faults = banter::server::edge::api_status::internal_errors_total();
            assert_eq!(faults, 0, "the server answered 500 (see its error log): a fault, not a refusal");
        }
    }
}
