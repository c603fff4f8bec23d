//! `cargo xtask bench`: end-to-end throughput, latency, CPU and memory of mqtt-kit-client, side by
//! side with rumqttc, in one run on one machine (issue 7).
//!
//! The bench starts mosquitto (free loopback port, `max_inflight_messages 100`,
//! `max_queued_messages 1000000`, so that it drops nothing) and the in-process
//! ack-everything peer ([`peer`]), then runs every workload ([`plan`]) for each client in a
//! child process of its own ([`child`], [`runner`]): the client's CPU time and memory are
//! that process's; the peer's CPU time is read over the same window. The clients take
//! turns, in one order then the reverse (A B C D, D C B A, ...), so that none always runs
//! right after the same other. A debug build hands over to a release build first
//! ([`release`]).
//!
//! The parts:
//! - [`cli`], [`plan`], [`job`]: what to run;
//! - [`ours`], [`rumqttc_client`], [`feed`], [`harness`], [`idle`]: the workloads in the
//!   child process, for each client;
//! - [`peer`]: the ack-everything peer; [`probe`]: CPU, memory, machine, versions;
//! - [`results`], [`stats`], [`versus`], [`targets`], [`report`]: figures, ours against
//!   rumqttc's better set-up, the goals, Markdown and JSON under `target/bench/`.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mqtt_testkit::{Listener, Mosquitto};

pub mod child;
pub mod cli;
pub mod feed;
pub mod harness;
pub mod idle;
pub mod job;
pub mod ours;
pub mod peer;
pub mod plan;
pub mod probe;
pub mod release;
pub mod report;
pub mod results;
pub mod rumqttc_client;
pub mod runner;
pub mod stats;
pub mod targets;
pub mod versus;

use job::{ClientKind, Job, PeerKind, Workload};
use results::{Metric, Results, Run};
use runner::PeerCpu;

/// mosquitto's configuration for the bench (the issue's): enough in flight and queued that
/// the broker itself never drops a message bound for a slower subscriber.
pub const MOSQUITTO_CONFIG: &str = "max_inflight_messages 100\nmax_queued_messages 1000000";

/// How long one child may take before it is killed.
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// Runs the task with the arguments after `bench`.
pub fn main(args: &[String]) -> ExitCode {
    let options = match cli::parse(args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("xtask bench: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(child_args) = &options.child {
        return child::main(child_args);
    }
    if options.help {
        println!("{}", cli::HELP);
        return ExitCode::SUCCESS;
    }
    if !release::is_release() {
        return release::rerun(args);
    }
    match run(&options, args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("xtask bench: {error}");
            ExitCode::from(2)
        }
    }
}

