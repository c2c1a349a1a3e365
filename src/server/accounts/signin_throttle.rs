//! Sign-in attempts, counted per username at an address, per username, and per address, to
//! slow password guessing.
//!
//! A fixed window per key. An attempt is counted *before* the password is checked, in the same
//! lock as the check that it is allowed ([`SigninThrottle::begin`]), so sixty parallel wrong
//! passwords get at most the limit's worth of real checks, not sixty. A right password gives
//! its attempt back and clears the username's count at that address.
//!
//! The keys and why:
//! - username at an address ([`MAX_FAILURES_PER_USERNAME_AT_ADDRESS`]): one machine guessing
//!   one account. Keyed by address too, so a flood from one address cannot lock the real
//!   owner out from theirs.
//! - address ([`MAX_FAILURES_PER_ADDRESS`]): one machine trying many accounts.
//! - username alone ([`MAX_FAILURES_PER_USERNAME`], much higher): many machines guessing one
//!   account. It takes that many addresses' worth of failures to lock an owner out.
//!
//! With several nodes the same keys are counted over all of them too
//! (`server::limits::shared_limits`); this per-node count stays in front of that, and alone decides
//! when Redis is away.
//!
//! Kept in memory: a restart forgets it, which costs an attacker one window at most. The table
//! is bounded ([`MAX_TRACKED_KEYS`]): expired entries go first when it fills, then the oldest;
//! usernames are normalised and length-checked before they become keys.

use crate::ids::Username;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed sign-ins for one username from one address in a window.
pub const MAX_FAILURES_PER_USERNAME_AT_ADDRESS: u32 = 5;
/// Failed sign-ins one address may have in a window (several people can share one address).
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// Failed sign-ins for one username from everywhere in a window.
pub const MAX_FAILURES_PER_USERNAME: u32 = 100;
/// How long failures count, from the first one.
pub const WINDOW: Duration = Duration::from_secs(crate::accounts::SIGNIN_LOCKOUT_MINUTES * 60);
/// Most keys tracked at once.
pub const MAX_TRACKED_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    UsernameAt(String, IpAddr),
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

/// A sign-in attempt that was let through and counted as a failure until it proves right.
#[derive(Debug)]
#[must_use = "tell the throttle how the attempt went"]
pub struct Attempt {
    username: Username,
    address: IpAddr,
}

