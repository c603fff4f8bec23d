//! A blocking facade for scripts and programs without async: the driver runs on a thread of
//! its own, and every call blocks until it is done.
//!
//! ```no_run
//! use mqtt_kit_client::{Options, QoS, blocking};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = Options::builder().uri("mqtt://localhost:1883").build()?;
//! let client = blocking::Client::connect(options)?;
//! let mut subscription = client.subscribe("luamqtt/#", QoS::AtLeastOnce)?;
//! client.publish("luamqtt/simple", "hello", QoS::AtLeastOnce)?;
//! if let Some(message) = subscription.recv() {
//!     println!("{}: {:?}", message.topic(), message.payload());
//! }
//! client.disconnect()?;
//! # Ok(())
//! # }
//! ```

use std::thread::JoinHandle;
use std::time::Duration;

use async_io::Timer;
use bytes::Bytes;
use futures_lite::future;
use mqtt_kit_codec::{Publish, QoS, UnsubAck};

use crate::client::{DisconnectOptions, PublishHandle};
use crate::error::ClientError;
use crate::events::{Event, Message, Published};
use crate::options::Options;
use crate::routing::SubscribeRequest;

/// Why a `recv_timeout` returned without a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecvTimeoutError {
    /// Nothing came in time.
    #[error("nothing came in time")]
    Timeout,
    /// The stream has ended (unsubscribed, or the client is closed).
    #[error("the stream has ended")]
    Closed,
}

/// A client whose calls block; its driver runs on a thread of its own.
#[derive(Debug)]
pub struct Client {
    inner: crate::Client,
    driver: Option<JoinHandle<Result<(), ClientError>>>,
}

impl Client {
    /// Starts the driver on a new thread and waits for the first connection: the CONNACK's
    /// details on success; the error of the first failed attempt otherwise (the driver goes on
    /// trying, if set to reconnect, until this client is dropped).
    pub fn connect(options: Options) -> Result<Client, ClientError> {
        let (inner, driver) = crate::Client::new(options);
        // Watched before the driver starts: the first attempt's outcome cannot pass unseen.
        let mut states = inner.state_changes();
        let client = Self::run_driver(inner, driver)?;
        future::block_on(states.connected())?;
        Ok(client)
    }

    /// Starts the driver on a new thread without waiting for a connection; the events stream
    /// sees everything from the start.
    pub fn start(options: Options) -> Result<(Client, crate::Events), ClientError> {
        let (inner, driver) = crate::Client::new(options);
        let events = inner.events();
        Ok((Self::run_driver(inner, driver)?, events))
    }

    fn run_driver(inner: crate::Client, driver: crate::Driver) -> Result<Client, ClientError> {
        let driver = std::thread::Builder::new()
            .name("mqtt-client-driver".into())
            .spawn(move || async_io::block_on(driver.run()))?;
        Ok(Client {
            inner,
            driver: Some(driver),
        })
    }

    /// The async client underneath (to mix both styles).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// Every event from now on.
    pub fn events(&self) -> Events {
        Events {
            inner: self.inner.events(),
        }
    }

    /// Publishes and blocks until done (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP); see
    /// [`crate::Client::publish`].
    pub fn publish(
        &self,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
    ) -> Result<Published, ClientError> {
        future::block_on(self.inner.publish(topic, payload, qos))
    }

    /// Publishes a message built in full and blocks until done.
    pub fn publish_message(&self, publish: Publish) -> Result<Published, ClientError> {
        future::block_on(self.inner.publish_message(publish))
    }

    /// Hands a message to the driver without blocking ([`ClientError::WouldBlock`] when the
    /// queue is full); to wait for it later, block on the handle (`futures_lite::future::block_on`).
    pub fn try_publish(&self, publish: Publish) -> Result<PublishHandle, ClientError> {
        self.inner.try_publish(publish)
    }

    /// Subscribes and blocks until the SUBACK; see [`crate::Client::subscribe`].
    pub fn subscribe(&self, filter: &str, qos: QoS) -> Result<Subscription, ClientError> {
        let inner = future::block_on(self.inner.subscribe(filter, qos))?;
        Ok(Subscription { inner })
    }

    /// Subscribes with a full request and blocks until the SUBACK.
    pub fn subscribe_with(&self, request: SubscribeRequest) -> Result<Subscription, ClientError> {
        let inner = future::block_on(self.inner.subscribe_with(request))?;
        Ok(Subscription { inner })
    }

    /// Unsubscribes and blocks until the UNSUBACK.
    pub fn unsubscribe(&self, filters: &[&str]) -> Result<UnsubAck, ClientError> {
        future::block_on(self.inner.unsubscribe(filters))
    }

    /// Acknowledges a message (manual acknowledgement).
    pub fn acknowledge(&self, message: &Message) -> Result<(), ClientError> {
        future::block_on(self.inner.acknowledge(message))
    }

    /// Disconnects and waits until the driver's thread has ended.
    pub fn disconnect(self) -> Result<(), ClientError> {
        self.disconnect_with(DisconnectOptions::new())
    }

    /// Disconnects as `options` say and waits until the driver's thread has ended.
    pub fn disconnect_with(mut self, options: DisconnectOptions) -> Result<(), ClientError> {
        let result = future::block_on(self.inner.disconnect_with(options));
        if let Some(driver) = self.driver.take() {
            let _ = driver.join();
        }
        result
    }
}

/// A subscription's messages, one blocking call at a time (also an [`Iterator`]).
#[derive(Debug)]
pub struct Subscription {
    inner: crate::Subscription,
}

impl Subscription {
    /// The next message; `None` once the subscription has ended.
    pub fn recv(&mut self) -> Option<Message> {
        future::block_on(self.inner.next())
    }

    /// The next message, waiting at most `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Message, RecvTimeoutError> {
        recv_timeout(self.inner.next(), timeout)
    }

    /// The next message if one is waiting.
    pub fn try_recv(&mut self) -> Option<Message> {
        self.inner.try_next()
    }

    /// The async subscription underneath (its SUBACK, results, identifier).
    pub fn as_async(&self) -> &crate::Subscription {
        &self.inner
    }
}

impl Iterator for Subscription {
    type Item = Message;

    fn next(&mut self) -> Option<Message> {
        self.recv()
    }
}

/// Events, one blocking call at a time (also an [`Iterator`]).
#[derive(Debug)]
pub struct Events {
    inner: crate::Events,
}

impl Events {
    /// The next event; `None` once the driver has ended.
    pub fn recv(&mut self) -> Option<Event> {
        future::block_on(self.inner.next())
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Event, RecvTimeoutError> {
        recv_timeout(self.inner.next(), timeout)
    }
}

impl Iterator for Events {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        self.recv()
    }
}

fn recv_timeout<T>(
    next: impl std::future::Future<Output = Option<T>>,
    timeout: Duration,
) -> Result<T, RecvTimeoutError> {
    future::block_on(future::or(
        async { next.await.ok_or(RecvTimeoutError::Closed) },
        async {
            Timer::after(timeout).await;
            Err(RecvTimeoutError::Timeout)
        },
    ))
}
