//! The client's engine: every decision of the client, without I/O.
//!
//! It owns the protocol session ([`mqtt_kit_session::Session`]) and decides everything the
//! session does not: where to connect and when (fail-over, redirects, back-off), which
//! subscription stream a message goes to, what waits for a connection, when a request made
//! before any connection gives up, when a connection is over and whether its unwritten bytes
//! still go out, and which answer each waiting caller gets. Like the session it has no
//! socket, no timer and no clock: time comes in as an argument, bytes through buffers, and
//! the next deadline comes out of [`Engine::poll_timeout`]. The [`Driver`](crate::Driver)
//! around it only reads, writes, sleeps and passes commands in, so every rule here is tested
//! deterministically (see `tests.rs`).

mod commands;
mod dispatch;
mod link;
mod publishes;
mod requests;
mod routes;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_kit_session::{DisconnectReason, OutBuffer, Record, Session, StoredSession};
use mqtt_kit_transport::BrokerAddress;

use crate::client::{DisconnectOptions, Reply};
use crate::error::ClientError;
use crate::events::{Event, Listeners, Published};
use crate::options::Options;
use crate::state::{ConnectionState, Monitor};
use link::{Link, refusal_is_final};
use publishes::{PendingPublish, Publishes, answer};
use requests::{PendingSubscribe, PendingUnsubscribe, Request, Requests};
use routes::Routes;

/// How long the bytes of a connection we end (our DISCONNECT, or the one that tells the
/// broker why) may take to go out before the connection is dropped anyway.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(1);

/// What to do next, with no connection.
#[derive(Debug)]
pub(crate) enum Next {
    /// Connect to this address.
    Connect(BrokerAddress),
    /// The client is done: end with this.
    Stop(Result<(), ClientError>),
}

/// What to do after an attempt or a connection ended.
#[derive(Debug)]
pub(crate) enum After {
    /// Wait this long, then ask [`Engine::next_attempt`].
    Retry(Duration),
    /// The client is done: end with this.
    Stop(Result<(), ClientError>),
}

/// Where the current connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closing {
    /// Open: read and write.
    Open,
    /// Over, but its last bytes (a DISCONNECT) should go out: write what waits, then close.
    Flush,
    /// Over: drop it now, unwritten bytes and all (a dead link never drains them).
    Now,
}

/// The current connection's end, once it came.
#[derive(Debug, Default)]
struct ConnectionEnd {
    reason: Option<DisconnectReason>,
    io_error: Option<ClientError>,
    /// Until when its last bytes may be written.
    flush_until: Option<Instant>,
}

/// See the [module documentation](self).
pub(crate) struct Engine {
    session: Session,
    listeners: Arc<Listeners>,
    monitor: Arc<Monitor>,
    link: Link,
    routes: Routes,
    publishes: Publishes,
    requests: Requests,
    /// The application asked to disconnect (with the reply to give when done).
    disconnect: Option<(DisconnectOptions, Option<Reply<()>>)>,
    handles_gone: bool,
    end: ConnectionEnd,
    ever_connected: bool,
    last_error: Option<ClientError>,
    connect_timeout: Duration,
    /// Whether the last dispatch changed subscriptions (streams may have lost their last).
    subscriptions_changed: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("session", &self.session)
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine for `options`; `seed` makes its random choices (back-off jitter).
    pub(crate) fn new(
        options: Options,
        stored: Option<StoredSession>,
        listeners: Arc<Listeners>,
        monitor: Arc<Monitor>,
        seed: u64,
    ) -> Self {
        let mut session = match stored {
            None => Session::new(options.session),
            Some(stored) => Session::restore(options.session, stored),
        };
        if let Some(authenticator) = options.authenticator {
            session.set_authenticator(authenticator);
        }
        Self {
            session,
            listeners,
            monitor,
            link: Link::new(options.brokers, options.reconnect, seed),
            routes: Routes::default(),
            publishes: Publishes::default(),
            requests: Requests::default(),
            disconnect: None,
            handles_gone: false,
            end: ConnectionEnd::default(),
            ever_connected: false,
            last_error: None,
            connect_timeout: options.connect_timeout,
            subscriptions_changed: false,
        }
    }

    // ----- between connections -----

