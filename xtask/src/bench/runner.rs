//! The parent side of one measurement: starts the child process for a [`Job`], reads the
//! peer's CPU time when the child opens and closes its measured window (mosquitto's from
//! `/proc/PID/task/*/schedstat`; the in-process peer's as this process's own CPU time, which
//! is the peer's threads and little else), and kills the child, by its PID, if it overruns.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::job::Job;
use super::probe::{cpu_seconds_of, own_cpu};

/// Whose CPU time to read as the peer's.
#[derive(Debug, Clone, Copy)]
pub enum PeerCpu {
    /// A process of its own (mosquitto).
    Process(u32),
    /// This process (the in-process peer).
    ThisProcess,
}

impl PeerCpu {
    /// Seconds of CPU so far.
    fn read(self) -> f64 {
        match self {
            PeerCpu::Process(pid) => cpu_seconds_of(pid),
            PeerCpu::ThisProcess => own_cpu().total(),
        }
    }
}

/// Runs `job` in a child process, within `limit`; the child's report with the peer's CPU
/// time over the window added (`peer_cpu_s`), or why there is none.
pub fn run(job: &Job, peer: PeerCpu, limit: Duration) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
    let mut child = Command::new(exe)
        .arg("bench")
        .arg("--child")
        .args(job.to_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start the child: {e}"))?;
    let (lines, receiver) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let stderr = child.stderr.take().map(|mut stderr| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        })
    });
    let deadline = Instant::now() + limit;
    let mut peer_start = None;
    let mut report = None;
    while report.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(line) if line == "start" => peer_start = Some(peer.read()),
            Ok(line) => {
                if let Some(json) = line.strip_prefix("result ") {
                    let peer_cpu = peer_start.map(|start| peer.read() - start);
                    report = Some((json.to_string(), peer_cpu));
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Ours to end: the child this call started, by its PID.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {limit:?}"));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("wait for the child: {e}"))?;
    let errors = stderr
        .and_then(|thread| thread.join().ok())
        .unwrap_or_default();
    let Some((json, peer_cpu)) = report else {
        let errors = errors.trim();
        return Err(format!("child failed ({status}): {errors}"));
    };
    let mut report: Value =
        serde_json::from_str(&json).map_err(|e| format!("child's report: {e}"))?;
    if let Some(cpu) = peer_cpu {
        report["peer_cpu_s"] = cpu.into();
    }
    Ok(report)
}