impl SigninThrottle {
    pub fn new() -> Self {
        Self::default()
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn keys(username: &str, address: IpAddr) -> [(Key, u32); 3] {
        [
            (Key::UsernameAt(username.to_owned(), address), MAX_FAILURES_PER_USERNAME_AT_ADDRESS),
            (Key::Username(username.to_owned()), MAX_FAILURES_PER_USERNAME),
            (Key::Address(address), MAX_FAILURES_PER_ADDRESS),
        ]
    }

    /// Let an attempt for `username` (already normalised: lower case, a valid length) from
    /// `address` through and count it, or say how long to wait. Checking and counting happen
    /// under one lock.
    pub fn begin(&self, username: &str, address: IpAddr, now: Instant) -> Result<Attempt, Duration> {
        let mut table = self.table();
        let keys = Self::keys(username, address);
        let wait = keys
            .iter()
            .filter_map(|(key, limit)| {
                table.get(key).and_then(|f| {
                    let ends = f.since + WINDOW;
                    (f.count >= *limit && ends > now).then(|| ends - now)
                })
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        for (key, _) in keys {
            if !table.contains_key(&key) && table.len() >= MAX_TRACKED_KEYS {
                make_room(&mut table, now);
            }
            let entry = table.entry(key).or_insert(Failures { count: 0, since: now });
            if entry.since + WINDOW <= now {
                *entry = Failures { count: 0, since: now };
            }
            entry.count = entry.count.saturating_add(1);
        }
        Ok(Attempt { username: username.into(), address })
    }

    /// The password was right: the attempt is not a failure, and the username starts afresh
    /// at this address.
    pub fn succeeded(&self, attempt: Attempt) {
        let at = Key::UsernameAt(attempt.username.clone().into(), attempt.address);
        self.cancel(attempt);
        self.table().remove(&at);
    }

    /// The password could not be checked (the store failed): the attempt does not count.
    pub fn cancel(&self, attempt: Attempt) {
        let mut table = self.table();
        for (key, _) in Self::keys(&attempt.username, attempt.address) {
            if let Some(entry) = table.get_mut(&key) {
                entry.count = entry.count.saturating_sub(1);
            }
        }
    }

    /// The password was wrong: the attempt stays counted.
    pub fn failed(&self, attempt: Attempt) {
        drop(attempt);
    }
}

/// Drop expired entries; if none has expired, the oldest one.
fn make_room(table: &mut HashMap<Key, Failures>, now: Instant) {
    table.retain(|_, f| f.since + WINDOW > now);
    if table.len() >= MAX_TRACKED_KEYS
        && let Some(oldest) = table.iter().min_by_key(|(_, f)| f.since).map(|(k, _)| k.clone())
    {
        table.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const AWAY: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    fn fail(throttle: &SigninThrottle, username: &str, address: IpAddr, now: Instant) {
        throttle.failed(throttle.begin(username, address, now).expect("allowed"));
    }

    #[test]
    fn a_username_is_blocked_at_an_address_after_its_limit_until_the_window_ends() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS {
            fail(&throttle, "alice", HOME, t0);
        }
        assert_eq!(throttle.begin("alice", HOME, t0).map(drop), Err(WINDOW));
        let later = t0 + WINDOW / 3;
        assert_eq!(throttle.begin("alice", HOME, later).map(drop), Err(WINDOW - WINDOW / 3));
        // The flood from HOME does not lock the owner out from AWAY.
        assert!(throttle.begin("alice", AWAY, t0).is_ok());
        assert!(throttle.begin("alice", HOME, t0 + WINDOW).is_ok());
    }

    #[test]
    fn attempts_count_before_the_check_so_parallel_ones_cannot_all_pass() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        // Sixty attempts begin before any of them has been checked.
        let begun: Vec<_> = (0..60).filter_map(|_| throttle.begin("alice", HOME, t0).ok()).collect();
        assert_eq!(begun.len(), MAX_FAILURES_PER_USERNAME_AT_ADDRESS as usize);
    }

    #[test]
    fn many_addresses_together_are_stopped_by_the_username_limit() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES_PER_USERNAME {
            let address = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            fail(&throttle, "alice", address, t0);
        }
        assert!(throttle.begin("alice", AWAY, t0).is_err());
    }

    #[test]
    fn an_address_is_blocked_after_trying_many_usernames() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            fail(&throttle, &format!("user{i}"), HOME, t0);
        }
        assert!(throttle.begin("someone-new", HOME, t0).is_err());
        assert!(throttle.begin("someone-new", AWAY, t0).is_ok());
    }

    #[test]
    fn success_gives_the_attempt_back_and_clears_the_username_here() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS - 1 {
            fail(&throttle, "alice", HOME, t0);
        }
        throttle.succeeded(throttle.begin("alice", HOME, t0).expect("allowed"));
        for _ in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS {
            fail(&throttle, "alice", HOME, t0);
        }
        assert!(throttle.begin("alice", HOME, t0).is_err());
    }

    #[test]
    fn a_new_window_starts_after_the_old_one_ends() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES_PER_USERNAME_AT_ADDRESS - 1 {
            fail(&throttle, "alice", HOME, t0);
        }
        let next = t0 + WINDOW;
        fail(&throttle, "alice", HOME, next);
        assert!(throttle.begin("alice", HOME, next).is_ok(), "old failures no longer count");
    }

    #[test]
    fn the_table_stays_bounded() {
        let throttle = SigninThrottle::new();
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED_KEYS as u32 / 3 + 10) {
            fail(&throttle, &format!("u{i}"), IpAddr::V4(Ipv4Addr::from(i)), t0);
        }
        assert!(throttle.table().len() <= MAX_TRACKED_KEYS);
    }
}
