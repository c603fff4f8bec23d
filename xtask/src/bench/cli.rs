//! The options of `cargo xtask bench`.

use super::job::ClientKind;

/// What `cargo xtask bench --help` prints.
pub const HELP: &str = "usage: cargo xtask bench [--quick] [--reps N] [--only TEXT] [--client NAME]

Measures mqtt-kit-client (on smol and on tokio) and rumqttc 0.25 (on tokio's multi-threaded and
on its current-thread runtime) doing the same work against mosquitto (started here,
max_inflight_messages 100, max_queued_messages 1000000) and against an in-process peer that
acknowledges everything: publish throughput at QoS 0, 1 and 2 with 16 B, 1 KiB and 64 KiB
payloads, CPU time per delivered message flat out and at a fixed rate (QoS 1, 1 KiB,
5000/s), round-trip latency at a fixed rate, resident memory per idle client (connecting one
at a time, and all at once: 1000 and 10000). Each ratio compares with the better of
rumqttc's two set-ups for that figure. Built and run in release mode (a debug xtask runs
`cargo run --release -p xtask -- bench ...`).

options:
  --quick      one repetition, fewer messages and clients (under a minute; for CI)
  --reps N     repetitions of every measurement (default 5; runs interleave the clients,
               A B C D then D C B A)
  --only TEXT  only the workloads whose name contains TEXT (e.g. `qos1`, `latency`,
               `fixed rate`, `idle`, `all at once`)
  --client NAME  only this client (ours-smol, ours-tokio, rumqttc-mt, rumqttc-ct, or
               rumqttc for both; repeatable): for profiling one of them (the ratios need
               rumqttc)
  -h, --help   this text

Results: tables on standard output and target/bench/results.{md,json} (under
$CARGO_TARGET_DIR when set). The exit code is non-zero when a run failed or lost a QoS 1/2
message (figures are never judged).";

/// What the command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--quick`.
    pub quick: bool,
    /// `--reps N`.
    pub reps: Option<usize>,
    /// `--only TEXT`.
    pub only: Option<String>,
    /// `--client NAME`, each time given (none: every client).
    pub clients: Vec<ClientKind>,
    /// `--help`.
    pub help: bool,
    /// `--child ...`: the rest of the arguments describe a job (internal).
    pub child: Option<Vec<String>>,
}

/// Reads the arguments after `bench`.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--reps" => {
                let value = args.next().ok_or("--reps needs a number")?;
                let reps = value
                    .parse::<usize>()
                    .ok()
                    .filter(|reps| *reps > 0)
                    .ok_or_else(|| format!("--reps {value}: a number of 1 or more"))?;
                options.reps = Some(reps);
            }
            "--only" => options.only = Some(args.next().ok_or("--only needs a text")?.clone()),
            "--client" => {
                let name = args.next().ok_or("--client needs a name")?;
                let named: Vec<ClientKind> = if name == "rumqttc" {
                    ClientKind::RUMQTTC.to_vec()
                } else {
                    ClientKind::ALL
                        .into_iter()
                        .filter(|client| client.name() == name)
                        .collect()
                };
                if named.is_empty() {
                    return Err(format!(
                        "--client {name}: ours-smol, ours-tokio, rumqttc-mt, rumqttc-ct or rumqttc"
                    ));
                }
                options.clients.extend(named);
            }
            "-h" | "--help" => options.help = true,
            "--child" => {
                options.child = Some(args.cloned().collect());
                break;
            }
            other => return Err(format!("unknown option `{other}`\n\n{HELP}")),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options() {
        assert_eq!(parse(&[]), Ok(Options::default()));
        let options = parse(&args("--quick --reps 3 --only qos1")).unwrap();
        assert!(options.quick);
        assert_eq!(options.reps, Some(3));
        assert_eq!(options.only.as_deref(), Some("qos1"));
        assert!(parse(&args("--reps 0")).is_err());
        assert!(parse(&args("--fast")).is_err());
        let one = parse(&args("--client rumqttc-ct")).unwrap();
        assert_eq!(one.clients, [ClientKind::RumqttcCurrentThread]);
        let both = parse(&args("--client rumqttc")).unwrap();
        assert_eq!(both.clients, ClientKind::RUMQTTC);
        assert!(parse(&args("--client mosquitto")).is_err());
        let child = parse(&args("--child --client rumqttc")).unwrap();
        assert_eq!(child.child, Some(args("--client rumqttc")));
    }
}
