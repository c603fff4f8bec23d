//! `xtask chaos-publisher`: the publisher that the publisher-kill test runs as a child
//! process and kills with SIGKILL. It publishes numbered messages with a durable
//! [`Journal`], and after each `enqueue` returns (the client accepted the message) it
//! records the number in a side file, synced, so that the test knows what was accepted
//! before the kill. Started again, it goes on after the last number recorded.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use mqtt_kit_client::{Client, Journal};

use super::clients::{Publisher, options, within};

/// Usage of the hidden subcommand.
const USAGE: &str = "usage: xtask chaos-publisher <uri> <store file> <accepted file> <last number> <attempt> paced|burst";

/// Runs the publisher with `args`.
pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("chaos-publisher: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The last number recorded as accepted in `path` (0 when none).
pub fn last_accepted(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

fn run(args: &[String]) -> Result<(), String> {
    let [uri, store, accepted, last, attempt, pace] = args else {
        return Err(USAGE.to_owned());
    };
    let paced = match pace.as_str() {
        "paced" => true,
        "burst" => false,
        _ => return Err(USAGE.to_owned()),
    };
    let last: u64 = last.parse().map_err(|_| USAGE.to_owned())?;
    let attempt: u32 = attempt.parse().map_err(|_| USAGE.to_owned())?;
    let accepted = Path::new(accepted);
    let first = last_accepted(accepted) + 1;
    let journal = Journal::open(store, true).map_err(|e| e.to_string())?;
    if let Some(torn) = journal.torn_tail() {
        eprintln!("chaos-publisher: journal recovered: {torn}");
    }
    let options = options(uri, "chaos-killed-publisher")
        .journal(journal)
        .build()
        .map_err(|e| e.to_string())?;
    let mut side = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(accepted)
        .map_err(|e| format!("{}: {e}", accepted.display()))?;
    smol::block_on(async {
        let client = Client::spawn(options);
        let mut handles = Vec::new();
        for number in first..=last {
            let message = Publisher::message("pubkill", number, attempt)?;
            let handle = client.enqueue(message).await.map_err(|e| e.to_string())?;
            handles.push(handle);
            // Fixed width, so that rewriting in place never leaves a longer old number.
            side.seek(SeekFrom::Start(0))
                .and_then(|_| side.write_all(format!("{number:>20}\n").as_bytes()))
                .and_then(|()| side.sync_data())
                .map_err(|e| format!("{}: {e}", accepted.display()))?;
            // Paced: about 1,000 messages a second, as a sensor or a service would publish.
            // Burst: as fast as the client accepts them (its queue fills up).
            if paced && number % 10 == 0 {
                async_io::Timer::after(Duration::from_millis(10)).await;
            }
        }
        for handle in handles {
            within(Duration::from_secs(60), handle)
                .await
                .ok_or("a publish was not acknowledged within 60 s")?
                .map_err(|e| e.to_string())?;
        }
        let _ = client.disconnect().await;
        Ok(())
    })
}
