//! Run-time configuration: command-line flags, each with an environment variable beside it.
//!
//! Every limit a client can run into is here or a named constant in `crate::protocol`, and
//! the README lists them all.

use crate::ids::{RoomName, Username};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::server::media::object_store::{DEFAULT_REGION, ObjectStoreUrl};
use crate::server::outbound::{Allowed, Pin};
use crate::server::storage::database::Database;

#[derive(Debug, Clone, Parser)]
#[command(name = "banter", version, about = "Real-time web chat server")]
pub struct Config {
    /// What to do instead of serving (an operator's task); serving when left out.
    #[command(subcommand)]
    pub task: Option<Task>,

    /// Address to listen on. Defaults to Leptos.toml's `site-addr` (127.0.0.1:3000).
    #[arg(long, env = "BANTER_ADDR")]
    pub addr: Option<SocketAddr>,

    /// SQLite database file; created with its schema on first start.
    #[arg(long, env = "BANTER_DB", default_value = "data/banter.db")]
    pub db: PathBuf,

    /// The database as a URL, in place of `--db`: `sqlite://PATH` or
    /// `postgres://USER:PASSWORD@HOST:PORT/NAME` (its schema is created or updated at start).
    #[arg(long, env = "BANTER_DATABASE_URL")]
    pub database_url: Option<Database>,

    /// Redis, through which nodes on one PostgreSQL database deliver each other's events live
    /// (`redis://HOST:PORT`). Needed as soon as more than one node runs.
    #[arg(long, env = "BANTER_REDIS_URL")]
    pub redis_url: Option<String>,

    /// How often, in milliseconds, a node tells the others who is online on it.
    #[arg(long, env = "BANTER_PRESENCE_HEARTBEAT_MS", default_value_t = 5_000)]
    pub presence_heartbeat_ms: u64,

    /// A node not heard from for this many milliseconds is taken for dead: its people go
    /// offline everywhere else.
    #[arg(long, env = "BANTER_PRESENCE_TIMEOUT_MS", default_value_t = 15_000)]
    pub presence_timeout_ms: u64,

    /// This node's name in logs and among the nodes. Default: generated at start.
    #[arg(long, env = "BANTER_NODE_ID")]
    pub node_id: Option<String>,

    /// Directory for attachments, created if missing. Default: `uploads/` beside the SQLite
    /// file (`--db`'s directory when the database is PostgreSQL).
    #[arg(long, env = "BANTER_UPLOADS")]
    pub uploads: Option<PathBuf>,

    /// Keep attachments in an S3-compatible bucket instead of `--uploads` (which then only
    /// holds uploads in progress): `http[s]://HOST[:PORT]/BUCKET[/PREFIX]` for any
    /// S3-compatible server, or `s3://BUCKET[/PREFIX]` for Amazon S3. Nodes on several
    /// machines need this or a shared `--uploads` directory.
    #[arg(long, env = "BANTER_OBJECT_STORE_URL")]
    pub object_store_url: Option<ObjectStoreUrl>,

    /// The object store's region.
    #[arg(long, env = "AWS_REGION", default_value = DEFAULT_REGION)]
    pub object_store_region: String,

    /// The object store's access key id.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub object_store_access_key: Option<Secret>,

    /// The object store's secret key (better given in the environment than on the command line).
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub object_store_secret_key: Option<Secret>,

    /// Largest file one upload may be, in bytes; larger gets 413 (before it is sent, where the
    /// request says its length).
    #[arg(long, env = "BANTER_MAX_UPLOAD_BYTES", default_value_t = 25_000_000)]
    pub max_upload_bytes: u64,

    /// Seconds an upload may wait to be sent in a message; after that it is deleted.
    #[arg(long, env = "BANTER_UPLOAD_TTL", default_value_t = 24 * 60 * 60)]
    pub upload_ttl: u64,

    /// Seconds after sending that its author may still edit a message; 0: no limit.
    #[arg(long, env = "BANTER_EDIT_WINDOW", default_value_t = 0)]
    pub edit_window: u64,

    /// Who runs this server, for push services (the VAPID `sub`): a `mailto:` or `https:` URL.
    #[arg(long, env = "BANTER_PUSH_CONTACT", default_value = "mailto:admin@localhost")]
    pub push_contact: String,

    /// Accept push subscriptions whose endpoint is plain `http://` (a push service on the
    /// local network, or the tests'); by default only `https://`.
    #[arg(long, env = "BANTER_PUSH_ALLOW_HTTP")]
    pub push_allow_http: bool,

    /// Accept plain `http://` URLs for a room's slash commands and outgoing webhooks (handlers
    /// on a trusted network, or the tests'); by default only `https://`.
    #[arg(long, env = "BANTER_HOOKS_ALLOW_HTTP")]
    pub hooks_allow_http: bool,

