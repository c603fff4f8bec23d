//! The bench's report: Markdown tables (both clients' figures side by side with the ratio,
//! the peer's CPU use, the machine, the versions, the exact command) and JSON with every run,
//! written under `target/bench/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::job::{ClientKind, PeerKind, Workload};
use super::probe::Machine;
use super::results::{Metric, Results};
use super::stats::{NOISY_SPREAD, Summary};
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
    /// The targets.
    pub verdicts: Vec<Verdict>,
}

const OURS: [ClientKind; 2] = [ClientKind::OursSmol, ClientKind::OursTokio];

/// `41 200`, `3.1`, `0.42`: a figure with sensible precision and grouped thousands.
fn number(value: f64) -> String {
    let decimals = match value.abs() {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    let text = format!("{value:.decimals$}");
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (sign, digits) = integer
        .strip_prefix('-')
        .map_or(("", integer), |digits| ("-", digits));
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A median with its spread, flagged when noisy: `41 200 ±3%`, `40 100 ±27% (noisy)`.
fn cell(summary: Option<&Summary>) -> String {
    let Some(summary) = summary else {
        return "n/a".into();
    };
    let mut text = number(summary.median);
    if summary.samples.len() > 1 {
        let _ = write!(text, " ±{:.0}%", summary.spread() * 50.0);
        if summary.noisy() {
            text.push_str(" (noisy)");
        }
    }
    text
}

fn ratio(ours: Option<&Summary>, theirs: Option<&Summary>) -> String {
    match (ours, theirs) {
        (Some(ours), Some(theirs)) if theirs.median > 0.0 => {
            format!("{:.2}x", ours.median / theirs.median)
        }
        _ => "n/a".into(),
    }
}

impl Report<'_> {
    fn throughputs(&self) -> impl Iterator<Item = &Workload> {
        self.workloads
            .iter()
            .filter(|w| matches!(w, Workload::Throughput { .. }))
    }

    /// One table of `metric` for `peer`: each client's median, our two runtimes' ratios to
    /// rumqttc, and the `extras` (each a metric shown for the three clients in one cell).
    fn table(
        &self,
        out: &mut String,
        peer: PeerKind,
        metric: Metric,
        unit: &str,
        extras: &[Metric],
    ) {
        let _ = write!(
            out,
            "| workload | {} {unit} | {} {unit} | {} {unit} | smol / rumqttc | tokio / rumqttc |",
            ClientKind::OursSmol.label(),
            ClientKind::OursTokio.label(),
            ClientKind::Rumqttc.label(),
        );
        for extra in extras {
            let name = match extra {
                Metric::MegabytesPerSecond => "MB/s delivered",
                Metric::PeerCpuPercent => "peer CPU, % of a core",
                _ => "peer CPU µs/msg",
            };
            let _ = write!(out, " {name} (smol / tokio / rumqttc) |");
        }
        out.push_str("\n| --- | ---: | ---: | ---: | ---: | ---: |");
        out.push_str(&" ---: |".repeat(extras.len()));
        out.push('\n');
        for workload in self.throughputs() {
            let of = |client| self.results.summary(workload, peer, client, metric);
            let [smol, tokio, theirs] = ClientKind::ALL.map(of);
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                workload.name().trim_start_matches("throughput "),
                cell(smol.as_ref()),
                cell(tokio.as_ref()),
                cell(theirs.as_ref()),
                ratio(smol.as_ref(), theirs.as_ref()),
                ratio(tokio.as_ref(), theirs.as_ref()),
            );
            for &extra in extras {
                let values: Vec<String> = ClientKind::ALL
                    .iter()
                    .map(|&client| {
                        self.results
                            .summary(workload, peer, client, extra)
                            .map_or("n/a".into(), |s| number(s.median))
                    })
                    .collect();
                let _ = write!(out, " {} |", values.join(" / "));
            }
            out.push('\n');
        }
        out.push('\n');
    }

    fn latency_table(&self, out: &mut String) {
        out.push_str("| workload | peer | client | p50 µs | p99 µs | p99.9 µs | p99 / rumqttc | CPU µs/msg |\n");
        out.push_str("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for workload in self
            .workloads
            .iter()
            .filter(|w| matches!(w, Workload::Latency { .. }))
        {
            for peer in [PeerKind::AckPeer, PeerKind::Mosquitto] {
                let theirs =
                    self.results
                        .summary(workload, peer, ClientKind::Rumqttc, Metric::LatencyP99);
                for client in ClientKind::ALL {
                    let of = |metric| self.results.summary(workload, peer, client, metric);
                    let p99 = of(Metric::LatencyP99);
                    let versus = if client == ClientKind::Rumqttc {
                        String::new()
                    } else {
                        ratio(p99.as_ref(), theirs.as_ref())
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {versus} | {} |",
                        workload.name().trim_start_matches("latency "),
                        peer.label(),
                        client.label(),
                        cell(of(Metric::LatencyP50).as_ref()),
                        cell(p99.as_ref()),
                        cell(of(Metric::LatencyP999).as_ref()),
                        cell(of(Metric::ClientMicrosPerMessage).as_ref()),
                    );
                }
            }
        }
        out.push('\n');
    }

    fn memory_table(&self, out: &mut String) {
        out.push_str("| workload | client | KiB per idle client | / rumqttc |\n");
        out.push_str("| --- | --- | ---: | ---: |\n");
        for workload in self
            .workloads
            .iter()
            .filter(|w| matches!(w, Workload::Idle { .. }))
        {
            let of = |client| {
                self.results.summary(
                    workload,
                    PeerKind::Mosquitto,
                    client,
                    Metric::KibPerIdleClient,
                )
            };
            let theirs = of(ClientKind::Rumqttc);
            for client in ClientKind::ALL {
                let ours = of(client);
                let versus = if client == ClientKind::Rumqttc {
                    String::new()
                } else {
                    ratio(ours.as_ref(), theirs.as_ref())
                };
                let _ = writeln!(
                    out,
                    "| {} (mosquitto) | {} | {} | {versus} |",
                    workload.name(),
                    client.label(),
                    cell(ours.as_ref()),
                );
            }
        }
        out.push('\n');
    }

    fn notes(&self, out: &mut String) {
        let failures = self.results.failures();
        if !failures.is_empty() {
            out.push_str("\n**Failed runs** (the bench exits non-zero):\n\n");
            for (run, problems) in failures {
                let _ = writeln!(
                    out,
                    "- {} / {} / {} (rep {}): {}",
                    run.workload.name(),
                    run.peer.name(),
                    run.client.name(),
                    run.rep + 1,
                    problems.join("; ").replace('\n', " ")
                );
            }
        }
        let losses: Vec<String> = self
            .results
            .runs
            .iter()
            .filter(|run| run.qos0_lost() > 0)
            .map(|run| {
                format!(
                    "{} / {} / {} (rep {}): {} of {}",
                    run.workload.name(),
                    run.peer.name(),
                    run.client.name(),
                    run.rep + 1,
                    run.qos0_lost(),
                    run.workload.messages()
                )
            })
            .collect();
        if !losses.is_empty() {
            out.push_str("\nQoS 0 messages lost (allowed at QoS 0; rates count what arrived):\n\n");
            for loss in losses {
                let _ = writeln!(out, "- {loss}");
            }
        }
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let header = &self.header;
        let machine = &header.machine;
        let mut out =
            String::from("## Benchmarks: mqtt-client and rumqttc, same run, same machine\n\n");
        let _ = writeln!(out, "Command: `{}`  ", header.command);
        let _ = writeln!(
            out,
            "Run: {} UTC, {:.0} s in all, {} repetition(s) of every figure, the clients interleaved (A B C A B C ...).  ",
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
            "mosquitto: `{}`; both clients MQTT 3.1.1, 100 QoS 1/2 publishes in flight, Nagle off.\n",
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
        for peer in [PeerKind::AckPeer, PeerKind::Mosquitto] {
            let _ = writeln!(out, "### Throughput against {}\n", peer.label());
            self.table(
                &mut out,
                peer,
                Metric::MessagesPerSecond,
                "msg/s",
                &[Metric::MegabytesPerSecond, Metric::PeerCpuPercent],
            );
            let _ = writeln!(
                out,
                "### CPU per delivered message against {}\n",
                peer.label()
            );
            self.table(
                &mut out,
                peer,
                Metric::ClientMicrosPerMessage,
                "µs",
                &[Metric::PeerMicrosPerMessage],
            );
        }
        out.push_str("### Latency, publish call to arrival (QoS 1, fixed rate)\n\n");
        self.latency_table(&mut out);
        out.push_str("### Memory\n\n");
        self.memory_table(&mut out);
        out.push_str("### Targets (medians, against rumqttc in this run)\n\n");
        for verdict in &self.verdicts {
            let mark = match verdict.met {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "not measured",
            };
            let _ = writeln!(
                out,
                "- {} ({}): **{mark}**, {}",
                verdict.target,
                verdict.client.label(),
                verdict.detail
            );
        }
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
            "ours_compared": OURS.map(ClientKind::name),
            "figures": figures,
            "targets": self.verdicts.iter().map(Verdict::json).collect::<Vec<_>>(),
            "failures": self.results.failures().iter().map(|(run, problems)| json!({
                "run": run.json(), "problems": problems,
            })).collect::<Vec<_>>(),
            "runs": self.results.runs.iter().map(super::results::Run::json).collect::<Vec<_>>(),
        })
    }

    /// Writes `results.json` and `results.md` into `dir`; their paths.
    pub fn write(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let json_path = dir.join("results.json");
        let markdown_path = dir.join("results.md");
        let json = serde_json::to_string_pretty(&self.json()).map_err(std::io::Error::other)?;
        std::fs::write(&json_path, json + "\n")?;
        std::fs::write(&markdown_path, self.markdown())?;
        Ok((json_path, markdown_path))
    }
}

