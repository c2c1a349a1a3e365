//! What one receiver saw: every `seq` once and in order, or how it fell short.
//!
//! The server numbers a room's messages 1, 2, 3 …, so a receiver needs no knowledge of who
//! sent what: a jump is a gap (lost, unless it turns up later), a `seq` seen before is a
//! duplicate, and a missing one arriving late is out of order. Only the gaps are remembered,
//! so the cost is constant for a healthy stream.

use std::collections::HashSet;

#[derive(Debug, Default, Clone)]
pub struct Ledger {
    /// Highest `seq` received so far.
    last: i64,
    /// `seq`s skipped over and not (yet) received.
    missing: HashSet<i64>,
    pub received: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl Ledger {
    /// Start counting after `seq` (what the room held when the receiver joined).
    pub fn after(seq: i64) -> Self {
        Self { last: seq, ..Self::default() }
    }

    pub fn record(&mut self, seq: i64) {
        if seq > self.last {
            self.missing.extend(self.last + 1..seq);
            self.last = seq;
            self.received += 1;
        } else if self.missing.remove(&seq) {
            self.received += 1;
            self.out_of_order += 1;
        } else {
            self.duplicated += 1;
        }
    }

    /// Highest `seq` received so far.
    pub fn highest(&self) -> i64 {
        self.last
    }

    /// Messages up to `final_seq` that never arrived.
    pub fn lost(&self, final_seq: i64) -> u64 {
        let tail = u64::try_from(final_seq - self.last).unwrap_or(0);
        self.missing.len() as u64 + tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_stream_counts_nothing_wrong() {
        let mut l = Ledger::after(10);
        (11..=20).for_each(|s| l.record(s));
        assert_eq!((l.received, l.duplicated, l.out_of_order, l.lost(20)), (10, 0, 0, 0));
    }

    #[test]
    fn gaps_duplicates_and_late_arrivals_are_told_apart() {
        let mut l = Ledger::after(0);
        for seq in [1, 2, 5, 2, 3, 6] {
            l.record(seq);
        }
        assert_eq!(l.received, 5);
        assert_eq!(l.duplicated, 1);
        assert_eq!(l.out_of_order, 1);
        // 4 never came, and 7..=8 were sent but not received.
        assert_eq!(l.lost(8), 3);
    }
}