    /// How long a slash command's handler has to answer, in milliseconds; after it the person
    /// is told it did not answer.
    #[arg(long, env = "BANTER_COMMAND_TIMEOUT_MS", default_value_t = 3_000)]
    pub command_timeout_ms: u64,

    /// The first wait before an outgoing webhook's failed delivery is tried again, in
    /// milliseconds; each later wait is twice the one before.
    #[arg(long, env = "BANTER_HOOK_RETRY_MS", default_value_t = 1_000)]
    pub hook_retry_ms: u64,

    /// Link previews: the server fetches the first web link of each new message (through the
    /// outbound guard) and shows a card of what the page says about itself. `false` turns them
    /// off on the whole server; a room's moderators may turn them off for their room.
    #[arg(long, env = "BANTER_LINK_PREVIEWS", default_value_t = true, action = clap::ArgAction::Set)]
    pub link_previews: bool,

    /// The server's address as people reach it (`https://chat.example.com`): the start of
    /// every link in an email and in `banter admin`'s output. Default: `http://<--addr>`.
    #[arg(long, env = "BANTER_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Send email (address verification, password resets, digests of what people missed)
    /// through this SMTP server: `smtp://HOST:PORT` (a relay on this machine, no TLS),
    /// `smtp://USER:PASSWORD@HOST:587?tls=required` (STARTTLS) or `smtps://USER:PASSWORD@HOST`
    /// (TLS). No email at all when left out. An operator's server, so not subject to the
    /// outbound guard.
    #[arg(long, env = "BANTER_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// The sender of every email (`Banter <chat@example.com>`).
    #[arg(long, env = "BANTER_MAIL_FROM", default_value = "Banter <banter@localhost>")]
    pub mail_from: String,

    /// Minutes a conversation message or a mention may stay unread (and unpushed) before it
    /// goes out in an email digest.
    #[arg(long, env = "BANTER_DIGEST_DELAY_MINUTES", default_value_t = 30)]
    pub digest_delay_minutes: u64,

    /// How often, in seconds, each node looks for digests that are due.
    #[arg(long, env = "BANTER_DIGEST_CHECK_SECONDS", default_value_t = 60)]
    pub digest_check_seconds: u64,

    /// Single sign-on: the OpenID Connect provider's issuer URL, exactly as its discovery
    /// document states it (`https://id.example.com/realms/acme`). With `--oidc-client-id` set
    /// too, the sign-in page offers "Sign in with <--oidc-name>". Register
    /// `<--public-url>/auth/oidc/callback` as the client's redirect URI at the provider.
    #[arg(long, env = "BANTER_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id the identity provider gave Banter.
    #[arg(long, env = "BANTER_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret the identity provider gave Banter (a public client has none).
    #[arg(long, env = "BANTER_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<Secret>,

    /// The identity provider's name on the sign-in button ("Sign in with Acme ID").
    #[arg(long, env = "BANTER_OIDC_NAME", default_value = "single sign-on")]
    pub oidc_name: String,

    /// `off`: nobody signs in or signs up with a password any more, only through the identity
    /// provider (needs `--oidc-issuer`). Bots' tokens are unaffected.
    #[arg(long, env = "BANTER_PASSWORD_SIGN_IN", default_value = "on",
          value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub password_sign_in: bool,

    /// Every password sign-in needs a second factor (a code from an authenticator app): a
    /// person without one sets it up before their first session starts. Accounts signing in
    /// through the identity provider leave this to it.
    #[arg(long, env = "BANTER_REQUIRE_2FA", default_value_t = false)]
    pub require_2fa: bool,

    /// Passkeys (WebAuthn): the origin browsers show for this server, `https://chat.example.com`.
    /// A passkey belongs to that origin's host name, so an address by IP number (the default
    /// `http://127.0.0.1:3000`) cannot have any: browsers refuse. Default: `--public-url`, when
    /// its host is a name (`localhost` works without TLS). Without one, the pages offer no
    /// passkeys.
    #[arg(long, env = "BANTER_PASSKEY_ORIGIN")]
    pub passkey_origin: Option<String>,

    /// Delete messages older than this many days (with their files), as ordinary deletions
    /// every client is told of; 0 keeps history for ever. An administrator overrides it per
    /// room (`banter admin retention`).
    #[arg(long, env = "BANTER_RETENTION_DAYS", default_value_t = 0)]
    pub retention_days: u32,

    /// Hosts, addresses or networks the server may call although they are internal
    /// (comma-separated: `push.corp.example,10.1.0.0/16`): a company's own push service. By
    /// default the server calls no loopback, private, link-local or other internal address
    /// (`server::outbound`).
    #[arg(long, env = "BANTER_OUTBOUND_ALLOW", value_delimiter = ',')]
    pub outbound_allow: Vec<Allowed>,

