//! Test harness: a real server on 127.0.0.1:0 with a real database, and protocol clients.
//!
//! The database is a fresh SQLite file per server, or, when `BANTER_TEST_POSTGRES` names a
//! PostgreSQL server (`make unit` starts one with `scripts/test-services.sh` and runs the suite
//! once on each), a fresh PostgreSQL database per server, dropped with it.
//!
//! Waiting is always on a condition (the next frame); the timeouts only turn a hang into a
//! failure with a message.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use banter::protocol::{self, ClientFrame, ServerFrame};
/// Test files (photos, a bomb), the same ones the unit tests use.
#[path = "../../src/server/media/fixtures.rs"]
#[allow(dead_code)] // each test file uses some of them
pub mod media_fixtures;
pub mod object_store;
pub mod process;
pub mod redis_server;

use object_store::Storage;

use banter::server::storage::database::Database;
use banter::server::{self, Config, Store};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::COOKIE;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Longest a test waits for something that should happen at once.
/// A form field's value, percent-encoded.
pub fn form_value(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The JSON body of a server function's answer.
pub fn json_body<T: serde::de::DeserializeOwned>(answer: &str) -> T {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

pub const PATIENCE: Duration = Duration::from_secs(10);

/// Names the PostgreSQL server (a URL whose role may create databases) the suite runs on.
pub const POSTGRES_ENV: &str = "BANTER_TEST_POSTGRES";

/// A database for one test: dropped with it when it is a PostgreSQL one.
pub struct FreshDatabase {
    pub database: Database,
    /// Holds the SQLite file (and the uploads of a server on this database).
    pub dir: tempfile::TempDir,
    /// The server's URL and the database's name, to drop it afterwards.
    postgres: Option<(String, String)>,
    /// Where a server on this database keeps attachments.
    storage: Storage,
}

impl FreshDatabase {
    /// A SQLite file, or a new PostgreSQL database when [`POSTGRES_ENV`] is set.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::new(dir.path()).await;
        let Ok(admin) = std::env::var(POSTGRES_ENV) else {
            return Self {
                database: Database::Sqlite(dir.path().join("banter.db")),
                dir,
                postgres: None,
                storage,
            };
        };
        use sqlx::Connection;
        let name = format!("banter_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the test PostgreSQL server answers");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("database created");
        conn.close().await.expect("closed");
        let (server, _) = admin.rsplit_once('/').expect("a URL ending in /DATABASE");
        let url = format!("{server}/{name}");
        Self {
            database: url.parse().expect("a PostgreSQL URL"),
            dir,
            postgres: Some((admin.clone(), name)),
            storage,
        }
    }

    /// Only SQLite: for the tests of what is particular to it (a locked file, a path).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage { dir: dir.path().join("uploads"), bucket: None };
        Self { database: Database::Sqlite(dir.path().join("banter.db")), dir, postgres: None, storage }
    }

    /// Where a server on this database keeps attachments.
    pub fn storage(&self) -> Storage {
        self.storage.clone()
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else { return };
        // Drop runs outside async: a thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop a test database: {error}");
        }
    }
}

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

/// A request that got no whole answer within [`PATIENCE`]: which one, and what did come.
fn no_answer_in_time(request: &[u8], partial: &[u8]) -> ! {
    let request = String::from_utf8_lossy(request);
    let first_line = request.lines().next().unwrap_or_default();
    let head = String::from_utf8_lossy(&partial[..partial.len().min(400)]);
    panic!("no whole response in time to {first_line:?}; {} bytes came: {head:?}", partial.len())
}

