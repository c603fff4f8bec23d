//! A loopback TCP proxy between a client and the broker, for the scenarios that need a
//! network fault the client cannot be asked for through its API: a connection cut without
//! DISCONNECT, a peer that goes silent with its socket held open, acknowledgements that
//! never arrive. It also taps the traffic (decoded with mqtt-kit-codec) so that a scenario can
//! check what went over the wire: DUP flags on resent messages, how many publishes were in
//! flight, topic aliases.
//!
//! Plain threads and std sockets: the proxy runs beside whatever executor the client uses.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mqtt_kit_codec::{DecodeLimits, Packet, ProtocolVersion, decode, decode_connect};

/// Which way bytes go through the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the broker.
    ToBroker,
    /// From the broker to the client.
    ToClient,
}

/// One packet seen on the wire.
#[derive(Debug, Clone)]
pub struct Tapped {
    /// The connection it went over (0 for the first one the proxy accepted, then 1...).
    pub connection: u64,
    /// Which way.
    pub direction: Direction,
    /// The packet; `Err` with the decoder's message when it could not be decoded.
    pub packet: Result<Packet, String>,
}

/// A running proxy; stopped (its connections cut) when dropped.
pub struct Proxy {
    shared: Arc<Shared>,
    port: u16,
}

struct Shared {
    upstream: SocketAddr,
    state: Mutex<State>,
    changed: Condvar,
    tap: Mutex<Vec<Tapped>>,
    closed: AtomicBool,
}

#[derive(Default)]
struct State {
    /// Bytes going to the broker are held (not forwarded) while set.
    hold_to_broker: bool,
    /// Bytes going to the client are held while set.
    hold_to_client: bool,
    connections: Vec<Connection>,
    accepted: u64,
}

struct Connection {
    client: TcpStream,
    broker: TcpStream,
    cut: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port in front of `127.0.0.1:upstream_port`.
    pub fn start(upstream_port: u16) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            upstream: SocketAddr::from((Ipv4Addr::LOCALHOST, upstream_port)),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            tap: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&shared);
        thread::Builder::new()
            .name("conformance-proxy".into())
            .spawn(move || accept_loop(listener, accepting))?;
        Ok(Proxy { shared, port })
    }

    /// The URL a client connects to (`mqtt://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Closes every current connection at once, both sides, without any MQTT packet: the
    /// broker sees a network failure (and sends the will), the client sees its socket drop.
    pub fn cut(&self) {
        let mut state = self.shared.lock_state();
        for connection in state.connections.drain(..) {
            connection.cut.store(true, Ordering::SeqCst);
            let _ = connection.client.shutdown(Shutdown::Both);
            let _ = connection.broker.shutdown(Shutdown::Both);
        }
        self.shared.changed.notify_all();
    }

    /// Writes `bytes` to the client of every current connection, as if the broker had sent
    /// them: how a scenario shows a packet that no real broker sends on demand (a DISCONNECT
    /// with a Server Reference). Hold [`Direction::ToClient`] first, so that they cannot land
    /// inside a packet of the broker's. Returns to how many clients they went.
    pub fn send_to_client(&self, bytes: &[u8]) -> usize {
        let state = self.shared.lock_state();
        state
            .connections
            .iter()
            .filter(|connection| (&connection.client).write_all(bytes).is_ok())
            .count()
    }

    /// Holds (or, with `false`, releases) the bytes going one way: with the sockets open,
    /// nothing gets through.
    pub fn hold(&self, direction: Direction, hold: bool) {
        let mut state = self.shared.lock_state();
        match direction {
            Direction::ToBroker => state.hold_to_broker = hold,
            Direction::ToClient => state.hold_to_client = hold,
        }
        self.shared.changed.notify_all();
    }

    /// Every packet seen so far, in the order forwarded.
    pub fn tapped(&self) -> Vec<Tapped> {
        self.shared.lock_tap().clone()
    }

    /// Waits (without blocking the executor) until `done` holds for the packets seen, or
    /// `timeout` passes; returns whether it held.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&[Tapped]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.shared.lock_tap()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            async_io::Timer::after(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.cut();
        // Wakes the accepting thread so that it sees `closed` and ends.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
    }
}