/// The whole bench; `Ok(false)` when a run failed.
fn run(options: &cli::Options, args: &[String]) -> Result<bool, String> {
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut plan = plan::plan(options.quick, options.reps, options.only.as_deref());
    let open_files = probe::raise_open_files_limit();
    let left_out = plan.fit_open_files(open_files);
    for name in &left_out {
        eprintln!("xtask bench: {name} left out: the open-file limit is {open_files}");
    }
    if plan.workloads.is_empty() {
        return Err("no workload matches --only".into());
    }
    let load_before = probe::load_average();
    let binary = Mosquitto::binary().ok_or("mosquitto is not installed (PATH, /usr/sbin)")?;
    let broker = Mosquitto::start_with_config(&[Listener::tcp()], MOSQUITTO_CONFIG);
    let broker_pid = broker.pid().ok_or("mosquitto is not running")?;
    let ack_peer = peer::AckPeer::start().map_err(|e| format!("ack peer: {e}"))?;
    let peers = [
        (PeerKind::AckPeer, ack_peer.address(), PeerCpu::ThisProcess),
        (
            PeerKind::Mosquitto,
            ([127, 0, 0, 1], broker.port(0)).into(),
            PeerCpu::Process(broker_pid),
        ),
    ];
    let clients: Vec<ClientKind> = if options.clients.is_empty() {
        ClientKind::ALL.to_vec()
    } else {
        options.clients.clone()
    };
    let total = plan.reps
        * plan
            .workloads
            .iter()
            .map(|w| {
                if matches!(w, Workload::Idle { .. }) {
                    1
                } else {
                    2
                }
            })
            .sum::<usize>()
        * clients.len();
    eprintln!(
        "xtask bench: {total} runs ({} repetition(s)); mosquitto pid {broker_pid}, peer {}",
        plan.reps,
        ack_peer.address()
    );
    let mut results = Results::default();
    for rep in 0..plan.reps {
        // A B C D, then D C B A: no client always runs first, or right after the same one.
        let order: Vec<ClientKind> = if rep % 2 == 0 {
            clients.clone()
        } else {
            clients.iter().rev().copied().collect()
        };
        for workload in &plan.workloads {
            for &(peer, address, peer_cpu) in &peers {
                // Idle clients only against mosquitto: the peer is not a place to keep them.
                if matches!(workload, Workload::Idle { .. }) && peer == PeerKind::AckPeer {
                    continue;
                }
                for &client in &order {
                    let job = Job {
                        client,
                        workload: *workload,
                        address,
                        topic: format!("bench/{}/{}", std::process::id(), results.runs.len()),
                    };
                    let outcome = runner::run(&job, peer_cpu, RUN_LIMIT);
                    let run = Run {
                        workload: *workload,
                        peer,
                        client,
                        rep,
                        outcome,
                    };
                    progress(results.runs.len() + 1, total, &run);
                    results.runs.push(run);
                }
            }
        }
    }
    let broker_log = broker.log();
    drop(broker);
    let header = report::Header {
        command: std::iter::once("cargo xtask bench".to_string())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" "),
        started_unix,
        seconds: started.elapsed().as_secs_f64(),
        machine: probe::Machine::read(),
        versions: vec![
            ("rustc", rustc_version()),
            ("mosquitto", probe::tool_version(&binary, &["-h"])),
            ("rumqttc", probe::locked_version("rumqttc")),
            ("tokio", probe::locked_version("tokio")),
            ("smol", probe::locked_version("smol")),
        ],
        reps: plan.reps,
        open_files,
        left_out,
        mosquitto_config: MOSQUITTO_CONFIG.into(),
        load: (load_before, probe::load_average()),
    };
    let report = report::Report {
        header,
        workloads: &plan.workloads,
        results: &results,
        verdicts: targets::verdicts(&results, &plan.workloads),
    };
    let markdown = report.markdown();
    println!("\n{markdown}");
    if broker_log.contains("dropped") || broker_log.contains("Outgoing messages are being dropped")
    {
        println!("mosquitto's log mentions dropped messages:\n{broker_log}");
    }
    let dir = report::output_dir();
    let (json_path, markdown_path) = report
        .write(&dir)
        .map_err(|e| format!("could not write {}: {e}", dir.display()))?;
    println!(
        "results written to {} and {} ({:.0} s)",
        json_path.display(),
        markdown_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(results.failures().is_empty())
}

/// One line a run, on standard error.
fn progress(index: usize, total: usize, run: &Run) {
    let what = format!(
        "[{index}/{total}] {} / {} / {}",
        run.workload.name(),
        run.peer.name(),
        run.client.name()
    );
    let problems = run.problems();
    if !problems.is_empty() {
        eprintln!("{what}: FAILED: {}", problems.join("; "));
        return;
    }
    let figure = |metric| run.metric(metric).unwrap_or(0.0);
    match run.workload {
        Workload::Throughput { .. } | Workload::FixedRate { .. } => eprintln!(
            "{what}: {:.0} msg/s, {:.2} µs CPU/msg, peer {:.0}% CPU",
            figure(Metric::MessagesPerSecond),
            figure(Metric::ClientMicrosPerMessage),
            figure(Metric::PeerCpuPercent),
        ),
        Workload::Latency { .. } => eprintln!(
            "{what}: p50 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs",
            figure(Metric::LatencyP50),
            figure(Metric::LatencyP99),
            figure(Metric::LatencyP999),
        ),
        Workload::Idle { .. } => eprintln!(
            "{what}: {:.1} KiB per client, connected in {:.2} s{}",
            figure(Metric::KibPerIdleClient),
            figure(Metric::IdleConnectSeconds),
            match run.not_connected() {
                0 => String::new(),
                count => format!(" ({count} did not connect)"),
            }
        ),
    }
}

/// `rustc --version` of the toolchain Cargo uses.
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    probe::tool_version(std::path::Path::new(&rustc), &["--version"])
}
