//! WebSocket servers the tests run in-process, with async-tungstenite: they record what the
//! client sent and answer with the frames a test scripts.

use std::sync::Arc;

use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use async_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use futures_lite::{AsyncRead, AsyncWrite, StreamExt};
use mqtt_kit_transport::tls::rustls::ServerConfig;
use smol::channel::{Receiver, Sender};

use super::servers::TestServer;

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Script {
    /// Whether to agree to the subprotocol the client asks for.
    pub agree_subprotocol: bool,
    /// Refuse the upgrade with this HTTP status instead of accepting it.
    pub refuse_with: Option<u16>,
    /// How many bytes to collect from the client before answering.
    pub expect_bytes: usize,
    /// The messages to send once they have come.
    pub replies: Vec<Message>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            agree_subprotocol: true,
            refuse_with: None,
            expect_bytes: 0,
            replies: Vec::new(),
        }
    }
}

/// What the server saw of one connection.
#[derive(Debug, Default)]
pub struct Seen {
    /// The requested path and query.
    pub path: String,
    /// The request's headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The payload of each binary frame received, in order.
    pub binary_frames: Vec<Vec<u8>>,
    /// Whether any other kind of data frame came.
    pub other_frames: bool,
    /// Whether a pong came (the answer to a ping of ours).
    pub got_pong: bool,
}

impl Seen {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A WebSocket server over plain TCP; each connection's [`Seen`] is sent on the channel when
/// the client goes away.
pub async fn ws_server(script: Script) -> (TestServer, Receiver<Seen>) {
    let (sender, receiver) = smol::channel::unbounded();
    let server = TestServer::spawn(move |tcp| serve(tcp, script.clone(), sender.clone())).await;
    (server, receiver)
}

/// A WebSocket server over TLS.
pub async fn wss_server(tls: Arc<ServerConfig>, script: Script) -> (TestServer, Receiver<Seen>) {
    let (sender, receiver) = smol::channel::unbounded();
    let acceptor = futures_rustls::TlsAcceptor::from(tls);
    let server = TestServer::spawn(move |tcp| {
        let (acceptor, script, sender) = (acceptor.clone(), script.clone(), sender.clone());
        async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                serve(tls, script, sender).await;
            }
        }
    })
    .await;
    (server, receiver)
}

// The callback's error type is tungstenite's, large or not.
#[allow(clippy::result_large_err)]
async fn serve(
    stream: impl AsyncRead + AsyncWrite + Unpin,
    script: Script,
    seen_sender: Sender<Seen>,
) {
    let (request_sender, request_receiver) = smol::channel::bounded(1);
    let callback = |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        let headers = request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect::<Vec<_>>();
        let path = request
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let _ = request_sender.try_send((path, headers));
        if let Some(status) = script.refuse_with {
            let mut refusal = ErrorResponse::new(Some("no".into()));
            *refusal.status_mut() = StatusCode::from_u16(status).unwrap();
            return Err(refusal);
        }
        if script.agree_subprotocol {
            if let Some(asked) = request.headers().get("sec-websocket-protocol") {
                let first = asked
                    .to_str()
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap()
                    .trim()
                    .to_owned();
                response.headers_mut().insert(
                    "sec-websocket-protocol",
                    HeaderValue::from_str(&first).unwrap(),
                );
            }
        }
        Ok(response)
    };
    let accepted = async_tungstenite::accept_hdr_async(stream, callback).await;
    let mut seen = Seen::default();
    if let Ok((path, headers)) = request_receiver.try_recv() {
        seen.path = path;
        seen.headers = headers;
    }
    let Ok(mut socket) = accepted else {
        let _ = seen_sender.send(seen).await;
        return;
    };
    let mut received = 0;
    let mut replied = false;
    loop {
        if !replied && received >= script.expect_bytes {
            for reply in &script.replies {
                if socket.send(reply.clone()).await.is_err() {
                    break;
                }
            }
            replied = true;
        }
        match socket.next().await {
            Some(Ok(Message::Binary(bytes))) => {
                received += bytes.len();
                seen.binary_frames.push(bytes.to_vec());
            }
            Some(Ok(Message::Pong(_))) => seen.got_pong = true,
            Some(Ok(Message::Text(_))) => seen.other_frames = true,
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break,
        }
    }
    let _ = seen_sender.send(seen).await;
}
