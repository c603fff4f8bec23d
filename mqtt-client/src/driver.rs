//! The [`Driver`]: the one future that does all of a client's I/O and timers.
//!
//! It owns the protocol engine ([`mqtt_session::Session`]), the connection and the
//! receiving ends of the command channels. Each time it is polled it takes the commands
//! waiting, feeds the session what was read and the time, writes what the session wants
//! written, and hands the session's events to whoever waits for them. It never waits for the
//! application: answers go through one-shot channels, messages and events through unbounded
//! ones. So a task may publish from inside its message loop without deadlock, at any load.

use std::collections::{HashMap, VecDeque};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use bytes::BytesMut;
use futures_lite::{AsyncWriteExt, Stream};
use mqtt_codec::{
    ConnectReasonCode, Disconnect, ProtocolVersion, SubscriptionId, TopicFilter,
    UnsubscribeProperties,
};
use mqtt_session::{
    ConnectionState, DisconnectReason, Event as SessionEvent, OutBuffer, PublishToken,
    RequestToken, Session,
};
use mqtt_transport::{BoxedStream, BrokerAddress, Connector};

use crate::backoff::{Reconnect, Sleeper};
use crate::client::{Command, DisconnectOptions, PublishCommand, Reply};
use crate::error::ClientError;
use crate::events::{Event, Listeners, Message, Published};
use crate::options::Options;
use crate::routing::{Router, SubscribeRequest, Subscription};

mod io;

/// How many rounds one poll of the driver may make before it yields to other tasks (so that
/// many clients share one thread fairly).
const ROUNDS_PER_POLL: u32 = 32;
/// How much is read from the connection at a time, at first; it doubles while reads fill it.
const READ_CHUNK: usize = 1024;
/// How much is read at a time, at most (a packet larger than that is read in place).
const READ_CHUNK_MAX: usize = 16 * 1024;
/// Above this many bytes waiting to be written, no more publishes are taken from the
/// application: they wait in its channel (and its `publish` waits), not encoded in memory.
const WRITE_HIGH_WATER: usize = 64 * 1024;
/// Segments given to one vectored write, at most (heads and payloads of large messages,
/// and the buffer of small packets).
const WRITE_SLICES: usize = 16;
/// How long closing a finished connection may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// A publish the session accepted, waiting for its end.
struct PendingPublish {
    id: u64,
    reply: Reply<Published>,
}

struct PendingSubscribe {
    request: SubscribeRequest,
    key: u64,
    receiver: async_channel::Receiver<Message>,
    reply: Reply<Subscription>,
}

struct PendingUnsubscribe {
    filters: Vec<TopicFilter>,
    properties: UnsubscribeProperties,
    reply: Reply<mqtt_codec::UnsubAck>,
}

/// A SUBSCRIBE or UNSUBSCRIBE waiting for a connection.
enum Request {
    Subscribe(PendingSubscribe),
    Unsubscribe(PendingUnsubscribe),
}

/// How a connection ended.
enum End {
    /// The application's disconnect is done, or every handle is gone: the driver ends.
    Stop,
    /// Retrying will not help: the driver ends with this error.
    Fatal(ClientError),
    /// Lost; reconnect if set to. The error says why.
    Lost(ClientError),
}

/// What a phase without connection ended with.
enum Offline<T> {
    Done(T),
    Stop,
}

