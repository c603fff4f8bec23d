//! The child process side (`xtask bench --child ...`): runs one [`Job`] with one client and
//! prints `start` when the measured window opens, then `result {json}`. Each client runs in
//! a process of its own so that the CPU time and memory measured are its own alone.

use std::io::Write as _;
use std::process::ExitCode;

use super::harness::Runtime;
use super::job::{ClientKind, Job};
use super::ours;
use super::rumqttc_client::{self, Flavor};

/// Runs the job the arguments describe.
pub fn main(args: &[String]) -> ExitCode {
    let job = match Job::from_args(args) {
        Ok(job) => job,
        Err(error) => {
            eprintln!("xtask bench --child: {error}");
            return ExitCode::from(2);
        }
    };
    let result = match job.client {
        ClientKind::OursSmol => ours::run(&job, Runtime::Smol),
        ClientKind::OursTokio => ours::run(&job, Runtime::Tokio),
        ClientKind::RumqttcMultiThread => rumqttc_client::run(&job, Flavor::MultiThread),
        ClientKind::RumqttcCurrentThread => rumqttc_client::run(&job, Flavor::CurrentThread),
    };
    match result {
        Ok(report) => {
            println!("result {report}");
            let _ = std::io::stdout().flush();
            // Without waiting for the runtimes' threads to wind down: the figures are out.
            std::process::exit(0)
        }
        Err(error) => {
            eprintln!("{job}: {error}");
            std::process::exit(1)
        }
    }
}
