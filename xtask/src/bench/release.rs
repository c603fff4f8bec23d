//! `cargo xtask` builds the xtask in debug mode (the workspace alias is `cargo run -p xtask`),
//! but a benchmark of debug code measures nothing useful: a debug xtask hands `bench` over to
//! a release build of itself, `cargo run --release -p xtask -- bench ...`, with the same
//! Cargo (and so the same target directory) and the same arguments.

use std::process::{Command, ExitCode};

/// Whether this build may run the bench itself.
pub fn is_release() -> bool {
    !cfg!(debug_assertions)
}

/// Runs `bench args` in a release build; its exit code.
pub fn rerun(args: &[String]) -> ExitCode {
    rerun_task("bench", args)
}

/// Runs `task args` in a release build; its exit code.
pub fn rerun_task(task: &str, args: &[String]) -> ExitCode {
    // Cargo tells the programs it runs where it is.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "xtask {task}: building and running the release build (cargo run --release -p xtask)"
    );
    let status = Command::new(cargo)
        .args([
            "run",
            "--release",
            "--quiet",
            "--package",
            "xtask",
            "--",
            task,
        ])
        .args(args)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(status.code().map_or(1, |code| code.clamp(1, 255) as u8)),
        Err(error) => {
            eprintln!("xtask {task}: could not run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
