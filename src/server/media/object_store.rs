//! Attachments in an S3-compatible object store (`--object-store-url`), so that nodes on
//! several machines share them without a shared disk.
//!
//! Requests are signed here (AWS Signature V4, by `rusty_s3`, which only signs: it has no HTTP
//! client) and sent with the same `reqwest` client push uses. Every request is presigned just
//! before it is sent, for [`SIGNED_FOR`], so nothing signed outlives its use.
//!
//! Files are never handed to the browser as a link into the bucket: the server checks who may
//! read a file on every request (`server::media::uploads::download`) and then streams it through,
//! passing on the headers that make ranges and revalidation work. The bucket itself stays
//! private.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

/// How long each request's signature is valid: it is used at once.
const SIGNED_FOR: Duration = Duration::from_secs(60);
/// How long to wait for the store to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one read or write may stall before the request fails.
const STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The region when neither `--object-store-region` nor `AWS_REGION` says one.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Request headers a download passes to the store: ranges (video seeking) and revalidation.
const FORWARDED_REQUEST: [header::HeaderName; 5] =
    [header::RANGE, header::IF_RANGE, header::IF_NONE_MATCH, header::IF_MODIFIED_SINCE, header::IF_MATCH];
/// Response headers a download passes back from the store.
const FORWARDED_RESPONSE: [header::HeaderName; 5] = [
    header::CONTENT_LENGTH,
    header::CONTENT_RANGE,
    header::ACCEPT_RANGES,
    header::ETAG,
    header::LAST_MODIFIED,
];

/// Where the bucket is: `s3://BUCKET[/PREFIX]` (Amazon S3, in `--object-store-region`) or
/// `http[s]://HOST[:PORT]/BUCKET[/PREFIX]` (any S3-compatible server, path-style).
#[derive(Clone, PartialEq, Eq)]
pub struct ObjectStoreUrl {
    /// `None` for Amazon S3 itself, whose endpoint follows from the region.
    endpoint: Option<url::Url>,
    bucket: String,
    /// Prepended to every key, ending in `/` unless empty.
    prefix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ObjectStoreUrlError {
    #[error("expected s3://BUCKET[/PREFIX] or http(s)://HOST[:PORT]/BUCKET[/PREFIX]: {0}")]
    Malformed(String),
    #[error("the URL names no bucket")]
    NoBucket,
    #[error("put credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL")]
    CredentialsInUrl,
}

impl FromStr for ObjectStoreUrl {
    type Err = ObjectStoreUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(text).map_err(|e| ObjectStoreUrlError::Malformed(e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ObjectStoreUrlError::CredentialsInUrl);
        }
        let (endpoint, path) = match url.scheme() {
            "s3" => {
                let bucket = url.host_str().ok_or(ObjectStoreUrlError::NoBucket)?;
                (None, format!("{bucket}{}", url.path()))
            }
            "http" | "https" => {
                let mut endpoint = url.clone();
                endpoint.set_path("/");
                endpoint.set_query(None);
                endpoint.set_fragment(None);
                (Some(endpoint), url.path().trim_start_matches('/').to_owned())
            }
            other => return Err(ObjectStoreUrlError::Malformed(format!("unknown scheme {other}"))),
        };
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let bucket = segments.next().ok_or(ObjectStoreUrlError::NoBucket)?.to_owned();
        let prefix: String = segments.map(|segment| format!("{segment}/")).collect();
        Ok(Self { endpoint, bucket, prefix })
    }
}

impl fmt::Display for ObjectStoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.endpoint {
            Some(endpoint) => write!(f, "{endpoint}{}/{}", self.bucket, self.prefix),
            None => write!(f, "s3://{}/{}", self.bucket, self.prefix),
        }
    }
}

impl fmt::Debug for ObjectStoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why the object store did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ObjectStoreError {
    #[error("the object store cannot be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the object store answered {status} to {action}")]
    Refused { action: &'static str, status: reqwest::StatusCode },
    #[error("reading the file to store: {0}")]
    Io(#[from] std::io::Error),
}

/// One bucket (and key prefix), with the credentials to use it.
#[derive(Clone)]
pub struct ObjectStore {
    bucket: Bucket,
    prefix: String,
    credentials: Credentials,
    client: reqwest::Client,
}

impl fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStore").field("bucket", &self.bucket.base_url().as_str()).finish()
    }
}

