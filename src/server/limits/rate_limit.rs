//! Token buckets: `rate` actions per second sustained, `burst` at once; and [`Keyed`], one
//! bucket per person (or per address where there is no person yet), so that opening more
//! sockets or tabs buys nobody a bigger allowance.
//!
//! Time is passed in rather than read, so the tests are exact and need no sleeping.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Most keys one [`Keyed`] limiter tracks. Past it, buckets that have refilled (idle keys)
/// are dropped; if none has, the oldest is.
pub const MAX_TRACKED_KEYS: usize = 100_000;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        Self { rate: rate.max(0.0), burst, tokens: burst, last: now }
    }

    /// Take one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the bucket would be full at `now`: forgetting it changes nothing.
    fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.rate >= self.burst
    }
}

/// One token bucket per key (an account id, an address), shared by every connection and
/// request of that key. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Keyed<K> {
    /// What it limits, as logs and the nodes' shared counts (`shared_limits`) name it.
    name: &'static str,
    rate: f64,
    burst: u32,
    /// Spent on a hot path (a send): with several nodes, counted in Redis a lease at a time
    /// (`server::limits::leases`) rather than token by token.
    leased: bool,
    buckets: Arc<Mutex<HashMap<K, TokenBucket>>>,
}

impl<K: Eq + Hash + Clone> Keyed<K> {
    pub fn new(name: &'static str, rate: f64, burst: u32) -> Self {
        Self { name, rate, burst, leased: false, buckets: Arc::default() }
    }

    /// The same, spent on a hot path: leased from the nodes' shared count a few tokens at a
    /// time.
    pub fn leased(self) -> Self {
        Self { leased: true, ..self }
    }

    /// Tokens taken from the nodes' shared count at once: a lease, or one.
    pub fn lease(&self) -> u32 {
        if self.leased { crate::server::limits::leases::lease_size(self.burst) } else { 1 }
    }

    /// What it limits (`messages`, `uploads`, …).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Actions per second, sustained.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Actions at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Take one token from `key`'s bucket if it has one.
    pub fn try_take(&self, key: &K, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= MAX_TRACKED_KEYS {
            buckets.retain(|_, bucket| !bucket.is_full(now));
            if buckets.len() >= MAX_TRACKED_KEYS
                && let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.last).map(|(k, _)| k.clone())
            {
                buckets.remove(&oldest);
            }
        }
        buckets
            .entry(key.clone())
            .or_insert_with(|| TokenBucket::new(self.rate, self.burst, now))
            .try_take(now)
    }

    /// Keys tracked now (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_the_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2.0, 3, start);
        assert!((0..3).all(|_| bucket.try_take(start)));
        assert!(!bucket.try_take(start));
        // Half a second at 2/s refills exactly one.
        let later = start + Duration::from_millis(500);
        assert!(bucket.try_take(later));
        assert!(!bucket.try_take(later));
        // A long pause refills only up to the burst.
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| bucket.try_take(much_later)).count(), 3);
    }

    #[test]
    fn a_keyed_limiter_gives_each_key_one_allowance() {
        let start = Instant::now();
        let limiter = Keyed::new("test", 1.0, 2);
        assert!(limiter.try_take(&1, start) && limiter.try_take(&1, start));
        assert!(!limiter.try_take(&1, start), "the same person, whatever socket they use");
        assert!(limiter.try_take(&2, start), "someone else is not affected");
        assert!(limiter.try_take(&1, start + Duration::from_secs(1)));
    }
}
