//! [`Client`]: the cloneable handle that sends commands to the [`Driver`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_channel::oneshot;
use mqtt_kit_codec::{
    AckProperties, DisconnectProperties, DisconnectReasonCode, ProtocolVersion, PubAckReasonCode,
    Publish, QoS, TopicFilter, TopicName, UnsubAck, UnsubscribeProperties,
};
use mqtt_kit_session::AckToken;

use crate::driver::Driver;
use completion::{Answer, Completer, Completions};
use publish_queue::{PublishQueue, TrySendError};

pub(crate) mod completion;
pub(crate) mod publish_queue;
use crate::error::ClientError;
use crate::events::{Events, Listeners, Message, Published};
use crate::options::Options;
use crate::routing::{SubscribeRequest, Subscription};
use crate::state::{ConnectionState, Monitor, StateChanges, Stats};

/// The way back for the answer to one command other than a publish: a one-shot channel (one
/// allocation per command; publishes, which come by the hundred thousand a second, are
/// answered through [`completion`] slots instead).
pub(crate) type Reply<T> = oneshot::Sender<Result<T, ClientError>>;

/// Where the answer to one command arrives.
type ReplyReceiver<T> = oneshot::Receiver<Result<T, ClientError>>;

fn reply_channel<T>() -> (Reply<T>, ReplyReceiver<T>) {
    oneshot::channel()
}

async fn answer<T>(receiver: ReplyReceiver<T>) -> Result<T, ClientError> {
    receiver.await.unwrap_or(Err(ClientError::Closed))
}

/// A command other than a publish (these never wait for room: the driver takes them all).
pub(crate) enum Command {
    Subscribe {
        request: SubscribeRequest,
        reply: Reply<Subscription>,
    },
    Unsubscribe {
        filters: Vec<TopicFilter>,
        properties: UnsubscribeProperties,
        reply: Reply<UnsubAck>,
    },
    Acknowledge {
        token: AckToken,
        code: PubAckReasonCode,
        properties: AckProperties,
        reply: Reply<()>,
    },
    Disconnect {
        options: DisconnectOptions,
        reply: Reply<()>,
    },
    Reauthenticate {
        reply: Reply<()>,
    },
}

/// A publish on its way to the driver (by value: the queue holds no box per publish).
pub(crate) struct PublishCommand {
    pub(crate) id: u64,
    pub(crate) publish: Publish,
    pub(crate) reply: Completer,
    /// With a journal: told once the message is on the disk (accepted for good).
    pub(crate) accepted: Option<oneshot::Sender<()>>,
}

/// How to disconnect: reason code and properties (MQTT 5.0), and whether to wait for the
/// publishes in flight first.
///
/// ```
/// use mqtt_kit_client::{DisconnectOptions, DisconnectReasonCode};
/// let options = DisconnectOptions::new()
///     .reason(DisconnectReasonCode::DisconnectWithWillMessage)
///     .wait_for_in_flight(true);
/// assert!(options.waits_for_in_flight());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisconnectOptions {
    pub(crate) reason: DisconnectReasonCode,
    pub(crate) properties: DisconnectProperties,
    pub(crate) wait_for_in_flight: bool,
}

impl DisconnectOptions {
    /// Normal disconnection, without waiting.
    pub fn new() -> Self {
        Self::default()
    }

    /// The reason code (MQTT 5.0; 3.x always sends a plain DISCONNECT).
    pub fn reason(mut self, reason: DisconnectReasonCode) -> Self {
        self.reason = reason;
        self
    }

    /// The DISCONNECT properties (MQTT 5.0).
    pub fn properties(mut self, properties: DisconnectProperties) -> Self {
        self.properties = properties;
        self
    }

    /// Wait until every accepted publish is acknowledged (reconnecting if need be) before
    /// sending DISCONNECT.
    pub fn wait_for_in_flight(mut self, wait: bool) -> Self {
        self.wait_for_in_flight = wait;
        self
    }

    /// Whether it waits for the publishes in flight.
    pub fn waits_for_in_flight(&self) -> bool {
        self.wait_for_in_flight
    }
}

/// What every handle shares.
#[derive(Debug)]
struct Shared {
    control: async_channel::Sender<Command>,
    /// Bounded; it grows to what is used, so an idle client holds no room for publishes.
    publishes: Arc<PublishQueue>,
    /// Where each publish's end is told to its handle.
    completions: Arc<Completions>,
    listeners: Arc<Listeners>,
    monitor: Arc<Monitor>,
    next_publish: AtomicU64,
    client_id: String,
    version: ProtocolVersion,
    /// A journal keeps what is accepted: acceptance waits for the disk.
    durable: bool,
}

