//! Resident memory of a process, sampled from `/proc` (Linux) while a test runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Resident memory of process `pid` ("self" for this one) in KiB, if `/proc` tells.
pub fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Samples this process's resident memory every 50 ms until stopped; keeps the peak.
pub struct Sampler {
    peak: Arc<AtomicU64>,
    last: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling.
    pub fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(rss_kib("self").unwrap_or(0)));
        let last = Arc::new(AtomicU64::new(peak.load(Ordering::SeqCst)));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, l, s) = (Arc::clone(&peak), Arc::clone(&last), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                if let Some(now) = rss_kib("self") {
                    p.fetch_max(now, Ordering::SeqCst);
                    l.store(now, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        Self {
            peak,
            last,
            stop,
            thread: Some(thread),
        }
    }

    /// The peak so far, KiB.
    pub fn peak_kib(&self) -> u64 {
        self.peak.load(Ordering::SeqCst)
    }

    /// The latest sample, KiB.
    pub fn last_kib(&self) -> u64 {
        self.last.load(Ordering::SeqCst)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
