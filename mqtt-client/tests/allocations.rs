//! Heap allocations per publish on the client's hot path (issue #14), counted, never timed:
//! the client, its driver and an in-memory broker all run on the test's thread, polled by a
//! loop of this file, and only that thread's allocations are counted (the broker's own work
//! is left out). After a warm-up (buffers and tables at their working size), each publish
//! is awaited to its end, one after the other, and the allocations of a thousand are
//! divided by a thousand.
//!
//! The budgets: none with a topic made once as a `TopicName` (the message is moved, by value,
//! from the handle to the session and encoded where it lies; its end is told through a
//! reused slot), one with a `&str` topic (its copy into a `TopicName`). Issue #14 measured
//! 5 and 3 (QoS 0: 6 and 4) before.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use futures_lite::{AsyncRead, AsyncWrite};
use mqtt_kit_client::{
    BrokerAddress, Client, ClientError, Connector, Options, ProtocolVersion, Publish, QoS,
    TopicName,
};
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, DecodeLimits, Packet, PubAck, PubComp, PubRec, decode,
};
use mqtt_kit_transport::{BoxedStream, ConnectFuture};

mod support;
use support::STEP;

/// Publishes counted, after the warm-up.
const MEASURED: u64 = 1000;
/// Publishes before counting starts.
const WARM_UP: u64 = 200;

/// A broker inside the connection itself: what the client writes is decoded at once and
/// answered (CONNACK, PUBACK, PUBREC, PUBCOMP, PINGRESP) into what it reads next.
struct LoopbackBroker {
    version: ProtocolVersion,
    input: BytesMut,
    output: BytesMut,
    reader: Option<Waker>,
    closed: bool,
}

impl LoopbackBroker {
    fn answer(&mut self) {
        let limits = DecodeLimits::default();
        while let Some(packet) = decode(&mut self.input, self.version, &limits).unwrap() {
            let reply: Option<Packet> = match packet {
                Packet::Connect(_) => Some(ConnAck::new(ConnectReasonCode::Success).into()),
                Packet::Publish(publish) => match (publish.qos, publish.packet_id) {
                    (QoS::AtLeastOnce, Some(id)) => Some(PubAck::new(id).into()),
                    (QoS::ExactlyOnce, Some(id)) => Some(PubRec::new(id).into()),
                    _ => None,
                },
                Packet::PubRel(pubrel) => Some(PubComp::new(pubrel.packet_id).into()),
                Packet::PingReq => Some(Packet::PingResp),
                Packet::Disconnect(_) => {
                    self.closed = true;
                    None
                }
                other => panic!("unexpected {other:?}"),
            };
            if let Some(reply) = reply {
                reply.encode(self.version, None, &mut self.output).unwrap();
            }
        }
        if !self.output.is_empty() || self.closed {
            if let Some(reader) = self.reader.take() {
                reader.wake();
            }
        }
    }
}

impl AsyncWrite for LoopbackBroker {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // The broker's allocations (decoding shares its input buffer) are not the client's.
        allocation_counter::opt_out(|| {
            self.input.extend_from_slice(buf);
            self.answer();
        });
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.closed = true;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for LoopbackBroker {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if !self.output.is_empty() {
            let count = buf.len().min(self.output.len());
            buf[..count].copy_from_slice(&self.output.split_to(count));
            return Poll::Ready(Ok(count));
        }
        if self.closed {
            return Poll::Ready(Ok(0));
        }
        self.reader = Some(cx.waker().clone());
        Poll::Pending
    }
}

struct LoopbackConnector(ProtocolVersion);

impl Connector for LoopbackConnector {
    fn connect<'a>(&'a self, _: &'a BrokerAddress) -> ConnectFuture<'a> {
        let broker = LoopbackBroker {
            version: self.0,
            input: BytesMut::new(),
            output: BytesMut::new(),
            reader: None,
            closed: false,
        };
        Box::pin(async move { Ok(Box::new(broker) as BoxedStream) })
    }
}

/// Wakes the test's thread; made once, so that cloning its waker allocates nothing.
struct Signal {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

type DriverFuture = Pin<Box<dyn Future<Output = Result<(), ClientError>> + Send>>;

/// A client, its driver and the loop that polls both on this thread.
struct Bench {
    client: Client,
    driver: DriverFuture,
    signal: Arc<Signal>,
    waker: Waker,
}

impl Bench {
    fn new(version: ProtocolVersion) -> Self {
        let options = Options::builder()
            .uri("mqtt://loopback:1883")
            .id("allocations")
            .version(version)
            .connector(Arc::new(LoopbackConnector(version)))
            .build()
            .unwrap();
        let (client, driver) = Client::new(options);
        let signal = Arc::new(Signal {
            woken: AtomicBool::new(false),
            thread: std::thread::current(),
        });
        let waker = Waker::from(signal.clone());
        let mut bench = Self {
            client,
            driver: Box::pin(driver.run()),
            signal,
            waker,
        };
        let client = bench.client.clone();
        bench.run(async move { client.wait_connected().await.unwrap() });
        bench
    }

