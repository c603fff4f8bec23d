//! What the bench reads from the operating system: CPU time (of this process, of another
//! process by PID), resident memory, the open-file limit, and the machine and tool versions
//! for the report. Linux only (`/proc`); elsewhere the figures read as zero.

use std::path::Path;
use std::process::Command;

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use rustix::time::{ClockId, clock_gettime};

/// The open files 10 000 idle clients (and the broker serving them, each process under its
/// own limit) need, with room to spare.
const WANTED_OPEN_FILES: u64 = 16_384;

/// CPU time of a process: user and system.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuTime {
    /// User time, in seconds.
    pub user: f64,
    /// System time, in seconds.
    pub system: f64,
}

impl CpuTime {
    /// User plus system, in seconds.
    pub fn total(self) -> f64 {
        self.user + self.system
    }

    /// What was spent between `earlier` and `self`.
    pub fn since(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user - earlier.user,
            system: self.system - earlier.system,
        }
    }
}

/// The CPU time of this process (every thread, living or ended), in nanoseconds' precision:
/// the total from the process CPU clock, split between user and system in the proportions
/// `/proc/self/stat` gives (that split is counted in clock ticks, the total is not).
pub fn own_cpu() -> CpuTime {
    let clock = clock_gettime(ClockId::ProcessCPUTime);
    let total = clock.tv_sec as f64 + clock.tv_nsec as f64 * 1e-9;
    let ticks = process_cpu(Path::new("/proc/self/stat"));
    let user_share = if ticks.total() > 0.0 {
        ticks.user / ticks.total()
    } else {
        1.0
    };
    CpuTime {
        user: total * user_share,
        system: total * (1.0 - user_share),
    }
}

/// The CPU time (user + system, in seconds) of process `pid`'s living threads, to the
/// microsecond: the sum of `se.sum_exec_runtime` (ms) in `/proc/PID/task/*/sched`. Where the
/// kernel does not give it, `/proc/PID/stat` instead (10 ms clock ticks: read it over long
/// windows).
pub fn cpu_seconds_of(pid: u32) -> f64 {
    let from_sched = std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()
        .map(|tasks| {
            tasks
                .flatten()
                .filter_map(|task| std::fs::read_to_string(task.path().join("sched")).ok())
                .filter_map(|text| sum_exec_runtime_ms(&text))
                .sum::<f64>()
        });
    match from_sched {
        Some(millis) if millis > 0.0 => millis / 1000.0,
        _ => process_cpu(Path::new(&format!("/proc/{pid}/stat"))).total(),
    }
}

/// `se.sum_exec_runtime` of a `/proc/.../sched` text, in milliseconds.
fn sum_exec_runtime_ms(sched: &str) -> Option<f64> {
    sched.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "se.sum_exec_runtime")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

fn process_cpu(stat: &Path) -> CpuTime {
    let Ok(text) = std::fs::read_to_string(stat) else {
        return CpuTime::default();
    };
    parse_stat(&text, rustix::param::clock_ticks_per_second() as f64)
}

/// utime and stime (fields 14 and 15) of a `/proc/PID/stat` line; the command name (field 2)
/// may hold spaces and parentheses, so fields are counted from its closing parenthesis.
fn parse_stat(text: &str, ticks_per_second: f64) -> CpuTime {
    let after_name = text.rfind(')').map_or("", |end| &text[end + 1..]);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name: field 3 (state) is index 0, so field N is index N - 3.
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    CpuTime {
        user: field(14) / ticks_per_second,
        system: field(15) / ticks_per_second,
    }
}

/// This process's resident memory (`VmRSS` of `/proc/self/status`), in bytes.
pub fn resident_bytes() -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status_kib(&text, "VmRSS:") * 1024
}

fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// Raises this process's soft limit of open files towards [`WANTED_OPEN_FILES`] (never past
/// the hard limit), so that the broker and the bench's child processes, which inherit it,
/// can hold 10 000 connections. Returns the soft limit now in force.
pub fn raise_open_files_limit() -> u64 {
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= WANTED_OPEN_FILES {
        return current;
    }
    let wanted = limit
        .maximum
        .map_or(WANTED_OPEN_FILES, |hard| hard.min(WANTED_OPEN_FILES));
    let raised = Rlimit {
        current: Some(wanted),
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => wanted,
        Err(_) => current,
    }
}

/// The machine, for the report.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs this process may use.
    pub cores: usize,
    /// The CPU model (`model name` of `/proc/cpuinfo`).
    pub cpu_model: String,
    /// The kernel release.
    pub kernel: String,
    /// Total memory, in MiB.
    pub memory_mib: u64,
}

impl Machine {
    /// Reads it from `/proc`.
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|text| text.trim().to_string())
                .unwrap_or_else(|_| "unknown".into()),
            memory_mib: status_kib(&meminfo, "MemTotal:") / 1024,
        }
    }
}

/// The 1-minute load average (`/proc/loadavg`): other work on the machine shows in it.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// The first line `program args` prints (on either stream), or "unknown".
pub fn tool_version(program: &Path, args: &[&str]) -> String {
    let Ok(output) = Command::new(program).args(args).output() else {
        return "unknown".into();
    };
    let text = [output.stdout, output.stderr].concat();
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .map_or_else(|| "unknown".into(), |line| line.trim().to_string())
}

/// The version of `package` locked in the workspace's `Cargo.lock`.
pub fn locked_version(package: &str) -> String {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let name_line = format!("name = \"{package}\"");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            if let Some(version) = lines
                .next()
                .and_then(|line| line.strip_prefix("version = \""))
            {
                return version.trim_end_matches('"').to_string();
            }
        }
    }
    "unknown".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let line = "42 (a (weird) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0";
        let cpu = parse_stat(line, 100.0);
        assert_eq!(cpu.user, 2.5);
        assert_eq!(cpu.system, 0.75);
    }

    #[test]
    fn own_cpu_grows_with_work() {
        let before = own_cpu();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(own_cpu().since(before).total() > 0.0, "{x}");
    }

    #[test]
    fn sched_runtime_is_parsed() {
        let text =
            "x (1, #threads: 1)\n---\nse.exec_start  :  1.5\nse.sum_exec_runtime   :   12.250000\n";
        assert_eq!(sum_exec_runtime_ms(text), Some(12.25));
        assert_eq!(sum_exec_runtime_ms("nothing"), None);
    }

    #[test]
    fn cpu_of_another_process_is_read() {
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 5",
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let spent = cpu_seconds_of(child.id());
        // Ours to end: the child this test started, by its PID.
        let _ = child.kill();
        let _ = child.wait();
        assert!(spent > 0.0, "{spent}");
    }

    #[test]
    fn rss_and_machine_are_read() {
        assert!(resident_bytes() > 0);
        assert!(Machine::read().cores >= 1);
        assert_eq!(status_kib("VmRSS:\t  1234 kB\n", "VmRSS:"), 1234);
    }
}
