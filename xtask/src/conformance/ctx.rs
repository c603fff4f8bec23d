//! What a scenario is given: the version and transport of its case, how to reach the
//! broker, names of its own (topics and client ids no other case uses), and the broker's
//! known limitations.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::brokers::{BrokerKind, Endpoint, OwnBroker, TlsFaults};
use super::limitations::Limitation;
use super::matrix::{Transport, Version};
use super::outcome::Problem;
use super::proxy::Proxy;

/// The context of one case (scenario x version x transport).
pub struct Ctx {
    /// The protocol version of this case.
    pub version: Version,
    /// The transport of this case.
    pub transport: Transport,
    /// How to reach the broker over that transport.
    pub endpoint: Endpoint,
    /// The same broker over plain TCP when it offers that (else the case's endpoint): the
    /// other side of scenarios that check one direction over the case's transport.
    pub plain: Endpoint,
    /// Which broker this is.
    pub broker: BrokerKind,
    /// The scenario's own broker, when it asked for one.
    pub own: Option<OwnBroker>,
    /// Broken TLS set-ups (our own broker only).
    pub tls_faults: Option<TlsFaults>,
    /// The case's topic prefix (`xc/<run>/<case>`).
    prefix: String,
    /// The run's tag, in client ids.
    run_tag: String,
    /// What the scenario noted for the report (shared with the runner, which reads it even
    /// after a time-out).
    notes: Arc<Mutex<Vec<String>>>,
}

/// Numbers client ids across the whole run.
static NEXT_CLIENT: AtomicU32 = AtomicU32::new(0);

impl Ctx {
    /// A context; `case_tag` names the case in topics, `run_tag` the run (short).
    pub fn new(
        version: Version,
        transport: Transport,
        endpoint: Endpoint,
        broker: BrokerKind,
        case_tag: &str,
        run_tag: &str,
    ) -> Ctx {
        Ctx {
            version,
            transport,
            plain: endpoint.clone(),
            endpoint,
            broker,
            own: None,
            tls_faults: None,
            prefix: format!("xc/{run_tag}/{case_tag}"),
            run_tag: run_tag.to_owned(),
            notes: Arc::default(),
        }
    }

    /// Adds a line to the case's entry in the report: a broker behaviour that shaped the
    /// checks of a passing scenario, for example.
    pub fn note(&self, text: impl Into<String>) {
        self.notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(text.into());
    }

    /// The notes so far, joined; read by the runner after the scenario.
    pub fn notes(&self) -> Arc<Mutex<Vec<String>>> {
        Arc::clone(&self.notes)
    }

    /// A topic (or filter) of this case alone: `name` under the case's prefix, so that
    /// retained messages and subscriptions of other cases and runs never meet it.
    pub fn topic(&self, name: &str) -> String {
        format!("{}/{name}", self.prefix)
    }

    /// A topic of this case with just two levels (`xc-<run>-<case>/<name>`), for filters
    /// such as `+/+` that only match near the root.
    pub fn flat_topic(&self, name: &str) -> String {
        format!("{}/{name}", self.prefix.replace('/', "-"))
    }

    /// A client id no other client of the run has, short enough for MQTT 3.1 (at most 23
    /// characters); `role` is a hint for people reading the broker's log (first 4
    /// characters kept).
    pub fn client_id(&self, role: &str) -> String {
        let number = NEXT_CLIENT.fetch_add(1, Ordering::Relaxed);
        let role: String = role
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(4)
            .collect();
        format!("xc{}{role}{number}", self.run_tag)
    }

    /// `Err(n/a)` with the reason when the broker has this known limitation.
    pub fn limitation(&self, limitation: Limitation) -> Result<(), Problem> {
        match limitation.applies_to(&self.broker) {
            Some(reason) => Err(Problem::NotApplicable(reason)),
            None => Ok(()),
        }
    }

    /// What a scenario returns when a check cannot be shown: `n/a` with the limitation's
    /// reason and `evidence` (what was seen) when the broker has that known limitation, a
    /// failure saying `evidence` otherwise.
    pub fn limitation_seen(&self, limitation: Limitation, evidence: &str) -> Problem {
        match limitation.applies_to(&self.broker) {
            Some(reason) => Problem::NotApplicable(format!("{reason}. Seen: {evidence}")),
            None => Problem::Fail(evidence.to_owned()),
        }
    }

    /// The scenario's own broker (the registry gives one to the scenarios that declare it).
    pub fn own_broker(&self) -> Result<&OwnBroker, Problem> {
        self.own.as_ref().ok_or_else(|| {
            Problem::Fail("the scenario needs a broker of its own and got none".into())
        })
    }

    /// A fault-injecting proxy in front of this case's broker (plain TCP only: the proxy
    /// must see MQTT to tap it).
    pub fn proxy(&self) -> Result<Proxy, Problem> {
        if self.endpoint.transport != Transport::Tcp {
            return Err(Problem::Fail(format!(
                "the fault-injecting proxy works over tcp, not {}",
                self.endpoint.transport
            )));
        }
        let port = self.endpoint.port().ok_or_else(|| {
            Problem::Fail(format!("no port in the broker URL {}", self.endpoint.url))
        })?;
        Proxy::start(port).map_err(|e| Problem::Fail(format!("could not start the proxy: {e}")))
    }
}

/// Sleeps without blocking the executor.
pub async fn sleep(duration: Duration) {
    async_io::Timer::after(duration).await;
}
