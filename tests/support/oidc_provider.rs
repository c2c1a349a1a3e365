//! A real OpenID Connect provider of the test's own: panva's certified `oidc-provider` (from
//! npm; `scripts/bootstrap.sh test` installs it with end2end's packages), configured by
//! `end2end/oidc/provider.mjs` on a free loopback port. Stopped when dropped.
//!
//! [`TestBrowser`] is what a browser does with it: follows redirects and keeps each host's
//! cookies, so a test walks the whole sign-in — Banter, the provider's page, back to Banter.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use super::PATIENCE;

/// What the provider does to the ID tokens it issues (`OIDC_TOKEN_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMode {
    AsIssued,
    /// The payload altered after signing.
    Tampered,
    /// Re-signed by the provider's key with an expiry in the past.
    Expired,
}

pub struct TestProvider {
    /// What `--oidc-issuer` says.
    pub issuer: String,
    child: Child,
}

pub const CLIENT_ID: &str = "banter";
pub const CLIENT_SECRET: &str = "banter-secret";

impl TestProvider {
    pub async fn start(mode: TokenMode) -> Self {
        let mode = match mode {
            TokenMode::AsIssued => "",
            TokenMode::Tampered => "tampered",
            TokenMode::Expired => "expired",
        };
        let mut child = Command::new("node")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/oidc/provider.mjs"))
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_TOKEN_MODE", mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the provider (scripts/bootstrap.sh test installs end2end's packages)");
        let stdout = child.stdout.take().expect("stdout");
        let read = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let issuer = lines.find_map(|line| line.ok()?.strip_prefix("listening ").map(str::to_owned));
            // Keep draining, so the provider never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            issuer
        });
        let issuer = tokio::time::timeout(PATIENCE * 3, read)
            .await
            .expect("the provider started in time")
            .expect("reading its output")
            .expect("the provider printed its address");
        Self { issuer, child }
    }

    /// Configure `config` to sign in through this provider, under the name "Test ID".
    pub fn configure(&self, config: &mut banter::server::Config) {
        config.oidc_issuer = Some(self.issuer.clone());
        config.oidc_client_id = Some(CLIENT_ID.to_owned());
        config.oidc_client_secret = Some(banter::server::config::Secret(CLIENT_SECRET.to_owned()));
        config.oidc_name = "Test ID".to_owned();
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a walk through redirects ended.
#[derive(Debug)]
pub struct Landing {
    pub url: String,
    pub status: u16,
    pub body: String,
    /// Every URL requested on the way, the first and the last included.
    pub visited: Vec<String>,
}

/// Follows redirects and keeps cookies per host, as a browser does (no script).
#[derive(Default)]
pub struct TestBrowser {
    cookies: Mutex<BTreeMap<String, BTreeMap<String, String>>>,
}

/// The `host:port` of an absolute URL.
fn authority(url: &str) -> String {
    url.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("").to_owned()
}

impl TestBrowser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cookie `name` this browser holds for `url`'s host.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(&authority(url)).and_then(|jar| jar.get(name).cloned())
    }

    /// Set a cookie by hand (what a thief who copied it would do).
    pub fn set_cookie(&self, url: &str, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .entry(authority(url))
            .or_default()
            .insert(name.to_owned(), value.to_owned());
    }

    /// One request, cookies sent and kept; no redirect followed.
    pub async fn request(&self, url: &str, form: Option<&str>) -> reqwest::Response {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let host = authority(url);
        let cookie = self
            .cookies
            .lock()
            .unwrap()
            .get(&host)
            .map(|jar| jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
            .unwrap_or_default();
        let request = match form {
            Some(form) => client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.to_owned()),
            None => client.get(url),
        };
        let request = request.header("accept", "text/html").header("cookie", cookie);
        let response = request.send().await.expect("the request is answered");
        let mut jars = self.cookies.lock().unwrap();
        let jar = jars.entry(host).or_default();
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let expired =
                attributes.to_ascii_lowercase().replace(' ', "").contains("max-age=0") || value.is_empty();
            if expired {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        response
    }

    /// Request `url` (posting `form` first, if any) and follow redirects until a page answers,
    /// or until `stop` says the next URL is not to be requested.
    pub async fn follow_until(&self, url: &str, form: Option<&str>, stop: impl Fn(&str) -> bool) -> Landing {
        let mut url = url.to_owned();
        let mut form = form;
        let mut visited = Vec::new();
        for _ in 0..20 {
            visited.push(url.clone());
            let response = self.request(&url, form.take()).await;
            let status = response.status().as_u16();
            let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
            match location {
                Some(location) if (300..400).contains(&status) => {
                    let next = if location.starts_with("http") {
                        location
                    } else {
                        let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
                        format!("{origin}{location}")
                    };
                    if stop(&next) {
                        return Landing { url: next, status, body: String::new(), visited };
                    }
                    url = next;
                }
                _ => {
                    let body = response.text().await.unwrap_or_default();
                    return Landing { url, status, body, visited };
                }
            }
        }
        panic!("more than 20 redirects from {}", visited[0]);
    }

    /// [`follow_until`](Self::follow_until) a page answers.
    pub async fn follow(&self, url: &str, form: Option<&str>) -> Landing {
        self.follow_until(url, form, |_| false).await
    }

    /// From `start` (a URL that leads to the provider's sign-in page) through the provider as
    /// `login`, up to the moment the provider sends the browser back to Banter: the callback
    /// URL, not yet requested.
    pub async fn to_callback(&self, start: &str, login: &str) -> String {
        let page = self.follow(start, None).await;
        assert_eq!(page.status, 200, "the provider's sign-in page: {page:?}");
        let action =
            page.body.split("action=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a form");
        let origin = page.url.split('/').take(3).collect::<Vec<_>>().join("/");
        let back = self
            .follow_until(&format!("{origin}{action}"), Some(&format!("login={login}")), |next| {
                next.contains("/auth/oidc/callback")
            })
            .await;
        assert!(back.url.contains("/auth/oidc/callback"), "sent back to Banter: {back:?}");
        back.url
    }
}
