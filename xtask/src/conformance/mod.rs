//! `cargo xtask conformance`: the interoperability matrix against real brokers.
//!
//! Starts each broker itself, one after the other (mosquitto, rumqttd, aedes: free loopback
//! ports, a configuration file of its own, certificates made for the run, killed by PID at
//! the end) with the transports it offers (TCP, TLS, mutual TLS, WebSocket, secure
//! WebSocket), or uses a broker the user names with `--broker`, and runs every scenario of
//! `xtask/conformance/SCENARIOS.md` through the public API of `mqtt-kit-client`, for MQTT 3.1.1
//! and 5.0 (and `basic`, `retained`, `will` for 3.1), over the transports the list names.
//! Prints a table (scenario x version x broker x transport: pass / fail / n/a with the reason),
//! writes it as JSON and Markdown under `target/conformance/`, and exits non-zero on any
//! failure.
//!
//! The parts, one module each:
//! - [`cli`]: the options;
//! - [`matrix`]: versions and transports;
//! - [`registry`]: the scenarios (id, versions, transports, own broker, time limit);
//! - [`brokers`]: the brokers of the run, the brokers of single scenarios, `--broker`;
//! - [`runner`]: each case on its own thread, bounded in time, with progress;
//! - [`ctx`]: what a scenario is given; [`client`]: mqtt-kit-client for the scenarios;
//!   [`proxy`]: network faults and a wire tap;
//! - [`limitations`]: the known broker limitations, the only grounds for `n/a`;
//! - [`outcome`] and [`report`]: results, the table, JSON and Markdown;
//! - [`scenarios`]: the scenarios themselves.

use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub mod brokers;
pub mod cli;
pub mod client;
pub mod ctx;
pub mod limitations;
pub mod matrix;
pub mod outcome;
pub mod proxy;
pub mod registry;
pub mod report;
pub mod runner;
pub mod scenarios;

use brokers::{BrokerKind, Endpoint, Flavour, SharedBroker};
use matrix::{Transport, Version};
use outcome::Status;
use registry::Scenario;
use runner::{Case, Target};

