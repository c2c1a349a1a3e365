//! Results as a table for people and JSON for the benchmark document.

use hdrhistogram::Histogram;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub scenario: String,
    pub connections: usize,
    pub offered_rate: f64,
    pub sent: u64,
    pub delivered: u64,
    pub deliveries_per_second: f64,
    pub lost: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inserts_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_cpu_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_rss_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rss_per_connection: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The load tool's own CPU time over the run's wall time (1.0: one core all the time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_cpu_share: Option<f64>,
    /// The tool was busier than [`SELF_CPU_LIMIT`](super::SELF_CPU_LIMIT): what was measured may
    /// be the tool's limit, not the server's; no figure from this run should be published.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub load_limited: bool,
}

impl Report {
    pub fn new(scenario: &str) -> Self {
        Self { scenario: scenario.to_owned(), ..Self::default() }
    }

    /// Record the tool's own CPU use over `seconds` of wall time, warning when it was the
    /// bottleneck.
    pub fn set_load_cpu(&mut self, cpu_seconds: f64, seconds: f64) {
        let share = cpu_seconds / seconds.max(f64::EPSILON);
        self.load_cpu_share = Some(share);
        self.load_limited = share > super::SELF_CPU_LIMIT;
        if self.load_limited {
            eprintln!(
                "warning: banter-load used {:.0}% of a core during {}: the figures may be its limit, \
                 not the server's; do not publish them",
                share * 100.0,
                self.scenario
            );
        }
    }

    pub fn set_latency(&mut self, h: &Histogram<u64>) {
        let ms = |micros: u64| micros as f64 / 1000.0;
        if h.is_empty() {
            return;
        }
        self.p50_ms = ms(h.value_at_quantile(0.5));
        self.p99_ms = ms(h.value_at_quantile(0.99));
        self.p999_ms = ms(h.value_at_quantile(0.999));
        self.max_ms = ms(h.max());
    }
}

pub fn print(reports: &[Report]) {
    println!(
        "{:<8} {:>6} {:>10} {:>10} {:>12} {:>6} {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "scenario",
        "conns",
        "rate",
        "delivered",
        "deliv/s",
        "lost",
        "dup",
        "ooo",
        "p50 ms",
        "p99 ms",
        "p99.9",
        "max ms",
        "cpu s",
        "rss MiB"
    );
    for r in reports {
        println!(
            "{:<8} {:>6} {:>10.0} {:>10} {:>12.0} {:>6} {:>5} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9} {:>9}",
            r.scenario,
            r.connections,
            r.offered_rate,
            r.delivered,
            r.deliveries_per_second,
            r.lost,
            r.duplicated,
            r.out_of_order,
            r.p50_ms,
            r.p99_ms,
            r.p999_ms,
            r.max_ms,
            r.server_cpu_seconds.map(|c| format!("{c:.2}")).unwrap_or_default(),
            r.server_rss_bytes.map(|b| format!("{:.1}", b as f64 / 1048576.0)).unwrap_or_default(),
        );
        if let Some(per) = r.rss_per_connection {
            println!("  server RSS per connection: {:.0} bytes ({:.2} KiB)", per, per / 1024.0);
        }
        if let Some(share) = r.load_cpu_share {
            let verdict =
                if r.load_limited { "LIMITED BY THE TOOL: do not publish" } else { "not the limit" };
            println!("  banter-load's own CPU: {:.0}% of one core ({verdict})", share * 100.0);
        }
        if let Some(rate) = r.inserts_per_second {
            println!(
                "  pipelined insert rate: {rate:.0} messages/s (send→ack p50 {:.2} ms, p99 {:.2} ms)",
                r.p50_ms, r.p99_ms
            );
        }
    }
}
