//! The bench's report: Markdown tables ([`tables`]: every client's figures side by side,
//! ours against rumqttc's better set-up with the goal per row, the peer's CPU use),
//! the goals met and missed, the machine, the versions, the exact command; and JSON with
//! every run, written under `target/bench/`.

mod format;
mod tables;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::job::{ClientKind, PeerKind, Workload};
use super::probe::Machine;
use super::results::{Metric, Results};
use super::stats::NOISY_SPREAD;
use super::targets::Verdict;

/// What the report says about the run itself.
#[derive(Debug, Clone)]
pub struct Header {
    /// The command, as typed.
    pub command: String,
    /// When it started, seconds since the Unix epoch.
    pub started_unix: u64,
    /// How long the whole bench took, in seconds.
    pub seconds: f64,
    /// The machine.
    pub machine: Machine,
    /// Tool and crate versions: (name, version).
    pub versions: Vec<(&'static str, String)>,
    /// Repetitions.
    pub reps: usize,
    /// The open-file limit the bench ran with.
    pub open_files: u64,
    /// Workloads left out because that limit could not hold them.
    pub left_out: Vec<String>,
    /// mosquitto's configuration beyond the listener.
    pub mosquitto_config: String,
    /// The 1-minute load average before and after the run.
    pub load: (f64, f64),
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// About the run.
    pub header: Header,
    /// The workloads, in order.
    pub workloads: &'a [Workload],
    /// Every run.
    pub results: &'a Results,
    /// The goals, judged.
    pub verdicts: Vec<Verdict>,
}

impl Report<'_> {
    fn notes(&self, out: &mut String) {
        let failures = self.results.failures();
        if !failures.is_empty() {
            out.push_str("\n**Failed runs** (the bench exits non-zero):\n\n");
            for (run, problems) in failures {
                let problems = problems.join("; ").replace('\n', " ");
                let _ = writeln!(out, "- {}: {problems}", run.place());
            }
        }
        let runs = &self.results.runs;
        let losses: Vec<_> = runs.iter().filter(|run| run.qos0_lost() > 0).collect();
        if !losses.is_empty() {
            out.push_str("\nQoS 0 messages lost (allowed at QoS 0; rates count what arrived):\n\n");
            for run in losses {
                let (lost, sent) = (run.qos0_lost(), run.workload.messages());
                let _ = writeln!(out, "- {}: {lost} of {sent}", run.place());
            }
        }
        let unconnected: Vec<_> = runs.iter().filter(|run| run.not_connected() > 0).collect();
        if !unconnected.is_empty() {
            out.push_str(
                "\nIdle clients that could not connect in the rush (memory is per client that \
                 did):\n\n",
            );
            for run in unconnected {
                let count = run.not_connected();
                let _ = writeln!(out, "- {}: {count} did not connect", run.place());
            }
        }
        if !self.header.left_out.is_empty() {
            let _ = writeln!(
                out,
                "\nLeft out (the open-file limit, {}, cannot hold them): {}.",
                self.header.open_files,
                self.header.left_out.join(", ")
            );
        }
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let header = &self.header;
        let machine = &header.machine;
        let mut out =
            String::from("## Benchmarks: mqtt-kit-client and rumqttc, same run, same machine\n\n");
        let _ = writeln!(out, "Command: `{}`  ", header.command);
        let _ = writeln!(
            out,
            "Run: {} UTC, {:.0} s in all, {} repetition(s) of every figure, the clients interleaved \
             (A B C D, D C B A, ...).  ",
            crate::conformance::report::utc_timestamp(header.started_unix),
            header.seconds,
            header.reps,
        );
        let _ = writeln!(
            out,
            "Machine: {} cores, {}, {} MiB, Linux {} (open files: {}); 1-minute load average {:.2} \
             before the run (other work on the machine), {:.2} after.  ",
            machine.cores,
            machine.cpu_model,
            machine.memory_mib,
            machine.kernel,
            header.open_files,
            header.load.0,
            header.load.1,
        );
        let versions: Vec<String> = header
            .versions
            .iter()
            .map(|(name, version)| format!("{name} {version}"))
            .collect();
        let _ = writeln!(out, "Versions: {}.  ", versions.join(", "));
        let _ = writeln!(
            out,
            "mosquitto: `{}`; every client MQTT 3.1.1, one publisher and one subscriber, 100 QoS \
             1/2 publishes in flight, Nagle off, every numbered message checked.\n",
            header.mosquitto_config.replace('\n', "`, `")
        );
        let _ = writeln!(
            out,
            "Each cell: the median, ± half the range (max - min) as a share of it; `(noisy)` when \
             the range is over {:.0}% of the median. CPU is the client process's user + system \
             time (publisher and subscriber together) per delivered message; the peer's CPU is \
             mosquitto's process, or for the ack-everything peer the bench's own process (its \
             threads). Against the peer, it echoes each message to the subscriber as a broker \
             would, at no cost to speak of.\n",
            NOISY_SPREAD * 100.0
        );
        let _ = writeln!(
            out,
            "rumqttc runs on tokio's multi-threaded runtime (`mt`) and on its current-thread \
             runtime (`ct`). Each ratio is ours / rumqttc's better set-up *for that row* (the \
             higher throughput, the lower CPU, latency or memory) and names it: `0.45x vs ct`. \
             Then the issue's goal for the row and how the row fares: `met`, `MISSED`, or \
             `overlap` when the two runs' ranges (min..max) overlap, which the bench cannot \
             call a win or a loss.\n"
        );
        let flat_out = |w: &Workload| matches!(w, Workload::Throughput { .. });
        for peer in [PeerKind::AckPeer, PeerKind::Mosquitto] {
            let rows = self.rows(flat_out, &[peer], "throughput ");
            let _ = writeln!(out, "### Throughput against {}\n", peer.label());
            self.comparison_table(
                &mut out,
                &rows,
                Metric::MessagesPerSecond,
                "msg/s",
                &[Metric::MegabytesPerSecond, Metric::PeerCpuPercent],
            );
            let _ = writeln!(
                out,
                "### CPU per delivered message, flat out, against {}\n",
                peer.label()
            );
            self.comparison_table(
                &mut out,
                &rows,
                Metric::ClientMicrosPerMessage,
                "µs",
                &[Metric::PeerMicrosPerMessage],
            );
        }
        let fixed_rate = self.rows(
            |w| matches!(w, Workload::FixedRate { .. }),
            &[PeerKind::AckPeer, PeerKind::Mosquitto],
            "fixed rate ",
        );
        out.push_str("### CPU per delivered message at a fixed rate\n\n");
        out.push_str(
            "One publisher sends numbered payloads, built before the window, at a rate every \
             client keeps up with (on 1 ms ticks); one subscriber checks each. What a message \
             costs when the client is not flat out: wake-ups and system calls weigh more.\n\n",
        );
        self.comparison_table(
            &mut out,
            &fixed_rate,
            Metric::ClientMicrosPerMessage,
            "µs",
            &[Metric::MessagesPerSecond, Metric::PeerMicrosPerMessage],
        );
        out.push_str("### Latency, publish call to arrival (QoS 1, fixed rate)\n\n");
        self.latency_table(&mut out);
        out.push_str("### Memory per idle client (against mosquitto)\n\n");
        out.push_str(
            "The client process's resident memory once the clients are connected and idle, less \
             what it was with one, per client that connected. All at once, each connection is \
             made by a task of its own, all spawned together. The seconds to connect them say \
             more about mosquitto than the client: a burst overflows its accept queue, and the \
             kernel sends a dropped SYN again only after a second.\n\n",
        );
        self.memory_tables(&mut out);
        out.push_str("### Goals (medians, ours / rumqttc's better set-up per row, this run)\n\n");
        self.goals(&mut out);
        self.notes(&mut out);
        out
    }

