//! The chaos tests' clients, through mqtt-kit-client's public API only: options with a
//! persistent session and fast reconnection, a subscriber that tallies what arrives, a
//! publisher of numbered messages, and a record of when a client's link went down and up.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mqtt_kit_client::{
    Backoff, Client, Event, OptionsBuilder, ProtocolVersion, Publish, PublishHandle, QoS, TopicName,
};

use super::tally::{Tally, payload, qos_of, topic};

/// The keep alive of every chaos client, in seconds (short, so that a half-open link is
/// found within seconds).
pub const KEEP_ALIVE: u16 = 2;

/// Options for a client `id` at `uri`: MQTT 5.0, a session kept by the broker for an hour,
/// reconnection after 20 ms doubling to 500 ms.
pub fn options(uri: &str, id: &str) -> OptionsBuilder {
    mqtt_kit_client::Options::builder()
        .uri(uri)
        .id(id)
        .version(ProtocolVersion::V5)
        .clean(false)
        .session_expiry_interval(3600)
        .reconnect(true)
        .keep_alive(KEEP_ALIVE)
        .backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(500),
        ))
        .connack_timeout(Duration::from_secs(3))
}

/// `future`, or `None` after `limit`.
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    futures_lite::future::or(async { Some(future.await) }, async {
        async_io::Timer::after(limit).await;
        None
    })
    .await
}

/// Waits (polling every 20 ms) until `done` or `limit` has passed; whether it was done.
pub async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        async_io::Timer::after(Duration::from_millis(20)).await;
    }
    true
}

/// A subscriber to every message of a test, at QoS 2.
pub struct Subscriber {
    /// Its client.
    pub client: Client,
    /// What it received.
    pub tally: Tally,
    _reader: smol::Task<()>,
}

impl Subscriber {
    /// Connects as `id` and subscribes to `chaos/<test>/#`.
    pub async fn start(uri: &str, id: &str, test: &str) -> Result<Self, String> {
        let options = options(uri, id).build().map_err(|e| e.to_string())?;
        let client = Client::spawn(options);
        let filter = format!("chaos/{test}/#");
        let mut messages = within(
            Duration::from_secs(10),
            client.subscribe(&filter, QoS::ExactlyOnce),
        )
        .await
        .ok_or("no SUBACK within 10 s")?
        .map_err(|e| format!("subscribe: {e}"))?;
        let tally = Tally::default();
        let recording = tally.clone();
        let reader = smol::spawn(async move {
            while let Some(message) = messages.next().await {
                recording.record(message.payload());
            }
        });
        Ok(Self {
            client,
            tally,
            _reader: reader,
        })
    }
}

/// When a client's link went down and came up.
#[derive(Debug, Clone, Default)]
pub struct Links(
    Arc<Mutex<Vec<(Instant, bool)>>>,
    Arc<Mutex<Vec<bool>>>,
    Arc<Mutex<Vec<String>>>,
);

impl Links {
    /// Records the links of `client` from now on.
    pub fn watch(client: &Client) -> Self {
        let links = Self::default();
        let recording = links.clone();
        let mut events = client.events();
        smol::spawn(async move {
            while let Some(event) = events.next().await {
                let up = match event {
                    Event::Connected(connected) => {
                        recording.sessions().push(connected.session_present);
                        true
                    }
                    Event::Disconnected(reason) => {
                        recording.note(format!("disconnected: {reason:?}"));
                        false
                    }
                    Event::Error(error) => {
                        recording.note(format!("error: {error}"));
                        continue;
                    }
                    Event::Closed => break,
                    _ => continue,
                };
                recording.lock().push((Instant::now(), up));
            }
        })
        .detach();
        links
    }

    /// The first time after `since` the link went up (`up`) or down.
    pub fn first_after(&self, since: Instant, up: bool) -> Option<Instant> {
        self.lock()
            .iter()
            .find(|(at, is_up)| *at >= since && *is_up == up)
            .map(|(at, _)| *at)
    }

    /// Whether the link is up now (as far as the events read so far tell).
    pub fn is_up(&self) -> bool {
        self.lock().last().is_some_and(|(_, up)| *up)
    }

