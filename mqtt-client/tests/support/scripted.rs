//! A scripted broker, in the style of mosquitto's client tests: it listens on a free loopback
//! port, expects exact bytes from the client and answers by script. And the test side of
//! the client: a connector that can refuse attempts and read and write one byte at a time,
//! and a sleeper that records the reconnection delays instead of waiting them.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_net::{TcpListener, TcpStream};
use bytes::BytesMut;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use mqtt_kit_client::{
    BrokerAddress, ClientError, Connector, Event, Events, OptionsBuilder, ProtocolVersion,
    SleepFuture, Sleeper, TransportError,
};
use mqtt_kit_codec::{DecodeLimits, Packet, decode};
use mqtt_kit_transport::{ConnectFuture, TcpConnector};

use super::within;

/// How the client's connection reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As the socket gives and takes.
    Whole,
    /// One byte per read and per write, all through.
    OneByte,
}

/// Runs a scenario `async fn(Mode)` twice: with whole reads and writes, and one byte at a time.
#[allow(unused_macros)]
macro_rules! scripted {
    ($(#[$doc:meta])* $name:ident, $scenario:expr) => {
        $(#[$doc])*
        mod $name {
            use super::*;
            #[test]
            fn whole_reads_and_writes() {
                smol::block_on(($scenario)(Mode::Whole));
            }
            #[test]
            fn one_byte_reads_and_writes() {
                smol::block_on(($scenario)(Mode::OneByte));
            }
        }
    };
}

/// The broker's side: a listener on a free loopback port.
pub struct ScriptedBroker {
    listener: TcpListener,
    port: u16,
    version: ProtocolVersion,
}

impl ScriptedBroker {
    /// Listens on a free loopback port, speaking `version`.
    pub async fn bind(version: ProtocolVersion) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        Self {
            listener,
            port,
            version,
        }
    }

    /// The address clients connect to.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// The next connection.
    pub async fn accept(&self) -> Peer {
        let (stream, _) = within(self.listener.accept()).await.unwrap();
        Peer {
            stream,
            input: BytesMut::new(),
            version: self.version,
        }
    }
}

/// One connection, seen from the broker.
pub struct Peer {
    stream: TcpStream,
    input: BytesMut,
    version: ProtocolVersion,
}

impl Peer {
    /// Reads exactly the bytes of `packet` encoded for this version, and fails the test,
    /// showing both, if they differ.
    pub async fn expect(&mut self, packet: impl Into<Packet>) {
        let packet = packet.into();
        let mut expected = BytesMut::new();
        packet.encode(self.version, None, &mut expected).unwrap();
        let got = self.read_exactly(expected.len()).await;
        assert_eq!(
            hex(&got),
            hex(&expected),
            "expected {packet:?}, got {:?}",
            decode(
                &mut BytesMut::from(&got[..]),
                self.version,
                &DecodeLimits::default()
            )
        );
    }

    /// Reads exactly `bytes`.
    pub async fn expect_bytes(&mut self, bytes: &[u8]) {
        let got = self.read_exactly(bytes.len()).await;
        assert_eq!(hex(&got), hex(bytes));
    }

    async fn read_exactly(&mut self, count: usize) -> Vec<u8> {
        while self.input.len() < count {
            self.fill().await;
        }
        self.input.split_to(count).to_vec()
    }

    async fn fill(&mut self) {
        let mut chunk = [0; 4096];
        let read = within(self.stream.read(&mut chunk)).await.unwrap();
        assert!(read > 0, "the client closed the connection");
        self.input.extend_from_slice(&chunk[..read]);
    }

    /// The next whole packet, decoded.
    pub async fn next_packet(&mut self) -> Packet {
        loop {
            if let Some(packet) =
                decode(&mut self.input, self.version, &DecodeLimits::default()).unwrap()
            {
                return packet;
            }
            self.fill().await;
        }
    }

    /// Sends `packet`.
    pub async fn send(&mut self, packet: impl Into<Packet>) {
        let mut out = BytesMut::new();
        packet.into().encode(self.version, None, &mut out).unwrap();
        self.send_bytes(&out).await;
    }

    /// Sends raw bytes.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        within(self.stream.write_all(bytes)).await.unwrap();
        within(self.stream.flush()).await.unwrap();
    }

    /// Waits until the client closes the connection (nothing more may come).
    pub async fn expect_closed(&mut self) {
        assert!(self.input.is_empty(), "unread bytes: {}", hex(&self.input));
        let mut chunk = [0; 64];
        match within(self.stream.read(&mut chunk)).await {
            Ok(0) | Err(_) => {}
            Ok(count) => panic!("expected the end, got {}", hex(&chunk[..count])),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The client's connector in tests: TCP, refusing the first `refusals` attempts, reading and
/// writing one byte at a time in [`Mode::OneByte`].
pub struct TestConnector {
    mode: Mode,
    refusals: AtomicU32,
    attempts: Mutex<Vec<BrokerAddress>>,
}

impl TestConnector {
    /// A connector for `mode` that refuses the first `refusals` attempts.
    pub fn new(mode: Mode, refusals: u32) -> Arc<Self> {
        Arc::new(Self {
            mode,
            refusals: AtomicU32::new(refusals),
            attempts: Mutex::new(Vec::new()),
        })
    }

    /// The addresses tried, in order.
    pub fn attempts(&self) -> Vec<BrokerAddress> {
        self.attempts.lock().unwrap().clone()
    }
}

impl Connector for TestConnector {
    fn connect<'a>(&'a self, address: &'a BrokerAddress) -> ConnectFuture<'a> {
        Box::pin(async move {
            self.attempts.lock().unwrap().push(address.clone());
            let refuse = self
                .refusals
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if refuse {
                return Err(TransportError::other("refused by the test"));
            }
            let stream = TcpConnector::new().connect(address).await?;
            Ok(match self.mode {
                Mode::Whole => stream,
                Mode::OneByte => Box::new(OneByte(stream)) as _,
            })
        })
    }
}

/// A stream that reads and writes at most one byte per call.
struct OneByte<S>(S);

impl<S: AsyncRead + Unpin> AsyncRead for OneByte<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len().min(1);
        Pin::new(&mut self.0).poll_read(cx, &mut buf[..len])
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for OneByte<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len().min(1);
        Pin::new(&mut self.0).poll_write(cx, &buf[..len])
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// Records each reconnection delay and returns at once (time is the test's).
#[derive(Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    /// The delays asked for so far.
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.delays.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// Options for a client of the scripted broker: id `scripted`, keep alive 60 s, the test
/// connector and the recording sleeper.
pub fn test_options(
    uri: &str,
    version: ProtocolVersion,
    connector: Arc<TestConnector>,
    sleeper: Arc<RecordingSleeper>,
) -> OptionsBuilder {
    mqtt_kit_client::Options::builder()
        .uri(uri)
        .id("scripted")
        .version(version)
        .connector(connector)
        .sleeper(sleeper)
}

/// Waits for the first event that `pick` accepts, failing the test on `Closed`.
pub async fn wait_for<T>(events: &mut Events, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    loop {
        let event = within(events.next()).await.expect("events ended");
        if let Some(found) = pick(&event) {
            return found;
        }
        if matches!(event, Event::Closed) {
            panic!("the driver ended first");
        }
    }
}

/// Whether `error` is a protocol error.
pub fn is_protocol_error(error: &ClientError) -> bool {
    matches!(error, ClientError::Protocol(_))
}
