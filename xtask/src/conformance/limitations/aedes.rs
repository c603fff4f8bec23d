//! What aedes 1.x is known to do that keeps a check from being shown, each seen on the
//! wire in a run of the matrix (it speaks MQTT 3.1 and 3.1.1 only: every 5.0 case is n/a
//! from the version probe, see brokers/probe.rs).

use super::Limitation;

/// The reason for `limitation` on aedes `version`, if it has it.
pub fn reason(limitation: Limitation, version: &str) -> Option<&'static str> {
    if !version.starts_with("1.") {
        return None;
    }
    let reason = match limitation {
        _ => return None,
    };
    #[allow(unreachable_code)]
    Some(reason)
}
