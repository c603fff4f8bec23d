//! What a run measures, and how much: message counts chosen so that each measurement lasts
//! roughly 0.3 to 2 seconds on a machine like ours (two cores), the whole bench about 6
//! minutes, `--quick` (a tenth of the messages, one repetition) well under 2.

use mqtt_client::QoS;

use super::job::Workload;

/// Payload sizes of the throughput workloads.
pub const SIZES: [usize; 3] = [16, 1024, 64 * 1024];
/// QoS levels of the throughput workloads.
pub const QOS_LEVELS: [QoS; 3] = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];
/// Messages a second in the latency workload: well below every client's saturation, even at
/// QoS 1 through mosquitto.
pub const LATENCY_RATE: u32 = 2000;
/// Idle clients in the memory workload.
pub const IDLE_CLIENTS: usize = 1000;

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
    workloads.push(Workload::Idle {
        clients: IDLE_CLIENTS,
    });
    workloads.retain(|workload| only.is_none_or(|only| workload.name().contains(only)));
    Plan {
        reps: reps.unwrap_or(if quick { 1 } else { 5 }),
        workloads,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_quick_plans() {
        let full = plan(false, None, None);
        assert_eq!(full.reps, 5);
        assert_eq!(full.workloads.len(), 11);
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
    }
}