    /// Names resolved to fixed addresses for the server's own calls, instead of by DNS
    /// (comma-separated `HOST=IP`; a name given twice has both). The addresses are checked
    /// like any others.
    #[arg(long, env = "BANTER_OUTBOUND_RESOLVE", value_delimiter = ',')]
    pub outbound_resolve: Vec<Pin>,

    /// Server administrators, by username (comma-separated): they moderate every room —
    /// delete any message, remove anyone from any room, promote and demote moderators.
    #[arg(long, env = "BANTER_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,

    /// Log filter, in `tracing_subscriber::EnvFilter` syntax (e.g. `info`, `banter=debug`).
    #[arg(long, env = "BANTER_LOG", default_value = "info")]
    pub log: String,

    /// Leptos settings file read at run time (site root, package dir); `LEPTOS_*`
    /// environment variables override it.
    #[arg(long, env = "BANTER_LEPTOS_CONFIG", default_value = "Leptos.toml")]
    pub leptos_config: PathBuf,

    /// Milliseconds a write waits for a locked database before the send fails with
    /// `store_unavailable` (the client keeps the message and resends).
    #[arg(long, env = "BANTER_BUSY_TIMEOUT_MS", default_value_t = 5_000)]
    pub busy_timeout_ms: u64,

    /// Seconds between WebSocket pings; a connection silent for two intervals is closed.
    #[arg(long, env = "BANTER_PING_INTERVAL", default_value_t = 20)]
    pub ping_interval: u64,

    /// Messages one person may send per second, sustained, over all their sockets and the
    /// form post together.
    #[arg(long, env = "BANTER_RATE", default_value_t = 5.0)]
    pub rate: f64,

    /// Messages one person may send in a burst above the sustained rate.
    #[arg(long, env = "BANTER_BURST", default_value_t = 20)]
    pub burst: u32,

    /// Messages one bot (a bot account, an incoming webhook, a room's command) may send per
    /// second, sustained: each bot has its own allowance, apart from its owner's.
    #[arg(long, env = "BANTER_BOT_RATE", default_value_t = 1.0)]
    pub bot_rate: f64,

    /// Messages one bot may send in a burst above `--bot-rate` (a CI run's notices at once).
    #[arg(long, env = "BANTER_BOT_BURST", default_value_t = 10)]
    pub bot_burst: u32,

    /// Frames queued for one connection before it counts as a slow consumer and is closed
    /// with code 4001 (it reconnects and resumes from the store). At least 64.
    #[arg(long, env = "BANTER_QUEUE_FRAMES", default_value_t = 1024)]
    pub queue_frames: usize,

    /// Bytes of frames queued for one connection before it counts as a slow consumer and is
    /// closed with 4001: the most server memory one client that does not read can pin (the
    /// transport adds about one 8 KiB write buffer and one frame). At least 64 KiB.
    #[arg(long, env = "BANTER_QUEUE_BYTES", default_value_t = 1024 * 1024)]
    pub queue_bytes: usize,

    /// Seconds a client may take to send a request's headers; slower ones are disconnected.
    #[arg(long, env = "BANTER_HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout: u64,

    /// Most HTTP connections open at once (page loads, form posts, upgrades in progress); more
    /// are closed as soon as they are accepted. Upgraded WebSockets count against
    /// `--max-connections` instead.
    #[arg(long, env = "BANTER_MAX_HTTP_CONNECTIONS", default_value_t = 2048)]
    pub max_http_connections: usize,

    /// Most WebSocket connections at once; more get 503 before the upgrade.
    #[arg(long, env = "BANTER_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: usize,

    /// Most WebSocket connections one account may have open at once (tabs, devices, bots);
    /// the next gets 429 before the upgrade.
    #[arg(long, env = "BANTER_MAX_SOCKETS_PER_ACCOUNT", default_value_t = 20)]
    pub max_sockets_per_account: usize,

    /// Most WebSocket connections one address may have open at once, whoever is signed in
    /// (several people may share one address); the next gets 429.
    #[arg(long, env = "BANTER_MAX_SOCKETS_PER_ADDRESS", default_value_t = 200)]
    pub max_sockets_per_address: usize,

    /// `hello`s (joins) one person may send per second, sustained, over all their sockets:
    /// enough for a browser restoring many tabs, not for a reconnect loop. Over it, the socket
    /// is closed with 4005 and the client backs off.
    #[arg(long, env = "BANTER_HELLO_RATE", default_value_t = 1.0)]
    pub hello_rate: f64,

    /// `hello`s one person may send at once above that rate.
    #[arg(long, env = "BANTER_HELLO_BURST", default_value_t = 30)]
    pub hello_burst: u32,

