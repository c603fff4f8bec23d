//! One of our set-ups against rumqttc for one figure (a workload, a peer, a metric): against
//! the better of rumqttc's two set-ups *for that figure* (the higher throughput, the lower
//! CPU, latency or memory), so that no ratio flatters us by picking rumqttc's slower
//! runtime; the ratio of the medians; whether the two runs' ranges (min..max) overlap, in
//! which case the bench cannot tell the two apart.

use super::job::{ClientKind, PeerKind, Workload};
use super::results::{Metric, Results};
use super::stats::Summary;

/// Whether more of a metric is better.
pub fn higher_is_better(metric: Metric) -> bool {
    matches!(
        metric,
        Metric::MessagesPerSecond | Metric::MegabytesPerSecond
    )
}

/// Ours against rumqttc's better set-up, for one figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Versus {
    /// Our figure.
    pub ours: Summary,
    /// rumqttc's figure, of its better set-up.
    pub theirs: Summary,
    /// Which rumqttc set-up that is.
    pub against: ClientKind,
    /// ours / theirs, of the medians.
    pub ratio: f64,
}

impl Versus {
    /// `ours` against rumqttc's better set-up for `metric` of `workload` against `peer`
    /// (`None` when either has no figure).
    pub fn of(
        results: &Results,
        workload: &Workload,
        peer: PeerKind,
        ours: ClientKind,
        metric: Metric,
    ) -> Option<Versus> {
        let (against, theirs) = best_rumqttc(results, workload, peer, metric)?;
        let ours = results.summary(workload, peer, ours, metric)?;
        if theirs.median <= 0.0 {
            return None;
        }
        Some(Versus {
            ratio: ours.median / theirs.median,
            ours,
            theirs,
            against,
        })
    }

    /// Whether the two runs' ranges overlap: neither a win nor a loss.
    pub fn overlap(&self) -> bool {
        self.ours.min <= self.theirs.max && self.theirs.min <= self.ours.max
    }
}

/// rumqttc's better set-up for `metric` of `workload` against `peer`, with its figure.
pub fn best_rumqttc(
    results: &Results,
    workload: &Workload,
    peer: PeerKind,
    metric: Metric,
) -> Option<(ClientKind, Summary)> {
    ClientKind::RUMQTTC
        .into_iter()
        .filter_map(|client| Some((client, results.summary(workload, peer, client, metric)?)))
        .reduce(|best, next| {
            let next_is_better = if higher_is_better(metric) {
                next.1.median > best.1.median
            } else {
                next.1.median < best.1.median
            };
            if next_is_better { next } else { best }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::results::{Run, delivered_run};
    use mqtt_kit_client::QoS;

    fn run(client: ClientKind, rep: usize, elapsed: f64, cpu: f64) -> Run {
        delivered_run(WORKLOAD, PeerKind::Mosquitto, client, rep, (cpu, elapsed))
    }

    const WORKLOAD: Workload = Workload::Throughput {
        qos: QoS::AtLeastOnce,
        size: 16,
        count: 100,
    };

    #[test]
    fn ours_is_compared_with_rumqttcs_better_set_up() {
        let results = Results {
            runs: vec![
                run(ClientKind::OursSmol, 0, 0.01, 0.001),
                run(ClientKind::OursSmol, 1, 0.011, 0.001),
                run(ClientKind::RumqttcMultiThread, 0, 0.04, 0.0015),
                run(ClientKind::RumqttcMultiThread, 1, 0.04, 0.0015),
                run(ClientKind::RumqttcCurrentThread, 0, 0.02, 0.002),
                run(ClientKind::RumqttcCurrentThread, 1, 0.0105, 0.002),
            ],
        };
        let of = |metric| {
            Versus::of(
                &results,
                &WORKLOAD,
                PeerKind::Mosquitto,
                ClientKind::OursSmol,
                metric,
            )
            .unwrap()
        };
        let throughput = of(Metric::MessagesPerSecond);
        assert_eq!(throughput.against, ClientKind::RumqttcCurrentThread);
        assert!(throughput.ratio > 1.0);
        // 9 091..10 000 msg/s against 5 000..9 524: the ranges overlap.
        assert!(throughput.overlap());
        // The slower set-up spends less CPU a message: that figure is compared with it.
        let cpu = of(Metric::ClientMicrosPerMessage);
        assert_eq!(cpu.against, ClientKind::RumqttcMultiThread);
        assert!(!cpu.overlap());
    }
}
