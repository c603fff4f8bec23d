//! The client's connection state and counters, readable at any time from any handle: a cheap
//! [`Client::is_connected`](crate::Client::is_connected), a stream of state changes, and
//! [`Stats`].

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::Stream;
use mqtt_kit_transport::BrokerAddress;

use crate::broadcast::{Broadcaster, Reader};
use crate::error::ClientError;

/// Where the client's connection is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConnectionState {
    /// The driver has not started yet.
    Starting,
    /// An attempt to connect is under way (no connection yet, or between connections).
    Connecting {
        /// The broker address tried.
        address: BrokerAddress,
        /// 0 for the first attempt, then one more for each attempt since the last success.
        attempt: u32,
    },
    /// The broker accepted the connection.
    Connected,
    /// The connection, or the attempt, ended: why.
    Disconnected(ClientError),
    /// The client waits `delay` before its next attempt.
    Reconnecting {
        /// How long it waits.
        delay: Duration,
    },
    /// The driver has ended: nothing more happens.
    Closed,
}

/// Counters of one client, from its start (a snapshot: [`Client::stats`](crate::Client::stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Outgoing QoS 1/2 messages sent and not fully acknowledged yet.
    pub in_flight: u64,
    /// Accepted messages waiting to be sent (for a connection, or for the broker's Receive
    /// Maximum).
    pub queued: u64,
    /// Messages published to the end: QoS 0 written, QoS 1/2 acknowledged.
    pub sent: u64,
    /// Messages received from the broker.
    pub received: u64,
    /// Connections made after the first.
    pub reconnects: u64,
}

/// The state and counters the engine writes and every handle reads.
#[derive(Debug)]
pub(crate) struct Monitor {
    state: Mutex<ConnectionState>,
    /// The error of the last [`ConnectionState::Disconnected`]: a stream made after the
    /// client closed still learns why (a `wait_connected` that starts too late must not say
    /// only "closed").
    last_disconnect: Mutex<Option<ClientError>>,
    connected: AtomicBool,
    /// The senders of the [`StateChanges`] streams (states boxed: see [`Reader`]).
    watchers: Mutex<Vec<async_channel::Sender<Box<ConnectionState>>>>,
    in_flight: AtomicU64,
    queued: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    reconnects: AtomicU64,
}

impl Default for Monitor {
    fn default() -> Self {
        Self {
            state: Mutex::new(ConnectionState::Starting),
            last_disconnect: Mutex::new(None),
            connected: AtomicBool::new(false),
            watchers: Mutex::default(),
            in_flight: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            received: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
        }
    }
}

