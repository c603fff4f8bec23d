//! The goals, each judged row by row for our client on smol and on tokio against the
//! better of rumqttc's set-ups for that row ([`Versus`]): client CPU per delivered message at
//! most 0.7x against mosquitto and 0.5x against the ack-everything peer (flat out and at the
//! fixed rate), throughput at least 1.0x against mosquitto and 1.5x against the peer, p99
//! latency at most 1.0x, resident memory per idle client at most 0.5x (connecting one at a
//! time and all at once).
//!
//! A row whose two ranges (min..max over the repetitions) overlap is marked so: the bench
//! cannot tell the two clients apart there, so it is neither met nor missed. Figures are
//! never a failure of the bench.

use serde_json::{Value, json};

use super::job::{Arrival, ClientKind, PeerKind, Workload};
use super::results::{Metric, Results};
use super::versus::Versus;

/// The rows a goal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// The throughput workloads (flat out).
    FlatOut,
    /// The fixed-rate workload.
    FixedRate,
    /// The latency workload.
    Latency,
    /// Idle clients connecting one at a time.
    IdleOneAtATime,
    /// Idle clients connecting all at once.
    IdleAllAtOnce,
}

impl Rows {
    fn hold(self, workload: &Workload) -> bool {
        matches!(
            (self, workload),
            (Rows::FlatOut, Workload::Throughput { .. })
                | (Rows::FixedRate, Workload::FixedRate { .. })
                | (Rows::Latency, Workload::Latency { .. })
                | (
                    Rows::IdleOneAtATime,
                    Workload::Idle {
                        arrival: Arrival::OneAtATime,
                        ..
                    }
                )
                | (
                    Rows::IdleAllAtOnce,
                    Workload::Idle {
                        arrival: Arrival::AllAtOnce,
                        ..
                    }
                )
        )
    }
}

/// One goal: a limit on the ratio ours / rumqttc of one metric, for some rows, against one
/// peer.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// What is asked, in words.
    pub what: &'static str,
    /// The figure.
    pub metric: Metric,
    /// The rows.
    pub rows: Rows,
    /// Against which peer.
    pub peer: PeerKind,
    /// `true`: the ratio must be at least `limit`; `false`: at most.
    pub at_least: bool,
    /// The limit on the ratio.
    pub limit: f64,
}

impl Goal {
    /// `≤ 0.5x`, `≥ 1.5x`.
    pub fn limit_text(&self) -> String {
        let sign = if self.at_least { '≥' } else { '≤' };
        format!("{sign} {:.1}x", self.limit)
    }

    fn met_by(&self, ratio: f64) -> bool {
        if self.at_least {
            ratio >= self.limit
        } else {
            ratio <= self.limit
        }
    }
}

const fn goal(
    what: &'static str,
    metric: Metric,
    rows: Rows,
    peer: PeerKind,
    at_least: bool,
    limit: f64,
) -> Goal {
    Goal {
        what,
        metric,
        rows,
        peer,
        at_least,
        limit,
    }
}

/// The goals.
pub const GOALS: [Goal; 10] = [
    goal(
        "client CPU per delivered message, flat out, against mosquitto",
        Metric::ClientMicrosPerMessage,
        Rows::FlatOut,
        PeerKind::Mosquitto,
        false,
        0.7,
    ),
    goal(
        "client CPU per delivered message, flat out, against the ack-everything peer",
        Metric::ClientMicrosPerMessage,
        Rows::FlatOut,
        PeerKind::AckPeer,
        false,
        0.5,
    ),
    goal(
        "client CPU per delivered message at the fixed rate, against mosquitto",
        Metric::ClientMicrosPerMessage,
        Rows::FixedRate,
        PeerKind::Mosquitto,
        false,
        0.7,
    ),
    goal(
        "client CPU per delivered message at the fixed rate, against the ack-everything peer",
        Metric::ClientMicrosPerMessage,
        Rows::FixedRate,
        PeerKind::AckPeer,
        false,
        0.5,
    ),
    goal(
        "throughput against mosquitto",
        Metric::MessagesPerSecond,
        Rows::FlatOut,
        PeerKind::Mosquitto,
        true,
        1.0,
    ),
    goal(
        "throughput against the ack-everything peer",
        Metric::MessagesPerSecond,
        Rows::FlatOut,
        PeerKind::AckPeer,
        true,
        1.5,
    ),
    goal(
        "p99 latency against mosquitto",
        Metric::LatencyP99,
        Rows::Latency,
        PeerKind::Mosquitto,
        false,
        1.0,
    ),
    goal(
        "p99 latency against the ack-everything peer",
        Metric::LatencyP99,
        Rows::Latency,
        PeerKind::AckPeer,
        false,
        1.0,
    ),
    goal(
        "memory per idle client, connecting one at a time",
        Metric::KibPerIdleClient,
        Rows::IdleOneAtATime,
        PeerKind::Mosquitto,
        false,
        0.5,
    ),
    goal(
        "memory per idle client, connecting all at once",
        Metric::KibPerIdleClient,
        Rows::IdleAllAtOnce,
        PeerKind::Mosquitto,
        false,
        0.5,
    ),
];

/// The goal for `metric` of `workload` against `peer`, if there is one.
pub fn goal_for(workload: &Workload, peer: PeerKind, metric: Metric) -> Option<&'static Goal> {
    GOALS
        .iter()
        .find(|goal| goal.metric == metric && goal.peer == peer && goal.rows.hold(workload))
}

/// How one row fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The ratio is within the goal and the ranges do not overlap.
    Met,
    /// The ratio is outside the goal and the ranges do not overlap.
    Missed,
    /// The two runs' ranges overlap: neither met nor missed.
    Overlap,
}

