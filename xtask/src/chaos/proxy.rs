//! A loopback TCP proxy that injects faults between a client and the broker: it cuts each
//! connection after every N PUBLISH packets, delays what it forwards, or goes half-open
//! (stops forwarding in both directions while keeping both sockets open, as a dead NAT or a
//! pulled cable looks to the client).
//!
//! Plain threads and std sockets, so that it runs beside any executor.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the proxy does with the bytes it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forwards at once.
    Forward,
    /// Forwards each chunk after this long.
    Delay(Duration),
    /// Forwards nothing and closes nothing, on the connections open when it was set (a new
    /// connection is a new path: it works).
    HalfOpen,
}

/// A running proxy; its connections are cut and its threads end when it is dropped.
pub struct FaultProxy {
    shared: Arc<Shared>,
    port: u16,
}

struct Shared {
    upstream: u16,
    mode: Mutex<Mode>,
    /// Cut a connection after every this many PUBLISH packets through it (0: never).
    cut_every: AtomicU64,
    cuts: AtomicU64,
    /// Connections accepted so far; those numbered below `half_open_below` are half-open
    /// while the mode is [`Mode::HalfOpen`].
    accepted: AtomicU64,
    half_open_below: AtomicU64,
    stopped: AtomicBool,
    /// One clone of each side of every open connection, to cut them all when stopping.
    sockets: Mutex<Vec<TcpStream>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` on loopback.
    pub fn start(upstream: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            upstream,
            mode: Mutex::new(Mode::Forward),
            cut_every: AtomicU64::new(0),
            cuts: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            half_open_below: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
        });
        let accepting = Arc::clone(&shared);
        thread::spawn(move || accept_loop(&listener, &accepting));
        Ok(Self { shared, port })
    }

    /// The `mqtt://` address of the proxy.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Sets what happens to bytes from now on.
    pub fn set_mode(&self, mode: Mode) {
        let mut current = lock(&self.shared.mode);
        if mode == Mode::HalfOpen {
            let accepted = self.shared.accepted.load(Ordering::SeqCst);
            self.shared
                .half_open_below
                .store(accepted, Ordering::SeqCst);
        }
        *current = mode;
    }

    /// Cuts each connection after every `count` PUBLISH packets (0: never).
    pub fn cut_every(&self, count: u64) {
        self.shared.cut_every.store(count, Ordering::SeqCst);
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        for socket in lock(&self.shared.sockets).drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        // Wakes the accepting thread so that it sees `stopped`.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        let Ok(broker) = TcpStream::connect((Ipv4Addr::LOCALHOST, shared.upstream)) else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = broker.set_nodelay(true);
        let (Ok(c2), Ok(b2), Ok(c3), Ok(b3)) = (
            client.try_clone(),
            broker.try_clone(),
            client.try_clone(),
            broker.try_clone(),
        ) else {
            continue;
        };
        {
            let mut sockets = lock(&shared.sockets);
            // Sockets of connections already closed are forgotten now and then.
            sockets.retain(|s| s.peer_addr().is_ok());
            sockets.push(c3);
            sockets.push(b3);
        }
        let link = Arc::new(Link {
            number: shared.accepted.fetch_add(1, Ordering::SeqCst),
            publishes: AtomicU64::new(0),
            cut: AtomicBool::new(false),
            sides: [client, broker],
        });
        for (from, from_side) in [(c2, 0), (b2, 1)] {
            let (link, shared) = (Arc::clone(&link), Arc::clone(shared));
            thread::spawn(move || pump(from, from_side, &link, &shared));
        }
    }
}

/// One proxied connection: the client's socket and the broker's.
struct Link {
    /// In the order of acceptance, from 0.
    number: u64,
    publishes: AtomicU64,
    cut: AtomicBool,
    sides: [TcpStream; 2],
}

impl Link {
    fn close(&self) {
        for side in &self.sides {
            let _ = side.shutdown(Shutdown::Both);
        }
    }
}

/// Copies from `from` (the side `from_side` of the link) to the other side.
fn pump(mut from: TcpStream, from_side: usize, link: &Link, shared: &Shared) {
    let mut to = &link.sides[1 - from_side];
    let mut frames = FrameCounter::default();
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let count = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => count,
        };
        let mode = *lock(&shared.mode);
        match mode {
            Mode::HalfOpen if link.number < shared.half_open_below.load(Ordering::SeqCst) => {
                continue;
            }
            Mode::HalfOpen => {}
            Mode::Delay(delay) => thread::sleep(delay),
            Mode::Forward => {}
        }
        if to.write_all(&buffer[..count]).is_err() {
            break;
        }
        let publishes = frames.feed(&buffer[..count]);
        let every = shared.cut_every.load(Ordering::SeqCst);
        if publishes > 0 && every > 0 {
            let before = link.publishes.fetch_add(publishes, Ordering::SeqCst);
            if (before + publishes) / every > before / every
                && !link.cut.swap(true, Ordering::SeqCst)
            {
                shared.cuts.fetch_add(1, Ordering::SeqCst);
                break;
            }
        }
    }
    link.close();
}

/// Finds packet boundaries in an MQTT byte stream (fixed header: type byte, then the
/// remaining length in 1 to 4 bytes) and counts the PUBLISH packets that end.
#[derive(Debug, Default)]
struct FrameCounter {
    state: FrameState,
}

#[derive(Debug, Default)]
enum FrameState {
    #[default]
    Type,
    Length {
        publish: bool,
        value: u64,
        shift: u32,
    },
    Body {
        publish: bool,
        left: u64,
    },
}

impl FrameCounter {
    fn feed(&mut self, mut bytes: &[u8]) -> u64 {
        let mut publishes = 0;
        while let Some((&byte, rest)) = bytes.split_first() {
            match &mut self.state {
                FrameState::Type => {
                    self.state = FrameState::Length {
                        publish: byte >> 4 == 3,
                        value: 0,
                        shift: 0,
                    };
                    bytes = rest;
                }
                FrameState::Length {
                    publish,
                    value,
                    shift,
                } => {
                    *value |= u64::from(byte & 0x7f) << *shift;
                    *shift += 7;
                    bytes = rest;
                    if byte & 0x80 == 0 || *shift >= 28 {
                        let (publish, left) = (*publish, *value);
                        if left == 0 {
                            publishes += u64::from(publish);
                            self.state = FrameState::Type;
                        } else {
                            self.state = FrameState::Body { publish, left };
                        }
                    }
                }
                FrameState::Body { publish, left } => {
                    let take = (*left).min(bytes.len() as u64) as usize;
                    *left -= take as u64;
                    bytes = &bytes[take..];
                    if *left == 0 {
                        publishes += u64::from(*publish);
                        self.state = FrameState::Type;
                    }
                }
            }
        }
        publishes
    }
}

#[cfg(test)]
mod tests {
    use super::FrameCounter;

    #[test]
    fn publishes_are_counted_across_chunk_boundaries() {
        // PUBLISH (3 bytes of body), PINGREQ, PUBLISH with a two-byte length (200 bytes).
        let mut stream = vec![0x30, 3, b'a', b'b', b'c', 0xc0, 0];
        stream.extend([0x32, 0xc8, 0x01]);
        stream.extend([7; 200]);
        for split in 0..stream.len() {
            let mut counter = FrameCounter::default();
            let (a, b) = stream.split_at(split);
            assert_eq!(counter.feed(a) + counter.feed(b), 2, "split at {split}");
        }
    }
}