/// The metrics in the JSON, by name.
const METRICS: [(&str, Metric); 9] = [
    ("messages_per_s", Metric::MessagesPerSecond),
    ("megabytes_per_s", Metric::MegabytesPerSecond),
    ("client_cpu_us_per_msg", Metric::ClientMicrosPerMessage),
    ("peer_cpu_us_per_msg", Metric::PeerMicrosPerMessage),
    ("peer_cpu_percent", Metric::PeerCpuPercent),
    ("latency_p50_us", Metric::LatencyP50),
    ("latency_p99_us", Metric::LatencyP99),
    ("latency_p999_us", Metric::LatencyP999),
    ("kib_per_idle_client", Metric::KibPerIdleClient),
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
    fn numbers_and_cells() {
        assert_eq!(number(41234.4), "41 234");
        assert_eq!(number(1234567.0), "1 234 567");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(0.4217), "0.42");
        let steady = Summary::of(&[100.0, 102.0, 98.0]).unwrap();
        assert_eq!(cell(Some(&steady)), "100 ±2%");
        let noisy = Summary::of(&[100.0, 150.0, 90.0]).unwrap();
        assert_eq!(cell(Some(&noisy)), "100 ±30% (noisy)");
        assert_eq!(cell(None), "n/a");
    }

    #[test]
    fn output_goes_beside_the_conformance_results() {
        assert!(output_dir().ends_with("bench"));
    }
}
