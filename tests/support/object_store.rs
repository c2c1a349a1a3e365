//! Where a test server keeps attachments: a directory of the test's own, or a bucket of the
//! test's own on a real S3-compatible server (`moto_server`, from PyPI).
//!
//! When `BANTER_TEST_OBJECT_STORE` names such a server (`scripts/test-services.sh` starts one
//! for the PostgreSQL run of the suite), every test server keeps its files in a fresh bucket
//! there; otherwise in a directory. Tests of the object store itself start a `moto_server` of
//! their own when they need to stop it.
//!
//! The bucket is created and listed with plain unsigned requests, which moto accepts: the
//! test sees what is stored without going through the code under test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use banter::server::Config;
use banter::server::config::Secret;

use super::PATIENCE;

/// Names an S3-compatible server (`http://HOST:PORT/`) for every test server to use.
pub const OBJECT_STORE_ENV: &str = "BANTER_TEST_OBJECT_STORE";
/// Names the `moto_server` program, when it is not in `.tools/moto/bin/` or on the PATH.
pub const MOTO_ENV: &str = "BANTER_TEST_MOTO_SERVER";
/// Credentials the test servers sign with (moto takes any).
pub const ACCESS_KEY: &str = "banter-test";
pub const SECRET_KEY: &str = "banter-test-secret";

fn http() -> reqwest::Client {
    let _already = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A `moto_server` of the test's own on a free loopback port, stopped when dropped.
pub struct TestS3 {
    pub endpoint: String,
    child: Option<Child>,
}

impl TestS3 {
    pub async fn start() -> Self {
        let port = {
            let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            free.local_addr().expect("its address").port()
        };
        let program = std::env::var(MOTO_ENV).unwrap_or_else(|_| {
            let local = concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/moto/bin/moto_server");
            if Path::new(local).exists() { local.to_owned() } else { "moto_server".to_owned() }
        });
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (scripts/bootstrap.sh test installs it in .tools/moto)");
        let server = Self { endpoint: format!("http://127.0.0.1:{port}/"), child: Some(child) };
        let client = http();
        let deadline = tokio::time::Instant::now() + PATIENCE * 3;
        while client.get(&server.endpoint).send().await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "moto_server did not answer");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        server
    }

    /// A new empty bucket on this server.
    pub async fn bucket(&self) -> TestBucket {
        TestBucket::create(&self.endpoint).await
    }

    /// Kill the server: every request to it fails from now on.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One bucket of a test's own.
#[derive(Debug, Clone)]
pub struct TestBucket {
    /// What `--object-store-url` says: the endpoint and the bucket's name.
    pub url: String,
}

impl TestBucket {
    pub async fn create(endpoint: &str) -> Self {
        let url = format!("{endpoint}banter-test-{}", uuid::Uuid::new_v4().simple());
        let response = http().put(&url).send().await.expect("the S3 server answers");
        assert!(response.status().is_success(), "bucket not created: {}", response.status());
        Self { url }
    }

    /// The names of the objects stored, without their shard.
    pub async fn names(&self) -> Vec<String> {
        let response =
            http().get(format!("{}?list-type=2", self.url)).send().await.expect("the S3 server answers");
        let listing = response.text().await.expect("a listing");
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>"))
            .map(|(key, _)| key.rsplit('/').next().unwrap_or(key).to_owned())
            .collect()
    }

    /// The stored bytes of the object `key`, fetched with a signed request (moto refuses
    /// anonymous reads of objects).
    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        use rusty_s3::S3Action;
        let (endpoint, name) = self.url.rsplit_once('/').expect("endpoint/bucket");
        let bucket = rusty_s3::Bucket::new(
            format!("{endpoint}/").parse().expect("an endpoint"),
            rusty_s3::UrlStyle::Path,
            name.to_owned(),
            "us-east-1",
        )
        .expect("a bucket");
        let credentials = rusty_s3::Credentials::new(ACCESS_KEY, SECRET_KEY);
        let signed = bucket.get_object(Some(&credentials), key).sign(std::time::Duration::from_secs(60));
        let response = http().get(signed).send().await.expect("the S3 server answers");
        if !response.status().is_success() {
            return None;
        }
        Some(response.bytes().await.expect("the object").to_vec())
    }
}

/// Where a test server keeps attachments: its uploads directory, and a bucket when files go
/// to the object store.
#[derive(Debug, Clone)]
pub struct Storage {
    pub dir: PathBuf,
    pub bucket: Option<TestBucket>,
}

impl Storage {
    /// A directory under `root`, and a bucket of its own when [`OBJECT_STORE_ENV`] is set.
    pub async fn new(root: &Path) -> Self {
        let bucket = match std::env::var(OBJECT_STORE_ENV) {
            Ok(endpoint) => Some(TestBucket::create(&endpoint).await),
            Err(_) => None,
        };
        Self { dir: root.join("uploads"), bucket }
    }

    /// The same bucket (if any), with a local directory of another node's own.
    pub fn with_dir(&self, dir: PathBuf) -> Self {
        Self { dir, bucket: self.bucket.clone() }
    }

    pub fn configure(&self, config: &mut Config) {
        config.uploads = Some(self.dir.clone());
        if let Some(bucket) = &self.bucket {
            config.object_store_url = Some(bucket.url.parse().expect("an object store URL"));
            config.object_store_access_key = Some(Secret(ACCESS_KEY.to_owned()));
            config.object_store_secret_key = Some(Secret(SECRET_KEY.to_owned()));
        }
    }

    /// The same, as the server binary's command line and environment.
    pub fn configure_command(&self, command: &mut Command) {
        command.arg("--uploads").arg(&self.dir);
        if let Some(bucket) = &self.bucket {
            command
                .arg("--object-store-url")
                .arg(&bucket.url)
                .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        }
    }

    /// The names of every file stored: kept ones (thumbnails end in `.thumb`), wherever they
    /// are kept, and uploads still arriving.
    pub async fn files(&self) -> Vec<String> {
        let mut names = walk(&self.dir);
        if let Some(bucket) = &self.bucket {
            names.extend(bucket.names().await);
        }
        names
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            names.extend(walk(&path));
        } else {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names
}