/// The value of a response's header (the first of that name, matched without case).
pub fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
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
    pub async fn cookie(&self, username: &str) -> String {
        if let Some(cookie) = self.cookies.lock().expect("cookie jar").get(username) {
            return cookie.clone();
        }
        let cookie = sign_up(self.addr, username).await;
        self.cookies.lock().expect("cookie jar").insert(username.to_owned(), cookie.clone());
        cookie
    }

    /// A connection signed in as `username`, not yet joined.
    pub async fn connect(&self, username: &str) -> Client {
        let cookie = self.cookie(username).await;
        Client::connect(&self.ws_url(), &cookie).await
    }

    /// Open a socket with `cookie`, or the HTTP status the upgrade was refused with.
    pub async fn try_connect(
        &self,
        cookie: &str,
    ) -> Result<Client, tokio_tungstenite::tungstenite::http::StatusCode> {
        let mut request = self.ws_url().into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(COOKIE, HeaderValue::from_str(cookie).expect("a cookie header"));
        match tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(request))
            .await
            .expect("in time")
        {
            Ok((ws, _)) => Ok(Client::from_stream(ws)),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status()),
            Err(other) => panic!("unexpected handshake failure: {other}"),
        }
    }

    /// A socket with `cookie` as soon as the server admits one (after another was closed).
    pub async fn connect_once_freed(&self, cookie: &str) -> Client {
        let admitted = tokio::time::timeout(PATIENCE, async {
            loop {
                if let Ok(client) = self.try_connect(cookie).await {
                    return client;
                }
                tokio::task::yield_now().await;
            }
        });
        admitted.await.expect("the freed place is taken again")
    }

    /// A client signed in as `username` that has said hello and read its welcome.
    pub async fn join(&self, username: &str) -> Client {
        self.join_after(username, None).await
    }

    pub async fn join_after(&self, username: &str, after: Option<i64>) -> Client {
        let mut client = self.connect(username).await;
        client
            .send(&ClientFrame::Hello { room: "general".into(), after: after.map(protocol::ResumeFrom::Seq) })
            .await;
        let welcome = client.next().await;
        assert!(matches!(welcome, ServerFrame::Welcome { .. }), "expected welcome, got {welcome:?}");
        client
    }

    /// A plain HTTP/1.1 request; returns the status line, headers and body as text.
    pub async fn http(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("write request");
        let mut response = Vec::new();
        let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response)).await;
        let Ok(read) = read else { no_answer_in_time(request.as_bytes(), &response) };
        read.expect("read response");
        String::from_utf8_lossy(&response).into_owned()
    }

    /// Send `request` (bytes, `Connection: close`) and read the whole answer.
    pub async fn http_bytes(&self, request: &[u8]) -> RawResponse {
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        stream.write_all(request).await.expect("write request");
        let mut response = Vec::new();
        let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response)).await;
        let Ok(read) = read else { no_answer_in_time(request, &response) };
        read.expect("read response");
        RawResponse::parse(response)
    }

    /// Upload `bytes` as the file `name` (multipart, as a browser's form data), as `cookie`.
    pub async fn upload(&self, cookie: &str, name: &str, bytes: &[u8]) -> RawResponse {
        let boundary = "----banter-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = format!(
            "POST /api/uploads HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
            host = self.addr,
            len = body.len()
        )
        .into_bytes();
        request.extend_from_slice(&body);
        self.http_bytes(&request).await
    }

    /// `GET path` as `cookie` (empty: signed out), with extra header lines (each ending `\r\n`).
    pub async fn fetch(&self, cookie: &str, path: &str, extra: &str) -> RawResponse {
        let cookie = if cookie.is_empty() { String::new() } else { format!("Cookie: {cookie}\r\n") };
        self.http_bytes(
            format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{cookie}{extra}Connection: close\r\n\r\n", self.addr)
                .as_bytes(),
        )
        .await
    }

    /// `GET path` as a browser navigating there (which says it accepts HTML).
    pub async fn get(&self, path: &str) -> String {
        self.http(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/html\r\nConnection: close\r\n\r\n",
            self.addr
        ))
        .await
    }

    /// A value from the server's `/metrics`.
    pub async fn metric(&self, name: &str) -> usize {
        let page = self.get("/metrics").await;
        page.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no {name} in {page}"))
    }

    /// `GET path` with a cookie, as a signed-in browser would.
    pub async fn get_as(&self, cookie: &str, path: &str) -> String {
        self.http(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/html\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
            self.addr
        ))
        .await
    }

    /// A server function call as the page's script makes it: form fields in, JSON out.
    pub async fn call(&self, path: &str, cookie: &str, form: &str) -> String {
        self.http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = self.addr,
            len = form.len()
        ))
        .await
    }

    /// Post `body` to `room` as the account behind `cookie`, through the plain form endpoint:
    /// stored, and answered with a redirect back.
    pub async fn post_message(&self, cookie: &str, room: &str, client_id: &str, body: &str) {
        let form = format!("room={room}&body={}&client_id={client_id}", form_value(body));
        let answer = self.post_form("/api/post_message", Some(cookie), &form).await;
        assert!(answer.starts_with("HTTP/1.1 302"), "{answer}");
    }

    /// A form post as a browser without JavaScript sends it (`Accept: text/html`), with an
    /// optional cookie. Returns the whole response.
    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &str) -> String {
        let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
        self.http(&format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nReferer: http://{host}/\r\n{cookie}\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{form}",
            host = self.addr,
            len = form.len()
        ))
        .await
    }
}

