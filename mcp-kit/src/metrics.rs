//! Prometheus metrics per tool (feature `metrics`): calls by outcome and a latency histogram,
//! kept in atomics preallocated for the registry's tools, so recording takes only a read lock
//! (written when a mounted server brings new tools).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10.0,
];

/// How a call ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Error,
    Cancelled,
}

#[derive(Default)]
struct ToolStats {
    ok: AtomicU64,
    error: AtomicU64,
    cancelled: AtomicU64,
    /// Counts per bucket of `BUCKETS`, then above the last: one add per call, made cumulative
    /// when rendered.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// The metrics of one server.
pub(crate) struct Metrics {
    tools: RwLock<HashMap<String, ToolStats>>,
}

impl Metrics {
    pub(crate) fn new<'a>(tools: impl Iterator<Item = &'a str>) -> Self {
        let metrics = Self {
            tools: RwLock::default(),
        };
        metrics.add(tools);
        metrics
    }

    /// Counts calls of these tools too. A tool that goes keeps its counts: counters only rise.
    pub(crate) fn add<'a>(&self, tools: impl Iterator<Item = &'a str>) {
        let mut known = self.tools.write().unwrap_or_else(|e| e.into_inner());
        for name in tools {
            if !known.contains_key(name) {
                known.insert(name.to_owned(), ToolStats::default());
            }
        }
    }

    /// Counts one call of `tool` (known tools only: unknown names are not labels).
    pub(crate) fn record(&self, tool: &str, outcome: Outcome, took: Duration) {
        let tools = self.tools.read().unwrap_or_else(|e| e.into_inner());
        let Some(stats) = tools.get(tool) else {
            return;
        };
        let counter = match outcome {
            Outcome::Ok => &stats.ok,
            Outcome::Error => &stats.error,
            Outcome::Cancelled => &stats.cancelled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|le| seconds <= *le)
            .unwrap_or(BUCKETS.len());
        stats.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        stats.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The text exposition format.
    pub(crate) fn render(&self) -> String {
        let tools = self.tools.read().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<&String> = tools.keys().collect();
        names.sort();
        let mut out = String::new();
        out.push_str("# HELP mcp_tool_calls_total Tool calls, by tool and outcome.\n");
        out.push_str("# TYPE mcp_tool_calls_total counter\n");
        for name in &names {
            let stats = &tools[*name];
            for (outcome, counter) in [
                ("ok", &stats.ok),
                ("error", &stats.error),
                ("cancelled", &stats.cancelled),
            ] {
                let _ = writeln!(
                    out,
                    "mcp_tool_calls_total{{tool=\"{name}\",outcome=\"{outcome}\"}} {}",
                    counter.load(Ordering::Relaxed)
                );
            }
        }
        out.push_str(
            "# HELP mcp_tool_call_duration_seconds Time from a call's arrival to its result.\n",
        );
        out.push_str("# TYPE mcp_tool_call_duration_seconds histogram\n");
        for name in &names {
            let stats = &tools[*name];
            let bounds = BUCKETS
                .iter()
                .map(f64::to_string)
                .chain(["+Inf".to_owned()]);
            let mut count = 0;
            for (le, bucket) in bounds.zip(&stats.buckets) {
                count += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "mcp_tool_call_duration_seconds_bucket{{tool=\"{name}\",le=\"{le}\"}} {count}"
                );
            }
            let sum = stats.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "mcp_tool_call_duration_seconds_sum{{tool=\"{name}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "mcp_tool_call_duration_seconds_count{{tool=\"{name}\"}} {count}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_land_in_their_buckets() {
        let metrics = Metrics::new(["add"].into_iter());
        metrics.record("add", Outcome::Ok, Duration::from_micros(300));
        metrics.record("add", Outcome::Error, Duration::from_millis(20));
        metrics.record("nope", Outcome::Ok, Duration::ZERO);
        let text = metrics.render();
        assert!(
            text.contains("mcp_tool_calls_total{tool=\"add\",outcome=\"ok\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("mcp_tool_calls_total{tool=\"add\",outcome=\"error\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{tool=\"add\",le=\"0.00025\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{tool=\"add\",le=\"0.0005\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{tool=\"add\",le=\"0.025\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("_bucket{tool=\"add\",le=\"+Inf\"} 2\n"),
            "{text}"
        );
        // Cumulative: the call under 0.5 ms counts in every bucket above it too.
        assert!(
            text.contains("_bucket{tool=\"add\",le=\"0.01\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("_sum{tool=\"add\"} 0.0203\n"), "{text}");
        assert!(text.contains("_count{tool=\"add\"} 2\n"), "{text}");
        assert!(!text.contains("nope"));
    }
}
