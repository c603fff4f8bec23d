//! The results: one row per case, printed as a table (scenario x version, a column group
//! per broker with a column per transport) and written as JSON and Markdown under
//! `target/conformance/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::matrix::{Transport, Version};
use super::outcome::Status;

/// The result of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// The scenario's id.
    pub scenario: &'static str,
    /// The version.
    pub version: Version,
    /// The transport.
    pub transport: Transport,
    /// How it went.
    pub status: Status,
    /// Why it failed, is n/a or was skipped; for a pass, what the scenario noted (a broker
    /// behaviour that shaped the checks).
    pub reason: Option<String>,
    /// How long it took.
    pub seconds: f64,
}

/// The cases run against one broker.
#[derive(Debug, Clone)]
pub struct BrokerRun {
    /// The broker's short name and version (`mosquitto 2.0.11`): the column group's title.
    pub label: String,
    /// How the report describes it.
    pub broker: String,
    /// The transports it offered, in table order.
    pub transports: Vec<Transport>,
    /// How long its cases took.
    pub seconds: f64,
    /// Every case, in the order run.
    pub results: Vec<CaseResult>,
}

impl BrokerRun {
    /// How many cases ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    fn totals(&self) -> serde_json::Value {
        json!({
            "pass": self.count(Status::Pass),
            "fail": self.count(Status::Fail),
            "n/a": self.count(Status::NotApplicable),
            "skip": self.count(Status::Skipped),
        })
    }
}

/// A whole run: one [`BrokerRun`] per broker.
#[derive(Debug, Clone)]
pub struct Report {
    /// The command that ran.
    pub command: String,
    /// When the run started, seconds since the Unix epoch.
    pub started_unix: u64,
    /// How long the run took.
    pub seconds: f64,
    /// The brokers, in the order run.
    pub brokers: Vec<BrokerRun>,
}

impl Report {
    /// How many cases (of every broker) ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.brokers.iter().map(|b| b.count(status)).sum()
    }

    /// The results as JSON: one object per broker with its totals and cases.
    pub fn json(&self) -> serde_json::Value {
        let brokers: Vec<serde_json::Value> = self
            .brokers
            .iter()
            .map(|b| {
                let results: Vec<serde_json::Value> = b
                    .results
                    .iter()
                    .map(|r| {
                        json!({
                            "scenario": r.scenario,
                            "version": r.version.name(),
                            "transport": r.transport.name(),
                            "status": r.status.name(),
                            "reason": r.reason,
                            "seconds": (r.seconds * 1000.0).round() / 1000.0,
                        })
                    })
                    .collect();
                json!({
                    "broker": b.label,
                    "description": b.broker,
                    "seconds": (b.seconds * 10.0).round() / 10.0,
                    "totals": b.totals(),
                    "results": results,
                })
            })
            .collect();
        json!({
            "command": self.command,
            "started": utc_timestamp(self.started_unix),
            "seconds": (self.seconds * 10.0).round() / 10.0,
            "totals": {
                "pass": self.count(Status::Pass),
                "fail": self.count(Status::Fail),
                "n/a": self.count(Status::NotApplicable),
                "skip": self.count(Status::Skipped),
            },
            "brokers": brokers,
        })
    }

    /// The results as a Markdown table: one row per scenario and version, one column group
    /// per broker (a column per transport it offered), with the reasons of every fail, n/a
    /// and skip (and the notes of passes) as numbered notes below.
    pub fn markdown(&self) -> String {
        let mut notes: Vec<String> = Vec::new();
        let mut note_of = |reason: &str| -> usize {
            match notes.iter().position(|n| n == reason) {
                Some(index) => index + 1,
                None => {
                    notes.push(reason.to_owned());
                    notes.len()
                }
            }
        };
        // Rows in the order the cases ran; cells by broker and transport.
        let mut rows: Vec<(&str, Version)> = Vec::new();
        let mut cells: BTreeMap<(usize, &str, Version, Transport), String> = BTreeMap::new();
        for (index, broker) in self.brokers.iter().enumerate() {
            for r in &broker.results {
                if !rows.contains(&(r.scenario, r.version)) {
                    rows.push((r.scenario, r.version));
                }
                let cell = match &r.reason {
                    Some(reason) => format!("{} [{}]", r.status.name(), note_of(reason)),
                    None => r.status.name().to_owned(),
                };
                cells.insert((index, r.scenario, r.version, r.transport), cell);
            }
        }

        let mut out = String::new();
        let _ = writeln!(out, "# mqtt-kit-client conformance\n");
        let _ = writeln!(
            out,
            "Run {} UTC, {:.0} s, with `{}`.\n",
            utc_timestamp(self.started_unix),
            self.seconds,
            self.command
        );
        for broker in &self.brokers {
            let _ = writeln!(
                out,
                "- {}: {} pass, {} fail, {} n/a, {} skip in {:.0} s.",
                broker.broker,
                broker.count(Status::Pass),
                broker.count(Status::Fail),
                broker.count(Status::NotApplicable),
                broker.count(Status::Skipped),
                broker.seconds
            );
        }
        out.push_str("\n| scenario | version |");
        for broker in &self.brokers {
            for (index, transport) in broker.transports.iter().enumerate() {
                match index {
                    0 => {
                        let _ = write!(out, " {}: {transport} |", broker.label);
                    }
                    _ => {
                        let _ = write!(out, " {transport} |");
                    }
                }
            }
        }
        out.push_str("\n| --- | --- |");
        for broker in &self.brokers {
            for _ in &broker.transports {
                out.push_str(" --- |");
            }
        }
        out.push('\n');
        for (scenario, version) in rows {
            let _ = write!(out, "| {scenario} | {version} |");
            for (index, broker) in self.brokers.iter().enumerate() {
                for &transport in &broker.transports {
                    let cell = cells.get(&(index, scenario, version, transport));
                    let _ = write!(out, " {} |", cell.map_or("—", String::as_str));
                }
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "\n{} pass, {} fail, {} n/a, {} skip. — : not part of the matrix (see \
             xtask/conformance/SCENARIOS.md) or not selected.",
            self.count(Status::Pass),
            self.count(Status::Fail),
            self.count(Status::NotApplicable),
            self.count(Status::Skipped),
        );
        if !notes.is_empty() {
            out.push('\n');
            for (index, note) in notes.iter().enumerate() {
                let _ = writeln!(out, "{}. {}", index + 1, one_line(note));
            }
        }
        out
    }

    /// Writes `results.json` and `results.md` into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        crate::results_files::write(dir, &self.json(), &self.markdown())
    }
}

