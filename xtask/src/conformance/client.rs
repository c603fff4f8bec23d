//! The scenarios' side of mqtt-kit-client: options for the case's broker, transport and version,
//! clients whose drivers run on the case's own executor, and waiting with time limits. Only
//! mqtt-kit-client's public API is used here.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::FutureExt as _;
use mqtt_kit_client::tls::TlsConfig;
use mqtt_kit_client::{
    Backoff, Client, Connected, DisconnectOptions, DisconnectReason, Event, Events, Message,
    Options, OptionsBuilder, ProtocolVersion, Publish, QoS, Subscription, TopicName,
};
use smol::{LocalExecutor, Task};

use super::brokers::Endpoint;
use super::ctx::Ctx;
use super::matrix::Version;
use super::outcome::{Context as _, Problem};
use super::proxy::Proxy;

/// How long a connection may take to be accepted.
pub const CONNECT_TIME: Duration = Duration::from_secs(10);
/// How long a message the scenario expects may take to arrive.
pub const ARRIVAL_TIME: Duration = Duration::from_secs(5);
/// How long the scenarios listen to be sure that nothing (more) arrives.
pub const QUIET_TIME: Duration = Duration::from_millis(700);

thread_local! {
    /// The executor of the case running on this thread: the runner installs it, the
    /// clients' drivers run on it, and dropping it ends them all (a case that timed out
    /// leaves no client behind).
    static EXECUTOR: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

/// Runs `future` on a fresh executor of this thread, on which [`spawn`] puts the drivers;
/// everything spawned is dropped when it returns.
pub fn run_with_executor<T>(future: impl Future<Output = T>) -> T {
    let executor = Rc::new(LocalExecutor::new());
    EXECUTOR.with(|slot| *slot.borrow_mut() = Some(Rc::clone(&executor)));
    let output = async_io::block_on(executor.run(future));
    EXECUTOR.with(|slot| slot.borrow_mut().take());
    output
}

/// Spawns `future` on the case's executor.
pub fn spawn<T: 'static>(future: impl Future<Output = T> + 'static) -> Result<Task<T>, Problem> {
    EXECUTOR.with(|slot| {
        slot.borrow()
            .as_ref()
            .map(|executor| executor.spawn(future))
            .ok_or_else(|| Problem::Fail("no executor for the case's clients".into()))
    })
}

/// Waits for `future` at most `limit`; `None` when the time ran out.
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    async { Some(future.await) }
        .or(async {
            async_io::Timer::after(limit).await;
            None
        })
        .await
}

/// The codec's name of a version.
pub fn protocol(version: Version) -> ProtocolVersion {
    match version {
        Version::V3_1 => ProtocolVersion::V3_1,
        Version::V3_1_1 => ProtocolVersion::V3_1_1,
        Version::V5 => ProtocolVersion::V5,
    }
}

/// The TLS settings for an endpoint: only the CA of the run trusted, the client certificate
/// for mutual TLS.
pub fn tls_config(endpoint: &Endpoint) -> Result<Option<TlsConfig>, Problem> {
    let Some(ca_pem) = &endpoint.ca_pem else {
        return Ok(None);
    };
    let mut tls = TlsConfig::new()
        .builtin_roots(false)
        .add_ca_pem(ca_pem.as_bytes())
        .context("the run's CA")?;
    if let Some((cert, key)) = &endpoint.client_identity {
        tls = tls
            .client_cert_pem(cert.as_bytes(), key.as_bytes())
            .context("the client certificate")?;
    }
    Ok(Some(tls))
}

/// The back-off of the scenarios that reconnect: 0.2 s doubling to 2 s.
pub fn quick_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(200), Duration::from_secs(2))
}

/// Options for `endpoint` with the case's version: a fresh client id of `role`, no
/// reconnection (scenarios that want it turn it on).
pub fn options_for(ctx: &Ctx, endpoint: &Endpoint, role: &str) -> Result<OptionsBuilder, Problem> {
    let mut builder = Options::builder()
        .uri(endpoint.url.clone())
        .id(ctx.client_id(role))
        .version(protocol(ctx.version))
        .reconnect(false);
    if let Some(tls) = tls_config(endpoint)? {
        builder = builder.tls(tls);
    }
    Ok(builder)
}