    /// What to do now that there is no connection: connect (announced as
    /// [`Event::Connecting`]) or stop.
    pub(crate) fn next_attempt(&mut self, publishes_idle: bool) -> Next {
        if self.should_stop(publishes_idle) {
            return Next::Stop(Ok(()));
        }
        let Some(address) = self.link.address() else {
            return Next::Stop(Err(ClientError::Closed));
        };
        self.monitor.set(ConnectionState::Connecting {
            address: address.clone(),
            attempt: self.link.failures(),
        });
        tracing::info!(%address, attempt = self.link.failures(), "connecting");
        self.emit(Event::Connecting {
            address: address.clone(),
            attempt: self.link.failures(),
        });
        Next::Connect(address)
    }

    /// The connector could not connect.
    pub(crate) fn attempt_failed(&mut self, error: ClientError) -> After {
        tracing::warn!(%error, "connection attempt failed");
        self.emit(Event::Error(error.clone()));
        self.retry(None, error)
    }

    /// Whether to end now, with no connection: disconnect asked (and nothing to wait for),
    /// or every handle gone. `publishes_idle`: no publish waits in the application's channel.
    pub(crate) fn should_stop(&mut self, publishes_idle: bool) -> bool {
        if self.handles_gone {
            return true;
        }
        match &self.disconnect {
            Some((options, _))
                if !options.wait_for_in_flight || self.nothing_in_flight(publishes_idle) =>
            {
                if let Some((_, Some(reply))) = self.disconnect.take() {
                    let _ = reply.send(Ok(()));
                }
                true
            }
            _ => false,
        }
    }

    fn nothing_in_flight(&self, publishes_idle: bool) -> bool {
        self.session.in_flight().next().is_none()
            && self.session.waiting_len() == 0
            && publishes_idle
    }

    // ----- a connection -----

    /// A network connection is open: the session writes CONNECT.
    pub(crate) fn open(&mut self, now: Instant) -> Result<(), After> {
        self.end = ConnectionEnd::default();
        match self.session.connect(now) {
            Ok(()) => Ok(()),
            Err(error) => Err(After::Stop(Err(ClientError::Refused(error)))),
        }
    }

    /// Bytes read from the connection: every whole packet in `input` is handled.
    pub(crate) fn handle_read(&mut self, input: &mut BytesMut, now: Instant) {
        // A protocol error also ends the connection: it is reported, in order, with the
        // session's Disconnected event.
        let _ = self.session.handle_read(input, now);
        self.dispatch(now);
    }

    /// Reading or writing failed: the connection is lost.
    pub(crate) fn io_failed(&mut self, error: std::io::Error, now: Instant) {
        let error = ClientError::from(error);
        tracing::warn!(%error, "connection failed");
        self.emit(Event::Error(error.clone()));
        self.end.io_error = Some(error);
        self.session.connection_lost();
        self.dispatch(now);
    }

    /// The connection ended (the broker closed it).
    pub(crate) fn connection_lost(&mut self, now: Instant) {
        self.session.connection_lost();
        self.dispatch(now);
    }

    /// The bytes to write, appended to `out`.
    pub(crate) fn poll_transmit(&mut self, now: Instant, out: &mut OutBuffer) {
        let count = self.session.poll_transmit_buffer(now, out);
        self.publishes.queued_bytes(count);
    }

    /// Moves the records to make durable to the end of `out` (see
    /// [`Session::poll_records`]); returns how many.
    pub(crate) fn poll_records(&mut self, out: &mut Vec<Record>) -> usize {
        self.session.poll_records(out)
    }

    /// `count` bytes were written to the connection.
    pub(crate) fn written(&mut self, count: usize) {
        let listeners = &self.listeners;
        self.publishes.written_bytes(count, |pending| {
            answer(listeners, pending, Ok(Published::Written));
        });
    }

    /// Whether the session takes another publish now: its queue has room and no more than
    /// `high_water` bytes wait to be written (`backlog` of them in the driver's buffer).
    pub(crate) fn wants_publish(&self, backlog: usize, high_water: usize) -> bool {
        let stopping = self
            .disconnect
            .as_ref()
            .is_some_and(|(options, _)| !options.wait_for_in_flight);
        !stopping
            && self.session.waiting_len() < self.session.config().queue_capacity
            && backlog + self.session.transmit_len() < high_water
    }

    /// Where the connection is; see [`Closing`].
    pub(crate) fn closing(&self, now: Instant) -> Closing {
        if self.end.io_error.is_some() {
            return Closing::Now;
        }
        match (&self.end.reason, self.end.flush_until) {
            (None, _) => Closing::Open,
            (Some(_), Some(until)) if now < until => Closing::Flush,
            (Some(_), _) => Closing::Now,
        }
    }