    /// The report as JSON: the settings, every figure's summary, the targets, every run.
    pub fn json(&self) -> Value {
        let header = &self.header;
        let mut figures = Vec::new();
        for workload in self.workloads {
            for peer in [PeerKind::AckPeer, PeerKind::Mosquitto] {
                for client in ClientKind::ALL {
                    let mut metrics = serde_json::Map::new();
                    for (name, metric) in METRICS {
                        if let Some(summary) = self.results.summary(workload, peer, client, metric)
                        {
                            metrics.insert(name.into(), summary.json());
                        }
                    }
                    if !metrics.is_empty() {
                        figures.push(json!({
                            "workload": workload.name(),
                            "messages": workload.messages(),
                            "peer": peer.name(),
                            "client": client.name(),
                            "metrics": metrics,
                        }));
                    }
                }
            }
        }
        json!({
            "command": header.command,
            "started_utc": crate::conformance::report::utc_timestamp(header.started_unix),
            "seconds": header.seconds,
            "reps": header.reps,
            "machine": {
                "cores": header.machine.cores,
                "cpu_model": header.machine.cpu_model,
                "memory_mib": header.machine.memory_mib,
                "kernel": header.machine.kernel,
                "open_files": header.open_files,
                "load_average_before": header.load.0,
                "load_average_after": header.load.1,
            },
            "versions": header.versions.iter().map(|(name, version)| (name.to_string(), json!(version))).collect::<serde_json::Map<_, _>>(),
            "mosquitto_config": header.mosquitto_config,
            "ours_compared": ClientKind::OURS.map(ClientKind::name),
            "rumqttc_set_ups": ClientKind::RUMQTTC.map(ClientKind::name),
            "left_out": header.left_out,
            "figures": figures,
            "goals": self.verdicts.iter().map(Verdict::json).collect::<Vec<_>>(),
            "failures": self.results.failures().iter().map(|(run, problems)| json!({
                "run": run.json(), "problems": problems,
            })).collect::<Vec<_>>(),
            "runs": self.results.runs.iter().map(super::results::Run::json).collect::<Vec<_>>(),
        })
    }

    /// Writes `results.json` and `results.md` into `dir`; their paths.
    pub fn write(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        crate::results_files::write(dir, &self.json(), &self.markdown())
    }
}

/// The metrics in the JSON, by name.
const METRICS: [(&str, Metric); 10] = [
    ("messages_per_s", Metric::MessagesPerSecond),
    ("megabytes_per_s", Metric::MegabytesPerSecond),
    ("client_cpu_us_per_msg", Metric::ClientMicrosPerMessage),
    ("peer_cpu_us_per_msg", Metric::PeerMicrosPerMessage),
    ("peer_cpu_percent", Metric::PeerCpuPercent),
    ("latency_p50_us", Metric::LatencyP50),
    ("latency_p99_us", Metric::LatencyP99),
    ("latency_p999_us", Metric::LatencyP999),
    ("kib_per_idle_client", Metric::KibPerIdleClient),
    ("idle_connect_s", Metric::IdleConnectSeconds),
];

/// Where the results go: `target/bench` beside `target/conformance` (under
/// `$CARGO_TARGET_DIR` when that is set).
pub fn output_dir() -> PathBuf {
    let conformance = crate::conformance::report::output_dir();
    conformance
        .parent()
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
        .join("bench")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_goes_beside_the_conformance_results() {
        assert!(output_dir().ends_with("bench"));
    }
}