impl Monitor {
    /// The connection is now in `state`: every watcher hears it.
    pub(crate) fn set(&self, state: ConnectionState) {
        self.connected.store(
            matches!(state, ConnectionState::Connected),
            Ordering::Relaxed,
        );
        if let ConnectionState::Disconnected(error) = &state {
            if let Ok(mut last) = self.last_disconnect.lock() {
                *last = Some(error.clone());
            }
        }
        // The watchers' lock is held while the state changes, in the order `watch` takes
        // them: a stream made meanwhile sees either the old state and then the new one, or
        // the new one alone.
        if let Ok(mut watchers) = self.watchers.lock() {
            watchers.retain(|watcher| watcher.try_send(Box::new(state.clone())).is_ok());
            if matches!(state, ConnectionState::Closed) {
                watchers.drain(..).for_each(|watcher| {
                    watcher.close();
                });
            }
            if let Ok(mut current) = self.state.lock() {
                *current = state;
            }
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    pub(crate) fn state(&self) -> ConnectionState {
        self.state
            .lock()
            .map(|state| state.clone())
            .unwrap_or(ConnectionState::Closed)
    }

    /// A stream of the states from now on, the current one first; made after the client
    /// closed, the last disconnection (if there was one) comes before `Closed`.
    pub(crate) fn watch(self: &Arc<Self>) -> StateChanges {
        let (sender, receiver) = async_channel::unbounded();
        if let (Ok(mut watchers), Ok(current)) = (self.watchers.lock(), self.state.lock()) {
            if matches!(*current, ConnectionState::Closed) {
                if let Some(error) = self
                    .last_disconnect
                    .lock()
                    .ok()
                    .and_then(|last| last.clone())
                {
                    let _ = sender.try_send(Box::new(ConnectionState::Disconnected(error)));
                }
                let _ = sender.try_send(Box::new(ConnectionState::Closed));
            } else {
                let _ = sender.try_send(Box::new(current.clone()));
                watchers.push(sender);
            }
        }
        let monitor: Weak<dyn Broadcaster> = Arc::downgrade(self) as Weak<Self>;
        StateChanges {
            reader: Reader::new(receiver, monitor),
        }
    }

    /// The session's current numbers of messages in flight and queued.
    pub(crate) fn set_pending(&self, in_flight: usize, queued: usize) {
        self.in_flight.store(in_flight as u64, Ordering::Relaxed);
        self.queued.store(queued as u64, Ordering::Relaxed);
    }

    pub(crate) fn count_sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_reconnect(&self) {
        self.reconnects.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            in_flight: self.in_flight.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
        }
    }
}

impl Broadcaster for Monitor {
    fn forget_closed(&self) {
        if let Ok(mut watchers) = self.watchers.lock() {
            watchers.retain(|watcher| !watcher.is_closed());
        }
    }
}

/// The stream of [`ConnectionState`]s, from
/// [`Client::state_changes`](crate::Client::state_changes): the state when it was made, then
/// every change; it ends after [`ConnectionState::Closed`]. Made after the client closed, it
/// holds the last [`ConnectionState::Disconnected`] (why the client ended) and `Closed`.
#[derive(Debug)]
pub struct StateChanges {
    reader: Reader<ConnectionState>,
}

impl StateChanges {
    /// The next state; `None` once the client is closed and every state was read.
    ///
    /// Dropping this future is safe: no state is lost.
    pub async fn next(&mut self) -> Option<ConnectionState> {
        self.reader.next().await
    }

    /// The next state if one is waiting.
    pub fn try_next(&mut self) -> Option<ConnectionState> {
        self.reader.try_next()
    }

    /// Waits for the connection: `Ok` once connected, the error that ended the first
    /// connection or attempt otherwise (refused with its reason code, unreachable, TLS...).
    pub async fn connected(&mut self) -> Result<(), ClientError> {
        loop {
            match self.next().await {
                Some(ConnectionState::Connected) => return Ok(()),
                Some(ConnectionState::Disconnected(error)) => return Err(error),
                Some(_) => {}
                None => return Err(ClientError::Closed),
            }
        }
    }
}

impl Stream for StateChanges {
    type Item = ConnectionState;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ConnectionState>> {
        self.reader.poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watchers(monitor: &Monitor) -> usize {
        monitor
            .watchers
            .lock()
            .map(|w| w.len())
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn a_dropped_stream_is_let_go_of_at_once() {
        let monitor = Arc::new(Monitor::default());
        let kept = monitor.watch();
        let dropped = monitor.watch();
        assert_eq!(watchers(&monitor), 2);
        drop(dropped);
        // Without a change of state: an idle client keeps no channel for a finished wait.
        assert_eq!(watchers(&monitor), 1);
        monitor.set(ConnectionState::Connected);
        let mut kept = kept;
        assert!(matches!(kept.try_next(), Some(ConnectionState::Starting)));
        assert!(matches!(kept.try_next(), Some(ConnectionState::Connected)));
    }

    #[test]
    fn a_stream_made_after_the_close_still_says_why() {
        let monitor = Arc::new(Monitor::default());
        monitor.set(ConnectionState::Disconnected(ClientError::Closed));
        monitor.set(ConnectionState::Disconnected(ClientError::NotWritten));
        monitor.set(ConnectionState::Closed);
        let mut late = monitor.watch();
        assert!(matches!(
            late.try_next(),
            Some(ConnectionState::Disconnected(ClientError::NotWritten))
        ));
        assert!(matches!(late.try_next(), Some(ConnectionState::Closed)));
        assert!(late.try_next().is_none());
        let result = futures_lite::future::block_on(monitor.watch().connected());
        assert!(matches!(result, Err(ClientError::NotWritten)), "{result:?}");
    }
}
