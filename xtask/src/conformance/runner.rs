//! Runs the cases one after another, each on a thread of its own and bounded in time, and
//! shows progress a person can follow.

use std::io::Write as _;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use futures_lite::FutureExt as _;

use super::brokers::{BrokerKind, Endpoint, OwnBroker, TlsFaults, panic_message};
use super::ctx::Ctx;
use super::matrix::{Transport, Version};
use super::outcome::{Problem, Status};
use super::registry::Scenario;
use super::report::CaseResult;

/// How long past its time limit a scenario that blocks its thread (instead of awaiting) is
/// given before the runner stops waiting for it.
const GRACE: Duration = Duration::from_secs(5);

/// One cell of the matrix to run.
pub struct Case<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The version.
    pub version: Version,
    /// The transport.
    pub transport: Transport,
}

/// What the cases run against.
pub struct Target {
    /// Which broker.
    pub kind: BrokerKind,
    /// Its endpoints, one per transport it offers.
    pub endpoints: Vec<Endpoint>,
    /// Broken TLS set-ups (our own broker only).
    pub tls_faults: Option<TlsFaults>,
    /// The versions the broker refused in the probe at the start, with what it answered.
    pub refused: Vec<(Version, String)>,
}

impl Target {
    /// The endpoint of `transport` for clients of `version`.
    pub fn endpoint(&self, transport: Transport, version: Version) -> Option<&Endpoint> {
        self.endpoints
            .iter()
            .find(|e| e.transport == transport && e.serves(version))
    }
}