impl Outcome {
    /// Its word in the tables.
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::Missed => "MISSED",
            Outcome::Overlap => "overlap",
        }
    }
}

/// How `versus` fares against `goal`.
pub fn judge(goal: &Goal, versus: &Versus) -> Outcome {
    if versus.overlap() {
        Outcome::Overlap
    } else if goal.met_by(versus.ratio) {
        Outcome::Met
    } else {
        Outcome::Missed
    }
}

/// One row judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The workload.
    pub workload: Workload,
    /// The comparison.
    pub versus: Versus,
    /// How it fared.
    pub outcome: Outcome,
}

/// One goal for one of our set-ups, over every row it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The goal.
    pub goal: &'static Goal,
    /// Our client on which runtime.
    pub client: ClientKind,
    /// Every row measured.
    pub rows: Vec<Row>,
}

impl Verdict {
    /// The rows with this outcome.
    pub fn with(&self, outcome: Outcome) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |row| row.outcome == outcome)
    }

    /// As JSON.
    pub fn json(&self) -> Value {
        json!({
            "goal": self.goal.what,
            "limit": self.goal.limit_text(),
            "peer": self.goal.peer.name(),
            "client": self.client.name(),
            "rows": self.rows.iter().map(|row| json!({
                "workload": row.workload.name(),
                "ratio": row.versus.ratio,
                "against": row.versus.against.name(),
                "ours": row.versus.ours.json(),
                "theirs": row.versus.theirs.json(),
                "outcome": row.outcome.word(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Every goal for our client on smol and on tokio.
pub fn verdicts(results: &Results, workloads: &[Workload]) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for goal in &GOALS {
        for client in ClientKind::OURS {
            let rows = workloads
                .iter()
                .filter(|workload| goal.rows.hold(workload))
                .filter_map(|workload| {
                    let versus = Versus::of(results, workload, goal.peer, client, goal.metric)?;
                    Some(Row {
                        workload: *workload,
                        outcome: judge(goal, &versus),
                        versus,
                    })
                })
                .collect();
            verdicts.push(Verdict { goal, client, rows });
        }
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::delivered_run;
    use mqtt_kit_client::QoS;

    const WORKLOAD: Workload = Workload::Throughput {
        qos: QoS::AtLeastOnce,
        size: 16,
        count: 1000,
    };

    /// The verdicts of runs given as (client, rep, client CPU s, elapsed s).
    fn judged(runs: &[(ClientKind, usize, f64, f64)]) -> Vec<Verdict> {
        let runs = runs
            .iter()
            .map(|&(client, rep, cpu, elapsed)| {
                delivered_run(WORKLOAD, PeerKind::AckPeer, client, rep, (cpu, elapsed))
            })
            .collect();
        verdicts(&Results { runs }, &[WORKLOAD])
    }

    fn outcome(verdicts: &[Verdict], what: &str, client: ClientKind) -> Option<Outcome> {
        let verdict = verdicts
            .iter()
            .find(|v| v.goal.what.starts_with(what) && v.client == client)
            .unwrap();
        verdict.rows.first().map(|row| row.outcome)
    }

    #[test]
    fn rows_are_judged_against_rumqttcs_better_set_up() {
        let verdicts = judged(&[
            (ClientKind::OursSmol, 0, 0.004, 0.01),
            (ClientKind::OursTokio, 0, 0.006, 0.02),
            // The multi-threaded set-up is the slower and the costlier: not the one
            // compared with.
            (ClientKind::RumqttcMultiThread, 0, 0.03, 0.05),
            (ClientKind::RumqttcCurrentThread, 0, 0.01, 0.02),
        ]);
        let cpu = "client CPU per delivered message, flat out, against the ack";
        assert_eq!(
            outcome(&verdicts, cpu, ClientKind::OursSmol),
            Some(Outcome::Met)
        );
        assert_eq!(
            outcome(&verdicts, cpu, ClientKind::OursTokio),
            Some(Outcome::Missed)
        );
        let throughput = "throughput against the ack";
        assert_eq!(
            outcome(&verdicts, throughput, ClientKind::OursSmol),
            Some(Outcome::Met)
        );
        // 1.0x the current-thread set-up (2.5x the multi-threaded one): the equal single
        // figures are one range overlapping the other.
        assert_eq!(
            outcome(&verdicts, throughput, ClientKind::OursTokio),
            Some(Outcome::Overlap)
        );
        assert_eq!(
            outcome(
                &verdicts,
                "p99 latency against the ack",
                ClientKind::OursSmol
            ),
            None
        );
    }

    #[test]
    fn overlapping_ranges_are_neither_met_nor_missed() {
        let verdicts = judged(&[
            (ClientKind::OursSmol, 0, 0.004, 0.01),
            (ClientKind::OursSmol, 1, 0.012, 0.01),
            (ClientKind::RumqttcCurrentThread, 0, 0.01, 0.02),
            (ClientKind::RumqttcCurrentThread, 1, 0.011, 0.02),
        ]);
        let cpu = "client CPU per delivered message, flat out, against the ack";
        // Median 0.8x, outside the 0.5x goal, but 4..12 µs overlaps 10..11 µs.
        assert_eq!(
            outcome(&verdicts, cpu, ClientKind::OursSmol),
            Some(Outcome::Overlap)
        );
    }

    #[test]
    fn every_row_has_one_goal_at_most() {
        for (index, goal) in GOALS.iter().enumerate() {
            let twins = GOALS[index + 1..].iter().filter(|other| {
                other.metric == goal.metric && other.peer == goal.peer && other.rows == goal.rows
            });
            assert_eq!(twins.count(), 0, "{}", goal.what);
        }
    }
}
