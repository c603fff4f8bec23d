//! The ack-everything peer: a minimal MQTT server written with our codec that answers every
//! packet at once and costs next to nothing, so that a client's own cost shows.
//!
//! Each connection has a reader thread (decodes, answers, forwards) and a writer thread
//! ([`outbox`]). It answers CONNECT (CONNACK, success), PUBLISH (PUBACK for QoS 1, PUBREC for
//! QoS 2, nothing for QoS 0), PUBREL (PUBCOMP), SUBSCRIBE (SUBACK granting what was asked),
//! UNSUBSCRIBE (UNSUBACK) and PINGREQ (PINGRESP).
//!
//! The subscriber side of the workloads: the peer *echoes* each PUBLISH to the connections
//! subscribed to its topic (exact match or wildcards, at the lower of the two QoS), at most
//! 100 QoS 1/2 messages unacknowledged per subscriber, and takes their PUBACK, PUBREC (answers
//! PUBREL) and PUBCOMP. So the workloads against the peer are the very ones run against
//! mosquitto (one publisher, one subscriber counting every message), without a broker's cost.
//! It keeps no session, no retained messages, no will; it is not a broker.
//!
//! It listens on a free loopback port for as long as the process runs.

mod outbox;

use std::io::{self, Read};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use bytes::BytesMut;
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, DecodeLimits, Packet, PacketId, ProtocolVersion, PubAck, PubComp,
    PubRec, PubRel, Publish, QoS, SubAck, SubscribeReasonCode, TopicFilter, TopicName, UnsubAck,
    UnsubAckReasonCode, decode, decode_connect,
};

use outbox::Outbox;

/// Bytes read at a time.
const READ_CHUNK: usize = 64 * 1024;

/// The running peer.
#[derive(Debug)]
pub struct AckPeer {
    address: SocketAddr,
}

impl AckPeer {
    /// Starts it on a free loopback port.
    pub fn start() -> io::Result<AckPeer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let address = listener.local_addr()?;
        let routes = Arc::new(Routes::default());
        thread::Builder::new()
            .name("ack-peer".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let routes = routes.clone();
                    let _ = thread::Builder::new()
                        .name("ack-peer-read".into())
                        .spawn(move || {
                            let _ = serve(stream, &routes);
                        });
                }
            })?;
        Ok(AckPeer { address })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

/// One subscription of one connection.
#[derive(Debug)]
struct Route {
    connection: u64,
    filter: TopicFilter,
    qos: QoS,
    outbox: Arc<Outbox>,
}

/// Every subscription; `generation` changes with them (readers cache their lookups).
#[derive(Debug, Default)]
struct Routes {
    list: Mutex<Vec<Route>>,
    generation: AtomicU64,
}

impl Routes {
    fn lock(&self) -> MutexGuard<'_, Vec<Route>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    fn remove(&self, connection: u64, filters: Option<&[TopicFilter]>) {
        self.lock().retain(|route| {
            route.connection != connection
                || filters.is_some_and(|filters| !filters.contains(&route.filter))
        });
        self.changed();
    }
}

/// Where one topic's messages go, as of one generation of the routes.
struct Destinations {
    topic: TopicName,
    generation: u64,
    outboxes: Vec<(Arc<Outbox>, QoS)>,
}

fn serve(stream: TcpStream, routes: &Routes) -> io::Result<()> {
    static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
    let connection = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    stream.set_nodelay(true)?;
    let mut reader = Reader::new(stream.try_clone()?);
    let connect = loop {
        match decode_connect(&mut reader.buf, &DecodeLimits::default()) {
            Ok(Some(connect)) => break connect,
            Ok(None) => {
                if !reader.fill()? {
                    return Ok(());
                }
            }
            Err(error) => return Err(io::Error::other(error)),
        }
    };
    let version = connect.protocol;
    let outbox = Arc::new(Outbox::default());
    outbox.answer(
        &mut vec![ConnAck::new(ConnectReasonCode::Success).into()],
        &mut Vec::new(),
    );
    let writer = {
        let (outbox, stream) = (outbox.clone(), stream.try_clone()?);
        thread::Builder::new()
            .name("ack-peer-write".into())
            .spawn(move || outbox.write_loop(stream, version))?
    };
    let mut connection = Connection {
        id: connection,
        version,
        outbox: outbox.clone(),
        routes,
        replies: Vec::new(),
        released: Vec::new(),
        forwards: Vec::new(),
        cache: None,
    };
    let result = connection.run(&mut reader);
    routes.remove(connection.id, None);
    outbox.close();
    let _ = stream.shutdown(Shutdown::Both);
    let _ = writer.join();
    result
}

