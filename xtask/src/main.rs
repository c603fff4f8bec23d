//! Project tasks, run as `cargo xtask <task>`.
//!
//! A small dispatcher: each task lives in a module of its own.
//!
//! - `cargo xtask conformance`: the interoperability matrix against real brokers
//!   ([`conformance`]);
//! - `cargo xtask bench`: end-to-end benchmarks side by side with rumqttc ([`mod@bench`]);
//! - `cargo xtask durability`: what the session journal costs, with and without `fsync`
//!   ([`durability`]);
//! - `cargo xtask chaos`: the client under faults: cuts, kills, corruption ([`chaos`]).

use std::process::ExitCode;

mod bench;
mod chaos;
mod conformance;
mod durability;
mod results_files;

const USAGE: &str = "usage: cargo xtask <task> [options]

tasks:
  conformance   run the interoperability scenarios against mosquitto (or --broker URL);
                `cargo xtask conformance --help` for its options
  bench         end-to-end benchmarks against mosquitto and an ack-everything peer, side
                by side with rumqttc; `cargo xtask bench --help` for its options
  durability    QoS 1 publishing rate without a journal, with one, and with one that
                fsyncs each batch (`--quick`: fewer messages, one repetition)
  chaos         the client under faults (a cutting proxy, kill -9 of the publisher and of
                the broker, corrupted stores, a stopped broker); `--quick` for CI;
                `cargo xtask chaos --help` for its options";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    match task.as_deref() {
        Some("conformance") => conformance::main(&rest),
        Some("bench") => bench::main(&rest),
        Some("durability") => durability::main(&rest),
        Some("chaos") => chaos::main(&rest),
        // Hidden: the publisher process that `chaos` kills.
        Some("chaos-publisher") => chaos::publisher_main(&rest),
        // The child process that runs rumqttd for `conformance` (not for people).
        Some(conformance::brokers::rumqttd::TASK) => conformance::brokers::rumqttd::serve(&rest),
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