impl Ctx {
    /// Options for this case's broker (see [`options_for`]).
    pub fn options(&self, role: &str) -> Result<OptionsBuilder, Problem> {
        options_for(self, &self.endpoint, role)
    }

    /// The usual options for `role`, but to `proxy` instead of the broker.
    pub fn options_via(&self, proxy: &Proxy, role: &str) -> Result<OptionsBuilder, Problem> {
        Ok(self.options(role)?.uri(proxy.url()))
    }

    /// The usual options for `role`, reconnecting quickly (0.2 s doubling to 2 s) after a
    /// lost connection.
    pub fn reconnecting(&self, role: &str) -> Result<OptionsBuilder, Problem> {
        Ok(self.options(role)?.reconnect(true).backoff(quick_backoff()))
    }

    /// A client with the usual options for `role`, connected.
    pub async fn connect(&self, role: &str) -> Result<Peer, Problem> {
        Peer::connect(self.options(role)?).await
    }

    /// A client that only feeds a scenario its messages, connected; it reconnects (quickly)
    /// when its connection is lost, so that a scenario about another client does not fail
    /// on a broker's fault with its feeder: rumqttd 0.20 now and then closes a connection
    /// just after its CONNACK when another client has just disconnected (seen as
    /// `ConnectionLost`, in about 1 run in 3 of `message-expiry` and `manual-ack-resume`, on
    /// this commit and on the previous ones alike).
    pub async fn publisher(&self, role: &str) -> Result<Peer, Problem> {
        Peer::connect(self.reconnecting(role)?).await
    }
}

/// A client of a scenario: its handle, its event stream, its driver on the case's
/// executor, and its first CONNACK.
pub struct Peer {
    /// The handle.
    pub client: Client,
    /// Every event since the client was made.
    pub events: Events,
    /// The first connection's CONNACK.
    pub connected: Connected,
    driver: Option<Task<()>>,
}

impl Peer {
    /// Builds the client, runs its driver, and waits for the broker to accept it.
    pub async fn connect(builder: OptionsBuilder) -> Result<Peer, Problem> {
        let (client, mut events, driver) = Peer::start(builder)?;
        let connected = wait_connected(&mut events, CONNECT_TIME).await?;
        Ok(Peer {
            client,
            events,
            connected,
            driver: Some(driver),
        })
    }

    /// Builds the client and runs its driver without waiting for anything.
    pub fn start(builder: OptionsBuilder) -> Result<(Client, Events, Task<()>), Problem> {
        let options = builder.build().context("the client options were refused")?;
        Peer::start_with(options)
    }

    /// Runs a client of built `options` without waiting for anything.
    pub fn start_with(options: Options) -> Result<(Client, Events, Task<()>), Problem> {
        let (client, driver) = Client::new(options);
        let events = client.events();
        let driver = spawn(async move {
            let _ = driver.run().await;
        })?;
        Ok((client, events, driver))
    }

    /// Ends the client without DISCONNECT: its driver is dropped and the socket closes, as
    /// when a process dies.
    pub fn kill(&mut self) {
        drop(self.driver.take());
    }

    /// Disconnects normally and waits for the driver to end.
    pub async fn disconnect(self) -> Result<(), Problem> {
        self.disconnect_with(DisconnectOptions::new()).await
    }

    /// Disconnects as `options` say and waits for the driver to end.
    pub async fn disconnect_with(mut self, options: DisconnectOptions) -> Result<(), Problem> {
        within(CONNECT_TIME, self.client.disconnect_with(options))
            .await
            .context("disconnect")?
            .context("disconnect")?;
        if let Some(driver) = self.driver.take() {
            within(CONNECT_TIME, driver)
                .await
                .context("the driver did not end after DISCONNECT")?;
        }
        Ok(())
    }

    /// The next CONNACK (after a reconnection).
    pub async fn reconnected(&mut self, limit: Duration) -> Result<Connected, Problem> {
        wait_connected(&mut self.events, limit).await
    }