/// Runs the task with the arguments after `conformance`; the exit code says whether every
/// case passed (or was n/a).
pub fn main(args: &[String]) -> ExitCode {
    let options = match cli::parse(args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("xtask conformance: {error}");
            return ExitCode::from(2);
        }
    };
    if options.help {
        println!("{}", cli::HELP);
        return ExitCode::SUCCESS;
    }
    let scenarios = registry::all();
    if let Some(unknown) = options
        .only
        .iter()
        .find(|id| !scenarios.iter().any(|s| s.id == id.as_str()))
    {
        eprintln!("xtask conformance: no scenario `{unknown}` (see --list)");
        return ExitCode::from(2);
    }
    if options.list {
        print!("{}", list(&scenarios));
        return ExitCode::SUCCESS;
    }
    match run(&options, &scenarios) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("xtask conformance: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs the selected cases against each broker; `Ok(false)` when any failed.
fn run(options: &cli::Options, scenarios: &[Scenario]) -> Result<bool, String> {
    brokers::rumqttd::note_binary();
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let run_tag = format!(
        "{:06x}",
        (started_unix ^ u64::from(std::process::id()).rotate_left(20)) & 0xff_ffff
    );
    let mut brokers = Vec::new();
    if let Some(url) = &options.broker {
        brokers.extend(run_against(
            options,
            scenarios,
            external_target(url)?,
            &run_tag,
        )?);
    } else {
        let flavours = if options.broker_kinds.is_empty() {
            Flavour::DEFAULT.to_vec()
        } else {
            options.broker_kinds.clone()
        };
        for flavour in flavours {
            println!("\nstarting {}", flavour.name());
            // Kept running until its cases are over, then killed (dropped).
            let broker = SharedBroker::start(flavour)?;
            let target = Target {
                kind: broker.kind.clone(),
                endpoints: broker.endpoints.clone(),
                tls_faults: broker.faults.clone(),
                refused: probe_versions(&broker.endpoints),
            };
            brokers.extend(run_against(options, scenarios, target, &run_tag)?);
        }
    }
    if brokers.is_empty() {
        return Err("the selection holds no case (see --list)".into());
    }
    let report = report::Report {
        command: std::iter::once("cargo xtask conformance".to_owned())
            .chain(std::env::args().skip(2))
            .collect::<Vec<_>>()
            .join(" "),
        started_unix,
        seconds: started.elapsed().as_secs_f64(),
        brokers,
    };
    println!("\n{}", report.markdown());
    let dir = report::output_dir();
    match report.write(&dir) {
        Ok((json, markdown)) => println!(
            "results written to {} and {}",
            json.display(),
            markdown.display()
        ),
        Err(error) => return Err(format!("could not write {}: {error}", dir.display())),
    }
    let failed = report.count(Status::Fail);
    println!(
        "n/a: {}, skipped: {}, {:.0} s in all",
        report.count(Status::NotApplicable),
        report.count(Status::Skipped),
        report.seconds
    );
    println!(
        "conformance: {} passed, {failed} failed",
        report.count(Status::Pass)
    );
    Ok(failed == 0)
}

/// Runs the selected cases against one broker (`None`: it has none of them).
fn run_against(
    options: &cli::Options,
    scenarios: &[Scenario],
    target: Target,
    run_tag: &str,
) -> Result<Option<report::BrokerRun>, String> {
    let started = Instant::now();
    let cases = select(options, scenarios, &target);
    if cases.is_empty() {
        // rumqttd offers no TLS, for instance: another broker may hold the cases selected.
        println!("no case selected for {}", target.kind.describe());
        return Ok(None);
    }
    println!("{} cases against {}", cases.len(), target.kind.describe());
    let results = runner::run_all(&cases, &target, run_tag);
    let mut transports: Vec<Transport> = target.endpoints.iter().map(|e| e.transport).collect();
    transports.sort();
    transports.dedup();
    Ok(Some(report::BrokerRun {
        label: target.kind.label(),
        broker: target.kind.describe(),
        transports,
        seconds: started.elapsed().as_secs_f64(),
        results,
    }))
}

/// The versions a broker refuses, with its answer to a bare CONNECT of each (over its
/// plain TCP endpoint for that version).
fn probe_versions(endpoints: &[Endpoint]) -> Vec<(Version, String)> {
    [Version::V3_1, Version::V3_1_1, Version::V5]
        .into_iter()
        .filter_map(|version| {
            let endpoint = endpoints
                .iter()
                .find(|e| e.transport == Transport::Tcp && e.serves(version))?;
            // rumqttd 0.20 now and then closes a fresh connection before any CONNACK (seen
            // once in three full runs): a version counts as refused when three tries agree.
            let mut answer = brokers::probe::accepts(endpoint, version).err()?;
            for _ in 1..3 {
                std::thread::sleep(std::time::Duration::from_millis(200));
                answer = brokers::probe::accepts(endpoint, version).err()?;
            }
            Some((version, answer))
        })
        .collect()
}

/// The target for `--broker URL`: one endpoint, of the transport its scheme names.
fn external_target(url: &str) -> Result<Target, String> {
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme)
        .ok_or_else(|| format!("--broker {url}: give a URL such as mqtt://host:1883"))?;
    let transport = Transport::from_scheme(scheme).ok_or_else(|| {
        format!("--broker {url}: unknown scheme `{scheme}` (use mqtt, mqtts, ws or wss)")
    })?;
    Ok(Target {
        kind: BrokerKind::External {
            url: url.to_owned(),
        },
        endpoints: vec![Endpoint {
            transport,
            url: url.to_owned(),
            versions: &[],
            ca_pem: None,
            client_identity: None,
        }],
        tls_faults: None,
        refused: Vec::new(),
    })
}

/// The cases the options select, in registry order, then version, then transport.
fn select<'a>(options: &cli::Options, scenarios: &'a [Scenario], target: &Target) -> Vec<Case<'a>> {
    let offered: Vec<Transport> = target.endpoints.iter().map(|e| e.transport).collect();
    let mut cases = Vec::new();
    for scenario in scenarios {
        if !options.only.is_empty() && !options.only.iter().any(|id| id == scenario.id) {
            continue;
        }
        for &version in scenario.versions {
            if !options.versions.is_empty() && !options.versions.contains(&version) {
                continue;
            }
            for &transport in scenario.transports {
                let chosen =
                    options.transports.is_empty() || options.transports.contains(&transport);
                if chosen && offered.contains(&transport) {
                    cases.push(Case {
                        scenario,
                        version,
                        transport,
                    });
                }
            }
        }
    }
    cases
}

/// The `--list` text: each scenario with its versions, transports and what it checks.
fn list(scenarios: &[Scenario]) -> String {
    let texts = registry::listed_scenarios();
    let mut out = String::new();
    for scenario in scenarios {
        let versions: Vec<&str> = scenario.versions.iter().map(|v| v.name()).collect();
        let transports: Vec<&str> = scenario.transports.iter().map(|t| t.name()).collect();
        let passes_when = texts.iter().find(|(id, _)| *id == scenario.id).map_or(
            "the TLS handshake fails with an error that says why",
            |(_, text)| text,
        );
        let own = if scenario.own_broker.is_some() {
            ", own broker"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<22} {} | {}{own}\n{:<22} passes when: {passes_when}\n",
            scenario.id,
            versions.join(" "),
            transports.join(" "),
            ""
        ));
    }
    out
}