/// Where the results go: `$CARGO_TARGET_DIR/conformance` when that is set, else the
/// workspace's `target/conformance`.
pub fn output_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    output_dir_from(
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from),
        &workspace,
    )
}

fn output_dir_from(cargo_target_dir: Option<PathBuf>, workspace: &Path) -> PathBuf {
    match cargo_target_dir {
        // Cargo reads a relative CARGO_TARGET_DIR from the directory it runs in, which is
        // ours too.
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("conformance"),
        _ => workspace.join("target").join("conformance"),
    }
}

/// A reason on one line (table notes are list items).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `2025-06-01 12:34:56` for seconds since the Unix epoch (UTC).
pub fn utc_timestamp(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let seconds = unix % 86_400;
    // Days to a civil date (proleptic Gregorian), after Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(scenario: &'static str, transport: Transport, status: Status) -> CaseResult {
        CaseResult {
            scenario,
            version: Version::V5,
            transport,
            status,
            reason: (status != Status::Pass).then(|| format!("{scenario} went wrong")),
            seconds: 0.5,
        }
    }

    fn report() -> Report {
        Report {
            command: "cargo xtask conformance".into(),
            started_unix: 1_700_000_000,
            seconds: 12.0,
            brokers: vec![
                BrokerRun {
                    label: "mosquitto 2.0.11".into(),
                    broker: "mosquitto 2.0.11 (started by the xtask on loopback)".into(),
                    transports: Transport::ALL.to_vec(),
                    seconds: 10.0,
                    results: vec![
                        result("basic", Transport::Tcp, Status::Pass),
                        result("basic", Transport::Wss, Status::Fail),
                        result("enhanced-auth", Transport::Tcp, Status::NotApplicable),
                    ],
                },
                BrokerRun {
                    label: "rumqttd 0.20.0".into(),
                    broker: "rumqttd 0.20.0".into(),
                    transports: vec![Transport::Tcp],
                    seconds: 2.0,
                    results: vec![result("basic", Transport::Tcp, Status::Pass)],
                },
            ],
        }
    }

    #[test]
    fn markdown_has_one_row_per_scenario_and_version_and_numbered_reasons() {
        let markdown = report().markdown();
        assert!(markdown.contains("| mosquitto 2.0.11: tcp | tls |"));
        assert!(markdown.contains("| wss | rumqttd 0.20.0: tcp |"));
        assert!(markdown.contains("| basic | 5.0 | pass | — | — | — | fail [1] | pass |"));
        assert!(markdown.contains("| enhanced-auth | 5.0 | n/a [2] | — | — | — | — | — |"));
        assert!(markdown.contains("1. basic went wrong"));
        assert!(markdown.contains("2. enhanced-auth went wrong"));
        assert!(markdown.contains("2 pass, 1 fail, 1 n/a, 0 skip"));
        assert!(markdown.contains("mosquitto 2.0.11"));
    }

    #[test]
    fn json_carries_every_case_and_the_totals() {
        let json = report().json();
        let mosquitto = &json["brokers"][0];
        assert_eq!(mosquitto["results"].as_array().map(Vec::len), Some(3));
        assert_eq!(mosquitto["results"][1]["status"], "fail");
        assert_eq!(mosquitto["results"][1]["transport"], "wss");
        assert_eq!(mosquitto["totals"]["n/a"], 1);
        assert_eq!(json["brokers"][1]["broker"], "rumqttd 0.20.0");
        assert_eq!(json["totals"]["pass"], 2);
        assert_eq!(json["started"], "2023-11-14 22:13:20");
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_timestamp(1_735_689_599), "2024-12-31 23:59:59");
    }

    #[test]
    fn output_goes_under_the_target_dir() {
        let workspace = Path::new("/w");
        assert_eq!(
            output_dir_from(None, workspace),
            Path::new("/w/target/conformance")
        );
        assert_eq!(
            output_dir_from(Some("/t".into()), workspace),
            Path::new("/t/conformance")
        );
    }
}