    /// Polls `work` and the driver until `work` is done (and, with `to_the_end`, the driver
    /// too). Nothing here waits on time: when neither was woken, the test waits for a wake-up,
    /// and fails after [`STEP`].
    fn poll_both<T>(&mut self, work: impl Future<Output = T>, to_the_end: bool) -> T {
        let mut work = pin!(work);
        let mut output = None;
        let mut driver_done = false;
        let mut cx = Context::from_waker(&self.waker);
        loop {
            self.signal.woken.store(false, Ordering::SeqCst);
            if output.is_none() {
                if let Poll::Ready(done) = work.as_mut().poll(&mut cx) {
                    output = Some(done);
                }
            }
            if !driver_done {
                if let Poll::Ready(result) = self.driver.as_mut().poll(&mut cx) {
                    assert!(to_the_end, "the driver ended first: {result:?}");
                    result.unwrap();
                    driver_done = true;
                    continue;
                }
            }
            if output.is_some() && (driver_done || !to_the_end) {
                return output.take().unwrap();
            }
            let since = Instant::now();
            while !self.signal.woken.load(Ordering::SeqCst) {
                assert!(since.elapsed() < STEP, "stalled: nothing woke the client");
                std::thread::park_timeout(STEP);
            }
        }
    }

    fn run<T>(&mut self, work: impl Future<Output = T>) -> T {
        self.poll_both(work, false)
    }

    /// Allocations per publish of `publish`, awaited one after the other.
    fn per_publish<F: Future<Output = ()>>(
        &mut self,
        mut publish: impl FnMut(&Client) -> F,
    ) -> f64 {
        let client = self.client.clone();
        self.run(async {
            for _ in 0..WARM_UP {
                publish(&client).await;
            }
        });
        let info = allocation_counter::measure(|| {
            self.run(async {
                for _ in 0..MEASURED {
                    publish(&client).await;
                }
            });
        });
        info.count_total as f64 / MEASURED as f64
    }

    fn close(mut self) {
        let client = self.client.clone();
        self.poll_both(async move { client.disconnect().await.unwrap() }, true);
    }
}

const TOPIC: &str = "sensors/7/temperature";
const PAYLOAD: &[u8] = b"21.5";

/// Allocations per publish at `qos`: with the topic given as a `&str`, and as a `TopicName`
/// made once (the caller's way to save the copy of the topic).
fn measure(version: ProtocolVersion, qos: QoS) -> (f64, f64) {
    let mut bench = Bench::new(version);
    let topic = TopicName::try_from(TOPIC).unwrap();
    let by_str = bench.per_publish(|client| {
        let client = client.clone();
        async move {
            client
                .publish(TOPIC, Bytes::from_static(PAYLOAD), qos)
                .await
                .unwrap();
        }
    });
    let prebuilt = bench.per_publish(|client| {
        let client = client.clone();
        let publish = Publish::new(topic.clone(), Bytes::from_static(PAYLOAD), qos);
        async move {
            client.publish_message(publish).await.unwrap();
        }
    });
    bench.close();
    println!(
        "{version:?} {qos:?}: {by_str} allocations per publish (topic as &str), \
         {prebuilt} (topic as TopicName)"
    );
    (by_str, prebuilt)
}

/// Checks both ways of giving the topic against their budgets, in every version.
fn check(qos: QoS, by_str_budget: f64, prebuilt_budget: f64) {
    for version in [ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let (by_str, prebuilt) = measure(version, qos);
        // The fraction above a whole number: rare growth of a buffer or table.
        assert!(
            by_str <= by_str_budget + 0.01,
            "{version:?} {qos:?}: {by_str} allocations per publish (topic as &str), budget \
             {by_str_budget}"
        );
        assert!(
            prebuilt <= prebuilt_budget + 0.01,
            "{version:?} {qos:?}: {prebuilt} allocations per publish (topic as TopicName), \
             budget {prebuilt_budget}"
        );
    }
}

#[test]
fn qos_0_publish() {
    check(QoS::AtMostOnce, 1.0, 0.0);
}

#[test]
fn qos_1_publish() {
    check(QoS::AtLeastOnce, 1.0, 0.0);
}

#[test]
fn qos_2_publish() {
    check(QoS::ExactlyOnce, 1.0, 0.0);
}
