//! The targets, each checked for our client on smol and on tokio against rumqttc in
//! the same run (medians): CPU per delivered message at most half, throughput at least 1.5x
//! against the ack-everything peer and at least equal against mosquitto, p99 latency no
//! worse, resident memory per idle client at most half and at most 15 KiB.

use serde_json::{Value, json};

use super::job::{ClientKind, PeerKind, Workload};
use super::results::{Metric, Results};

/// The memory target in absolute terms.
pub const MAX_KIB_PER_IDLE_CLIENT: f64 = 15.0;

/// One target for one of our runtimes.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What is asked.
    pub target: &'static str,
    /// Our client on which runtime.
    pub client: ClientKind,
    /// Whether every figure it covers met it (`None`: nothing measured).
    pub met: Option<bool>,
    /// The figures that missed (or the worst one when all met).
    pub detail: String,
}

impl Verdict {
    /// As JSON.
    pub fn json(&self) -> Value {
        json!({
            "target": self.target,
            "client": self.client.name(),
            "met": self.met,
            "detail": self.detail,
        })
    }
}

/// How a ratio (ours / rumqttc) is judged.
struct Rule {
    target: &'static str,
    metric: Metric,
    peers: &'static [PeerKind],
    throughput: bool,
    /// `true`: the ratio must be at least `limit`; `false`: at most.
    at_least: bool,
    limit: f64,
}

const RULES: [Rule; 5] = [
    Rule {
        target: "CPU per delivered message at most half of rumqttc's (every QoS and size, both peers)",
        metric: Metric::ClientMicrosPerMessage,
        peers: &[PeerKind::AckPeer, PeerKind::Mosquitto],
        throughput: true,
        at_least: false,
        limit: 0.5,
    },
    Rule {
        target: "throughput against the ack-everything peer at least 1.5x rumqttc's",
        metric: Metric::MessagesPerSecond,
        peers: &[PeerKind::AckPeer],
        throughput: true,
        at_least: true,
        limit: 1.5,
    },
    Rule {
        target: "throughput against mosquitto at least rumqttc's",
        metric: Metric::MessagesPerSecond,
        peers: &[PeerKind::Mosquitto],
        throughput: true,
        at_least: true,
        limit: 1.0,
    },
    Rule {
        target: "p99 latency no worse than rumqttc's",
        metric: Metric::LatencyP99,
        peers: &[PeerKind::AckPeer, PeerKind::Mosquitto],
        throughput: false,
        at_least: false,
        limit: 1.0,
    },
    Rule {
        target: "memory per idle client at most half of rumqttc's and at most 15 KiB",
        metric: Metric::KibPerIdleClient,
        peers: &[PeerKind::Mosquitto],
        throughput: false,
        at_least: false,
        limit: 0.5,
    },
];

/// Every target for our client on smol and on tokio.
pub fn verdicts(results: &Results, workloads: &[Workload]) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for rule in &RULES {
        for client in [ClientKind::OursSmol, ClientKind::OursTokio] {
            verdicts.push(judge(rule, client, results, workloads));
        }
    }
    verdicts
}

fn applies(rule: &Rule, workload: &Workload) -> bool {
    match (rule.metric, workload) {
        (_, Workload::Throughput { .. }) => rule.throughput,
        (Metric::LatencyP99, Workload::Latency { .. }) => true,
        (Metric::KibPerIdleClient, Workload::Idle { .. }) => true,
        _ => false,
    }
}

