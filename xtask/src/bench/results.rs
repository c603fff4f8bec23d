//! Every run of a bench and the figures drawn from them: per workload, peer and client, a
//! [`Summary`] of each metric over the repetitions; which runs failed, which lost QoS 0
//! messages.

use mqtt_kit_client::QoS;
use serde_json::{Value, json};

use super::job::{ClientKind, PeerKind, Workload};
use super::stats::Summary;

/// One run of one job.
#[derive(Debug, Clone)]
pub struct Run {
    /// The workload.
    pub workload: Workload,
    /// The peer.
    pub peer: PeerKind,
    /// The client.
    pub client: ClientKind,
    /// Which repetition (from 0).
    pub rep: usize,
    /// The child's report (with the peer's CPU time), or why the run failed.
    pub outcome: Result<Value, String>,
}

/// What can be read from a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Messages delivered to the subscriber a second.
    MessagesPerSecond,
    /// Payload megabytes (10^6) delivered a second.
    MegabytesPerSecond,
    /// The client process's CPU time (user + system) per delivered message, µs.
    ClientMicrosPerMessage,
    /// The peer's CPU time per delivered message, µs.
    PeerMicrosPerMessage,
    /// The peer's CPU use over the window, % of one core.
    PeerCpuPercent,
    /// Latency percentiles, µs.
    LatencyP50,
    /// 99th percentile.
    LatencyP99,
    /// 99.9th percentile.
    LatencyP999,
    /// Resident memory per idle connected client, KiB.
    KibPerIdleClient,
    /// Seconds from the first idle client's connecting to the last's being connected (or
    /// giving up).
    IdleConnectSeconds,
}

impl Run {
    fn number(&self, path: &[&str]) -> Option<f64> {
        let report = self.outcome.as_ref().ok()?;
        path.iter()
            .try_fold(report, |value, key| value.get(key))?
            .as_f64()
    }

    /// The figure `metric` of this run, if it has one.
    pub fn metric(&self, metric: Metric) -> Option<f64> {
        let delivered = self.number(&["delivered"]).filter(|count| *count > 0.0);
        let elapsed = self.number(&["elapsed_s"]).filter(|seconds| *seconds > 0.0);
        let size = self.workload.size() as f64;
        let client_cpu = || Some(self.number(&["cpu_user_s"])? + self.number(&["cpu_system_s"])?);
        match metric {
            Metric::MessagesPerSecond => Some(delivered? / elapsed?),
            Metric::MegabytesPerSecond => Some(delivered? * size / elapsed? / 1e6),
            Metric::ClientMicrosPerMessage => Some(client_cpu()? / delivered? * 1e6),
            Metric::PeerMicrosPerMessage => Some(self.number(&["peer_cpu_s"])? / delivered? * 1e6),
            Metric::PeerCpuPercent => Some(self.number(&["peer_cpu_s"])? / elapsed? * 100.0),
            Metric::LatencyP50 => self.number(&["latency_us", "p50"]),
            Metric::LatencyP99 => self.number(&["latency_us", "p99"]),
            Metric::LatencyP999 => self.number(&["latency_us", "p999"]),
            Metric::KibPerIdleClient => Some(self.number(&["bytes_per_client"])? / 1024.0),
            Metric::IdleConnectSeconds => self.number(&["connect_s"]),
        }
    }

    fn qos(&self) -> Option<QoS> {
        self.workload.qos()
    }

    /// Idle clients that could not connect when all connected at once (reported, not a
    /// failure: the memory is per client that did).
    pub fn not_connected(&self) -> u64 {
        self.outcome
            .as_ref()
            .ok()
            .and_then(|report| report.get("not_connected")?.as_u64())
            .unwrap_or(0)
    }

    /// What makes this run a failure: an error, a lost QoS 1/2 message, a duplicate at QoS 2,
    /// a damaged payload, a refused publish.
    pub fn problems(&self) -> Vec<String> {
        let report = match &self.outcome {
            Ok(report) => report,
            Err(error) => return vec![error.clone()],
        };
        if matches!(self.workload, Workload::Idle { .. }) {
            return Vec::new();
        }
        let count = |key: &str| report.get(key).and_then(Value::as_u64).unwrap_or(0);
        let mut problems = Vec::new();
        if count("lost") > 0 && self.qos() != Some(QoS::AtMostOnce) {
            problems.push(format!("{} messages lost", count("lost")));
        }
        if count("duplicates") > 0 && self.qos() == Some(QoS::ExactlyOnce) {
            problems.push(format!("{} duplicates at QoS 2", count("duplicates")));
        }
        if count("corrupt") > 0 {
            problems.push(format!("{} damaged payloads", count("corrupt")));
        }
        if count("publish_failures") > 0 {
            problems.push(format!("{} publishes failed", count("publish_failures")));
        }
        if count("acked") + count("publish_failures") < count("published") {
            problems.push(format!(
                "{} of {} publishes never acknowledged",
                count("published") - count("acked"),
                count("published")
            ));
        }
        problems
    }