/// Runs one client: all its I/O and timers, in one future. Made by
/// [`Client::new`](crate::Client::new); run it with [`Driver::run`] on any executor.
pub struct Driver {
    session: Session,
    brokers: Vec<BrokerAddress>,
    next_broker: usize,
    connector: Arc<dyn Connector>,
    sleeper: Arc<dyn Sleeper>,
    reconnect: Reconnect,
    control: Pin<Box<async_channel::Receiver<Command>>>,
    publishes: Pin<Box<async_channel::Receiver<Box<PublishCommand>>>>,
    listeners: Arc<Listeners>,
    router: Router,
    queue_capacity: usize,
    assign_subscription_ids: bool,
    next_subscription_id: u32,
    publish_replies: HashMap<PublishToken, PendingPublish>,
    /// QoS 0 publishes encoded but not yet written: done when `bytes_written` reaches the mark.
    unwritten: VecDeque<(u64, PendingPublish)>,
    subscribes: HashMap<RequestToken, PendingSubscribe>,
    unsubscribes: HashMap<RequestToken, PendingUnsubscribe>,
    offline_requests: VecDeque<Request>,
    disconnect: Option<(DisconnectOptions, Option<Reply<()>>)>,
    handles_gone: bool,
    failures: u32,
    /// Where the broker told us to go (MQTT 5.0 Server Reference): the next attempt's address.
    redirect: Option<BrokerAddress>,
    /// The reason of the connection that just ended, once the session said so.
    ended: Option<DisconnectReason>,
    /// An I/O error that ended the connection.
    io_error: Option<ClientError>,
    read_buf: BytesMut,
    /// While a large packet is read in place: `read_buf` is sized to all of it and this many
    /// bytes of it have arrived (the rest is zeros to be overwritten).
    large_filled: Option<usize>,
    write_buf: OutBuffer,
    scratch: Vec<u8>,
    bytes_queued: u64,
    bytes_written: u64,
    needs_flush: bool,
    timer: Timer,
    timer_at: Option<Instant>,
    /// The store could not be read: the driver ends with this before connecting.
    startup_error: Option<ClientError>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("session", &self.session)
            .field("brokers", &self.brokers)
            .finish_non_exhaustive()
    }
}

impl Driver {
    pub(crate) fn new(
        options: Options,
        control: async_channel::Receiver<Command>,
        publishes: async_channel::Receiver<Box<PublishCommand>>,
        listeners: Arc<Listeners>,
    ) -> Self {
        let queue_capacity = options.session.queue_capacity;
        let mut startup_error = None;
        let mut session = match options.store {
            None => Session::new(options.session),
            Some(store) => match Session::with_store(options.session.clone(), store) {
                Ok(session) => session,
                Err(error) => {
                    startup_error = Some(ClientError::Store(error));
                    Session::new(options.session)
                }
            },
        };
        if let Some(authenticator) = options.authenticator {
            session.set_authenticator(authenticator);
        }
        Self {
            session,
            brokers: options.brokers,
            next_broker: 0,
            connector: options.connector,
            sleeper: options.sleeper,
            reconnect: options.reconnect,
            control: Box::pin(control),
            publishes: Box::pin(publishes),
            listeners,
            router: Router::default(),
            queue_capacity,
            assign_subscription_ids: options.subscription_identifiers,
            next_subscription_id: 1,
            publish_replies: HashMap::new(),
            unwritten: VecDeque::new(),
            subscribes: HashMap::new(),
            unsubscribes: HashMap::new(),
            offline_requests: VecDeque::new(),
            disconnect: None,
            handles_gone: false,
            failures: 0,
            redirect: None,
            ended: None,
            io_error: None,
            read_buf: BytesMut::new(),
            large_filled: None,
            write_buf: OutBuffer::new(),
            scratch: vec![0; READ_CHUNK],
            bytes_queued: 0,
            bytes_written: 0,
            needs_flush: false,
            timer: Timer::never(),
            timer_at: None,
            startup_error,
        }
    }

