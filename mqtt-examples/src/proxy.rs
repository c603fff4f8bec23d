//! A TCP proxy on a loopback port in front of a broker, that the program can cut: every
//! open connection at once, and new ones for as long as it likes. The `reconnect` example
//! uses it to show what a client does when its network goes away and comes back, and
//! [`relay`] serves any proxy (the `tls` example's TLS-terminating one).

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use smol::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream};

/// Copies bytes both ways between `a` and `b` until both directions have ended; when one
/// side stops sending, the other side's writing half is closed, so the end travels through.
pub async fn relay(a: impl AsyncRead + AsyncWrite + Unpin, b: impl AsyncRead + AsyncWrite + Unpin) {
    let (a_reader, a_writer) = smol::io::split(a);
    let (b_reader, b_writer) = smol::io::split(b);
    smol::future::zip(pipe(a_reader, b_writer), pipe(b_reader, a_writer)).await;
}

async fn pipe(reader: impl AsyncRead + Unpin, mut writer: impl AsyncWrite + Unpin) {
    // An error ends this direction just as the end of the stream does.
    let _ = smol::io::copy(reader, &mut writer).await;
    let _ = writer.close().await;
}

/// A proxy on `127.0.0.1` that forwards each connection to a broker until it is cut.
///
/// Its accept loop runs on smol's global executor and stops when the proxy is dropped.
#[derive(Debug)]
pub struct CuttableProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    _accept: smol::Task<()>,
}

#[derive(Debug, Default)]
struct Shared {
    refusing: AtomicBool,
    next_id: AtomicU64,
    /// Both ends of every connection being forwarded, by a number of their own.
    open: Mutex<HashMap<u64, [TcpStream; 2]>>,
}

impl CuttableProxy {
    /// Listens on a free loopback port and forwards every connection to `upstream`.
    pub fn start(upstream: SocketAddr) -> io::Result<Self> {
        let listener = smol::block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accept = smol::spawn(accept_loop(listener, upstream, shared.clone()));
        Ok(Self {
            address,
            shared,
            _accept: accept,
        })
    }

    /// Where clients connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The `mqtt://` URL clients connect to.
    pub fn url(&self) -> String {
        format!("mqtt://{}", self.address)
    }

    /// Cuts every open connection (both ways, as a network failure would; no MQTT packet is
    /// sent) and, while `refuse_new` is true, closes new ones as soon as they come.
    pub fn cut(&self, refuse_new: bool) {
        self.refuse_new(refuse_new);
        let open = match self.shared.open.lock() {
            Ok(mut open) => std::mem::take(&mut *open),
            Err(_) => return,
        };
        for stream in open.into_values().flatten() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Whether new connections are closed as soon as they come (as a broker that is down).
    pub fn refuse_new(&self, refuse: bool) {
        self.shared.refusing.store(refuse, Ordering::SeqCst);
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if shared.refusing.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let shared = shared.clone();
        smol::spawn(async move {
            let Ok(broker) = TcpStream::connect(upstream).await else {
                let _ = client.shutdown(Shutdown::Both);
                return;
            };
            let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut open) = shared.open.lock() {
                open.insert(id, [client.clone(), broker.clone()]);
            }
            relay(client, broker).await;
            if let Ok(mut open) = shared.open.lock() {
                open.remove(&id);
            }
        })
        .detach();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smol::io::AsyncReadExt;

    /// An echo server behind the proxy: bytes go through until the cut, then the
    /// connection reads its end, and new connections are closed until they are let in again.
    #[test]
    fn forwards_until_cut() {
        smol::block_on(async {
            let echo = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
            let upstream = echo.local_addr().unwrap();
            smol::spawn(async move {
                while let Ok((stream, _)) = echo.accept().await {
                    smol::spawn(smol::io::copy(stream.clone(), stream.clone())).detach();
                }
            })
            .detach();
            let proxy = CuttableProxy::start(upstream).unwrap();

            let mut stream = TcpStream::connect(proxy.address()).await.unwrap();
            stream.write_all(b"ping").await.unwrap();
            let mut echoed = [0; 4];
            stream.read_exact(&mut echoed).await.unwrap();
            assert_eq!(&echoed, b"ping");

            proxy.cut(true);
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest).await;
            assert!(rest.is_empty(), "nothing comes after the cut");

            let mut refused = TcpStream::connect(proxy.address()).await.unwrap();
            let _ = refused.write_all(b"ping").await;
            let mut rest = Vec::new();
            let _ = refused.read_to_end(&mut rest).await;
            assert!(rest.is_empty(), "a new connection is closed while refusing");

            proxy.refuse_new(false);
            let mut again = TcpStream::connect(proxy.address()).await.unwrap();
            again.write_all(b"pong").await.unwrap();
            again.read_exact(&mut echoed).await.unwrap();
            assert_eq!(&echoed, b"pong");
        });
    }
}
