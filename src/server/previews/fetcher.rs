//! Fetching a linked page for its preview, so that it cannot be turned against the server.
//!
//! The link is whatever someone typed, so every part of the fetch goes through the outbound
//! guard (`server::outbound`): the name is resolved by the guard, which refuses loopback,
//! private, link-local, multicast and unique-local addresses, and the connection goes to the
//! address it checked; an address written in the URL, and every redirect (at most 3), is
//! checked the same way. Only `http`/`https`. What is read is bounded: at most
//! [`MAX_PAGE_BYTES`] of a `text/html` answer within the fetch's deadline (5 s), anything else
//! ignored unread; of a page's image, at most [`MAX_IMAGE_BYTES`] of an `image/*` answer. One
//! fetch per URL at a time, and what it found is kept for [`CACHE_FOR`] (at most
//! [`MAX_CACHED`] URLs), so a link pasted in many messages costs one fetch; at most
//! [`MAX_FETCHES_AT_ONCE`] run at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use url::Url;

use crate::server::outbound::OutboundPolicy;
use crate::server::previews::page_meta::{self, PageMeta};

/// Most bytes of a page read.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// How long a fetch may take, redirects and body included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Fetches in flight at once, over everyone.
pub const MAX_FETCHES_AT_ONCE: usize = 8;
/// How long what a fetch found is kept.
pub const CACHE_FOR: Duration = Duration::from_secs(60 * 60);
/// Most URLs whose preview is kept.
pub const MAX_CACHED: usize = 1_024;
/// Longest URL fetched, in bytes.
pub const MAX_URL_BYTES: usize = 2_048;
/// Most bytes of a page's image read; a larger image is not shown.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// Why a page has no preview.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not an http or https URL")]
    NotHttp,
    #[error("{0}")]
    Refused(String),
    #[error("the page did not answer in time")]
    TimedOut,
    #[error("the page could not be fetched: {0}")]
    Failed(String),
    #[error("the page answered {0}")]
    Status(u16),
    #[error("not a web page")]
    NotHtml,
    #[error("the page says nothing about itself")]
    Nothing,
    #[error("not an image")]
    NotImage,
    #[error("the image is larger than {MAX_IMAGE_BYTES} bytes")]
    TooLarge,
}

/// A page's preview, its image made absolute (the page's final address as base).
pub type Found = Result<PageMeta, FetchError>;

/// Fetches pages for previews: the guard's client, the cache and the fetches in flight.
#[derive(Clone)]
pub struct Fetcher {
    policy: Arc<OutboundPolicy>,
    client: reqwest::Client,
    permits: Arc<Semaphore>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    cached: HashMap<String, (Instant, Found)>,
    /// A fetch in flight per URL: later askers wait for its answer.
    fetching: HashMap<String, watch::Receiver<Option<Found>>>,
}

impl Fetcher {
    /// A fetcher whose every fetch is bounded by `timeout` ([`FETCH_TIMEOUT`] in the server).
    pub fn new(policy: Arc<OutboundPolicy>, timeout: Duration) -> reqwest::Result<Self> {
        let client = policy.client(timeout)?;
        Ok(Self {
            policy,
            client,
            permits: Arc::new(Semaphore::new(MAX_FETCHES_AT_ONCE)),
            state: Arc::new(Mutex::new(State::default())),
        })
    }

    /// The preview of `url`: from the cache, from a fetch of it already running, or fetched now.
    pub async fn preview(&self, url: &str) -> Found {
        let url = web_url(url)?;
        let key = url.as_str().to_owned();
        let asked = {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match (state.cached.get(&key), state.fetching.get(&key)) {
                (Some((at, found)), _) if at.elapsed() < CACHE_FOR => Asked::Cached(found.clone()),
                (_, Some(waiting)) => Asked::Wait(waiting.clone()),
                _ => {
                    let (done, waiting) = watch::channel(None);
                    state.fetching.insert(key.clone(), waiting);
                    Asked::Fetch(done)
                }
            }
        };
        match asked {
            Asked::Cached(found) => found,
            Asked::Wait(mut waiting) => match waiting.wait_for(Option::is_some).await {
                Ok(found) => found.clone().unwrap_or(Err(FetchError::TimedOut)),
                Err(_) => Err(FetchError::Failed("the fetch was abandoned".to_owned())),
            },
            Asked::Fetch(done) => {
                // Should this caller go away mid-fetch, the next one fetches afresh.
                let _in_flight = InFlight { state: Arc::clone(&self.state), key: key.clone() };
                let found = self.fetch(url).await;
                self.keep(&key, &found);
                let _ = done.send(Some(found.clone()));
                found
            }
        }
    }