impl Shared {
    fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_tap(&self) -> MutexGuard<'_, Vec<Tapped>> {
        self.tap.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn held(&self, direction: Direction, cut: &AtomicBool) -> bool {
        let mut state = self.lock_state();
        loop {
            if cut.load(Ordering::SeqCst) || self.closed.load(Ordering::SeqCst) {
                return false;
            }
            let hold = match direction {
                Direction::ToBroker => state.hold_to_broker,
                Direction::ToClient => state.hold_to_client,
            };
            if !hold {
                return true;
            }
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(100))
                .map(|(state, _)| state)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for client in listener.incoming() {
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        let Ok(broker) = TcpStream::connect_timeout(&shared.upstream, Duration::from_secs(5))
        else {
            continue; // the client sees its connection close, as with a broker that is down
        };
        let _ = client.set_nodelay(true);
        let _ = broker.set_nodelay(true);
        let streams = (client.try_clone(), broker.try_clone());
        let (Ok(client_copy), Ok(broker_copy)) = streams else {
            continue;
        };
        let cut = Arc::new(AtomicBool::new(false));
        let id = {
            let mut state = shared.lock_state();
            let id = state.accepted;
            state.accepted += 1;
            state.connections.push(Connection {
                client: client_copy,
                broker: broker_copy,
                cut: Arc::clone(&cut),
            });
            id
        };
        let version = Arc::new(OnceLock::new());
        for (direction, from, to) in [
            (Direction::ToBroker, client.try_clone(), broker.try_clone()),
            (Direction::ToClient, broker.try_clone(), client.try_clone()),
        ] {
            let (Ok(from), Ok(to)) = (from, to) else {
                continue;
            };
            let pump = Pump {
                shared: Arc::clone(&shared),
                connection: id,
                direction,
                cut: Arc::clone(&cut),
                version: Arc::clone(&version),
                pending: BytesMut::new(),
                broken: false,
            };
            let _ = thread::Builder::new()
                .name("conformance-proxy-pump".into())
                .spawn(move || pump.run(from, to));
        }
    }
}

/// Copies one direction of one connection, tapping what goes through.
struct Pump {
    shared: Arc<Shared>,
    connection: u64,
    direction: Direction,
    cut: Arc<AtomicBool>,
    version: Arc<OnceLock<ProtocolVersion>>,
    pending: BytesMut,
    broken: bool,
}

impl Pump {
    fn run(mut self, mut from: TcpStream, mut to: TcpStream) {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            if !self.shared.held(self.direction, &self.cut) {
                break;
            }
            // Tapped before it is forwarded: the CONNECT (and so the version) is known
            // before the broker can answer it.
            self.tap(&buffer[..read]);
            if to.write_all(&buffer[..read]).is_err() {
                break;
            }
        }
        // One side closed: close the other, as a network cut would; but while this
        // direction is held, the other side keeps seeing an open, silent connection (a peer
        // that stopped sending with its socket held open) until released or cut.
        let _ = self.shared.held(self.direction, &self.cut);
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    }

    fn tap(&mut self, bytes: &[u8]) {
        if self.broken {
            return;
        }
        self.pending.extend_from_slice(bytes);
        let limits = DecodeLimits::default();
        loop {
            let decoded = match self.version.get() {
                Some(&version) => decode(&mut self.pending, version, &limits),
                None if self.direction == Direction::ToBroker => {
                    match decode_connect(&mut self.pending, &limits) {
                        Ok(Some(connect)) => {
                            let _ = self.version.set(connect.protocol);
                            Ok(Some(Packet::from(connect)))
                        }
                        Ok(None) => Ok(None),
                        Err(error) => Err(error),
                    }
                }
                None => return, // the broker never speaks first
            };
            let packet = match decoded {
                Ok(Some(packet)) => Ok(packet),
                Ok(None) => return,
                Err(error) => {
                    // The rest of this direction cannot be framed any more.
                    self.broken = true;
                    Err(error.to_string())
                }
            };
            self.shared.lock_tap().push(Tapped {
                connection: self.connection,
                direction: self.direction,
                packet,
            });
            if self.broken {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MQTT 3.1.1 CONNECT of client "t1" and the CONNACK that accepts it.
    const CONNECT: &[u8] = b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02t1";
    const CONNACK: &[u8] = &[0x20, 0x02, 0x00, 0x00];

    /// A stand-in broker: reads one CONNECT, accepts it, then holds the socket until closed.
    fn broker() -> u16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut connect = [0; CONNECT.len()];
            socket.read_exact(&mut connect).unwrap();
            socket.write_all(CONNACK).unwrap();
            let _ = socket.read(&mut [0; 16]);
        });
        port
    }

    #[test]
    fn forwards_taps_and_cuts() {
        let proxy = Proxy::start(broker()).unwrap();
        let port: u16 = proxy.url().rsplit(':').next().unwrap().parse().unwrap();
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        client.write_all(CONNECT).unwrap();
        let mut connack = [0; 4];
        client.read_exact(&mut connack).unwrap();
        assert_eq!(connack, CONNACK);

        let tapped = proxy.tapped();
        assert_eq!(tapped.len(), 2);
        assert_eq!(tapped[0].direction, Direction::ToBroker);
        assert!(matches!(&tapped[0].packet, Ok(Packet::Connect(c)) if c.client_id == "t1"));
        assert_eq!(tapped[1].direction, Direction::ToClient);
        assert!(matches!(tapped[1].packet, Ok(Packet::ConnAck(_))));
        assert_eq!(tapped[0].connection, 0);

        proxy.cut();
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        assert!(matches!(client.read(&mut [0; 1]), Ok(0) | Err(_)));
    }

    #[test]
    fn held_bytes_wait_until_released() {
        let proxy = Proxy::start(broker()).unwrap();
        let port: u16 = proxy.url().rsplit(':').next().unwrap().parse().unwrap();
        proxy.hold(Direction::ToClient, true);
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        client.write_all(CONNECT).unwrap();
        client
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        assert!(client.read(&mut [0; 4]).is_err(), "the CONNACK was held");
        proxy.hold(Direction::ToClient, false);
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut connack = [0; 4];
        client.read_exact(&mut connack).unwrap();
        assert_eq!(connack, CONNACK);
    }
}
