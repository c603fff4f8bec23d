//! `cargo xtask chaos`: the client under real faults, on loopback only, every loop bounded in
//! count and time.
//!
//! - `proxy`: a fault-injecting proxy between the clients and mosquitto (cuts every N
//!   publishes, a delay, half-open links) while numbered QoS 1 and QoS 2 messages go from a
//!   publisher to a subscriber, both with persistent sessions and reconnection;
//! - `publisher-kill`: a publisher process with a durable store killed with SIGKILL at random
//!   moments and started again with the same store;
//! - `broker-kill`: mosquitto killed with SIGKILL (persistence saved at every change) and
//!   started again on the same port;
//! - `corruption`: store files damaged at random bytes;
//! - `broker-stop`: the broker stopped with SIGSTOP while the client publishes flat out.
//!
//! Results: printed, and written to `target/chaos/results.{md,json}`. The exit code is
//! non-zero when a goal is missed: a message lost at QoS 1 or 2, a QoS 2 duplicate, a
//! half-open link found later than 1.5 keep-alive intervals, memory that grows without
//! bound, a panic or a silent change on a damaged store, and (full run) fewer than 50 cuts or
//! 20 kills of each kind.

mod broker_kill;
mod broker_stop;
mod clients;
mod corruption;
mod memory;
mod plan;
mod proxy;
mod proxy_faults;
mod publisher_kill;
mod publisher_process;
mod report;
mod settle;
mod tally;

use std::process::ExitCode;
use std::time::Instant;

pub use publisher_process::main as publisher_main;

use plan::Plan;
use report::Outcome;

const USAGE: &str = "usage: cargo xtask chaos [--quick] [--only TEST]...

  --quick      the CI run (under 3 minutes); without it, the full run (at least 50 cuts and
               20 kills of each kind)
  --only TEST  run only TEST (repeatable): proxy, publisher-kill, broker-kill, corruption,
               broker-stop

Results go to stdout and target/chaos/results.{md,json}; the exit code is 1 when a goal is
missed.";

/// The mosquitto configuration of every test: no limit on the messages queued for a
/// client (mosquitto drops QoS 1/2 messages beyond 1,000 by default, which would count as
/// losses of the client).
const BROKER_CONFIG: &str = "max_queued_messages 0\n";

type Test = fn(&Plan) -> Result<Outcome, String>;

const TESTS: [(&str, Test); 5] = [
    ("proxy", |plan| proxy_faults::run(plan, BROKER_CONFIG)),
    ("publisher-kill", |plan| {
        publisher_kill::run(plan, BROKER_CONFIG)
    }),
    ("broker-kill", |plan| broker_kill::run(plan, BROKER_CONFIG)),
    ("corruption", corruption::run),
    ("broker-stop", |plan| broker_stop::run(plan, BROKER_CONFIG)),
];

/// Runs `cargo xtask chaos` with `args`.
pub fn main(args: &[String]) -> ExitCode {
    let mut quick = false;
    let mut only = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => match args.next() {
                Some(name) if TESTS.iter().any(|(n, _)| n == name) => only.push(name.clone()),
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::FAILURE;
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    let plan = if quick { Plan::QUICK } else { Plan::FULL };
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for (name, test) in TESTS {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        eprintln!("chaos: {name}...");
        let mut outcome = match std::panic::catch_unwind(|| test(&plan)) {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(error)) => failed(name, error),
            Err(_) => failed(name, "panicked (see above)".to_owned()),
        };
        if !quick {
            full_run_goals(name, &mut outcome);
        }
        eprintln!(
            "chaos: {name}: {} in {:.1} s",
            if outcome.passed() { "pass" } else { "FAIL" },
            outcome.duration.as_secs_f64()
        );
        outcomes.push(outcome);
    }
    let command = format!(
        "cargo xtask chaos{}{}",
        if quick { " --quick" } else { "" },
        only.iter()
            .map(|o| format!(" --only {o}"))
            .collect::<String>()
    );
    let total = started.elapsed();
    println!("{}", report::markdown(&outcomes, &command, total));
    match report::write(&outcomes, &command, total) {
        Ok(dir) => eprintln!("chaos: results in {}", dir.display()),
        Err(error) => {
            eprintln!("chaos: could not write the results: {error}");
            return ExitCode::FAILURE;
        }
    }
    if outcomes.iter().all(Outcome::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn failed(name: &'static str, error: String) -> Outcome {
    let mut outcome = Outcome {
        name,
        ..Outcome::default()
    };
    outcome.goal(format!("runs to the end ({error})"), false);
    outcome
}

/// The full run's counts of faults.
fn full_run_goals(name: &str, outcome: &mut Outcome) {
    let least = match name {
        "proxy" => 50,
        "publisher-kill" | "broker-kill" => 20,
        _ => return,
    };
    let faults = outcome.faults;
    outcome.goal(
        format!("at least {least} faults injected ({faults})"),
        faults >= least,
    );
}