struct Reader {
    stream: TcpStream,
    buf: BytesMut,
    chunk: Vec<u8>,
}

impl Reader {
    fn new(stream: TcpStream) -> Reader {
        Reader {
            stream,
            buf: BytesMut::with_capacity(READ_CHUNK),
            chunk: vec![0; READ_CHUNK],
        }
    }

    /// Reads what is there; `false` at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        let count = self.stream.read(&mut self.chunk)?;
        self.buf.extend_from_slice(&self.chunk[..count]);
        Ok(count > 0)
    }
}

/// The reader's side of one connection.
struct Connection<'a> {
    id: u64,
    version: ProtocolVersion,
    outbox: Arc<Outbox>,
    routes: &'a Routes,
    replies: Vec<Packet>,
    released: Vec<PacketId>,
    /// Messages for other connections, gathered over one read.
    forwards: Vec<(Arc<Outbox>, Vec<Publish>)>,
    cache: Option<Destinations>,
}

impl Connection<'_> {
    fn run(&mut self, reader: &mut Reader) -> io::Result<()> {
        loop {
            while let Some(packet) = decode(&mut reader.buf, self.version, &DecodeLimits::default())
                .map_err(io::Error::other)?
            {
                if !self.handle(packet)? {
                    self.flush();
                    return Ok(());
                }
            }
            self.flush();
            if !reader.fill()? {
                return Ok(());
            }
        }
    }

    /// Hands what one read produced to the writers (one lock and wake-up each).
    fn flush(&mut self) {
        self.outbox.answer(&mut self.replies, &mut self.released);
        for (outbox, publishes) in &mut self.forwards {
            outbox.forward(publishes);
        }
    }

    /// Answers one packet; `false` at DISCONNECT.
    fn handle(&mut self, packet: Packet) -> io::Result<bool> {
        match packet {
            Packet::Publish(publish) => {
                match (publish.qos, publish.packet_id) {
                    (QoS::AtLeastOnce, Some(id)) => self.replies.push(PubAck::new(id).into()),
                    (QoS::ExactlyOnce, Some(id)) => self.replies.push(PubRec::new(id).into()),
                    _ => {}
                }
                self.echo(publish);
            }
            Packet::PubRel(pubrel) => self.replies.push(PubComp::new(pubrel.packet_id).into()),
            Packet::PubAck(PubAck { packet_id, .. })
            | Packet::PubComp(PubComp { packet_id, .. }) => {
                self.released.push(packet_id);
            }
            Packet::PubRec(pubrec) => self.replies.push(PubRel::new(pubrec.packet_id).into()),
            Packet::Subscribe(subscribe) => {
                let mut codes = Vec::with_capacity(subscribe.filters.len());
                let mut routes = self.routes.lock();
                for (filter, options) in subscribe.filters {
                    codes.push(SubscribeReasonCode::granted(options.qos));
                    routes.push(Route {
                        connection: self.id,
                        filter,
                        qos: options.qos,
                        outbox: self.outbox.clone(),
                    });
                }
                drop(routes);
                self.routes.changed();
                self.replies
                    .push(SubAck::new(subscribe.packet_id, codes).into());
            }
            Packet::Unsubscribe(unsubscribe) => {
                self.routes.remove(self.id, Some(&unsubscribe.filters));
                let codes = if self.version == ProtocolVersion::V5 {
                    vec![UnsubAckReasonCode::Success; unsubscribe.filters.len()]
                } else {
                    Vec::new()
                };
                self.replies
                    .push(UnsubAck::new(unsubscribe.packet_id, codes).into());
            }
            Packet::PingReq => self.replies.push(Packet::PingResp),
            Packet::Disconnect(_) => return Ok(false),
            other => {
                return Err(io::Error::other(format!(
                    "ack peer: unexpected {:?}",
                    other.packet_type()
                )));
            }
        }
        Ok(true)
    }

    /// Queues `publish` for every subscriber of its topic.
    fn echo(&mut self, publish: Publish) {
        let generation = self.routes.generation.load(Ordering::Acquire);
        let fresh = self
            .cache
            .as_ref()
            .is_some_and(|cache| cache.generation == generation && cache.topic == publish.topic);
        if !fresh {
            let outboxes = self
                .routes
                .lock()
                .iter()
                .filter(|route| route.filter.matches(&publish.topic))
                .map(|route| (route.outbox.clone(), route.qos))
                .collect();
            self.cache = Some(Destinations {
                topic: publish.topic.clone(),
                generation,
                outboxes,
            });
        }
        let Some(cache) = &self.cache else {
            return;
        };
        for (outbox, granted) in &cache.outboxes {
            let mut copy = Publish::new(
                publish.topic.clone(),
                publish.payload.clone(),
                publish.qos.min(*granted),
            );
            copy.properties = publish.properties.clone();
            match self
                .forwards
                .iter_mut()
                .find(|(queued, _)| Arc::ptr_eq(queued, outbox))
            {
                Some((_, publishes)) => publishes.push(copy),
                None => self.forwards.push((outbox.clone(), vec![copy])),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqtt_kit_codec::{Connect, Subscribe, SubscriptionOptions};
    use std::io::Write;

    /// A raw MQTT connection to the peer.
    struct Raw(TcpStream, BytesMut);

    impl Raw {
        fn connect(peer: &AckPeer, id: &str) -> Raw {
            let mut raw = Raw(TcpStream::connect(peer.address()).unwrap(), BytesMut::new());
            let mut connect = Connect::new(ProtocolVersion::V3_1_1, id);
            connect.keep_alive = 0;
            raw.send(connect.into());
            assert!(matches!(raw.next(), Packet::ConnAck(_)));
            raw
        }

        fn send(&mut self, packet: Packet) {
            let mut out = BytesMut::new();
            packet
                .encode(ProtocolVersion::V3_1_1, None, &mut out)
                .unwrap();
            self.0.write_all(&out).unwrap();
        }

        fn next(&mut self) -> Packet {
            loop {
                if let Some(packet) = decode(
                    &mut self.1,
                    ProtocolVersion::V3_1_1,
                    &DecodeLimits::default(),
                )
                .unwrap()
                {
                    return packet;
                }
                let mut chunk = [0; 4096];
                let count = self.0.read(&mut chunk).unwrap();
                assert!(count > 0, "the peer closed the connection");
                self.1.extend_from_slice(&chunk[..count]);
            }
        }
    }

    fn id(value: u16) -> PacketId {
        PacketId::new(value).unwrap()
    }

    #[test]
    fn acknowledges_and_echoes_to_subscribers() {
        let peer = AckPeer::start().unwrap();
        let mut subscriber = Raw::connect(&peer, "sub");
        let filter = TopicFilter::try_from("bench/#").unwrap();
        subscriber.send(
            Subscribe::new(
                id(1),
                vec![(filter, SubscriptionOptions::new(QoS::ExactlyOnce))],
            )
            .into(),
        );
        assert!(matches!(subscriber.next(), Packet::SubAck(_)));

        let mut publisher = Raw::connect(&peer, "pub");
        let topic = TopicName::try_from("bench/a").unwrap();
        let mut publish = Publish::new(topic, "hello", QoS::ExactlyOnce);
        publish.packet_id = Some(id(7));
        publisher.send(publish.into());
        assert_eq!(publisher.next(), PubRec::new(id(7)).into());
        publisher.send(PubRel::new(id(7)).into());
        assert_eq!(publisher.next(), PubComp::new(id(7)).into());

        let Packet::Publish(echoed) = subscriber.next() else {
            panic!("the message was not echoed");
        };
        assert_eq!(&echoed.payload[..], b"hello");
        assert_eq!(echoed.qos, QoS::ExactlyOnce);
        let echoed_id = echoed.packet_id.unwrap();
        subscriber.send(PubRec::new(echoed_id).into());
        assert_eq!(subscriber.next(), PubRel::new(echoed_id).into());
        subscriber.send(PubComp::new(echoed_id).into());
        publisher.send(Packet::PingReq);
        assert_eq!(publisher.next(), Packet::PingResp);
    }
}
