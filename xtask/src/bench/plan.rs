//! What a run measures, and how much: message counts chosen so that each measurement lasts
//! roughly 0.3 to 3 seconds on a machine like ours (two cores), `--quick` (a tenth of the
//! messages, a sixth of the fixed-rate time, 200 clients all at once, one repetition) under
//! a minute.

use mqtt_kit_client::QoS;

use super::job::{Arrival, Workload};

/// Payload sizes of the throughput workloads.
pub const SIZES: [usize; 3] = [16, 1024, 64 * 1024];
/// QoS levels of the throughput workloads.
pub const QOS_LEVELS: [QoS; 3] = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];
/// Messages a second in the latency workload: well below every client's saturation, even at
/// QoS 1 through mosquitto.
pub const LATENCY_RATE: u32 = 2000;
/// The fixed-rate CPU workload: QoS 1, 1 KiB payloads, 5 000 messages a second (the
/// issue's), a load every client carries without queueing.
pub const FIXED_RATE: u32 = 5000;
/// Payload bytes of the fixed-rate workload.
pub const FIXED_RATE_SIZE: usize = 1024;
/// Idle clients connecting one at a time in the memory workload.
pub const IDLE_CLIENTS: usize = 1000;
/// Idle clients connecting all at once: whether memory per client stays flat from the first
/// to the second.
pub const IDLE_ALL_AT_ONCE: [usize; 2] = [1000, 10_000];
/// Idle clients connecting all at once in `--quick`.
pub const IDLE_ALL_AT_ONCE_QUICK: usize = 200;
/// Open files the child and mosquitto need beyond one per idle client (listeners, the
/// runtime's own descriptors, standard streams).
const SPARE_OPEN_FILES: u64 = 256;

/// The workloads and repetitions of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Repetitions of every measurement.
    pub reps: usize,
    /// The workloads, in the order each repetition runs them.
    pub workloads: Vec<Workload>,
}

/// Messages of a full run's throughput workload.
fn full_count(qos: QoS, size: usize) -> u64 {
    match (qos, size) {
        (_, 65536) => 3_000,
        (QoS::AtMostOnce, _) => 200_000,
        (QoS::AtLeastOnce, _) => 80_000,
        (QoS::ExactlyOnce, _) => 40_000,
    }
}

/// The plan for `quick` (or a full run), `reps` if given, workloads whose name contains
/// `only` if given.
pub fn plan(quick: bool, reps: Option<usize>, only: Option<&str>) -> Plan {
    let scale = if quick { 10 } else { 1 };
    let mut workloads = Vec::new();
    for qos in QOS_LEVELS {
        for size in SIZES {
            workloads.push(Workload::Throughput {
                qos,
                size,
                count: full_count(qos, size) / scale,
            });
        }
    }
    workloads.push(Workload::Latency {
        qos: QoS::AtLeastOnce,
        size: 16,
        rate: LATENCY_RATE,
        millis: if quick { 1000 } else { 3000 },
    });
    workloads.push(Workload::FixedRate {
        qos: QoS::AtLeastOnce,
        size: FIXED_RATE_SIZE,
        rate: FIXED_RATE,
        millis: if quick { 500 } else { 3000 },
    });
    workloads.push(Workload::Idle {
        clients: IDLE_CLIENTS,
        arrival: Arrival::OneAtATime,
    });
    let all_at_once: &[usize] = if quick {
        &[IDLE_ALL_AT_ONCE_QUICK]
    } else {
        &IDLE_ALL_AT_ONCE
    };
    for &clients in all_at_once {
        workloads.push(Workload::Idle {
            clients,
            arrival: Arrival::AllAtOnce,
        });
    }
    workloads.retain(|workload| only.is_none_or(|only| workload.name().contains(only)));
    Plan {
        reps: reps.unwrap_or(if quick { 1 } else { 5 }),
        workloads,
    }
}

impl Plan {
    /// Leaves out the idle workloads with more clients than `open_files` (the limit each
    /// process runs with) can hold; their names.
    pub fn fit_open_files(&mut self, open_files: u64) -> Vec<String> {
        let fits = |workload: &Workload| match *workload {
            Workload::Idle { clients, .. } => clients as u64 + SPARE_OPEN_FILES <= open_files,
            _ => true,
        };
        let left_out = self
            .workloads
            .iter()
            .filter(|workload| !fits(workload))
            .map(Workload::name)
            .collect();
        self.workloads.retain(fits);
        left_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_quick_plans() {
        let full = plan(false, None, None);
        assert_eq!(full.reps, 5);
        assert_eq!(full.workloads.len(), 14);
        let quick = plan(true, None, None);
        assert_eq!(quick.reps, 1);
        assert!(
            quick
                .workloads
                .iter()
                .zip(&full.workloads)
                .all(|(q, f)| q.messages() <= f.messages())
        );
        let only = plan(false, Some(2), Some("qos2"));
        assert_eq!((only.reps, only.workloads.len()), (2, 3));
        let mut idle = plan(false, None, Some("all at once"));
        assert_eq!(idle.workloads.len(), 2);
        assert_eq!(
            idle.fit_open_files(4096),
            ["idle 10000 clients, all at once"]
        );
        assert_eq!(idle.workloads.len(), 1);
    }
}
