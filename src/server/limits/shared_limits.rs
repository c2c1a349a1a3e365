//! What the nodes count together, in Redis (when `--redis-url` is set): sign-in failures, each
//! person's allowances, and open sockets per account and per address.
//!
//! Why shared: with several nodes behind a load balancer, a guesser or a flooder spread over
//! them would get each node's allowance ([`crate::server::accounts::signin_throttle`], [`crate::server::limits::person_limits`]:
//! messages, joins, rooms, uploads, searches, sign-ups per address) once per node. So the same keys and limits are counted in Redis too, each checked and
//! counted in one script (parallel attempts on different nodes cannot all slip under a limit):
//! sign-in failures in fixed windows that expire, messages in a token bucket (GCRA: one
//! timestamp per person, on Redis' clock), taken a few tokens at a time into a lease this node
//! spends without asking again (`server::limits::leases`): a send costs no round trip.
//!
//! Each node's own count stays in front. When Redis does not answer within [`REDIS_TIMEOUT`],
//! that alone decides (logged once per outage): an outage of Redis must lock nobody out nor
//! stop the chat. Nor slow it: after a failure Redis is not asked again for [`RETRY_AFTER`], so
//! a Redis that hangs costs one caller the timeout per retry, not every message.

use crate::ids::UserId;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::server::accounts::signin_throttle::{
    MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USERNAME, MAX_FAILURES_PER_USERNAME_AT_ADDRESS, WINDOW,
};
use crate::server::limits::leases::{Leases, Next};

/// Longest a sign-in waits for Redis before going on without it.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
/// After Redis failed, how long each node's own limits decide alone before one call tries
/// Redis again.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Refuse if any key is at its limit (answering the longest wait, ms); else count all three.
const BEGIN: &str = r"
local wait = -1
for i = 1, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then
    wait = math.max(wait, redis.call('PTTL', KEYS[i]))
  end
end
if wait >= 0 then return wait end
for i = 1, 3 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
end
return -1
";

/// GCRA: KEYS[1] holds when the bucket is next empty ("theoretical arrival time", ms on Redis'
/// clock); ARGV[1] is ms per token, ARGV[2] the burst, ARGV[3] the tokens wanted (a lease,
/// `server::limits::leases`). How many were taken: as many as wanted, or as the bucket holds.
const TAKE: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
-- What the bucket holds: the burst less what is ahead of now (a difference of two nearby
-- times first, so a tiny interval is not lost in the size of the clock).
local free = math.floor((burst * interval - (tat - now)) / interval + 1e-9)
local taken = math.min(tonumber(ARGV[3]), free)
if taken < 1 then return 0 end
tat = tat + taken * interval
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
return taken
";

/// Give an attempt back (ARGV[1] = 1: it succeeded, so the username starts afresh there).
const END: &str = r"
for i = 1, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
if ARGV[1] == '1' then redis.call('DEL', KEYS[1]) end
return 0
";

/// What the shared throttle says about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Counted everywhere: go on.
    Allowed,
    /// Over a limit on some node's count: wait this long.
    Wait(Duration),
    /// Redis did not answer: this node's own throttle decides alone.
    Unavailable,
}

/// What the shared allowance says about one more action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    Granted,
    Spent,
    /// Redis did not answer: this node's own allowance decides alone.
    Unavailable,
}

/// Cheap to clone (one pointer: a connection holds one for its socket's count).
#[derive(Clone, Debug)]
pub struct SharedLimits(Arc<Inner>);

/// What [`SharedLimits`] holds: the Redis client and its scripts.
#[derive(Debug)]
pub struct Inner {
    client: redis::Client,
    conn: Mutex<Option<redis::aio::MultiplexedConnection>>,
    breaker: std::sync::Mutex<Breaker>,
    /// Tokens of each allowance this node holds, taken from Redis a few at a time.
    leases: std::sync::Mutex<Leases>,
    begin: redis::Script,
    end: redis::Script,
    take: redis::Script,
    open: redis::Script,
    close: redis::Script,
}

