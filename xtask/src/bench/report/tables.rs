//! The report's Markdown tables: every client's figure side by side, then our two set-ups
//! each against the better of rumqttc's two for that row ([`Versus`]), with the goal
//! for the row and how it fares; idle memory one at a time and all at once, and whether it
//! stays flat as the clients grow.

use std::fmt::Write as _;

use super::Report;
use super::format::{cell, number, versus_cell};
use crate::bench::job::{Arrival, ClientKind, PeerKind, Workload};
use crate::bench::results::Metric;
use crate::bench::targets::{Outcome, goal_for};
use crate::bench::versus::Versus;

/// How much memory per client may grow from the smallest all-at-once run to the largest and
/// still be called flat.
const FLAT_WITHIN: f64 = 0.10;

/// A figure's name in an extra column.
fn extra_name(metric: Metric) -> &'static str {
    match metric {
        Metric::MegabytesPerSecond => "MB/s delivered",
        Metric::PeerCpuPercent => "peer CPU, % of a core",
        Metric::MessagesPerSecond => "msg/s delivered",
        Metric::IdleConnectSeconds => "s to connect them",
        _ => "peer CPU µs/msg",
    }
}

/// The column headings of every client: `mqtt-kit-client (smol) msg/s | ...`.
fn client_headings(unit: &str) -> String {
    ClientKind::ALL
        .map(|client| format!(" {} {unit} |", client.label()))
        .concat()
}

