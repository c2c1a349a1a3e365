//! The one guard for every URL the server itself calls (Web Push endpoints today; link
//! previews and webhooks later): none of them may reach the server's own network.
//!
//! Why: the URL comes from a person (a push subscription is whatever endpoint a browser — or
//! a script pretending to be one — hands over), so without this any signed-in person could
//! make the server connect to `127.0.0.1:6379`, the cloud metadata address, or anything else
//! behind the firewall, once per message they arrange to receive.
//!
//! How:
//! - the guard resolves names itself and refuses a name if any address it resolves to is
//!   internal ([`addresses::is_internal`]) — checked on the addresses the connection then
//!   uses: reqwest connects only to what [`OutboundPolicy`]'s resolver returned, so there is
//!   no second lookup an attacker's DNS could answer differently;
//! - an address written in the URL itself is checked before every request and redirect;
//! - redirects are followed at most [`MAX_REDIRECTS`] times, each one checked the same way;
//! - no proxy from the environment (it would do its own lookups);
//! - `--outbound-allow` names hosts or networks an operator trusts (a company's own push
//!   service), and `--outbound-resolve HOST=IP` pins a name to addresses (split-horizon DNS;
//!   the tests use it to make a name resolve where they want). Pinned addresses are checked
//!   like looked-up ones.
//!
//! A URL is checked when it is handed over (a subscription: a clear error at once) and again
//! at every call (DNS can change in between). Identity providers' keys and the object store
//! are the operator's own configuration and do not come through here.

pub mod addresses;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ipnet::IpNet;
use url::{Host, Url};

/// Redirects followed per call, each checked like the first URL.
pub const MAX_REDIRECTS: usize = 3;

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("{0} is an address of the server's own network, which it does not call")]
    Internal(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("{host} could not be resolved: {reason}")]
    Unresolvable { host: String, reason: String },
}

/// One entry of `--outbound-allow`: a host name, or an address or network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    Host(String),
    Net(IpNet),
}

impl std::str::FromStr for Allowed {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Allowed::Net(net));
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Allowed::Net(IpNet::from(ip)));
        }
        match Host::parse(text) {
            Ok(Host::Domain(name)) if !name.is_empty() => Ok(Allowed::Host(name)),
            _ => Err(format!("{text:?} is neither a host name nor an address or network (10.1.0.0/16)")),
        }
    }
}

impl From<IpAddr> for Allowed {
    fn from(ip: IpAddr) -> Self {
        Allowed::Net(IpNet::from(ip))
    }
}

/// One entry of `--outbound-resolve`: `HOST=IP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub host: String,
    pub ip: IpAddr,
}

impl std::str::FromStr for Pin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = || format!("{text:?} is not HOST=IP");
        let (host, ip) = text.split_once('=').ok_or_else(refuse)?;
        let ip = ip.trim().trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| refuse())?;
        match Host::parse(host.trim()) {
            Ok(Host::Domain(host)) => Ok(Pin { host, ip }),
            _ => Err(refuse()),
        }
    }
}

/// What the server may call, and how names resolve for it.
#[derive(Debug, Default)]
pub struct OutboundPolicy {
    allowed: Vec<Allowed>,
    pins: HashMap<String, Vec<IpAddr>>,
    /// URLs refused for an internal address since start (`/metrics`).
    refused: AtomicU64,
}

impl OutboundPolicy {
    pub fn new(allowed: Vec<Allowed>, pins: Vec<Pin>) -> Self {
        let mut by_host: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for pin in pins {
            by_host.entry(pin.host).or_default().push(pin.ip);
        }
        Self { allowed, pins: by_host, refused: AtomicU64::new(0) }
    }

    /// How many URLs this policy has refused since start.
    pub fn refused_total(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Whether `host` (as written in the URL) may be called at `ip`.
    fn permits(&self, host: &str, ip: IpAddr) -> bool {
        let trusted = self.allowed.iter().any(|allowed| match allowed {
            Allowed::Host(name) => name.eq_ignore_ascii_case(host),
            Allowed::Net(net) => addresses::net_contains(net, ip),
        });
        trusted || !addresses::is_internal(ip)
    }

    fn refuse(&self, host: &str, ip: IpAddr) -> OutboundError {
        self.refused.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(host, %ip, "outbound call refused: internal address");
        if host == ip.to_string() {
            OutboundError::Internal(host.to_owned())
        } else {
            OutboundError::Internal(format!("{host} ({ip})"))
        }
    }

    /// The addresses `host` may be called at: all it resolves to, or an error if any of them
    /// is internal (a name with one public and one private address is refused whole).
    pub async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, OutboundError> {
        let host = host.to_ascii_lowercase();
        let ips: Vec<IpAddr> = match self.pins.get(&host) {
            Some(pinned) => pinned.clone(),
            None => tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|error| OutboundError::Unresolvable {
                    host: host.clone(),
                    reason: error.to_string(),
                })?
                .map(|addr| addr.ip())
                .collect(),
        };
        if ips.is_empty() {
            return Err(OutboundError::Unresolvable { host, reason: "no addresses".to_owned() });
        }
        if let Some(&ip) = ips.iter().find(|&&ip| !self.permits(&host, ip)) {
            return Err(self.refuse(&host, ip));
        }
        Ok(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect())
    }

