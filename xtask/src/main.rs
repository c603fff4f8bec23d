//! Project tasks, run as `cargo xtask <task>`.
//!
//! A small dispatcher: each task lives in a module of its own.
//!
//! - `cargo xtask conformance`: the interoperability matrix against real brokers
//!   ([`conformance`]);
//! - `cargo xtask bench`: not built yet.

use std::process::ExitCode;

mod conformance;

const USAGE: &str = "usage: cargo xtask <task> [options]

tasks:
  conformance   run the interoperability scenarios against mosquitto (or --broker URL);
                `cargo xtask conformance --help` for its options
  bench         end-to-end benchmarks (not built yet)";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    match task.as_deref() {
        Some("conformance") => conformance::main(&rest),
        Some("bench") => {
            eprintln!("xtask: `bench` is not built yet");
            ExitCode::FAILURE
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("xtask: unknown task `{other}`\n\n{USAGE}");
            ExitCode::FAILURE
        }
        None => {
            eprintln!("{USAGE}");
            ExitCode::FAILURE
        }
    }
}