fn judge(rule: &Rule, client: ClientKind, results: &Results, workloads: &[Workload]) -> Verdict {
    let mut misses = Vec::new();
    let mut worst: Option<(f64, String)> = None;
    for workload in workloads.iter().filter(|w| applies(rule, w)) {
        for &peer in rule.peers {
            let summary = |client| results.summary(workload, peer, client, rule.metric);
            let (Some(ours), Some(theirs)) = (summary(client), summary(ClientKind::Rumqttc)) else {
                continue;
            };
            if theirs.median <= 0.0 {
                continue;
            }
            let ratio = ours.median / theirs.median;
            let mut place = format!("{} / {}: {ratio:.2}x", workload.name(), peer.name());
            let mut met = if rule.at_least {
                ratio >= rule.limit
            } else {
                ratio <= rule.limit
            };
            if rule.metric == Metric::KibPerIdleClient {
                met &= ours.median <= MAX_KIB_PER_IDLE_CLIENT;
                place = format!(
                    "{place} ({:.1} KiB vs {:.1} KiB)",
                    ours.median, theirs.median
                );
            }
            // "No worse" and "at least equal": a miss inside the runs' own spread is not a
            // difference the bench can tell; say so.
            if !met && rule.limit == 1.0 && ours.min <= theirs.max && theirs.min <= ours.max {
                place.push_str(" (the two clients' ranges overlap)");
            }
            if !met {
                misses.push(place.clone());
            }
            let worse = worst.as_ref().is_none_or(|(w, _)| {
                if rule.at_least {
                    ratio < *w
                } else {
                    ratio > *w
                }
            });
            if worse {
                worst = Some((ratio, place));
            }
        }
    }
    let (met, detail) = match (worst, misses.is_empty()) {
        (None, _) => (None, "not measured".to_string()),
        (Some((_, place)), true) => (Some(true), format!("worst {place}")),
        (Some(_), false) => (Some(false), format!("missed at {}", misses.join("; "))),
    };
    Verdict {
        target: rule.target,
        client,
        met,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::Run;
    use mqtt_client::QoS;

    #[test]
    fn ratios_are_judged_against_rumqttc() {
        let workload = Workload::Throughput {
            qos: QoS::AtLeastOnce,
            size: 16,
            count: 1000,
        };
        let run = |client, cpu: f64, elapsed: f64| Run {
            workload,
            peer: PeerKind::AckPeer,
            client,
            rep: 0,
            outcome: Ok(
                json!({"published": 1000, "acked": 1000, "delivered": 1000, "lost": 0,
                               "elapsed_s": elapsed, "cpu_user_s": cpu, "cpu_system_s": 0.0}),
            ),
        };
        let results = Results {
            runs: vec![
                run(ClientKind::OursSmol, 0.004, 0.01),
                run(ClientKind::OursTokio, 0.006, 0.02),
                run(ClientKind::Rumqttc, 0.01, 0.02),
            ],
        };
        let verdicts = verdicts(&results, &[workload]);
        let find = |target: &str, client| {
            verdicts
                .iter()
                .find(|v| v.target.starts_with(target) && v.client == client)
                .unwrap()
                .met
        };
        assert_eq!(find("CPU", ClientKind::OursSmol), Some(true));
        assert_eq!(find("CPU", ClientKind::OursTokio), Some(false));
        assert_eq!(
            find("throughput against the ack", ClientKind::OursSmol),
            Some(true)
        );
        assert_eq!(
            find("throughput against the ack", ClientKind::OursTokio),
            Some(false)
        );
        assert_eq!(find("p99", ClientKind::OursSmol), None);
    }

    #[test]
    fn a_miss_within_the_spread_says_so() {
        let workload = Workload::Latency {
            qos: QoS::AtLeastOnce,
            size: 16,
            rate: 1000,
            millis: 1000,
        };
        let run = |client, p99: f64, rep| Run {
            workload,
            peer: PeerKind::Mosquitto,
            client,
            rep,
            outcome: Ok(
                json!({"published": 1000, "acked": 1000, "delivered": 1000, "lost": 0,
                               "latency_us": {"p99": p99}}),
            ),
        };
        let results = Results {
            runs: vec![
                run(ClientKind::OursSmol, 110.0, 0),
                run(ClientKind::OursSmol, 104.0, 1),
                run(ClientKind::Rumqttc, 100.0, 0),
                run(ClientKind::Rumqttc, 106.0, 1),
            ],
        };
        let verdict = verdicts(&results, &[workload])
            .into_iter()
            .find(|v| v.target.starts_with("p99") && v.client == ClientKind::OursSmol)
            .unwrap();
        assert_eq!(verdict.met, Some(false));
        assert!(
            verdict.detail.contains("ranges overlap"),
            "{}",
            verdict.detail
        );
    }
}