impl Report<'_> {
    /// One table of `metric` whose rows are `(label, workload, peer)`: each client's median,
    /// the row's goal, our two set-ups against rumqttc's better one, and the `extras` (each a
    /// metric shown for the four clients in one cell).
    pub(super) fn comparison_table(
        &self,
        out: &mut String,
        rows: &[(String, Workload, PeerKind)],
        metric: Metric,
        unit: &str,
        extras: &[Metric],
    ) {
        let _ = write!(
            out,
            "| workload |{} goal | smol / rumqttc | tokio / rumqttc |",
            client_headings(unit)
        );
        for &extra in extras {
            let _ = write!(out, " {} (smol / tokio / mt / ct) |", extra_name(extra));
        }
        out.push_str("\n| --- |");
        out.push_str(&" ---: |".repeat(ClientKind::ALL.len() + 3 + extras.len()));
        out.push('\n');
        for (label, workload, peer) in rows {
            let goal = goal_for(workload, *peer, metric);
            let _ = write!(out, "| {label} |");
            for client in ClientKind::ALL {
                let summary = self.results.summary(workload, *peer, client, metric);
                let _ = write!(out, " {} |", cell(summary.as_ref()));
            }
            let _ = write!(out, " {} |", goal.map_or(String::new(), |g| g.limit_text()));
            for ours in ClientKind::OURS {
                let versus = Versus::of(self.results, workload, *peer, ours, metric);
                let _ = write!(out, " {} |", versus_cell(versus.as_ref(), goal));
            }
            for &extra in extras {
                let values = ClientKind::ALL.map(|client| {
                    self.results
                        .summary(workload, *peer, client, extra)
                        .map_or("n/a".into(), |s| number(s.median))
                });
                let _ = write!(out, " {} |", values.join(" / "));
            }
            out.push('\n');
        }
        out.push('\n');
    }

    /// The workloads that `keep`, each against `peer`, labelled with their names less
    /// `prefix`.
    pub(super) fn rows(
        &self,
        keep: impl Fn(&Workload) -> bool,
        peers: &[PeerKind],
        prefix: &str,
    ) -> Vec<(String, Workload, PeerKind)> {
        let mut rows = Vec::new();
        for workload in self.workloads.iter().filter(|w| keep(w)) {
            for &peer in peers {
                let mut label = workload.name().trim_start_matches(prefix).to_string();
                if peers.len() > 1 {
                    let _ = write!(label, " ({})", peer.label());
                }
                rows.push((label, *workload, peer));
            }
        }
        rows
    }

    pub(super) fn latency_table(&self, out: &mut String) {
        out.push_str("| workload | peer | client | p50 µs | p99 µs | p99.9 µs | CPU µs/msg | goal | p99 / rumqttc |\n");
        out.push_str("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for workload in self
            .workloads
            .iter()
            .filter(|w| matches!(w, Workload::Latency { .. }))
        {
            for peer in [PeerKind::AckPeer, PeerKind::Mosquitto] {
                let goal = goal_for(workload, peer, Metric::LatencyP99);
                for client in ClientKind::ALL {
                    let of = |metric| self.results.summary(workload, peer, client, metric);
                    let (limit, versus) = if ClientKind::OURS.contains(&client) {
                        let versus =
                            Versus::of(self.results, workload, peer, client, Metric::LatencyP99);
                        (
                            goal.map_or(String::new(), |g| g.limit_text()),
                            versus_cell(versus.as_ref(), goal),
                        )
                    } else {
                        (String::new(), String::new())
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {} | {limit} | {versus} |",
                        workload.name().trim_start_matches("latency "),
                        peer.label(),
                        client.label(),
                        cell(of(Metric::LatencyP50).as_ref()),
                        cell(of(Metric::LatencyP99).as_ref()),
                        cell(of(Metric::LatencyP999).as_ref()),
                        cell(of(Metric::ClientMicrosPerMessage).as_ref()),
                    );
                }
            }
        }
        out.push('\n');
    }

    /// Memory per idle client (mosquitto), one at a time and all at once; then whether it
    /// stays flat from the smallest all-at-once run to the largest.
    pub(super) fn memory_tables(&self, out: &mut String) {
        let rows = self.rows(
            |w| matches!(w, Workload::Idle { .. }),
            &[PeerKind::Mosquitto],
            "",
        );
        self.comparison_table(
            out,
            &rows,
            Metric::KibPerIdleClient,
            "KiB",
            &[Metric::IdleConnectSeconds],
        );
        let all_at_once: Vec<(usize, &Workload)> = self
            .workloads
            .iter()
            .filter_map(|workload| match *workload {
                Workload::Idle {
                    clients,
                    arrival: Arrival::AllAtOnce,
                } => Some((clients, workload)),
                _ => None,
            })
            .collect();
        let (Some(smallest), Some(largest)) = (
            all_at_once.iter().min_by_key(|(clients, _)| *clients),
            all_at_once.iter().max_by_key(|(clients, _)| *clients),
        ) else {
            return;
        };
        if smallest.0 == largest.0 {
            let _ = writeln!(
                out,
                "Flat from few to many clients: not measured (one all-at-once size in this run).\n"
            );
            return;
        }
        let _ = writeln!(
            out,
            "All at once, from {} to {} clients: KiB per client at {} / at {} (flat: grows by \
             {:.0}% at most).\n",
            number(smallest.0 as f64),
            number(largest.0 as f64),
            number(largest.0 as f64),
            number(smallest.0 as f64),
            FLAT_WITHIN * 100.0
        );
        out.push_str("| client | growth | flat |\n| --- | ---: | --- |\n");
        for client in ClientKind::ALL {
            let median = |workload: &Workload| {
                self.results
                    .summary(
                        workload,
                        PeerKind::Mosquitto,
                        client,
                        Metric::KibPerIdleClient,
                    )
                    .map(|s| s.median)
                    .filter(|median| *median > 0.0)
            };
            let (growth, flat) = match (median(smallest.1), median(largest.1)) {
                (Some(few), Some(many)) => {
                    let growth = many / few;
                    // Less per client with more clients (one-time costs spread thinner) is
                    // flat as far as the question goes: memory does not grow with them.
                    let flat = if growth > 1.0 + FLAT_WITHIN {
                        "no (grows)"
                    } else if growth < 1.0 - FLAT_WITHIN {
                        "yes (falls)"
                    } else {
                        "yes"
                    };
                    (format!("{growth:.2}x"), flat)
                }
                _ => ("n/a".to_string(), ""),
            };
            let _ = writeln!(out, "| {} | {growth} | {flat} |", client.label());
        }
        out.push('\n');
    }

    /// The goals, one line per goal and set-up: met, missed or overlapping, and where.
    pub(super) fn goals(&self, out: &mut String) {
        for verdict in &self.verdicts {
            let label = format!(
                "- {} {} ({}):",
                verdict.goal.what,
                verdict.goal.limit_text(),
                verdict.client.label()
            );
            if verdict.rows.is_empty() {
                let _ = writeln!(out, "{label} not measured");
                continue;
            }
            let places = |outcome| {
                verdict
                    .with(outcome)
                    .map(|row| {
                        format!(
                            "{} {:.2}x vs {}",
                            row.workload.name(),
                            row.versus.ratio,
                            row.versus.against.short()
                        )
                    })
                    .collect::<Vec<_>>()
            };
            let (missed, overlap) = (places(Outcome::Missed), places(Outcome::Overlap));
            let met = verdict.with(Outcome::Met).count();
            let mark = match (missed.is_empty(), overlap.is_empty()) {
                (false, _) => "**MISSED**",
                (true, false) => "**not told apart** (ranges overlap)",
                (true, true) => "**met**",
            };
            let _ = write!(
                out,
                "{label} {mark}: met in {met} of {} row(s)",
                verdict.rows.len()
            );
            if !missed.is_empty() {
                let _ = write!(out, "; missed in {}", missed.join(", "));
            }
            if !overlap.is_empty() {
                let _ = write!(out, "; ranges overlap in {}", overlap.join(", "));
            }
            out.push('\n');
        }
    }
}
