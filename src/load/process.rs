//! The server's resident memory and CPU time, read from `/proc/PID` (Linux).

use std::path::PathBuf;

/// `/proc/PID/stat` counts CPU time in these ticks per second (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub rss_bytes: u64,
    pub cpu_seconds: f64,
}

pub fn usage(pid: u32) -> Option<Usage> {
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Usage { rss_bytes: rss_kib * 1024, cpu_seconds: ticks as f64 / TICKS_PER_SECOND })
}

/// The usage of several processes, summed; `None` if there are none or one cannot be read.
pub fn usage_of_all(pids: &[u32]) -> Option<Usage> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().try_fold(Usage::default(), |sum, &pid| {
        let one = usage(pid)?;
        Some(Usage {
            rss_bytes: sum.rss_bytes + one.rss_bytes,
            cpu_seconds: sum.cpu_seconds + one.cpu_seconds,
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let usage = super::usage(std::process::id()).expect("own /proc entry");
        assert!(usage.rss_bytes > 0);
    }

    #[test]
    fn sums_several_processes_and_needs_them_all() {
        let own = std::process::id();
        let once = super::usage(own).expect("own /proc entry");
        let twice = super::usage_of_all(&[own, own]).expect("own /proc entry, twice");
        // Memory can move between the reads; twice one process is more than once.
        assert!(twice.rss_bytes > once.rss_bytes);
        assert!(super::usage_of_all(&[]).is_none());
        assert!(super::usage_of_all(&[own, u32::MAX]).is_none());
    }
}
