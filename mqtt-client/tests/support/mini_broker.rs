//! A small in-process MQTT 3.1.1 broker for load tests (many clients, many messages), so
//! that they run on a machine with no broker installed. One thread per connection; it
//! forwards every message at QoS 0 (SUBACK grants QoS 0), acknowledges QoS 1 and 2
//! publishes, answers PINGREQ, and ends a connection on DISCONNECT. Nothing else: the
//! protocol rules are the scripted broker's and mosquitto's job.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use bytes::BytesMut;
use mqtt_kit_codec::{
    ConnAck, ConnectReasonCode, DecodeLimits, Packet, ProtocolVersion, PubAck, PubComp, PubRec,
    Publish, QoS, SubAck, SubscribeReasonCode, TopicFilter, UnsubAck, decode,
};

const VERSION: ProtocolVersion = ProtocolVersion::V3_1_1;

struct Subscriber {
    connection: u64,
    filter: TopicFilter,
    writer: Arc<Mutex<TcpStream>>,
}

/// The running broker; it serves until the test process ends.
pub struct MiniBroker {
    port: u16,
}

impl MiniBroker {
    /// Starts it on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let subscribers: Arc<Mutex<Vec<Subscriber>>> = Arc::default();
        thread::spawn(move || {
            for (connection, stream) in (1..).zip(listener.incoming()) {
                let Ok(stream) = stream else { continue };
                let subscribers = subscribers.clone();
                thread::spawn(move || serve(connection, stream, &subscribers));
            }
        });
        Self { port }
    }

    /// The address clients connect to.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }
}

fn send(writer: &Mutex<TcpStream>, packet: Packet) -> bool {
    let mut out = BytesMut::new();
    packet.encode(VERSION, None, &mut out).unwrap();
    writer.lock().unwrap().write_all(&out).is_ok()
}

fn serve(connection: u64, mut stream: TcpStream, subscribers: &Mutex<Vec<Subscriber>>) {
    let _ = stream.set_nodelay(true);
    let writer = Arc::new(Mutex::new(stream.try_clone().unwrap()));
    let mut input = BytesMut::new();
    let mut chunk = vec![0; 64 * 1024];
    'connection: loop {
        let read = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        input.extend_from_slice(&chunk[..read]);
        loop {
            let packet = match decode(&mut input, VERSION, &DecodeLimits::default()) {
                Ok(Some(packet)) => packet,
                Ok(None) => break,
                Err(_) => break 'connection,
            };
            let answered = match packet {
                Packet::Connect(_) => {
                    send(&writer, ConnAck::new(ConnectReasonCode::Success).into())
                }
                Packet::Subscribe(subscribe) => {
                    let mut list = subscribers.lock().unwrap();
                    for (filter, _) in &subscribe.filters {
                        list.push(Subscriber {
                            connection,
                            filter: filter.clone(),
                            writer: writer.clone(),
                        });
                    }
                    drop(list);
                    let codes = vec![SubscribeReasonCode::GrantedQoS0; subscribe.filters.len()];
                    send(&writer, SubAck::new(subscribe.packet_id, codes).into())
                }
                Packet::Unsubscribe(unsubscribe) => {
                    subscribers.lock().unwrap().retain(|s| {
                        s.connection != connection || !unsubscribe.filters.contains(&s.filter)
                    });
                    send(&writer, UnsubAck::new(unsubscribe.packet_id, vec![]).into())
                }
                Packet::Publish(publish) => {
                    forward(&publish, subscribers);
                    match (publish.qos, publish.packet_id) {
                        (QoS::AtLeastOnce, Some(id)) => send(&writer, PubAck::new(id).into()),
                        (QoS::ExactlyOnce, Some(id)) => send(&writer, PubRec::new(id).into()),
                        _ => true,
                    }
                }
                Packet::PubRel(pubrel) => send(&writer, PubComp::new(pubrel.packet_id).into()),
                Packet::PingReq => send(&writer, Packet::PingResp),
                Packet::Disconnect(_) => break 'connection,
                _ => true,
            };
            if !answered {
                break 'connection;
            }
        }
    }
    subscribers
        .lock()
        .unwrap()
        .retain(|s| s.connection != connection);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Sends `publish` at QoS 0 to every matching subscription (one copy per connection).
fn forward(publish: &Publish, subscribers: &Mutex<Vec<Subscriber>>) {
    let mut targets: Vec<(u64, Arc<Mutex<TcpStream>>)> = Vec::new();
    for subscriber in subscribers.lock().unwrap().iter() {
        if subscriber.filter.matches(&publish.topic)
            && !targets.iter().any(|(c, _)| *c == subscriber.connection)
        {
            targets.push((subscriber.connection, subscriber.writer.clone()));
        }
    }
    let mut copy = Publish::new(
        publish.topic.clone(),
        publish.payload.clone(),
        QoS::AtMostOnce,
    );
    copy.retain = false;
    for (_, writer) in targets {
        let _ = send(&writer, copy.clone().into());
    }
}