/// An HTTP response: status, header block, body bytes.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    fn parse(bytes: Vec<u8>) -> Self {
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let mut body = bytes[split + 4..].to_vec();
        if header(&head, "transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            body = dechunk(&body);
        }
        Self { status, head, body }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.head, name)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 2 + size + 2..];
    }
    out
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

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Whether `person` frames (someone you share a room with came or went, sent from a
    /// background task at no fixed point in the stream) are returned or passed over. Off by
    /// default, so tests about other things read a deterministic stream.
    people: bool,
    /// Whether `members` frames (a room's member list changed; every sign-up joins general,
    /// so tests about other things would meet them anywhere) are returned or passed over.
    members: bool,
}

/// What the next read brought, for tests that expect the connection to end.
// A few of these live at a time in a test: their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    Frame(ServerFrame),
    Closed(Option<CloseFrame>),
    Ended,
}

impl Client {
    /// Connect to `url` presenting `cookie` (`banter_session=…`).
    pub async fn connect(url: &str, cookie: &str) -> Self {
        let mut request = url.into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(COOKIE, HeaderValue::from_str(cookie).expect("a cookie header"));
        let (ws, _) = tokio_tungstenite::connect_async(request).await.expect("WebSocket connects");
        Self::from_stream(ws)
    }

    /// A client on a socket opened some other way.
    pub fn from_stream(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Self {
        Self { ws, people: false, members: false }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&protocol::encode(frame)).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    pub async fn send_message(&mut self, client_id: &str, body: &str) {
        self.send(&ClientFrame::Send {
            room: "general".into(),
            client_id: client_id.into(),
            body: body.into(),
            attachments: Vec::new(),
            reply_to: None,
        })
        .await;
    }

    /// From now on, return `members` frames too.
    pub fn hear_members(&mut self) {
        self.members = true;
    }

    /// From now on, return `person` frames too.
    pub fn hear_people(&mut self) {
        self.people = true;
    }

    /// The next protocol frame (skipping transport pings, and `person` frames unless asked).
    pub async fn event(&mut self) -> Event {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.ws.next()).await.expect("a frame in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    let frame = protocol::decode_server(text.as_str()).expect("valid server frame");
                    if matches!(frame, ServerFrame::Person { .. }) && !self.people
                        || matches!(frame, ServerFrame::Members { .. }) && !self.members
                    {
                        continue;
                    }
                    return Event::Frame(frame);
                }
                Some(Ok(Message::Close(frame))) => return Event::Closed(frame),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Event::Ended,
            }
        }
    }

    pub async fn next(&mut self) -> ServerFrame {
        match self.event().await {
            Event::Frame(frame) => frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// Read until a frame matches, returning it; everything before is returned too.
    pub async fn until(
        &mut self,
        mut wanted: impl FnMut(&ServerFrame) -> bool,
    ) -> (ServerFrame, Vec<ServerFrame>) {
        let mut skipped = Vec::new();
        loop {
            let frame = self.next().await;
            if wanted(&frame) {
                return (frame, skipped);
            }
            skipped.push(frame);
        }
    }

    /// Read until the ack for `client_id`; returns its seq.
    pub async fn ack(&mut self, client_id: &str) -> i64 {
        let (frame, _) = self
            .until(|f| matches!(f, ServerFrame::Ack { client_id: id, .. } | ServerFrame::Error { client_id: Some(id), .. } if id == client_id))
            .await;
        match frame {
            ServerFrame::Ack { seq, .. } => seq,
            other => panic!("expected ack for {client_id}, got {other:?}"),
        }
    }

    /// Read until the connection closes; its close code. No message may come before it.
    pub async fn close_code(&mut self) -> u16 {
        loop {
            match self.event().await {
                Event::Closed(Some(frame)) => return u16::from(frame.code),
                Event::Closed(None) | Event::Ended => panic!("closed without a code"),
                Event::Frame(ServerFrame::Message(message)) => panic!("heard {message:?} after the end"),
                Event::Frame(_) => continue,
            }
        }
    }

    /// Ping and wait for the pong: proves the connection still works, and that everything
    /// the server queued for us before it has been read.
    pub async fn round_trip(&mut self) -> Vec<ServerFrame> {
        self.send(&ClientFrame::Ping).await;
        self.until(|f| *f == ServerFrame::Pong).await.1
    }
}