    /// For each time the link went down, how long until it was up again; the longest.
    pub fn longest_outage(&self) -> Option<Duration> {
        let links = self.lock();
        let mut longest = None;
        let mut down_since = None;
        for (at, up) in links.iter() {
            match (up, down_since) {
                (false, None) => down_since = Some(*at),
                (true, Some(since)) => {
                    let outage = at.duration_since(since);
                    longest = Some(longest.map_or(outage, |l: Duration| l.max(outage)));
                    down_since = None;
                }
                _ => {}
            }
        }
        longest
    }

    /// How many connections found their session at the broker, and how many in all.
    pub fn sessions_present(&self) -> (usize, usize) {
        let sessions = self.sessions();
        (sessions.iter().filter(|p| **p).count(), sessions.len())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Instant, bool)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The first few distinct errors and disconnection reasons seen.
    pub fn reasons(&self) -> Vec<String> {
        self.2
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn note(&self, reason: String) {
        let mut reasons = self
            .2
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if reasons.len() < 4 && !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Vec<bool>> {
        self.1
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A publisher of numbered messages, odd numbers at QoS 1 and even ones at QoS 2.
pub struct Publisher {
    /// Its client.
    pub client: Client,
    test: String,
    /// Numbers handed to the client.
    pub sent: u64,
    /// Numbers the client accepted (its `enqueue` returned), in order.
    pub accepted: Vec<u64>,
    /// Numbers acknowledged (PUBACK or PUBCOMP), once [`Publisher::acknowledged`] has waited.
    pub acknowledged: Vec<u64>,
    /// Numbers accepted and then not acknowledged, with what their publish ended with.
    pub unacknowledged: Vec<(u64, String)>,
    handles: Vec<(u64, PublishHandle)>,
}

impl Publisher {
    /// A publisher for test `test` on `client`.
    pub fn new(client: Client, test: &str) -> Self {
        Self {
            client,
            test: test.to_owned(),
            sent: 0,
            accepted: Vec::new(),
            acknowledged: Vec::new(),
            unacknowledged: Vec::new(),
            handles: Vec::new(),
        }
    }

    /// Starts a publisher `id` at `uri` for test `test`, with a record of its links.
    pub fn start(uri: &str, id: &str, test: &str) -> Result<(Self, Links), String> {
        let options = options(uri, id).build().map_err(|e| e.to_string())?;
        let client = Client::spawn(options);
        let links = Links::watch(&client);
        Ok((Self::new(client, test), links))
    }

    /// The message `number`.
    pub fn message(test: &str, number: u64, attempt: u32) -> Result<Publish, String> {
        let qos = if qos_of(number) == 1 {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        let topic = TopicName::try_from(topic(test, qos_of(number))).map_err(|e| e.to_string())?;
        Ok(Publish::new(topic, payload(number, attempt), qos))
    }

    /// Publishes `number` (waiting for room in the queue); whether it was accepted.
    pub async fn send(&mut self, number: u64) -> Result<bool, String> {
        self.sent += 1;
        match self
            .client
            .enqueue(Self::message(&self.test, number, 0)?)
            .await
        {
            Ok(handle) => {
                self.accepted.push(number);
                self.handles.push((number, handle));
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// Publishes `number` if there is room now; whether it was accepted.
    pub fn try_send(&mut self, number: u64) -> Result<bool, String> {
        self.sent += 1;
        match self
            .client
            .try_publish(Self::message(&self.test, number, 0)?)
        {
            Ok(handle) => {
                self.accepted.push(number);
                self.handles.push((number, handle));
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// Waits (at most `limit` in all) for every accepted publish to be acknowledged; how
    /// many were.
    pub async fn acknowledged(&mut self, limit: Duration) -> u64 {
        let deadline = Instant::now() + limit;
        let mut acknowledged = 0;
        for (number, handle) in self.handles.drain(..) {
            let left = deadline.saturating_duration_since(Instant::now());
            match within(left, handle).await {
                Some(Ok(_)) => {
                    acknowledged += 1;
                    self.acknowledged.push(number);
                }
                Some(Err(error)) => self.unacknowledged.push((number, error.to_string())),
                None => self
                    .unacknowledged
                    .push((number, "no answer in time".to_string())),
            }
        }
        acknowledged
    }
}