/// Runs every case, printing a line for each; returns the results in order.
pub fn run_all(cases: &[Case<'_>], target: &Target, run_tag: &str) -> Vec<CaseResult> {
    let total = cases.len();
    let width = total.to_string().len();
    let mut results = Vec::with_capacity(total);
    for (index, case) in cases.iter().enumerate() {
        print!(
            "[{:>width$}/{total}] {} {} {} {} ... ",
            index + 1,
            target.kind.flavour().map_or("broker", |f| f.name()),
            case.scenario.id,
            case.version,
            case.transport
        );
        let _ = std::io::stdout().flush();
        let started = Instant::now();
        let mut notes = Arc::default();
        let (status, reason) = match run_case(case, target, run_tag, &mut notes) {
            Ok(()) => {
                let notes = notes.lock().unwrap_or_else(|e| e.into_inner()).join(" ");
                (Status::Pass, (!notes.is_empty()).then_some(notes))
            }
            Err(NotPassed::Problem(Problem::Fail(reason))) => (Status::Fail, Some(reason)),
            Err(NotPassed::Problem(Problem::NotApplicable(reason))) => {
                (Status::NotApplicable, Some(reason))
            }
            Err(NotPassed::Skipped(reason)) => (Status::Skipped, Some(reason)),
        };
        let seconds = started.elapsed().as_secs_f64();
        match &reason {
            None => println!("{} ({seconds:.1} s)", status.name()),
            Some(reason) => println!("{} ({seconds:.1} s): {reason}", status.name()),
        }
        results.push(CaseResult {
            scenario: case.scenario.id,
            version: case.version,
            transport: case.transport,
            status,
            reason,
            seconds,
        });
    }
    results
}

/// A case that did not pass: a problem of the scenario, or not run at all.
enum NotPassed {
    Problem(Problem),
    Skipped(String),
}

impl From<Problem> for NotPassed {
    fn from(problem: Problem) -> Self {
        NotPassed::Problem(problem)
    }
}

fn run_case(
    case: &Case<'_>,
    target: &Target,
    run_tag: &str,
    notes: &mut Arc<Mutex<Vec<String>>>,
) -> Result<(), NotPassed> {
    if let Some((_, answer)) = target.refused.iter().find(|(v, _)| *v == case.version) {
        return Err(NotPassed::Problem(Problem::NotApplicable(format!(
            "{} does not speak MQTT {}: {answer} (a bare CONNECT sent at the start of the \
             run)",
            target.kind.label(),
            case.version
        ))));
    }
    let endpoint = target
        .endpoint(case.transport, case.version)
        .cloned()
        .ok_or_else(|| {
            NotPassed::Skipped(format!("the broker offers no {} endpoint", case.transport))
        })?;
    let tag = format!("{}-{}-{}", case.scenario.id, case.version, case.transport);
    let mut ctx = Ctx::new(
        case.version,
        case.transport,
        endpoint,
        target.kind.clone(),
        &tag,
        run_tag,
    );
    ctx.tls_faults = target.tls_faults.clone();
    if let Some(plain) = target.endpoint(Transport::Tcp, case.version) {
        ctx.plain = plain.clone();
    }
    *notes = ctx.notes();
    let own = match case.scenario.own_broker {
        None => None,
        Some(_) if matches!(target.kind, BrokerKind::External { .. }) => {
            return Err(NotPassed::Skipped(
                "needs a broker that the xtask starts, configures or restarts itself: not \
                 done to a --broker of the user's"
                    .into(),
            ));
        }
        Some(configure) => {
            let flavour = target.kind.flavour().ok_or_else(|| {
                NotPassed::Skipped("the broker was not started by the xtask".into())
            })?;
            let own = OwnBroker::start(flavour, configure).map_err(Problem::Fail)?;
            let endpoint = own
                .endpoint(case.version)
                .cloned()
                .ok_or_else(|| Problem::Fail("the scenario's broker has no endpoint".into()))?;
            ctx.endpoint = endpoint.clone();
            ctx.plain = endpoint;
            ctx.own = Some(own.clone());
            Some(own)
        }
    };
    let outcome = run_bounded(case.scenario, ctx);
    if let Some(own) = own {
        own.kill();
    }
    outcome.map_err(NotPassed::from)
}

/// Runs the scenario on a thread of its own, racing its future against its time limit; a
/// thread that does not answer even after the grace time is left behind (it ends with the
/// process) and the case fails.
fn run_bounded(scenario: &Scenario, ctx: Ctx) -> Result<(), Problem> {
    let limit = scenario.timeout;
    let run = scenario.run;
    let (sender, receiver) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("conformance-{}", scenario.id))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let timer = async move {
                    async_io::Timer::after(limit).await;
                    Err(Problem::Fail(format!(
                        "timed out after {} s",
                        limit.as_secs()
                    )))
                };
                super::client::run_with_executor(run(ctx).or(timer))
            }))
            .unwrap_or_else(|panic| {
                Err(Problem::Fail(format!(
                    "panicked: {}",
                    panic_message(&*panic)
                )))
            });
            let _ = sender.send(outcome);
        });
    if let Err(error) = spawned {
        return Err(Problem::Fail(format!("could not start a thread: {error}")));
    }
    match receiver.recv_timeout(limit + GRACE) {
        Ok(outcome) => outcome,
        Err(_) => Err(Problem::Fail(format!(
            "timed out after {} s (the scenario blocked its thread)",
            limit.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        let endpoint = Endpoint {
            transport: Transport::Tcp,
            url: "mqtt://127.0.0.1:1".into(),
            versions: &[],
            ca_pem: None,
            client_identity: None,
        };
        let kind = BrokerKind::External {
            url: endpoint.url.clone(),
        };
        Ctx::new(Version::V5, Transport::Tcp, endpoint, kind, "test", "t")
    }

    fn scenario(run: fn(Ctx) -> super::super::registry::ScenarioFuture) -> Scenario {
        Scenario {
            id: "test",
            versions: &[Version::V5],
            transports: Transport::TCP,
            own_broker: None,
            timeout: Duration::from_secs(1),
            run,
        }
    }

    #[test]
    fn a_hung_scenario_fails_with_its_time_limit() {
        let hung = scenario(|_| Box::pin(futures_lite::future::pending()));
        assert_eq!(
            run_bounded(&hung, ctx()),
            Err(Problem::Fail("timed out after 1 s".into()))
        );
    }

    #[test]
    fn a_panic_is_a_failure_with_its_message() {
        let panics = scenario(|_| Box::pin(async { panic!("boom") }));
        assert_eq!(
            run_bounded(&panics, ctx()),
            Err(Problem::Fail("panicked: boom".into()))
        );
    }

    #[test]
    fn outcomes_pass_through() {
        let passes = scenario(|_| Box::pin(async { Ok(()) }));
        assert_eq!(run_bounded(&passes, ctx()), Ok(()));
        let not_applicable =
            scenario(|_| Box::pin(async { Err(Problem::NotApplicable("no AUTH".into())) }));
        assert_eq!(
            run_bounded(&not_applicable, ctx()),
            Err(Problem::NotApplicable("no AUTH".into()))
        );
    }
}