    /// Runs the client until it is disconnected, refused for good, or (without reconnection)
    /// its connection ends; every handle's pending operation then fails with
    /// [`ClientError::Closed`] and every stream ends.
    ///
    /// `Ok` after [`Client::disconnect`](crate::Client::disconnect) or when every handle was
    /// dropped; otherwise the error that ended it.
    ///
    /// Drop safety: dropping the future closes the connection abruptly (no DISCONNECT: the
    /// broker publishes the Will); pending operations fail with [`ClientError::Closed`].
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn's future holds the driver twice (the argument, and the local it \
                  is moved to): kilobytes per client"
    )]
    pub fn run(mut self) -> impl Future<Output = Result<(), ClientError>> + Send {
        async move {
            let result = self.run_connections().await;
            if let Err(error) = &result {
                self.emit(Event::Error(error.clone()));
            }
            self.router.close();
            self.listeners.emit(Event::Closed);
            self.listeners.close();
            // Dropping `self` drops every reply channel: their futures see Closed.
            result
        }
    }

    async fn run_connections(&mut self) -> Result<(), ClientError> {
        if let Some(error) = self.startup_error.take() {
            return Err(error);
        }
        loop {
            if self.should_stop_offline() {
                return Ok(());
            }
            let address = self
                .redirect
                .take()
                .unwrap_or_else(|| self.brokers[self.next_broker].clone());
            self.emit(Event::Connecting {
                address: address.clone(),
                attempt: self.failures,
            });
            let connector = self.connector.clone();
            let target = address.clone();
            let connect = async move { connector.connect(&target).await };
            let error = match self.offline(connect).await {
                Offline::Stop => return Ok(()),
                Offline::Done(Err(error)) => {
                    let error = ClientError::from(error);
                    self.emit(Event::Error(error.clone()));
                    error
                }
                Offline::Done(Ok(stream)) => match self.connection(stream).await {
                    End::Stop => return Ok(()),
                    End::Fatal(error) => return Err(error),
                    End::Lost(error) => error,
                },
            };
            let Reconnect::Backoff(backoff) = &self.reconnect else {
                return Err(error);
            };
            let next = match &self.redirect {
                Some(address) => address.clone(),
                None => {
                    self.next_broker = (self.next_broker + 1) % self.brokers.len();
                    self.brokers[self.next_broker].clone()
                }
            };
            let delay = backoff.delay_with_jitter(self.failures);
            self.failures = self.failures.saturating_add(1);
            self.emit(Event::Reconnecting {
                address: next,
                delay,
                failures: self.failures,
            });
            let sleep = self.sleeper.sleep(delay);
            if let Offline::Stop = self.offline(sleep).await {
                return Ok(());
            }
        }
    }

    /// Whether to end now, with no connection: disconnect asked (and nothing to wait for),
    /// or every handle gone.
    fn should_stop_offline(&mut self) -> bool {
        if self.handles_gone {
            return true;
        }
        match &self.disconnect {
            Some((options, _)) if !options.wait_for_in_flight || self.nothing_in_flight() => {
                if let Some((_, Some(reply))) = self.disconnect.take() {
                    let _ = reply.send(Ok(()));
                }
                true
            }
            _ => false,
        }
    }

    fn nothing_in_flight(&self) -> bool {
        self.session.in_flight().next().is_none()
            && self.session.waiting_len() == 0
            && self.publishes.is_empty()
    }

    /// Runs `future` while taking commands (no connection).
    async fn offline<F: Future>(&mut self, future: F) -> Offline<F::Output> {
        let mut future = std::pin::pin!(future);
        poll_fn(|cx| {
            loop {
                let progress = self.take_commands(cx);
                self.dispatch_events();
                if self.should_stop_offline() {
                    return Poll::Ready(Offline::Stop);
                }
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Offline::Done(output));
                }
                if !progress {
                    return Poll::Pending;
                }
            }
        })
        .await
    }

    /// Speaks MQTT over `stream` until the connection ends.
    async fn connection(&mut self, mut stream: BoxedStream) -> End {
        self.read_buf.clear();
        self.large_filled = None;
        self.write_buf.clear();
        self.ended = None;
        self.io_error = None;
        self.needs_flush = false;
        if let Err(error) = self.session.connect(Instant::now()) {
            return End::Fatal(ClientError::Refused(error));
        }
        poll_fn(|cx| self.poll_connection(cx, &mut stream)).await;
        let close = async {
            let _ = stream.close().await;
        };
        futures_lite::future::or(close, async {
            Timer::after(CLOSE_TIMEOUT).await;
        })
        .await;
        self.fail_unwritten();
        let reason = self
            .ended
            .take()
            .unwrap_or(DisconnectReason::ConnectionLost);
        self.connection_end(reason)
    }

    /// What the end of a connection means for the driver.
    fn connection_end(&mut self, reason: DisconnectReason) -> End {
        if let Some(error) = self.io_error.take() {
            return End::Lost(error);
        }
        match reason {
            DisconnectReason::Local(_) => {
                if let Some((_, Some(reply))) = self.disconnect.take() {
                    let _ = reply.send(Ok(()));
                }
                End::Stop
            }
            DisconnectReason::Refused(connack) if refusal_is_final(connack.code) => {
                End::Fatal(ClientError::ConnectionRefused(Box::new(connack)))
            }
            DisconnectReason::ProtocolViolation(error) => End::Lost(ClientError::Protocol(error)),
            other => End::Lost(ClientError::Disconnected(Box::new(other))),
        }
    }

    fn poll_connection(&mut self, cx: &mut Context<'_>, stream: &mut BoxedStream) -> Poll<()> {
        for _ in 0..ROUNDS_PER_POLL {
            let now = Instant::now();
            let mut progress = self.take_commands(cx);
            self.check_disconnect();
            if self.session.poll_timeout().is_some_and(|at| at <= now) {
                self.session.handle_timeout(now);
                progress = true;
            }
            if self.ended.is_none() {
                progress |= self.poll_read(cx, stream, now);
            }
            self.transmit(now);
            progress |= self.dispatch_events();
            self.transmit(now);
            progress |= self.poll_write(cx, stream);
            if self.ended.is_some() && (self.write_buf.is_empty() || self.io_error.is_some()) {
                return Poll::Ready(());
            }
            if !progress {
                match self.session.poll_timeout() {
                    Some(at) => {
                        // Re-arming costs a wake-up of the reactor; the keep-alive deadline
                        // moves later with every packet, so the timer is only moved earlier.
                        // When it fires too early, the next round arms it again.
                        if self.timer_at.is_none_or(|armed| at < armed) {
                            self.timer.set_at(at);
                            self.timer_at = Some(at);
                        }
                        if Pin::new(&mut self.timer).poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                        self.timer_at = None;
                    }
                    None => return Poll::Pending,
                }
            }
        }
        // Let other tasks run; come back at once.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    // ----- commands -----

    /// Takes every waiting command, and publishes while the session's queue has room.
    /// Returns whether any was taken.
    fn take_commands(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        loop {
            match self.control.as_mut().poll_next(cx) {
                Poll::Ready(Some(command)) => {
                    self.command(command);
                    progress = true;
                }
                Poll::Ready(None) => {
                    self.note_handles_gone();
                    break;
                }
                Poll::Pending => break,
            }
        }
        let stop_taking = self
            .disconnect
            .as_ref()
            .is_some_and(|(options, _)| !options.wait_for_in_flight);
        while !stop_taking
            && self.session.waiting_len() < self.queue_capacity
            && self.write_backlog() < WRITE_HIGH_WATER
        {
            match self.publishes.as_mut().poll_next(cx) {
                Poll::Ready(Some(command)) => {
                    self.publish(command);
                    progress = true;
                }
                Poll::Ready(None) => {
                    self.note_handles_gone();
                    break;
                }
                Poll::Pending => break,
            }
        }
        progress
    }

    /// Bytes encoded but not yet written to the connection.
    fn write_backlog(&self) -> usize {
        self.write_buf.len() + self.session.transmit_len()
    }

    /// Every handle is gone: deliver what was accepted (while connected), then say goodbye.
    fn note_handles_gone(&mut self) {
        if self.control.is_closed() && self.publishes.is_closed() && !self.handles_gone {
            self.handles_gone = true;
            if self.disconnect.is_none() {
                self.disconnect = Some((DisconnectOptions::new().wait_for_in_flight(true), None));
            }
        }
    }

    fn publish(&mut self, command: Box<PublishCommand>) {
        let PublishCommand { id, publish, reply } = *command;
        match self.session.publish(publish) {
            Ok(token) => {
                self.publish_replies
                    .insert(token, PendingPublish { id, reply });
            }
            Err(error) => {
                self.finish_publish(PendingPublish { id, reply }, Err(error.into()));
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Subscribe { request, reply } => {
                let filters = request
                    .filters
                    .iter()
                    .map(|(filter, _)| filter.clone())
                    .collect();
                let (key, receiver) = self
                    .router
                    .add(filters, request.properties.subscription_identifier);
                let pending = PendingSubscribe {
                    request,
                    key,
                    receiver,
                    reply,
                };
                if self.session.state() == ConnectionState::Connected {
                    self.send_subscribe(pending);
                } else {
                    self.offline_requests.push_back(Request::Subscribe(pending));
                }
            }
            Command::Unsubscribe {
                filters,
                properties,
                reply,
            } => {
                let pending = PendingUnsubscribe {
                    filters,
                    properties,
                    reply,
                };
                if self.session.state() == ConnectionState::Connected {
                    self.send_unsubscribe(pending);
                } else {
                    self.offline_requests
                        .push_back(Request::Unsubscribe(pending));
                }
            }
            Command::Acknowledge {
                token,
                code,
                properties,
                reply,
            } => {
                let result = self
                    .session
                    .acknowledge_with(token, code, properties)
                    .map_err(ClientError::from);
                let _ = reply.send(result);
            }
            Command::Disconnect { options, reply } => {
                if let Some((_, Some(earlier))) = self.disconnect.take() {
                    let _ = earlier.send(Ok(()));
                }
                self.disconnect = Some((options, Some(reply)));
            }
            Command::Reauthenticate { reply } => {
                let result = self.session.reauthenticate().map_err(ClientError::from);
                let _ = reply.send(result);
            }
        }
    }

    /// Sends DISCONNECT when one was asked for and what it waits for is done.
    fn check_disconnect(&mut self) {
        let Some((options, _)) = &self.disconnect else {
            return;
        };
        if self.ended.is_some() || self.session.state() == ConnectionState::Disconnected {
            return;
        }
        if options.wait_for_in_flight
            && (!self.nothing_in_flight() || self.session.state() != ConnectionState::Connected)
        {
            return;
        }
        let mut disconnect = Disconnect::new(options.reason);
        disconnect.properties = options.properties.clone();
        if let Err(error) = self.session.disconnect(disconnect) {
            // Only a 5.0 Session Expiry rule can refuse it: disconnect plainly instead.
            self.emit(Event::Error(error.into()));
            let _ = self.session.disconnect(Disconnect::new(options.reason));
        }
    }

    fn send_subscribe(&mut self, mut pending: PendingSubscribe) {
        if pending.request.properties.subscription_identifier.is_none()
            && self.assign_subscription_ids
            && self.session.config().version == ProtocolVersion::V5
            && self
                .session
                .server_limits()
                .is_some_and(|limits| limits.subscription_identifiers_available)
        {
            let id = SubscriptionId::new(self.next_subscription_id);
            self.next_subscription_id = self.next_subscription_id % SubscriptionId::MAX + 1;
            pending.request.properties.subscription_identifier = id;
            self.router.set_identifier(pending.key, id);
        }
        match self.session.subscribe(
            pending.request.filters.clone(),
            pending.request.properties.clone(),
        ) {
            Ok(token) => {
                self.subscribes.insert(token, pending);
            }
            Err(error) => {
                self.router.remove(pending.key);
                let _ = pending.reply.send(Err(error.into()));
            }
        }
    }

    fn send_unsubscribe(&mut self, pending: PendingUnsubscribe) {
        match self
            .session
            .unsubscribe(pending.filters.clone(), pending.properties.clone())
        {
            Ok(token) => {
                self.unsubscribes.insert(token, pending);
            }
            Err(error) => {
                let _ = pending.reply.send(Err(error.into()));
            }
        }
    }

    // ----- session events -----

    /// Hands every session event to whoever waits for it; returns whether there was any.
    fn dispatch_events(&mut self) -> bool {
        let mut any = false;
        while let Some(event) = self.session.poll_event() {
            any = true;
            self.session_event(event);
        }
        any
    }

    fn session_event(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::Connected(connected) => {
                self.failures = 0;
                self.emit(Event::Connected(connected));
                for request in std::mem::take(&mut self.offline_requests) {
                    match request {
                        Request::Subscribe(pending) => self.send_subscribe(pending),
                        Request::Unsubscribe(pending) => self.send_unsubscribe(pending),
                    }
                }
            }
            SessionEvent::Message(message) => {
                let message = Message::new(message);
                if let Some(message) = self.router.route(message) {
                    if self.listeners.any() {
                        self.listeners.emit(Event::Message(message));
                    } else if let Some(token) = message.ack_token() {
                        // Nobody to give it to: acknowledge it so that the broker goes on.
                        let _ = self.session.acknowledge(token);
                    }
                }
            }
            SessionEvent::PublishDone { token, result } => {
                let Some(pending) = self.publish_replies.remove(&token) else {
                    return;
                };
                match result {
                    Ok(mqtt_session::PublishAck::Written) => {
                        // Encoded: done once its bytes are written.
                        let mark = self.bytes_queued;
                        self.unwritten.push_back((mark, pending));
                        if self.bytes_written >= mark {
                            self.complete_written();
                        }
                    }
                    Ok(ack) => self.finish_publish(pending, Ok(ack.into())),
                    Err(error) => self.finish_publish(pending, Err(error.into())),
                }
            }
            SessionEvent::SubscribeDone { token, result } => {
                let Some(pending) = self.subscribes.remove(&token) else {
                    return;
                };
                match result {
                    Ok(suback) => {
                        self.router.granted(pending.key, &suback);
                        self.emit(Event::Subscribed {
                            suback: suback.clone(),
                            restored: false,
                        });
                        let result = if suback.codes.iter().all(|code| code.is_error()) {
                            Err(ClientError::SubscribeRefused(Box::new(suback)))
                        } else {
                            Ok(Subscription {
                                suback,
                                filters: pending
                                    .request
                                    .filters
                                    .iter()
                                    .map(|(filter, _)| filter.clone())
                                    .collect(),
                                identifier: pending.request.properties.subscription_identifier,
                                receiver: Box::pin(pending.receiver),
                            })
                        };
                        let _ = pending.reply.send(result);
                    }
                    // Cut off by the connection's end: sent again on the next one.
                    Err(_) => self.offline_requests.push_back(Request::Subscribe(pending)),
                }
            }
            SessionEvent::UnsubscribeDone { token, result } => {
                let Some(pending) = self.unsubscribes.remove(&token) else {
                    return;
                };
                match result {
                    Ok(unsuback) => {
                        let v5 = self.session.config().version == ProtocolVersion::V5;
                        let removed: Vec<TopicFilter> = pending
                            .filters
                            .iter()
                            .enumerate()
                            .filter(|(index, _)| {
                                !v5 || unsuback
                                    .codes
                                    .get(*index)
                                    .is_some_and(|code| !code.is_error())
                            })
                            .map(|(_, filter)| filter.clone())
                            .collect();
                        self.router.unsubscribed(&removed);
                        self.emit(Event::Unsubscribed(unsuback.clone()));
                        let _ = pending.reply.send(Ok(unsuback));
                    }
                    Err(_) => self
                        .offline_requests
                        .push_back(Request::Unsubscribe(pending)),
                }
            }
            SessionEvent::SubscriptionRestored(suback) => self.emit(Event::Subscribed {
                suback,
                restored: true,
            }),
            SessionEvent::SubscriptionNotRestored { filter, error } => {
                self.router.unsubscribed(std::slice::from_ref(&filter));
                self.emit(Event::SubscriptionNotRestored {
                    filter,
                    error: error.into(),
                });
            }
            SessionEvent::Reauthenticated(auth) => self.emit(Event::Auth(auth)),
            SessionEvent::Disconnected(reason) => {
                // MQTT 5.0 "Use another server" / "Server moved": try the server named.
                self.redirect = reason
                    .server_reference()
                    .and_then(|reference| reference.parse().ok());
                self.emit(Event::Disconnected(reason.clone()));
                self.ended = Some(reason);
            }
        }
    }

    fn finish_publish(&mut self, pending: PendingPublish, result: Result<Published, ClientError>) {
        if self.listeners.any() {
            self.listeners.emit(Event::Published {
                id: pending.id,
                result: result.clone(),
            });
        }
        let _ = pending.reply.send(result);
    }

    fn emit(&self, event: Event) {
        self.listeners.emit(event);
    }
}

impl Drop for Driver {
    /// Commands still in the channels hold their reply channels: drop them too, so that
    /// every waiting future sees [`ClientError::Closed`] rather than waiting for ever.
    fn drop(&mut self) {
        self.control.close();
        self.publishes.close();
        while self.publishes.try_recv().is_ok() {}
        while self.control.try_recv().is_ok() {}
    }
}

/// Whether a refusal is one that trying again cannot fix.
fn refusal_is_final(code: ConnectReasonCode) -> bool {
    matches!(
        code,
        ConnectReasonCode::UnsupportedProtocolVersion
            | ConnectReasonCode::ClientIdentifierNotValid
            | ConnectReasonCode::BadUserNameOrPassword
            | ConnectReasonCode::NotAuthorized
            | ConnectReasonCode::Banned
            | ConnectReasonCode::BadAuthenticationMethod
    )
}