impl ObjectStore {
    /// Check that the bucket is there and these credentials may use it.
    pub async fn connect(
        url: &ObjectStoreUrl,
        region: &str,
        credentials: Credentials,
    ) -> anyhow::Result<Self> {
        let (endpoint, style) = match &url.endpoint {
            Some(endpoint) => (endpoint.clone(), UrlStyle::Path),
            None => (format!("https://s3.{region}.amazonaws.com").parse()?, UrlStyle::VirtualHost),
        };
        let bucket = Bucket::new(endpoint, style, url.bucket.clone(), region.to_owned())?;
        // reqwest is built without a TLS provider of its own choosing: ring, here, for all.
        let _already = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(STALL_TIMEOUT)
            .build()?;
        let store = Self { bucket, prefix: url.prefix.clone(), credentials, client };
        let signed = store.bucket.head_bucket(Some(&store.credentials)).sign(SIGNED_FOR);
        let response = store.client.head(signed).send().await?;
        if !response.status().is_success() {
            anyhow::bail!(
                "bucket {} answered {} (does it exist, and may these credentials use it?)",
                store.bucket.name(),
                response.status()
            );
        }
        Ok(store)
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Store `bytes` under `name`; stored durably when this returns.
    pub async fn put_bytes(&self, name: &str, bytes: Vec<u8>) -> Result<(), ObjectStoreError> {
        let key = self.key(name);
        let signed = self.bucket.put_object(Some(&self.credentials), &key).sign(SIGNED_FOR);
        let response = self.client.put(signed).body(bytes).send().await?;
        check("PUT", response.status())
    }

    /// Store the file at `path` under `name`, streamed (never whole in memory).
    pub async fn put_file(&self, name: &str, path: &Path) -> Result<(), ObjectStoreError> {
        let file = tokio::fs::File::open(path).await?;
        let length = file.metadata().await?.len();
        let key = self.key(name);
        let signed = self.bucket.put_object(Some(&self.credentials), &key).sign(SIGNED_FOR);
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let response =
            self.client.put(signed).header(header::CONTENT_LENGTH, length).body(body).send().await?;
        check("PUT", response.status())
    }

    /// Fetch `name` into the file at `path`, streamed (never whole in memory).
    pub async fn get_file(&self, name: &str, path: &Path) -> Result<(), ObjectStoreError> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;

        let key = self.key(name);
        let signed = self.bucket.get_object(Some(&self.credentials), &key).sign(SIGNED_FOR);
        let response = self.client.get(signed).send().await?;
        check("GET", response.status())?;
        let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(path).await?);
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            file.write_all(&chunk?).await?;
        }
        file.flush().await?;
        Ok(())
    }

    /// Remove `name`; one that is not there is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), ObjectStoreError> {
        let key = self.key(name);
        let signed = self.bucket.delete_object(Some(&self.credentials), &key).sign(SIGNED_FOR);
        let status = self.client.delete(signed).send().await?.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        check("DELETE", status)
    }

    /// Answer a download of `name` from the store: the request's range and revalidation
    /// headers go to the store, and its status, length, range and validators come back, with
    /// the bytes streamed through. The caller sets the type and disposition.
    pub async fn serve(&self, name: &str, method: &Method, headers: &HeaderMap) -> Response {
        let key = self.key(name);
        let head = method == Method::HEAD;
        let signed = if head {
            self.bucket.head_object(Some(&self.credentials), &key).sign(SIGNED_FOR)
        } else {
            self.bucket.get_object(Some(&self.credentials), &key).sign(SIGNED_FOR)
        };
        let mut request = if head { self.client.head(signed) } else { self.client.get(signed) };
        for name in FORWARDED_REQUEST {
            if let Some(value) = headers.get(&name) {
                request = request.header(name, value);
            }
        }
        let upstream = match request.send().await {
            Ok(upstream) => upstream,
            Err(error) => {
                tracing::error!(%error, "object store unreachable");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        };
        let status = upstream.status();
        let passed = [
            StatusCode::OK,
            StatusCode::PARTIAL_CONTENT,
            StatusCode::NOT_MODIFIED,
            StatusCode::RANGE_NOT_SATISFIABLE,
            StatusCode::PRECONDITION_FAILED,
            StatusCode::NOT_FOUND,
        ];
        if !passed.contains(&status) {
            tracing::error!(%status, "object store refused a download");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        if status == StatusCode::NOT_FOUND {
            return StatusCode::NOT_FOUND.into_response();
        }
        let mut response = Response::builder().status(status);
        for name in FORWARDED_RESPONSE {
            if let Some(value) = upstream.headers().get(&name) {
                response = response.header(name, value);
            }
        }
        let body = if head || status == StatusCode::NOT_MODIFIED {
            Body::empty()
        } else {
            Body::from_stream(upstream.bytes_stream())
        };
        response.body(body).unwrap_or_else(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())
    }
}

fn check(action: &'static str, status: reqwest::StatusCode) -> Result<(), ObjectStoreError> {
    if status.is_success() { Ok(()) } else { Err(ObjectStoreError::Refused { action, status }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_an_endpoint_a_bucket_and_a_prefix() {
        let url: ObjectStoreUrl = "http://127.0.0.1:9000/banter/team/a".parse().unwrap();
        assert_eq!(url.endpoint.as_ref().map(|e| e.as_str()), Some("http://127.0.0.1:9000/"));
        assert_eq!(url.bucket, "banter");
        assert_eq!(url.prefix, "team/a/");
        assert_eq!(url.to_string(), "http://127.0.0.1:9000/banter/team/a/");

        let url: ObjectStoreUrl = "s3://banter-files".parse().unwrap();
        assert_eq!(url.endpoint, None);
        assert_eq!((url.bucket.as_str(), url.prefix.as_str()), ("banter-files", ""));
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert!(matches!(
            "http://127.0.0.1:9000/".parse::<ObjectStoreUrl>(),
            Err(ObjectStoreUrlError::NoBucket)
        ));
        assert!(matches!(
            "http://key:secret@127.0.0.1:9000/b".parse::<ObjectStoreUrl>(),
            Err(ObjectStoreUrlError::CredentialsInUrl)
        ));
        assert!(matches!("ftp://host/b".parse::<ObjectStoreUrl>(), Err(ObjectStoreUrlError::Malformed(_))));
        assert!(matches!("not a url".parse::<ObjectStoreUrl>(), Err(ObjectStoreUrlError::Malformed(_))));
    }
}
