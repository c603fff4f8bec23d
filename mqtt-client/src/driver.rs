//! The [`Driver`]: the one future that does all of a client's I/O and timers.
//!
//! It decides nothing: the client's [engine](crate::engine) does, without I/O, as quinn's
//! driver leaves every decision to quinn-proto. Each time it is polled the driver passes the
//! application's commands and the bytes read to the engine, writes what the engine wants
//! written, and sleeps until the engine's next deadline. It never waits for the application:
//! answers go through one-shot channels, messages and events through unbounded ones. So a
//! task may publish from inside its message loop without deadlock, at any load.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use futures_lite::{AsyncWriteExt, Stream};
use mqtt_kit_transport::{BoxedStream, Connector};

use crate::backoff::Sleeper;
use crate::client::Command;
use crate::client::publish_queue::PublishQueue;
use crate::engine::{After, Closing, Engine, Next};
use crate::error::ClientError;
use crate::events::Listeners;
use crate::options::Options;
use crate::state::Monitor;

mod io;
mod journal;

/// How many rounds one poll of the driver may make before it yields to other tasks (so that
/// many clients share one thread fairly).
const ROUNDS_PER_POLL: u32 = 32;
/// Above this many bytes waiting to be written, no more publishes are taken from the
/// application: they wait in its channel (and its `publish` waits), not encoded in memory.
const WRITE_HIGH_WATER: usize = 64 * 1024;
/// How long closing a connection that ended well (its DISCONNECT written) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Runs one client: all its I/O and timers, in one future. Made by
/// [`Client::new`](crate::Client::new); run it with [`Driver::run`] on any executor.
pub struct Driver {
    engine: Engine,
    connector: Arc<dyn Connector>,
    sleeper: Arc<dyn Sleeper>,
    control: Pin<Box<async_channel::Receiver<Command>>>,
    publishes: Arc<PublishQueue>,
    io: io::Io,
    persistence: journal::Persistence,
    timer: Timer,
    timer_at: Option<Instant>,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl Driver {
    pub(crate) fn new(
        mut options: Options,
        control: async_channel::Receiver<Command>,
        publishes: Arc<PublishQueue>,
        listeners: Arc<Listeners>,
        monitor: Arc<Monitor>,
    ) -> Self {
        let connector = options.connector.clone();
        let sleeper = options.sleeper.clone();
        // The journal is I/O: the driver keeps it; the engine starts from what it holds.
        let journal = options.journal.take();
        let stored = journal.as_ref().map(|journal| journal.state().clone());
        Self {
            engine: Engine::new(options, stored, listeners, monitor, fastrand::u64(..)),
            connector,
            sleeper,
            control: Box::pin(control),
            publishes,
            io: io::Io::default(),
            persistence: journal::Persistence::new(journal),
            timer: Timer::never(),
            timer_at: None,
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
            let mut result = self.run_connections().await;
            // What was accepted is on the disk before the driver says it is done.
            poll_fn(|cx| {
                self.persistence.poll(cx, &mut self.engine);
                match self.persistence.failure() {
                    _ if self.persistence.is_idle() => Poll::Ready(()),
                    Some(_) => Poll::Ready(()),
                    None => Poll::Pending,
                }
            })
            .await;
            if let (Ok(()), Some(error)) = (&result, self.persistence.failure()) {
                result = Err(error.clone());
            }
            self.engine.finish(&result);
            result
        }
    }

    async fn run_connections(&mut self) -> Result<(), ClientError> {
        loop {
            if let Some(error) = self.persistence.failure() {
                return Err(error.clone());
            }
            let address = match self.engine.next_attempt(self.publishes.is_empty()) {
                Next::Stop(result) => return result,
                Next::Connect(address) => address,
            };
            let connector = self.connector.clone();
            let connect = async move { connector.connect(&address).await };
            let after = match self.offline(connect).await {
                None => continue,
                Some(Err(error)) => self.engine.attempt_failed(error.into()),
                Some(Ok(stream)) => self.connection(stream).await,
            };
            match after {
                After::Stop(result) => return result,
                After::Retry(delay) => {
                    let sleep = self.sleeper.sleep(delay);
                    self.offline(sleep).await;
                }
            }
        }
    }

    /// Runs `future` while taking commands and minding the engine's deadlines, with no
    /// connection; `None` when the engine decided to stop first.
    async fn offline<F: Future>(&mut self, future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        poll_fn(|cx| {
            loop {
                let now = Instant::now();
                let progress = self.take_commands(cx, now)
                    | self.engine.handle_timeout(now)
                    | self.persistence.poll(cx, &mut self.engine);
                if self.persistence.failure().is_some()
                    || self.engine.should_stop(self.publishes.is_empty())
                {
                    return Poll::Ready(None);
                }
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return Poll::Ready(Some(output));
                }
                if !progress && self.sleep_until_deadline(cx) {
                    return Poll::Pending;
                }
            }
        })
        .await
    }