impl std::ops::Deref for SharedLimits {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Count an open socket under this process's field (ARGV[1]) of each key (an account's, an
/// address's), unless the live processes' fields already hold the cap (ARGV[2] for the account,
/// ARGV[3] for the address). A process is live while its `banter:process:NAME` key lives (each
/// heartbeat renews it for the presence timeout, `server::realtime::cluster`): a dead one's sockets stop
/// counting with it; opening a socket renews it too (ARGV[4] ms). The keys expire a day after
/// their last change. 1 if counted, else 0.
const OPEN: &str = r"
redis.call('SET', 'banter:process:' .. ARGV[1], 1, 'PX', ARGV[4])
for k = 1, 2 do
  local total = 0
  local fields = redis.call('HGETALL', KEYS[k])
  for i = 1, #fields, 2 do
    if fields[i] == ARGV[1] or redis.call('EXISTS', 'banter:process:' .. fields[i]) == 1 then
      total = total + tonumber(fields[i + 1])
    end
  end
  if total >= tonumber(ARGV[k + 1]) then return 0 end
end
for k = 1, 2 do
  redis.call('HINCRBY', KEYS[k], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[k], 86400)
end
return 1
";

/// A socket counted by [`OPEN`] closed.
const CLOSE: &str = r"
for k = 1, 2 do
  if redis.call('HINCRBY', KEYS[k], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[k], ARGV[1]) end
end
return 0
";

impl SharedLimits {
    pub fn new(client: redis::Client) -> Self {
        Self(Arc::new(Inner {
            client,
            conn: Mutex::default(),
            breaker: std::sync::Mutex::default(),
            leases: std::sync::Mutex::default(),
            begin: redis::Script::new(BEGIN),
            end: redis::Script::new(END),
            take: redis::Script::new(TAKE),
            open: redis::Script::new(OPEN),
            close: redis::Script::new(CLOSE),
        }))
    }

    fn socket_keys(user_id: UserId, address: IpAddr) -> [String; 2] {
        [format!("banter:sockets:account:{user_id}"), format!("banter:sockets:address:{address}")]
    }

    /// Count one more socket of `user_id` from `address` as process `me` (alive for at least
    /// `alive_for` more), unless the live processes already hold `per_account` or `per_address`.
    pub async fn open_socket(
        &self,
        me: &str,
        alive_for: Duration,
        user_id: UserId,
        address: IpAddr,
        caps: (usize, usize),
    ) -> Allowance {
        let (per_account, per_address) = caps;
        let mut invocation = self.open.prepare_invoke();
        for key in Self::socket_keys(user_id, address) {
            invocation.key(key);
        }
        invocation.arg(me).arg(per_account).arg(per_address);
        invocation.arg(u64::try_from(alive_for.as_millis()).unwrap_or(u64::MAX).max(1));
        match self.run(invocation).await {
            Some(1) => Allowance::Granted,
            Some(_) => Allowance::Spent,
            None => Allowance::Unavailable,
        }
    }

    /// A socket [`SharedLimits::open_socket`] counted has closed.
    pub async fn close_socket(&self, me: &str, user_id: UserId, address: IpAddr) {
        let mut invocation = self.close.prepare_invoke();
        for key in Self::socket_keys(user_id, address) {
            invocation.key(key);
        }
        invocation.arg(me);
        // Off every caller's path (spawned when the socket drops): always tried.
        self.attempt(invocation).await;
    }