    /// Accounts one address may make per hour (also the burst allowed at once).
    #[arg(long, env = "BANTER_SIGNUPS_PER_HOUR", default_value_t = 10)]
    pub signups_per_hour: u32,

    /// Seconds a new connection may take to send `hello`; after that it is closed (4005).
    #[arg(long, env = "BANTER_HELLO_TIMEOUT", default_value_t = 30)]
    pub hello_timeout: u64,

    /// Origins whose pages may open a WebSocket, comma-separated
    /// (`https://chat.example.com`). Empty: only pages served by this host itself.
    #[arg(long, env = "BANTER_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Seconds graceful shutdown waits for connections to close before exiting anyway.
    #[arg(long, env = "BANTER_SHUTDOWN_GRACE", default_value_t = 5)]
    pub shutdown_grace: u64,
}

impl Config {
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval.max(1))
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout.max(1))
    }

    /// The start of links in email and in the admin command's output, without a final `/`.
    pub fn public_url(&self, listening: Option<SocketAddr>) -> String {
        match (&self.public_url, listening.or(self.addr)) {
            (Some(url), _) => url.trim_end_matches('/').to_owned(),
            (None, Some(addr)) => format!("http://{addr}"),
            (None, None) => "http://127.0.0.1:3000".to_owned(),
        }
    }

    pub fn hello_timeout(&self) -> Duration {
        Duration::from_secs(self.hello_timeout.max(1))
    }

    /// The database: `--database-url`, or the SQLite file `--db`.
    pub fn database(&self) -> Database {
        self.database_url.clone().unwrap_or_else(|| Database::Sqlite(self.db.clone()))
    }

    /// Where attachments are kept: `--uploads`, or `uploads/` beside the SQLite file.
    pub fn uploads_dir(&self) -> PathBuf {
        self.uploads.clone().unwrap_or_else(|| {
            let database = self.database();
            let file = database.sqlite_path().unwrap_or(&self.db);
            file.parent().map_or_else(|| PathBuf::from("uploads"), |dir| dir.join("uploads"))
        })
    }

    /// Defaults for tests and embedding: `database`, everything else as shipped.
    pub fn with_database(database: Database) -> Self {
        let mut config = Self::parse_from(["banter"]);
        if let Some(path) = database.sqlite_path() {
            config.db = path.to_owned();
        }
        config.database_url = Some(database);
        config
    }

    /// Defaults for tests and embedding: a database at `db`, everything else as shipped.
    pub fn with_db(db: PathBuf) -> Self {
        let mut config = Self::parse_from(["banter"]);
        config.db = db;
        config
    }
}

/// An operator's task, run against the configured database and attachments.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Task {
    /// Take a consistent copy of the server (running or not) into DIR, which must be new or
    /// empty: the SQLite database, the attachments and a manifest with checksums.
    Backup {
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Make this server's database and attachments from a backup: the database must not exist
    /// yet and the attachments directory must be empty. People sign in again unless
    /// `--keep-sessions`.
    Restore {
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        #[arg(long)]
        keep_sessions: bool,
    },
    /// Act on accounts, against the server's database (safe while it runs).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `banter admin …` (`server::operators::admin`).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum AdminCommand {
    /// The schema version and how many people, bots, rooms, messages and sessions there are.
    Status,
    /// Every account, with its messages and live sessions.
    Users,
    /// What administrators did to accounts, newest first.
    Log {
        /// How many entries.
        #[arg(long, default_value_t = crate::server::operators::admin_log::DEFAULT_LOG_ENTRIES)]
        limit: i64,
    },
    /// Every room, with its members and messages.
    Rooms,
    /// Make an account; prints a link for its owner to set a password.
    CreateUser {
        username: Username,
        /// Its display name (the username if left out).
        #[arg(long)]
        name: Option<String>,
        /// The server's address as people reach it, for the link (`--public-url` if left out).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Make USERNAME a server administrator: they moderate every room.
    GrantAdmin { username: Username },
    /// USERNAME is no administrator any more (unless `--admins` names them).
    RevokeAdmin { username: Username },
    /// USERNAME signs in nowhere any more: their sessions end and their sockets close, on every
    /// node; their messages stay.
    Deactivate { username: Username },
    /// USERNAME may sign in again.
    Reactivate { username: Username },
    /// How long ROOM keeps its history: a number of days, `forever`, or `default` (the
    /// server's `--retention-days`).
    Retention { room: RoomName, days: String },
    /// A link that sets a new password for USERNAME, valid 24 hours, once; using it signs every
    /// device out.
    ResetLink {
        username: Username,
        /// The server's address as people reach it, for the link (`--public-url` if left out).
        #[arg(long)]
        base_url: Option<String>,
    },
}

/// A credential: whole where it is used, never in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_owned()))
    }
}