    /// Check the address written in `url`, if it is one (names are checked as they resolve).
    pub fn check_literal(&self, url: &Url) -> Result<(), OutboundError> {
        let ip = match url.host() {
            None => return Err(OutboundError::NoHost),
            Some(Host::Domain(_)) => return Ok(()),
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        };
        let written = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        if self.permits(written, ip) { Ok(()) } else { Err(self.refuse(written, ip)) }
    }

    /// The check made when a URL is handed over: its address, or every address its name
    /// resolves to now. A name that does not resolve at the moment passes (the call checks
    /// again; a push service's name may be briefly unresolvable).
    pub async fn check_url(&self, url: &Url) -> Result<(), OutboundError> {
        self.check_literal(url)?;
        match url.host() {
            Some(Host::Domain(name)) => match self.resolve(name).await {
                Err(OutboundError::Unresolvable { host, reason }) => {
                    tracing::info!(
                        host,
                        reason,
                        "outbound URL not resolvable now; checked again when called"
                    );
                    Ok(())
                }
                other => other.map(drop),
            },
            _ => Ok(()),
        }
    }

    /// An HTTP client that calls only what this policy permits, each call bounded by
    /// `timeout`. Every request must still pass [`check_literal`](Self::check_literal) first
    /// (reqwest does not resolve an address written in the URL).
    pub fn client(self: &Arc<Self>, timeout: Duration) -> reqwest::Result<reqwest::Client> {
        // reqwest is built without a TLS provider of its own choosing: ring, here, for all.
        let _already = rustls::crypto::ring::default_provider().install_default();
        let redirects = Arc::clone(self);
        reqwest::Client::builder()
            .timeout(timeout)
            .no_proxy()
            .dns_resolver(Arc::new(Guarded(Arc::clone(self))))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match redirects.check_literal(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            }))
            .build()
    }
}

/// The policy as reqwest's resolver: the only way a name becomes an address to connect to.
struct Guarded(Arc<OutboundPolicy>);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.0);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = policy.resolve(&host).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allowed: &[&str], pins: &[&str]) -> OutboundPolicy {
        OutboundPolicy::new(
            allowed.iter().map(|a| a.parse().expect("allowed")).collect(),
            pins.iter().map(|p| p.parse().expect("pin")).collect(),
        )
    }

    fn url(text: &str) -> Url {
        text.parse().expect("a URL")
    }

    #[test]
    fn addresses_in_urls_are_checked_and_the_allow_list_opens_them() {
        let strict = policy(&[], &[]);
        for refused in
            ["https://127.0.0.1:1/x", "https://[::1]/x", "https://169.254.169.254/latest", "http://0x7f.1/"]
        {
            assert!(
                matches!(strict.check_literal(&url(refused)), Err(OutboundError::Internal(_))),
                "{refused}"
            );
        }
        assert_eq!(strict.check_literal(&url("https://push.example/x")), Ok(()));
        assert_eq!(strict.check_literal(&url("https://8.8.8.8/x")), Ok(()));
        let open = policy(&["10.1.0.0/16", "127.0.0.1", "push.corp"], &[]);
        assert_eq!(open.check_literal(&url("https://10.1.2.3/x")), Ok(()));
        assert_eq!(open.check_literal(&url("http://127.0.0.1:8443/x")), Ok(()));
        assert!(open.check_literal(&url("https://10.2.0.1/x")).is_err());
    }

    #[tokio::test]
    async fn names_are_judged_by_every_address_they_resolve_to() {
        let pinned = policy(
            &["push.corp"],
            &[
                "meta.test=169.254.169.254",
                "mixed.test=8.8.8.8",
                "mixed.test=10.0.0.1",
                "push.corp=10.9.9.9",
                "ok.test=8.8.4.4",
            ],
        );
        assert!(matches!(pinned.resolve("meta.test").await, Err(OutboundError::Internal(_))));
        assert!(matches!(pinned.resolve("MIXED.test").await, Err(OutboundError::Internal(_))));
        assert_eq!(pinned.resolve("push.corp").await.map(|a| a.len()), Ok(1));
        assert_eq!(pinned.resolve("ok.test").await, Ok(vec!["8.8.4.4:0".parse().expect("addr")]));
        assert!(matches!(pinned.resolve("localhost").await, Err(OutboundError::Internal(_))));
        assert!(matches!(
            pinned.check_url(&url("https://localhost/x")).await,
            Err(OutboundError::Internal(_))
        ));
    }

    #[test]
    fn flags_parse_or_say_what_they_want() {
        assert_eq!("push.corp".parse::<Allowed>(), Ok(Allowed::Host("push.corp".into())));
        assert!(matches!("10.0.0.0/8".parse::<Allowed>(), Ok(Allowed::Net(_))));
        assert!("not a host/".parse::<Allowed>().is_err());
        assert_eq!(
            "a.test=::1".parse::<Pin>(),
            Ok(Pin { host: "a.test".into(), ip: "::1".parse().expect("ip") })
        );
        assert!("a.test".parse::<Pin>().is_err());
    }
}