impl Drop for Shared {
    /// Every handle is gone: the driver takes what was queued, then sees the end.
    fn drop(&mut self) {
        self.publishes.close();
    }
}

/// A handle to an MQTT client: cheap to clone, `Send + Sync`, usable from any task or thread.
///
/// Every handle talks to the one [`Driver`] of the client, which does all the I/O; the driver
/// must run (on any executor: `smol::spawn(driver.run())`, `tokio::spawn`, a
/// `block_on` of your own) for anything to happen. [`Client::spawn`] does that on smol.
///
/// When every handle is dropped, the driver waits for the publishes in flight (while
/// connected), disconnects and ends.
#[derive(Debug, Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl Client {
    /// A client for `options` and the driver that runs it. Nothing happens until the driver
    /// runs; commands given before wait for it (publishes queue, subscriptions are made once
    /// connected).
    pub fn new(options: Options) -> (Client, Driver) {
        let (control_sender, control) = async_channel::unbounded();
        let publishes = Arc::new(PublishQueue::new(options.publish_capacity));
        let listeners = Arc::new(Listeners::default());
        let monitor = Arc::new(Monitor::default());
        let client = Client {
            shared: Arc::new(Shared {
                control: control_sender,
                publishes: publishes.clone(),
                completions: Arc::default(),
                listeners: listeners.clone(),
                monitor: monitor.clone(),
                next_publish: AtomicU64::new(1),
                client_id: options.session.client_id.clone(),
                version: options.session.version,
                durable: options.journal.is_some(),
            }),
        };
        let driver = Driver::new(options, control, publishes, listeners, monitor);
        (client, driver)
    }

    /// Starts a client on smol's global executor (feature `smol`, on by default) and waits
    /// for its first connection: the client once the broker accepted it, or the error of the
    /// first attempt that failed (refused with its reason code, unreachable, a TLS error...),
    /// after which the client is dropped and its driver ends.
    ///
    /// ```no_run
    /// use mqtt_kit_client::{Client, Options, QoS};
    /// # smol::block_on(async {
    /// let options = Options::builder().uri("mqtt://localhost:1883").build()?;
    /// let client = Client::connect(options).await?;
    /// client.publish("greetings", "hello", QoS::AtLeastOnce).await?;
    /// client.disconnect().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # });
    /// ```
    ///
    /// Drop safety: dropping the future drops the client (its driver ends).
    #[cfg(feature = "smol")]
    pub async fn connect(options: Options) -> Result<Client, ClientError> {
        let (client, driver) = Client::new(options);
        let mut states = client.state_changes();
        smol::spawn(async move {
            let _ = driver.run().await;
        })
        .detach();
        states.connected().await?;
        Ok(client)
    }

    /// Waits until the client is connected: `Ok` at once when it is, otherwise once the
    /// broker accepts the next connection, or the error that ends the next attempt or
    /// connection. Works on any runtime (the driver must run).
    ///
    /// Drop safety: dropping the future changes nothing.
    pub async fn wait_connected(&self) -> Result<(), ClientError> {
        self.state_changes().connected().await
    }

    /// Whether the client is connected now (a cheap read).
    pub fn is_connected(&self) -> bool {
        self.shared.monitor.is_connected()
    }

    /// Where the connection is now.
    pub fn state(&self) -> ConnectionState {
        self.shared.monitor.state()
    }

    /// A stream of the connection's states: the current one, then every change.
    pub fn state_changes(&self) -> StateChanges {
        self.shared.monitor.watch()
    }

    /// The client's counters (messages in flight, queued, sent, received; reconnections).
    pub fn stats(&self) -> Stats {
        self.shared.monitor.stats()
    }

    /// A client whose driver runs on smol's global executor (feature `smol`, on by default).
    /// Its first events may pass before [`Client::events`] is called: use
    /// [`Client::spawn_with_events`] to see them all.
    #[cfg(feature = "smol")]
    pub fn spawn(options: Options) -> Client {
        let (client, driver) = Client::new(options);
        smol::spawn(async move {
            let _ = driver.run().await;
        })
        .detach();
        client
    }

    /// [`Client::spawn`], with an [`Events`] stream made before the driver starts, so that
    /// it sees every event from the first connection attempt on.
    #[cfg(feature = "smol")]
    pub fn spawn_with_events(options: Options) -> (Client, Events) {
        let (client, driver) = Client::new(options);
        let events = client.events();
        smol::spawn(async move {
            let _ = driver.run().await;
        })
        .detach();
        (client, events)
    }

    /// A stream of every [`Event`](crate::Event) from now on. Make it before running the
    /// driver to see the first connection.
    pub fn events(&self) -> Events {
        self.shared.listeners.subscribe()
    }

    /// The client identifier given or generated (the broker may assign another when it was
    /// empty: see [`Connected::assigned_client_id`](crate::Connected)).
    pub fn id(&self) -> &str {
        &self.shared.client_id
    }

    /// The protocol version.
    pub fn version(&self) -> ProtocolVersion {
        self.shared.version
    }

    /// Whether the driver has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.control.is_closed()
    }

    /// Publishes `payload` to `topic` and waits until it is done: QoS 0 written to the
    /// connection, QoS 1 acknowledged by PUBACK, QoS 2 by PUBCOMP (with the reason code in
    /// [`Published`]). Waits for room when the queue is full (backpressure). While
    /// disconnected, the message waits in the queue and goes out once connected.
    ///
    /// Drop safety: dropping the future before the message was accepted (while it waits for
    /// room) publishes nothing; dropping it after only gives up the answer: the message is
    /// still delivered. Either way nothing is lost silently.
    ///
    /// ```no_run
    /// use mqtt_kit_client::{Client, Options, QoS};
    /// # smol::block_on(async {
    /// let client = Client::connect(Options::builder().uri("mqtt://localhost").build()?).await?;
    /// let done = client.publish("sensors/kitchen", "21.5", QoS::AtLeastOnce).await?;
    /// assert!(done.reason_code() < 0x80); // the broker's PUBACK: taken
    /// // Retain and MQTT 5.0 properties: the builder.
    /// client.publish_with("sensors/kitchen/unit", "°C").retain(true).await?;
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # });
    /// ```
    pub async fn publish(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
    ) -> Result<Published, ClientError> {
        let topic = TopicName::try_from(topic)?;
        self.publish_message(Publish::new(topic, payload, qos))
            .await
    }

    /// Publishes a message built in full (retain, MQTT 5.0 properties) and waits until it is
    /// done, as [`publish`](Self::publish). The packet identifier, DUP flag and topic alias
    /// are the client's to set.
    ///
    /// Drop safety: as [`publish`](Self::publish).
    pub async fn publish_message(&self, publish: Publish) -> Result<Published, ClientError> {
        self.enqueue(publish).await?.await
    }

    /// Hands a message to the driver and returns once it is accepted: taken by the driver's
    /// queue, and, with a [journal](crate::OptionsBuilder::journal), on the disk, so that it
    /// is sent even if the process dies now. The returned [`PublishHandle`] ends when it is
    /// done (and may be dropped: the message still goes).
    ///
    /// Drop safety: dropping this future while it waits for room publishes nothing; dropped
    /// while it waits for the journal, the message is already taken and still goes.
    pub async fn enqueue(&self, publish: Publish) -> Result<PublishHandle, ClientError> {
        let (command, mut handle) = self.command(publish);
        self.shared.publishes.send(command).await?;
        handle.accepted().await?;
        Ok(handle)
    }

    /// Hands a message to the driver without waiting: [`ClientError::WouldBlock`] when the
    /// queue is full (nothing queued). The returned [`PublishHandle`] ends when it is done;
    /// drop it if you do not need to know. With a [journal](crate::OptionsBuilder::journal),
    /// the message is on the disk only once [`PublishHandle::accepted`] has returned.
    pub fn try_publish(&self, publish: Publish) -> Result<PublishHandle, ClientError> {
        let (command, handle) = self.command(publish);
        match self.shared.publishes.try_send(command) {
            Ok(()) => Ok(handle),
            Err(TrySendError::Full) => Err(ClientError::WouldBlock),
            Err(TrySendError::Closed) => Err(ClientError::Closed),
        }
    }

    fn command(&self, publish: Publish) -> (PublishCommand, PublishHandle) {
        let id = self.shared.next_publish.fetch_add(1, Ordering::Relaxed);
        let (reply, receiver) = self.shared.completions.open();
        let (accepted, durable) = if self.shared.durable {
            let (sender, receiver) = oneshot::channel();
            (Some(sender), Some(receiver))
        } else {
            (None, None)
        };
        let command = PublishCommand {
            id,
            publish,
            reply,
            accepted,
        };
        let handle = PublishHandle {
            id,
            receiver,
            durable,
        };
        (command, handle)
    }

    /// Subscribes to `filter` with maximum QoS `qos`; see
    /// [`subscribe_with`](Self::subscribe_with).
    ///
    /// ```no_run
    /// use mqtt_kit_client::{Client, Options, QoS};
    /// # smol::block_on(async {
    /// let client = Client::connect(Options::builder().uri("mqtt://localhost").build()?).await?;
    /// let mut readings = client.subscribe("sensors/+/temperature", QoS::AtLeastOnce).await?;
    /// while let Some(reading) = readings.next().await {
    ///     println!("{}: {}", reading.topic(), String::from_utf8_lossy(reading.payload()));
    /// }
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # });
    /// ```
    pub async fn subscribe(&self, filter: &str, qos: QoS) -> Result<Subscription, ClientError> {
        self.subscribe_with(SubscribeRequest::new().topic(filter, qos)?)
            .await
    }

    /// Sends SUBSCRIBE (once connected) and waits for the SUBACK: the [`Subscription`] has
    /// each filter's result and yields exactly the messages that match it.
    /// [`ClientError::SubscribeRefused`] when the broker refused every filter. A SUBSCRIBE
    /// cut off by a lost connection is sent again on the next one.
    ///
    /// Drop safety: dropping the future does not stop the subscription (the broker still
    /// makes it); its messages then go to the [`Events`] streams.
    pub async fn subscribe_with(
        &self,
        request: SubscribeRequest,
    ) -> Result<Subscription, ClientError> {
        let (reply, receiver) = reply_channel();
        self.control(Command::Subscribe { request, reply })?;
        answer(receiver).await
    }

    /// Unsubscribes from `filters` and waits for the UNSUBACK; the streams of those filters
    /// end. A request cut off by a lost connection is sent again on the next one.
    ///
    /// Drop safety: dropping the future does not stop the UNSUBSCRIBE.
    pub async fn unsubscribe(&self, filters: &[&str]) -> Result<UnsubAck, ClientError> {
        let filters = filters
            .iter()
            .map(|filter| TopicFilter::try_from(*filter))
            .collect::<Result<Vec<_>, _>>()?;
        self.unsubscribe_with(filters, UnsubscribeProperties::default())
            .await
    }

    /// Unsubscribes with UNSUBSCRIBE properties (MQTT 5.0); see
    /// [`unsubscribe`](Self::unsubscribe).
    ///
    /// Drop safety: as [`unsubscribe`](Self::unsubscribe).
    pub async fn unsubscribe_with(
        &self,
        filters: Vec<TopicFilter>,
        properties: UnsubscribeProperties,
    ) -> Result<UnsubAck, ClientError> {
        let (reply, receiver) = reply_channel();
        self.control(Command::Unsubscribe {
            filters,
            properties,
            reply,
        })?;
        answer(receiver).await
    }

    /// Acknowledges a message (manual acknowledgement, luamqtt's `acknowledge`): PUBACK for
    /// QoS 1, PUBREC for QoS 2, sent in the order the messages came. Messages without an ack
    /// token (QoS 0, or automatic acknowledgement) need none: `Ok` at once.
    ///
    /// Drop safety: dropping the future after its first poll does not stop the
    /// acknowledgement; dropped before, nothing is sent.
    ///
    /// ```no_run
    /// use mqtt_kit_client::{Client, Options, QoS};
    /// # fn resize(_: &[u8]) {}
    /// # smol::block_on(async {
    /// let options = Options::builder().uri("mqtt://localhost").manual_ack(true).build()?;
    /// let client = Client::connect(options).await?;
    /// let mut jobs = client.subscribe("jobs/#", QoS::AtLeastOnce).await?;
    /// while let Some(job) = jobs.next().await {
    ///     resize(job.payload());
    ///     // Only now does the broker learn that the job is done: a crash before this line
    ///     // gets it sent again.
    ///     client.acknowledge(&job).await?;
    /// }
    /// # Ok::<_, Box<dyn std::error::Error>>(())
    /// # });
    /// ```
    pub async fn acknowledge(&self, message: &Message) -> Result<(), ClientError> {
        self.acknowledge_with(message, PubAckReasonCode::Success, AckProperties::default())
            .await
    }

    /// Acknowledges with a reason code and properties (MQTT 5.0; a code of 0x80 or more
    /// refuses the message); see [`acknowledge`](Self::acknowledge).
    ///
    /// Drop safety: as [`acknowledge`](Self::acknowledge).
    pub async fn acknowledge_with(
        &self,
        message: &Message,
        code: PubAckReasonCode,
        properties: AckProperties,
    ) -> Result<(), ClientError> {
        let Some(token) = message.ack_token() else {
            return Ok(());
        };
        let (reply, receiver) = reply_channel();
        self.control(Command::Acknowledge {
            token,
            code,
            properties,
            reply,
        })?;
        answer(receiver).await
    }

    /// Disconnects (normal disconnection, not waiting for publishes in flight) and waits
    /// until the driver has ended.
    ///
    /// Drop safety: dropping the future after its first poll does not stop the
    /// disconnection.
    pub async fn disconnect(&self) -> Result<(), ClientError> {
        self.disconnect_with(DisconnectOptions::new()).await
    }

    /// Disconnects as `options` say; see [`disconnect`](Self::disconnect). Publishes still
    /// unacknowledged when the driver ends fail with [`ClientError::Closed`].
    ///
    /// Drop safety: as [`disconnect`](Self::disconnect).
    pub async fn disconnect_with(&self, options: DisconnectOptions) -> Result<(), ClientError> {
        let (reply, receiver) = reply_channel();
        self.control(Command::Disconnect { options, reply })?;
        match answer(receiver).await {
            Err(ClientError::Closed) => Ok(()),
            other => other,
        }
    }

    /// MQTT 5.0: starts a re-authentication with the authenticator of the options; its
    /// success comes as [`Event::Auth`](crate::Event::Auth).
    ///
    /// Drop safety: dropping the future after its first poll does not stop it.
    pub async fn reauthenticate(&self) -> Result<(), ClientError> {
        let (reply, receiver) = reply_channel();
        self.control(Command::Reauthenticate { reply })?;
        answer(receiver).await
    }

    fn control(&self, command: Command) -> Result<(), ClientError> {
        self.shared
            .control
            .try_send(command)
            .map_err(|_| ClientError::Closed)
    }
}

