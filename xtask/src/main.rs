//! Project tasks, run as `cargo xtask <task>`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("conformance") | Some("bench") => {
            eprintln!("xtask: `{}` is not built yet", task.unwrap_or_default());
            ExitCode::FAILURE
        }
        _ => {
            eprintln!("usage: cargo xtask <conformance|bench>");
            ExitCode::FAILURE
        }
    }
}
