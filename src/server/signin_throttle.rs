//! Failed sign-ins, counted per username and per address, to slow password guessing.
//!
//! A fixed window per key: after [`MAX_FAILURES_PER_USERNAME`] failures for one username, or
//! [`MAX_FAILURES_PER_ADDRESS`] from one address, within [`WINDOW`], further attempts on that
//! key are refused without checking the password until the window ends. Per username stops a
//! botnet guessing one account; per address stops one machine trying many accounts. A
//! successful sign-in clears the username's count.
//!
//! Kept in memory: a restart forgets it, which costs an attacker one window at most. The table
//! is bounded ([`MAX_TRACKED_KEYS`]); expired entries are pruned when it fills, and past the
//! bound new keys go untracked (logged) rather than locking everyone out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed sign-ins one username may have in a window.
pub const MAX_FAILURES_PER_USERNAME: u32 = 5;
/// Failed sign-ins one address may have in a window (several people can share one address).
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failures count, from the first one.
pub const WINDOW: Duration = Duration::from_secs(crate::accounts::SIGNIN_LOCKOUT_MINUTES * 60);
/// Most usernames and addresses tracked at once.
pub const MAX_TRACKED_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Username(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

/// Shared by every request; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SigninThrottle {
    failures: Arc<Mutex<HashMap<Key, Failures>>>,
}

impl SigninThrottle {
    pub fn new() -> Self {
        Self::default()
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Some(wait)` if this username or address must wait before trying again.
    pub fn check(&self, username: &str, address: IpAddr, now: Instant) -> Option<Duration> {
        let table = self.table();
        let blocked = |key: Key, limit: u32| {
            table.get(&key).and_then(|f| {
                let ends = f.since + WINDOW;
                (f.count >= limit && ends > now).then(|| ends - now)
            })
        };
        let by_name = blocked(Key::Username(username.to_owned()), MAX_FAILURES_PER_USERNAME);
        let by_address = blocked(Key::Address(address), MAX_FAILURES_PER_ADDRESS);
        by_name.into_iter().chain(by_address).max()
    }

    /// Count one failed sign-in against both keys.
    pub fn failed(&self, username: &str, address: IpAddr, now: Instant) {
        let mut table = self.table();
        for key in [Key::Username(username.to_owned()), Key::Address(address)] {
            if !table.contains_key(&key) && table.len() >= MAX_TRACKED_KEYS {
                table.retain(|_, f| f.since + WINDOW > now);
                if table.len() >= MAX_TRACKED_KEYS {
                    tracing::warn!("sign-in throttle table full; not tracking a new key");
                    continue;
                }
            }
            let entry = table.entry(key).or_insert(Failures { count: 0, since: now });
            if entry.since + WINDOW <= now {
                *entry = Failures { count: 0, since: now };
            }
            entry.count = entry.count.saturating_add(1);
        }
    }

    /// A correct password: the username starts afresh (the address keeps its count).
    pub fn succeeded(&self, username: &str) {
        self.table().remove(&Key::Username(username.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const AWAY: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn a_username_is_blocked_after_its_limit_until_the_window_ends() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES_PER_USERNAME {
            assert_eq!(throttle.check("alice", HOME, t0), None);
            throttle.failed("alice", HOME, t0);
        }
        // Blocked from anywhere, for the rest of the window.
        assert_eq!(throttle.check("alice", AWAY, t0), Some(WINDOW));
        let later = t0 + WINDOW / 3;
        assert_eq!(throttle.check("alice", AWAY, later), Some(WINDOW - WINDOW / 3));
        assert_eq!(throttle.check("alice", HOME, t0 + WINDOW), None);
        // Others are not affected.
        assert_eq!(throttle.check("bob", AWAY, t0), None);
    }

    #[test]
    fn an_address_is_blocked_after_trying_many_usernames() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            throttle.failed(&format!("user{i}"), HOME, t0);
        }
        assert!(throttle.check("someone-new", HOME, t0).is_some());
        assert_eq!(throttle.check("someone-new", AWAY, t0), None);
    }

    #[test]
    fn success_clears_the_username() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES_PER_USERNAME - 1 {
            throttle.failed("alice", HOME, t0);
        }
        throttle.succeeded("alice");
        throttle.failed("alice", HOME, t0);
        assert_eq!(throttle.check("alice", HOME, t0), None);
    }

    #[test]
    fn a_new_window_starts_after_the_old_one_ends() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES_PER_USERNAME - 1 {
            throttle.failed("alice", HOME, t0);
        }
        let next = t0 + WINDOW;
        throttle.failed("alice", HOME, next);
        assert_eq!(throttle.check("alice", HOME, next), None, "old failures no longer count");
    }
}
