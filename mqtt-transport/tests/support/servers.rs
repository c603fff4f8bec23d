//! Servers the tests run in-process on free loopback ports: echo servers and misbehaving
//! ones.

use std::net::{Ipv4Addr, SocketAddr};

use async_net::{TcpListener, TcpStream};
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite};

/// A server running on the global executor until dropped.
pub struct TestServer {
    /// Its loopback address.
    pub address: SocketAddr,
    _task: smol::Task<()>,
}

impl TestServer {
    /// Its port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Accepts TCP connections and hands each to `serve` on its own task.
    pub async fn spawn<F, Fut>(serve: F) -> TestServer
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let address = listener.local_addr().unwrap();
        let task = smol::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                smol::spawn(serve(stream)).detach();
            }
        });
        TestServer {
            address,
            _task: task,
        }
    }
}

/// Copies what it reads back to the writer until the end of the stream.
pub async fn echo(stream: impl AsyncRead + AsyncWrite + Unpin) {
    let (reader, mut writer) = futures_lite::io::split(stream);
    let _ = futures_lite::io::copy(reader, &mut writer).await;
}

/// A plain TCP server that echoes what each client sends.
pub async fn tcp_echo_server() -> TestServer {
    TestServer::spawn(echo).await
}

/// A server that accepts TCP connections, then says nothing and keeps them open: a
/// handshake with it can only time out.
pub async fn silent_server() -> TestServer {
    TestServer::spawn(|mut tcp| async move {
        // Read (and drop) whatever comes, so the client's writes never block, until it leaves.
        let mut sink = [0; 1024];
        while let Ok(1..) = tcp.read(&mut sink).await {}
    })
    .await
}

/// A server that reads the first bytes a client sends (the start of its handshake), then
/// closes the connection.
pub async fn hang_up_server() -> TestServer {
    TestServer::spawn(|mut tcp| async move {
        let mut first = [0; 5];
        let _ = tcp.read_exact(&mut first).await;
        drop(tcp);
    })
    .await
}

/// A loopback port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

/// A Unix socket server at `path` that echoes what each client sends; runs until dropped.
#[cfg(unix)]
pub fn unix_echo_server(path: &std::path::Path) -> smol::Task<()> {
    let listener = async_net::unix::UnixListener::bind(path).unwrap();
    smol::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            smol::spawn(echo(stream)).detach();
        }
    })
}