    /// QoS 0 messages that did not arrive (reported, not a failure).
    pub fn qos0_lost(&self) -> u64 {
        if self.qos() != Some(QoS::AtMostOnce) {
            return 0;
        }
        self.outcome
            .as_ref()
            .ok()
            .and_then(|report| report.get("lost")?.as_u64())
            .unwrap_or(0)
    }

    /// Which run it is, in words: `throughput qos1 16 B / mosquitto / ours-smol (rep 2)`.
    pub fn place(&self) -> String {
        format!(
            "{} / {} / {} (rep {})",
            self.workload.name(),
            self.peer.name(),
            self.client.name(),
            self.rep + 1
        )
    }

    /// As JSON.
    pub fn json(&self) -> Value {
        let mut value = json!({
            "workload": self.workload.name(),
            "peer": self.peer.name(),
            "client": self.client.name(),
            "rep": self.rep,
        });
        match &self.outcome {
            Ok(report) => value["report"] = report.clone(),
            Err(error) => value["error"] = error.clone().into(),
        }
        value
    }
}

/// A successful delivery run of `workload` that delivered every message, for tests:
/// `cpu` seconds of client CPU over `elapsed` seconds.
#[cfg(test)]
pub fn delivered_run(
    workload: Workload,
    peer: PeerKind,
    client: ClientKind,
    rep: usize,
    (cpu, elapsed): (f64, f64),
) -> Run {
    let count = workload.messages();
    Run {
        workload,
        peer,
        client,
        rep,
        outcome: Ok(
            json!({"published": count, "acked": count, "delivered": count, "lost": 0,
                           "elapsed_s": elapsed, "cpu_user_s": cpu, "cpu_system_s": 0.0}),
        ),
    }
}

/// Every run of the bench.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// In the order run.
    pub runs: Vec<Run>,
}

impl Results {
    /// The summary of `metric` over the repetitions of one workload, peer and client.
    pub fn summary(
        &self,
        workload: &Workload,
        peer: PeerKind,
        client: ClientKind,
        metric: Metric,
    ) -> Option<Summary> {
        let samples: Vec<f64> = self
            .runs
            .iter()
            .filter(|run| &run.workload == workload && run.peer == peer && run.client == client)
            .filter(|run| run.problems().is_empty())
            .filter_map(|run| run.metric(metric))
            .collect();
        Summary::of(&samples)
    }

    /// The failed runs, with why.
    pub fn failures(&self) -> Vec<(&Run, Vec<String>)> {
        self.runs
            .iter()
            .map(|run| (run, run.problems()))
            .filter(|(_, problems)| !problems.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(qos: QoS, report: Value) -> Run {
        Run {
            workload: Workload::Throughput {
                qos,
                size: 1000,
                count: 100,
            },
            peer: PeerKind::AckPeer,
            client: ClientKind::OursSmol,
            rep: 0,
            outcome: Ok(report),
        }
    }

    #[test]
    fn figures_of_a_run() {
        let run = run(
            QoS::AtLeastOnce,
            json!({"published": 100, "acked": 100, "delivered": 100, "lost": 0,
                   "elapsed_s": 0.5, "cpu_user_s": 0.002, "cpu_system_s": 0.001,
                   "peer_cpu_s": 0.25}),
        );
        assert_eq!(run.metric(Metric::MessagesPerSecond), Some(200.0));
        assert_eq!(run.metric(Metric::MegabytesPerSecond), Some(0.2));
        let micros = run.metric(Metric::ClientMicrosPerMessage).unwrap();
        assert!((micros - 30.0).abs() < 1e-9);
        assert_eq!(run.metric(Metric::PeerCpuPercent), Some(50.0));
        assert_eq!(run.metric(Metric::LatencyP99), None);
        assert!(run.problems().is_empty());
    }

    #[test]
    fn losses_fail_a_run_but_at_qos_0() {
        let lossy = json!({"published": 100, "acked": 100, "delivered": 90, "lost": 10});
        assert_eq!(
            run(QoS::ExactlyOnce, lossy.clone()).problems(),
            ["10 messages lost"]
        );
        let qos0 = run(QoS::AtMostOnce, lossy);
        assert!(qos0.problems().is_empty());
        assert_eq!(qos0.qos0_lost(), 10);
        let unacked = json!({"published": 100, "acked": 99, "delivered": 100, "lost": 0});
        assert_eq!(run(QoS::AtLeastOnce, unacked).problems().len(), 1);
    }
}