    /// The next event that `pick` takes, within `limit`.
    pub async fn event<T>(
        &mut self,
        limit: Duration,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Option<T> {
        within(limit, async {
            while let Some(event) = self.events.next().await {
                if let Some(value) = pick(&event) {
                    return Some(value);
                }
            }
            None
        })
        .await
        .flatten()
    }
}

/// Waits for the next `Connected` event; a refusal or an error ends the wait with a failure
/// that says what happened.
pub async fn wait_connected(events: &mut Events, limit: Duration) -> Result<Connected, Problem> {
    let mut seen = Vec::new();
    let outcome = within(limit, async {
        while let Some(event) = events.next().await {
            match event {
                Event::Connected(connected) => return Ok(connected),
                Event::Disconnected(DisconnectReason::Refused(connack)) => {
                    return Err(format!(
                        "the broker refused the connection: {:?}",
                        connack.code
                    ));
                }
                Event::Error(error) => seen.push(error.to_string()),
                Event::Closed => return Err("the client closed before it connected".into()),
                _ => {}
            }
        }
        Err("the event stream ended".into())
    })
    .await;
    let seen = if seen.is_empty() {
        String::new()
    } else {
        format!(" (errors: {})", seen.join("; "))
    };
    match outcome {
        Some(Ok(connected)) => Ok(connected),
        Some(Err(reason)) => Err(Problem::Fail(format!("{reason}{seen}"))),
        None => Err(Problem::Fail(format!(
            "not connected within {} s{seen}",
            limit.as_secs()
        ))),
    }
}

/// The next `count` messages of `subscription`, or a failure after `limit` that says how
/// many came.
pub async fn receive(
    subscription: &mut Subscription,
    count: usize,
    limit: Duration,
    what: &str,
) -> Result<Vec<Message>, Problem> {
    let mut messages = Vec::with_capacity(count);
    let complete = within(limit, async {
        while messages.len() < count {
            match subscription.next().await {
                Some(message) => messages.push(message),
                None => return false,
            }
        }
        true
    })
    .await;
    match complete {
        Some(true) => Ok(messages),
        Some(false) => Err(Problem::Fail(format!(
            "{what}: the subscription stream ended after {} of {count} messages",
            messages.len()
        ))),
        None => Err(Problem::Fail(format!(
            "{what}: {} of {count} messages arrived within {} s",
            messages.len(),
            limit.as_secs()
        ))),
    }
}

/// Whatever `subscription` yields within `limit` (to check that nothing, or nothing more,
/// arrives).
pub async fn drain(subscription: &mut Subscription, limit: Duration) -> Vec<Message> {
    let mut messages = Vec::new();
    let _ = within(limit, async {
        while let Some(message) = subscription.next().await {
            messages.push(message);
        }
    })
    .await;
    messages
}

/// A message to publish: `payload` to `topic` at `qos`, retained or not.
pub fn message(
    topic: &str,
    payload: impl Into<bytes::Bytes>,
    qos: QoS,
    retain: bool,
) -> Result<Publish, Problem> {
    let topic = TopicName::try_from(topic).context("topic name")?;
    let mut publish = Publish::new(topic, payload, qos);
    publish.retain = retain;
    Ok(publish)
}

/// The messages that come as [`Event::Message`] (no subscription stream of this client
/// takes them: after a reconnection with a new client object, for instance): the next
/// `count`, or a failure after `limit`.
pub async fn event_messages(
    events: &mut Events,
    count: usize,
    limit: Duration,
    what: &str,
) -> Result<Vec<Message>, Problem> {
    let mut messages = Vec::with_capacity(count);
    let _ = within(limit, async {
        while messages.len() < count {
            match events.next().await {
                Some(Event::Message(message)) => messages.push(message),
                Some(_) => {}
                None => return,
            }
        }
    })
    .await;
    if messages.len() < count {
        return Err(Problem::Fail(format!(
            "{what}: {} of {count} messages arrived within {} s",
            messages.len(),
            limit.as_secs()
        )));
    }
    Ok(messages)
}

/// The Subscription Identifiers a message carries (5.0), as numbers.
pub fn subscription_ids(message: &Message) -> Vec<u32> {
    message
        .properties()
        .subscription_identifiers
        .iter()
        .map(|id| id.get())
        .collect()
}

/// A short description of a message, for failure reasons.
pub fn describe(message: &Message) -> String {
    format!(
        "{} q{} r{} d{} {} B",
        message.topic(),
        message.qos() as u8,
        u8::from(message.retain()),
        u8::from(message.dup()),
        message.payload().len()
    )
}