/// An accepted publish: a future that ends when it is done (see [`Client::publish`]).
///
/// Dropping it is safe: the message is still delivered, only the answer is not heard.
#[derive(Debug)]
pub struct PublishHandle {
    id: u64,
    receiver: Answer,
    /// With a journal, until the message is on the disk.
    durable: Option<oneshot::Receiver<()>>,
}

impl PublishHandle {
    /// Waits until the message is accepted for good: at once without a journal; with one,
    /// once it is on the disk (it is then sent even if the process dies). An error when the
    /// driver ended first (its journal failed, or it was dropped).
    ///
    /// Drop safety: dropping this future changes nothing.
    pub async fn accepted(&mut self) -> Result<(), ClientError> {
        if let Some(durable) = self.durable.as_mut() {
            durable.await.map_err(|_| ClientError::Closed)?;
            self.durable = None;
        }
        Ok(())
    }

    /// The number of this publish (as in [`Event::Published`](crate::Event::Published)),
    /// unique within the client, increasing.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Future for PublishHandle {
    type Output = Result<Published, ClientError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.receiver.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send_and_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}

    /// The handle crosses threads freely; the driver and the streams can be spawned on a
    /// multi-threaded executor (tokio, smol, async-std).
    #[test]
    fn handles_are_send_and_sync_and_the_driver_is_send() {
        send_and_sync::<Client>();
        send_and_sync::<crate::blocking::Client>();
        send::<Driver>();
        send::<crate::Events>();
        send::<Subscription>();
        send::<PublishHandle>();
        let options = Options::builder()
            .uri("mqtt://127.0.0.1:1")
            .build()
            .unwrap();
        let (_client, driver) = Client::new(options);
        fn future_is_send<F: Future + Send>(_: &F) {}
        future_is_send(&driver.run());
    }
}

#[cfg(test)]
mod memory {
    use super::*;

    /// A gateway holds thousands of idle drivers: the running future holds the driver once,
    /// not twice (as an `async fn` taking `self` would).
    #[test]
    fn the_driver_future_holds_the_driver_once() {
        let options = Options::builder()
            .uri("mqtt://127.0.0.1:1")
            .build()
            .unwrap();
        let (_client, driver) = Client::new(options);
        let driver_size = std::mem::size_of_val(&driver);
        let future_size = std::mem::size_of_val(&driver.run());
        assert!(
            future_size < driver_size * 3 / 2,
            "the future takes {future_size} bytes for a driver of {driver_size}"
        );
    }
}
