//! The process's allocator (glibc's malloc), set for a server whose memory is mostly many
//! small blocks that live long (each idle connection's) laid among many that live for a moment
//! (each request's and each WebSocket handshake's). Only the server binary calls this: the
//! allocator is the process's, not one server's.
//!
//! glibc gives memory back to the kernel only from the top of a heap, and keeps whatever is
//! freed below it for later. Two consequences, one setting each:
//! - Large blocks: glibc raises its mmap threshold to the size of any large block freed, after
//!   which blocks that size stay in a heap once freed. Every sign-in hashes with a 19 MiB work
//!   area (argon2id), so each one left ~19 MiB resident. The threshold is fixed instead
//!   ([`MMAP_THRESHOLD_BYTES`]).
//! - Pages freed inside a heap: a burst of connections leaves the handshakes' buffers freed
//!   between the connections' own blocks, which stay, so those pages stay resident: about half
//!   a kilobyte per connection at 10,000 (docs/benchmarks.md, "Idle connections"). Every
//!   [`TRIM_CHECK_INTERVAL`] the heaps are looked at; if they moved since the last look (blocks
//!   taken or freed: traffic) and hold at least [`TRIM_FREE_BYTES`] free inside, their whole
//!   free pages go back to the kernel (`malloc_trim`). A quiet server is not trimmed again; a
//!   busy one is trimmed every few seconds, at about 1.5 ms of one core each with 10,000
//!   connections open (the heaps' locks are held meanwhile, each in turn).
//!
//! glibc cannot say which free pages are still resident, so "moved" stands in for "freed pages
//! were touched again": pages given back and not used since stay free and cost nothing.

use std::time::Duration;

/// Blocks at least this big come straight from the kernel and go straight back when freed.
pub const MMAP_THRESHOLD_BYTES: i32 = 1 << 20;
/// How often the heaps are looked at.
pub const TRIM_CHECK_INTERVAL: Duration = Duration::from_secs(5);
/// Bytes free inside the heaps (not counting their tops, which glibc trims itself) below which
/// a trim is not worth its cost.
pub const TRIM_FREE_BYTES: usize = 1 << 20;
/// Bytes taken or freed since the last look, below which the heaps count as unmoved.
pub const TRIM_MOVED_BYTES: usize = 256 << 10;

/// Set the allocator up for this process. Call once, first thing in `main`.
pub fn set_up() {
    return_large_blocks_to_the_kernel();
}

/// Give free pages back for as long as the process serves. Call once, on the runtime, when the
/// binary starts serving (an operator's task ends too soon to need it).
pub fn spawn_trimmer() {
    tokio::spawn(trim_now_and_then());
}

async fn trim_now_and_then() {
    let mut checks = tokio::time::interval(TRIM_CHECK_INTERVAL);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut trims = TrimPolicy::default();
    loop {
        checks.tick().await;
        // Reading and trimming the heaps takes their locks: done off the runtime's workers.
        let Ok(heaps) = tokio::task::spawn_blocking(HeapUse::now).await else { continue };
        if !trims.worth_it(heaps) {
            continue;
        }
        match tokio::task::spawn_blocking(trim).await {
            Ok(trimmed) => tracing::debug!(
                free_bytes = heaps.free,
                released = trimmed.released,
                micros = trimmed.took.as_micros(),
                "free heap pages given back to the kernel"
            ),
            Err(error) => tracing::warn!(%error, "the allocator's trim did not finish"),
        }
    }
}

/// What the heaps hold.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HeapUse {
    /// Bytes in free blocks inside the heaps, without the free space at their tops.
    pub free: usize,
    /// Bytes in blocks in use.
    pub in_use: usize,
}

/// When a trim is worth its cost: the heaps moved since the last look and hold enough free.
#[derive(Debug, Default)]
pub struct TrimPolicy {
    last: HeapUse,
}

impl TrimPolicy {
    /// Given what the heaps hold now, whether to trim now.
    pub fn worth_it(&mut self, now: HeapUse) -> bool {
        let moved = now.free.abs_diff(self.last.free) + now.in_use.abs_diff(self.last.in_use);
        self.last = now;
        moved >= TRIM_MOVED_BYTES && now.free >= TRIM_FREE_BYTES
    }
}

/// A trim that ran.
#[derive(Debug)]
pub struct Trimmed {
    /// Whether any memory went back to the kernel.
    pub released: bool,
    pub took: Duration,
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_kernel() {
    // SAFETY: mallopt only tunes the allocator; it takes the allocator's own lock.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) };
    if set != 1 {
        tracing::warn!("cannot set the allocator's mmap threshold");
    }
}

/// Give the heaps' free pages back to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() -> Trimmed {
    let started = std::time::Instant::now();
    // SAFETY: malloc_trim takes each heap's lock while it walks it; it frees nothing in use.
    let released = unsafe { libc::malloc_trim(0) } == 1;
    Trimmed { released, took: started.elapsed() }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
impl HeapUse {
    pub fn now() -> Self {
        // SAFETY: mallinfo2 only reads the allocator's statistics, under its locks.
        let info = unsafe { libc::mallinfo2() };
        Self { free: info.fordblks.saturating_sub(info.keepcost), in_use: info.uordblks }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_kernel() {}

/// Other allocators return free pages their own way.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() -> Trimmed {
    Trimmed { released: false, took: Duration::ZERO }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
impl HeapUse {
    pub fn now() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trim_comes_after_traffic_and_not_while_the_heaps_stay_put() {
        let heaps = |free, in_use| HeapUse { free, in_use };
        let mut trims = TrimPolicy::default();
        assert!(!trims.worth_it(heaps(TRIM_FREE_BYTES / 2, 40 << 20)), "little free");
        assert!(trims.worth_it(heaps(10 << 20, 60 << 20)), "a burst left blocks freed");
        assert!(!trims.worth_it(heaps(10 << 20, 60 << 20)), "quiet since");
        assert!(!trims.worth_it(heaps(10 << 20, 60 << 20)), "still quiet");
        // Blocks taken from the free ones (their pages touched again) and freed again.
        assert!(trims.worth_it(heaps(9 << 20, 61 << 20)), "traffic");
        assert!(!trims.worth_it(heaps((9 << 20) + 1000, (61 << 20) - 1000)), "a few pings");
    }

    /// What a burst of handshakes does to a heap: many blocks freed between a few kept. Their
    /// pages are given back, and the kept blocks are untouched.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn pages_freed_between_kept_blocks_are_given_back() {
        const BLOCK: usize = 16 * 1024;
        let fill = |i: usize| u8::try_from(i % 251).unwrap_or(0);
        let blocks: Vec<Vec<u8>> = (0..2048).map(|i| vec![fill(i); BLOCK]).collect();
        let before = HeapUse::now().free;
        // Keep one block in eight: 28 MiB freed in holes of 112 KiB, none at a heap's top.
        let kept: Vec<Vec<u8>> = blocks.into_iter().step_by(8).collect();
        let freed = HeapUse::now().free;
        assert!(freed >= before + 16 * (1 << 20), "free inside heaps: {before} then {freed}");

        let trimmed = trim();
        assert!(trimmed.released, "{trimmed:?}");
        assert!(kept.iter().enumerate().all(|(i, block)| block.iter().all(|&x| x == fill(i * 8))));
    }
}