    /// One of `key`'s `name` allowance (`rate` per second, `burst` at once), counted over all
    /// nodes: from this node's lease when it holds one (no round trip), else from Redis, which
    /// gives up to `lease` at once (`server::limits::leases`; 1: token by token).
    pub async fn take(
        &self,
        name: &str,
        key: impl std::fmt::Display,
        rate: f64,
        burst: u32,
        lease: u32,
    ) -> Allowance {
        if rate.is_nan() || rate <= 0.0 {
            return Allowance::Spent;
        }
        let key = format!("banter:rate:{name}:{key}");
        loop {
            let waiting_on = {
                let mut leases = self.leases();
                if leases.spend(&key, Instant::now()) {
                    return Allowance::Granted;
                }
                match leases.next(&key) {
                    Next::Ask => break,
                    Next::Wait(notify) => notify,
                }
            };
            // Made before waiting; the ask's end also wakes a waiter that has not been polled
            // yet. Bounded all the same: a lost ask costs a wait, never a hang.
            let woken = waiting_on.notified();
            let _ = tokio::time::timeout(REDIS_TIMEOUT, woken).await;
        }
        // This caller asks; whatever happens to it (answered, failed, or dropped mid-way with
        // its request), the waiters are woken.
        let asking = Asking { limits: self, key: &key };
        let mut invocation = self.take.prepare_invoke();
        invocation.key(&key);
        invocation.arg(format!("{:.6}", 1000.0 / rate)).arg(burst.max(1)).arg(lease.max(1));
        let answer = self.run(invocation).await;
        let granted = match answer {
            Some(taken) if taken >= 1 => {
                self.leases().granted(key.clone(), u32::try_from(taken).unwrap_or(1), Instant::now());
                Allowance::Granted
            }
            Some(_) => Allowance::Spent,
            None => Allowance::Unavailable,
        };
        drop(asking);
        granted
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, Leases> {
        // A panic while holding it leaves plain counts behind: still usable.
        self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn keys(username: &str, address: IpAddr) -> [String; 3] {
        [
            format!("banter:signin:at:{username}:{address}"),
            format!("banter:signin:user:{username}"),
            format!("banter:signin:addr:{address}"),
        ]
    }

    /// Check and count an attempt for `username` from `address`.
    pub async fn begin(&self, username: &str, address: IpAddr) -> Verdict {
        let limits =
            [MAX_FAILURES_PER_USERNAME_AT_ADDRESS, MAX_FAILURES_PER_USERNAME, MAX_FAILURES_PER_ADDRESS];
        let mut invocation = self.begin.prepare_invoke();
        for key in Self::keys(username, address) {
            invocation.key(key);
        }
        for limit in limits {
            invocation.arg(limit);
        }
        invocation.arg(u64::try_from(WINDOW.as_millis()).unwrap_or(u64::MAX));
        match self.run(invocation).await {
            Some(wait) if wait >= 0 => Verdict::Wait(Duration::from_millis(wait.unsigned_abs())),
            Some(_) => Verdict::Allowed,
            None => Verdict::Unavailable,
        }
    }

    /// The attempt did not count after all: the password was right (`succeeded`, which also
    /// clears the username's count at that address), or it could not be checked.
    pub async fn end(&self, username: &str, address: IpAddr, succeeded: bool) {
        let mut invocation = self.end.prepare_invoke();
        for key in Self::keys(username, address) {
            invocation.key(key);
        }
        invocation.arg(if succeeded { "1" } else { "0" });
        self.run(invocation).await;
    }

    /// Run a script, unless Redis failed within [`RETRY_AFTER`] (see [`Inner::attempt`]).
    async fn run(&self, invocation: redis::ScriptInvocation<'_>) -> Option<i64> {
        if !self.breaker().ask(Instant::now()) {
            return None;
        }
        self.attempt(invocation).await
    }

    /// Run a script on a kept connection, (re)connecting when needed, within [`REDIS_TIMEOUT`],
    /// whatever the breaker says: for what is given back off any caller's path (a closed
    /// socket's count), which skipped would stay counted as long as this process lives.
    ///
    /// A kept connection may have been closed under it while Redis itself is fine (Redis
    /// restarted, an idle timeout, a proxy in between): the first call to find it so is tried
    /// once more on a new connection, rather than failing, opening the breaker, and, for a
    /// closed socket, leaving it counted.
    async fn attempt(&self, invocation: redis::ScriptInvocation<'_>) -> Option<i64> {
        let attempt = async {
            loop {
                // The connection is multiplexed: a clone of it per call, the lock only to make one.
                let (mut conn, kept) = {
                    let mut held = self.conn.lock().await;
                    let kept = held.is_some();
                    if !kept {
                        *held = Some(self.client.get_multiplexed_async_connection().await?);
                    }
                    (held.clone(), kept)
                };
                let Some(conn) = conn.as_mut() else { return Ok(None) };
                match invocation.invoke_async::<i64>(conn).await {
                    Ok(answer) => return Ok(Some(answer)),
                    Err(error) => {
                        *self.conn.lock().await = None;
                        if !(kept && error.is_unrecoverable_error()) {
                            return Err(error);
                        }
                        tracing::debug!(%error, "the kept connection to Redis was closed; trying a new one");
                    }
                }
            }
        };
        let outcome = tokio::time::timeout(REDIS_TIMEOUT, attempt).await;
        let now = Instant::now();
        match outcome {
            Ok(Ok(answer)) => {
                if let Some(down_for) = self.breaker().answered(now) {
                    tracing::info!(
                        after_ms = down_for.as_millis(),
                        "the limits shared by the nodes are back"
                    );
                }
                answer
            }
            Ok(Err(error)) => {
                if self.breaker().failed(now) {
                    tracing::warn!(%error, "the limits shared by the nodes are unavailable; this node's alone apply");
                }
                None
            }
            Err(_) => {
                if self.breaker().failed(now) {
                    tracing::warn!(
                        "Redis is too slow for the limits shared by the nodes; this node's alone apply"
                    );
                }
                *self.conn.lock().await = None;
                None
            }
        }
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        // Its state is two instants, each write complete: usable even after a panic elsewhere.
        self.breaker.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Whether to ask Redis: not for [`RETRY_AFTER`] after it failed, then one caller at a time
/// tries it again.
#[derive(Debug, Default)]
struct Breaker {
    /// When the outage began (for the log), while there is one.
    down_since: Option<Instant>,
    /// Not before this: set by a failure, and by the caller that goes to try again.
    retry_at: Option<Instant>,
}

impl Breaker {
    fn ask(&mut self, now: Instant) -> bool {
        match self.retry_at {
            Some(at) if now < at => false,
            Some(_) => {
                // This caller tries; the others keep to their node's count meanwhile.
                self.retry_at = Some(now + RETRY_AFTER);
                true
            }
            None => true,
        }
    }

    /// Redis failed; true when that begins an outage (worth a line in the log).
    fn failed(&mut self, now: Instant) -> bool {
        self.retry_at = Some(now + RETRY_AFTER);
        if self.down_since.is_some() {
            return false;
        }
        self.down_since = Some(now);
        true
    }

    /// Redis answered; how long it had been down, if it had.
    fn answered(&mut self, now: Instant) -> Option<Duration> {
        self.retry_at = None;
        self.down_since.take().map(|since| now.saturating_duration_since(since))
    }
}

/// An ask for a lease under way: its end, however it comes, wakes who waited on it.
struct Asking<'a> {
    limits: &'a SharedLimits,
    key: &'a str,
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        self.limits.leases().asked(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_a_failure_redis_is_left_alone_then_tried_by_one_caller() {
        let start = Instant::now();
        let mut breaker = Breaker::default();
        assert!(breaker.ask(start));
        assert!(breaker.failed(start), "the first failure begins an outage");
        assert!(!breaker.ask(start + RETRY_AFTER / 2));
        // Time to try again: one caller does, the next ones do not.
        let later = start + RETRY_AFTER;
        assert!(breaker.ask(later));
        assert!(!breaker.ask(later));
        assert!(!breaker.failed(later), "the same outage: logged once");
        assert!(breaker.ask(later + RETRY_AFTER));
        assert_eq!(breaker.answered(later + RETRY_AFTER), Some(RETRY_AFTER * 2));
        // Back: every call asks Redis again, and a new failure is a new outage.
        assert!(breaker.ask(later + RETRY_AFTER));
        assert_eq!(breaker.answered(later + RETRY_AFTER), None);
        assert!(breaker.failed(later + RETRY_AFTER * 2));
    }
}