    /// Speaks MQTT over `stream` until the connection ends.
    async fn connection(&mut self, mut stream: BoxedStream) -> After {
        if let Err(after) = self.engine.open(Instant::now()) {
            return after;
        }
        self.io.reset();
        let flushed = poll_fn(|cx| self.poll_connection(cx, &mut stream)).await;
        self.persistence.connection_ended();
        if flushed {
            // Ended well: close it properly, within a bound.
            let close = async {
                let _ = stream.close().await;
            };
            futures_lite::future::or(close, async {
                Timer::after(CLOSE_TIMEOUT).await;
            })
            .await;
        }
        // Otherwise dropped as it is: a dead link would never take its unwritten bytes.
        drop(stream);
        let after = self.engine.connection_closed();
        match self.persistence.failure() {
            Some(error) => After::Stop(Err(error.clone())),
            None => after,
        }
    }

    /// One connection's rounds; ready when it is over, with whether its bytes all went out.
    fn poll_connection(&mut self, cx: &mut Context<'_>, stream: &mut BoxedStream) -> Poll<bool> {
        for _ in 0..ROUNDS_PER_POLL {
            let now = Instant::now();
            let mut progress = self.take_commands(cx, now);
            self.engine.check_disconnect(now, self.publishes.is_empty());
            progress |= self.engine.handle_timeout(now);
            if self.engine.closing(now) == Closing::Open {
                progress |= self.io.poll_read(cx, stream, &mut self.engine, now);
            }
            progress |= self.persistence.poll(cx, &mut self.engine);
            if self.persistence.failure().is_some() {
                // Nothing that needed the lost records may go out.
                return Poll::Ready(false);
            }
            self.persistence.release(&mut self.io.write_buf);
            self.persistence
                .transmit(&mut self.engine, now, &mut self.io.write_buf);
            progress |= self.io.poll_write(cx, stream, &mut self.engine, now);
            match self.engine.closing(now) {
                Closing::Open => {}
                // Its last bytes may still wait for their records to be on the disk.
                Closing::Flush
                    if !self.io.write_buf.is_empty() || self.persistence.held_len() > 0 => {}
                Closing::Flush => return Poll::Ready(true),
                Closing::Now => return Poll::Ready(false),
            }
            if !progress && self.sleep_until_deadline(cx) {
                return Poll::Pending;
            }
        }
        // Let other tasks run; come back at once.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Arms the timer for the engine's next deadline; whether it is still to come (so the
    /// caller may wait), or has passed (go round again).
    fn sleep_until_deadline(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(at) = self.engine.poll_timeout() else {
            return true;
        };
        // Re-arming costs a wake-up of the reactor; the keep-alive deadline moves later with
        // every packet, so the timer is only moved earlier. When it fires too early, the next
        // round arms it again.
        if self.timer_at.is_none_or(|armed| at < armed) {
            self.timer.set_at(at);
            self.timer_at = Some(at);
        }
        if Pin::new(&mut self.timer).poll(cx).is_pending() {
            return true;
        }
        self.timer_at = None;
        false
    }

    /// Passes every waiting command to the engine, and publishes while it takes them.
    /// Returns whether any was taken.
    fn take_commands(&mut self, cx: &mut Context<'_>, now: Instant) -> bool {
        let mut progress = false;
        while let Poll::Ready(command) = self.control.as_mut().poll_next(cx) {
            match command {
                Some(command) => self.engine.command(command, now),
                None => {
                    self.note_closed_channel();
                    break;
                }
            }
            progress = true;
        }
        while self.engine.wants_publish(
            self.io.write_buf.len() + self.persistence.held_len(),
            WRITE_HIGH_WATER,
        ) {
            match self.publishes.poll_recv(cx) {
                Poll::Ready(Some(mut command)) => {
                    let accepted = command.accepted.take();
                    self.engine.publish(command, now);
                    if let Some(accepted) = accepted {
                        self.persistence.on_accepted(&mut self.engine, accepted);
                    }
                }
                Poll::Ready(None) => {
                    self.note_closed_channel();
                    break;
                }
                Poll::Pending => break,
            }
            progress = true;
        }
        progress
    }

    fn note_closed_channel(&mut self) {
        if self.control.is_closed() && self.publishes.is_closed() {
            self.engine.handles_gone();
        }
    }
}

impl Drop for Driver {
    /// Commands still in the channels hold their reply channels: drop them too, so that
    /// every waiting future sees [`ClientError::Closed`] rather than waiting for ever.
    fn drop(&mut self) {
        self.control.close();
        self.publishes.close();
        drop(self.publishes.drain());
        while self.control.try_recv().is_ok() {}
    }
}