    /// The connection is closed: what it means for the client.
    pub(crate) fn connection_closed(&mut self) -> After {
        for pending in self.publishes.connection_ended() {
            answer(&self.listeners, pending, Err(ClientError::NotWritten));
        }
        let end = std::mem::take(&mut self.end);
        let reason = end.reason.unwrap_or(DisconnectReason::ConnectionLost);
        let error = if let Some(error) = end.io_error {
            error
        } else {
            match reason {
                DisconnectReason::Local(_) => {
                    if let Some((_, Some(reply))) = self.disconnect.take() {
                        let _ = reply.send(Ok(()));
                    }
                    return After::Stop(Ok(()));
                }
                DisconnectReason::Refused(ref connack) if refusal_is_final(connack.code) => {
                    let error = ClientError::ConnectionRefused(Box::new(connack.clone()));
                    tracing::error!(%error, "not reconnecting: trying again cannot help");
                    self.monitor
                        .set(ConnectionState::Disconnected(error.clone()));
                    return After::Stop(Err(error));
                }
                DisconnectReason::ProtocolViolation(ref error) => {
                    ClientError::Protocol(error.clone())
                }
                ref other => ClientError::Disconnected(Box::new(other.clone())),
            }
        };
        self.retry(Some(&reason), error)
    }

    fn retry(&mut self, reason: Option<&DisconnectReason>, error: ClientError) -> After {
        self.monitor
            .set(ConnectionState::Disconnected(error.clone()));
        self.last_error = Some(error.clone());
        match self.link.ended(reason) {
            None => {
                tracing::info!(%error, "not reconnecting: reconnection is off");
                After::Stop(Err(error))
            }
            Some((address, delay)) => {
                tracing::info!(
                    %address,
                    delay_ms = millis(delay),
                    failures = self.link.failures(),
                    "reconnecting after a delay"
                );
                self.monitor.set(ConnectionState::Reconnecting { delay });
                self.emit(Event::Reconnecting {
                    address,
                    delay,
                    failures: self.link.failures(),
                });
                After::Retry(delay)
            }
        }
    }

    // ----- time -----

    /// When [`Engine::handle_timeout`] must be called next, if ever.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let waiting_since = if self.ever_connected {
            None
        } else {
            [self.requests.oldest(), self.publishes.oldest()]
                .into_iter()
                .flatten()
                .min()
        };
        let give_up = waiting_since.and_then(|since| since.checked_add(self.connect_timeout));
        [self.session.poll_timeout(), give_up, self.end.flush_until]
            .into_iter()
            .flatten()
            .min()
    }

    /// Time has come to `now`; returns whether anything was due.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> bool {
        let mut due = false;
        if self.session.poll_timeout().is_some_and(|at| at <= now) {
            self.session.handle_timeout(now);
            self.dispatch(now);
            due = true;
        }
        if !self.ever_connected {
            due |= self.give_up_waiting(now);
        }
        due
    }

    /// Fails what has waited for a first connection longer than the connect timeout.
    fn give_up_waiting(&mut self, now: Instant) -> bool {
        let error = || ClientError::NeverConnected(self.last_error.clone().map(Box::new));
        let requests = self.requests.expired(now, self.connect_timeout);
        let publishes = self.publishes.expired(now, self.connect_timeout);
        let due = !requests.is_empty() || !publishes.is_empty();
        if due {
            tracing::warn!(
                requests = requests.len(),
                publishes = publishes.len(),
                timeout_ms = millis(self.connect_timeout),
                "never connected within the connect timeout: failing the requests that waited"
            );
        }
        for request in requests {
            request.fail(error());
        }
        for token in publishes {
            if self.session.cancel_waiting(token).is_some() {
                if let Some(pending) = self.publishes.take(token) {
                    answer(&self.listeners, pending, Err(error()));
                }
            }
        }
        due
    }

    // ----- the end -----

    /// The driver ends with `result`: every stream ends, every waiting caller is answered
    /// ([`ClientError::Closed`], as their reply channels drop).
    pub(crate) fn finish(&mut self, result: &Result<(), ClientError>) {
        match result {
            Ok(()) => tracing::info!("client closed"),
            Err(error) => {
                tracing::error!(%error, "client closed by an error");
                self.emit(Event::Error(error.clone()));
            }
        }
        self.routes.close();
        self.publishes.clear();
        self.requests = Requests::default();
        self.monitor.set(ConnectionState::Closed);
        self.listeners.emit(Event::Closed);
        self.listeners.close();
    }

    fn emit(&self, event: Event) {
        self.listeners.emit(event);
    }
}

/// A duration in whole milliseconds, for a log field.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