    fn keep(&self, key: &str, found: &Found) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.fetching.remove(key);
        if state.cached.len() >= MAX_CACHED {
            state.cached.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
            if state.cached.len() >= MAX_CACHED {
                state.cached.clear();
            }
        }
        state.cached.insert(key.to_owned(), (Instant::now(), found.clone()));
    }

    /// The bytes of the image at `url` (a page's `og:image`), through the guard like the page:
    /// only an `image/*` answer, at most [`MAX_IMAGE_BYTES`], within the fetch's deadline.
    pub async fn image(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let (_permit, mut response) = self.get(web_url(url)?, "image/", FetchError::NotImage).await?;
        if response.content_length().is_some_and(|length| length > MAX_IMAGE_BYTES as u64) {
            return Err(FetchError::TooLarge);
        }
        let mut image = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            if image.len() + chunk.len() > MAX_IMAGE_BYTES {
                return Err(FetchError::TooLarge);
            }
            image.extend_from_slice(&chunk);
        }
        Ok(image)
    }

    async fn fetch(&self, url: Url) -> Found {
        let (_permit, mut response) = self.get(url, "text/html", FetchError::NotHtml).await?;
        let base = response.url().clone();
        let mut page = Vec::new();
        while page.len() < MAX_PAGE_BYTES {
            match response.chunk().await.map_err(failure)? {
                Some(chunk) => page.extend_from_slice(&chunk[..chunk.len().min(MAX_PAGE_BYTES - page.len())]),
                None => break,
            }
        }
        // Dropping the response here stops reading the rest of a long page.
        drop(response);
        let mut meta = page_meta::read(&String::from_utf8_lossy(&page));
        if meta.is_empty() {
            return Err(FetchError::Nothing);
        }
        meta.image = base
            .join(&meta.image)
            .ok()
            .filter(|image| !meta.image.is_empty() && matches!(image.scheme(), "http" | "https"))
            .map(String::from)
            .unwrap_or_default();
        Ok(meta)
    }
}

impl Fetcher {
    /// `GET url` through the guard, in one of the fetches allowed at once (held while the body
    /// is read): the answer, if it is 2xx and its type starts with `wanted` (else `other`).
    async fn get(
        &self,
        url: Url,
        wanted: &str,
        other: FetchError,
    ) -> Result<(tokio::sync::SemaphorePermit<'_>, reqwest::Response), FetchError> {
        let Ok(permit) = self.permits.acquire().await else { return Err(FetchError::TimedOut) };
        self.policy.check_literal(&url).map_err(|refused| FetchError::Refused(refused.to_string()))?;
        let accept = if wanted.ends_with('/') { format!("{wanted}*") } else { wanted.to_owned() };
        let response =
            self.client.get(url).header(reqwest::header::ACCEPT, accept).send().await.map_err(failure)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if !content_type_is(&response, wanted) {
            return Err(other);
        }
        Ok((permit, response))
    }
}

/// `url` if it is an `http` or `https` URL of at most [`MAX_URL_BYTES`].
fn web_url(url: &str) -> Result<Url, FetchError> {
    match Url::parse(url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.as_str().len() <= MAX_URL_BYTES => Ok(url),
        _ => Err(FetchError::NotHttp),
    }
}

/// What asking for a URL's preview comes to.
enum Asked {
    Cached(Found),
    /// Someone is fetching it: wait for their answer.
    Wait(watch::Receiver<Option<Found>>),
    /// Fetch it, and tell whoever waits.
    Fetch(watch::Sender<Option<Found>>),
}

/// A fetch in flight for `key`: forgotten when it ends, however it ends.
struct InFlight {
    state: Arc<Mutex<State>>,
    key: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).fetching.remove(&self.key);
    }
}

/// Whether the answer says its type starts with `prefix` (`text/html`, `image/`).
fn content_type_is(response: &reqwest::Response, prefix: &str) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().to_ascii_lowercase().starts_with(prefix))
}

/// A failed request, said plainly; a refusal by the guard (a redirect inward) says so.
fn failure(error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::TimedOut;
    }
    let mut cause: Option<&dyn std::error::Error> = Some(&error);
    while let Some(now) = cause {
        if let Some(refused) = now.downcast_ref::<crate::server::outbound::OutboundError>() {
            return FetchError::Refused(refused.to_string());
        }
        cause = now.source();
    }
    FetchError::Failed(error.to_string())
}
