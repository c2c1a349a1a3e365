//! This node's share of each allowance counted in Redis, leased a few tokens at a time, so a
//! person's messages (and every other allowance on a hot path) do not wait for Redis one by
//! one.
//!
//! Redis still counts every token: a lease takes up to [`lease_size`] tokens from the person's
//! bucket in one script, and this node spends them locally until they are gone or
//! [`LEASE_TTL`] has passed. So nothing is ever admitted that Redis did not count first: no
//! node, and no number of nodes, lets a person past their allowance. What a lease can cost is
//! the other way: tokens one node holds unspent are not there for another node's socket of the
//! same person, at most `lease_size(burst) - 1` per node, for at most [`LEASE_TTL`] (then they
//! are dropped and the bucket refills as usual). Only the allowances spent on a hot path are
//! leased (messages, a person's and a bot's: `Keyed::leased`); the others (joins, rooms,
//! uploads, sign-ups) are asked token by token, exact over the nodes. A lease is a quarter of
//! the burst, so a burst under 8 goes token by token too.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How long leased tokens stay usable on this node; unspent ones are dropped then.
pub const LEASE_TTL: Duration = Duration::from_secs(1);
/// A lease is at most 1/`LEASE_SHARE` of the burst.
pub const LEASE_SHARE: u32 = 4;
/// Most keys this node keeps a lease for; past it, spent and expired ones are dropped first.
pub const MAX_LEASES: usize = 100_000;

/// Tokens asked for at once for an allowance of `burst`.
pub fn lease_size(burst: u32) -> u32 {
    (burst / LEASE_SHARE).max(1)
}

/// The leases this node holds, by Redis key, and the keys whose next lease is being asked for.
#[derive(Debug, Default)]
pub struct Leases {
    held: HashMap<String, Held>,
    /// One ask per key at a time: callers who find one under way wait for its answer rather
    /// than each taking a lease of their own (which would drain the person's bucket into
    /// leases nobody spends).
    asking: HashMap<String, Arc<Notify>>,
}

/// What a caller without a leased token does next.
#[derive(Debug)]
pub enum Next {
    /// Ask Redis; say [`Leases::asked`] when answered (or given up).
    Ask,
    /// Another caller is asking: wait for it, then look again.
    Wait(Arc<Notify>),
}

#[derive(Debug, Clone, Copy)]
struct Held {
    tokens: u32,
    until: Instant,
}

impl Leases {
    /// Spend one of `key`'s leased tokens at `now`: whether there was one.
    pub fn spend(&mut self, key: &str, now: Instant) -> bool {
        match self.held.get_mut(key) {
            Some(held) if held.until > now && held.tokens > 0 => {
                held.tokens -= 1;
                true
            }
            _ => false,
        }
    }

    /// No leased token of `key`: ask Redis, or wait for the ask under way.
    pub fn next(&mut self, key: &str) -> Next {
        match self.asking.get(key) {
            Some(notify) => Next::Wait(Arc::clone(notify)),
            None => {
                self.asking.insert(key.to_owned(), Arc::new(Notify::new()));
                Next::Ask
            }
        }
    }

    /// The ask for `key` is over (answered, failed or given up): wake who waited on it.
    pub fn asked(&mut self, key: &str) {
        if let Some(notify) = self.asking.remove(key) {
            notify.notify_waiters();
        }
    }

    /// Redis granted `granted` tokens of `key` at `now`, one of them spent at once by the
    /// caller: the rest are leased here.
    pub fn granted(&mut self, key: String, granted: u32, now: Instant) {
        let rest = granted.saturating_sub(1);
        if rest == 0 {
            return;
        }
        if self.held.len() >= MAX_LEASES && !self.held.contains_key(&key) {
            self.held.retain(|_, held| held.until > now && held.tokens > 0);
            if self.held.len() >= MAX_LEASES {
                self.held.clear();
            }
        }
        let held = self.held.entry(key).or_insert(Held { tokens: 0, until: now });
        // Another caller's lease still running: keep both (neither is lost).
        held.tokens = if held.until > now { held.tokens.saturating_add(rest) } else { rest };
        held.until = now + LEASE_TTL;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_a_quarter_of_the_burst_and_small_allowances_go_token_by_token() {
        assert_eq!(lease_size(20), 5);
        assert_eq!(lease_size(7), 1);
        assert_eq!(lease_size(3), 1);
        assert_eq!(lease_size(0), 1);
    }

    #[test]
    fn leased_tokens_are_spent_once_and_expire() {
        let now = Instant::now();
        let mut leases = Leases::default();
        assert!(!leases.spend("k", now), "nothing leased yet");
        leases.granted("k".into(), 3, now);
        assert!(leases.spend("k", now) && leases.spend("k", now));
        assert!(!leases.spend("k", now), "two left after the caller's own");
        leases.granted("k".into(), 5, now);
        assert!(leases.spend("k", now + LEASE_TTL / 2));
        assert!(!leases.spend("k", now + LEASE_TTL), "dropped when the lease runs out");
        assert!(!leases.spend("other", now));
    }

    #[test]
    fn one_ask_per_key_at_a_time() {
        let mut leases = Leases::default();
        assert!(matches!(leases.next("k"), Next::Ask));
        assert!(matches!(leases.next("k"), Next::Wait(_)));
        assert!(matches!(leases.next("other"), Next::Ask));
        leases.asked("k");
        assert!(matches!(leases.next("k"), Next::Ask));
    }

    #[test]
    fn two_grants_at_once_keep_both() {
        let now = Instant::now();
        let mut leases = Leases::default();
        leases.granted("k".into(), 2, now);
        leases.granted("k".into(), 2, now);
        assert!(leases.spend("k", now) && leases.spend("k", now));
        assert!(!leases.spend("k", now));
    }
}
