//! The set-up shared by the scripted-broker tests: a client of a scripted broker, its
//! driver running on smol, and the packets every scenario starts with.

use std::sync::Arc;

use mqtt_kit_client::{
    BrokerAddress, Client, ClientError, Events, OptionsBuilder, ProtocolVersion, Published, QoS,
};
use mqtt_kit_codec::{
    ConnAck, Connect, ConnectReasonCode, Disconnect, DisconnectReasonCode, PacketId, Publish,
    TopicFilter, TopicName,
};

use super::scripted::{Mode, Peer, RecordingSleeper, ScriptedBroker, TestConnector, test_options};
use super::within;
use ProtocolVersion::V5;

/// A client of a scripted broker, its driver running on smol.
pub struct Setup {
    pub broker: ScriptedBroker,
    pub client: Client,
    pub events: Events,
    pub driver: smol::Task<Result<(), ClientError>>,
    pub connector: Arc<TestConnector>,
    pub sleeper: Arc<RecordingSleeper>,
}

pub async fn start(
    version: ProtocolVersion,
    mode: Mode,
    configure: impl FnOnce(OptionsBuilder) -> OptionsBuilder,
) -> Setup {
    start_refusing(version, mode, 0, configure).await
}

pub async fn start_refusing(
    version: ProtocolVersion,
    mode: Mode,
    refusals: u32,
    configure: impl FnOnce(OptionsBuilder) -> OptionsBuilder,
) -> Setup {
    start_with(version, mode, refusals, None, configure).await
}

/// A client that first tries `before` (when given), then the scripted broker.
pub async fn start_with(
    version: ProtocolVersion,
    mode: Mode,
    refusals: u32,
    before: Option<BrokerAddress>,
    configure: impl FnOnce(OptionsBuilder) -> OptionsBuilder,
) -> Setup {
    let broker = ScriptedBroker::bind(version).await;
    let connector = TestConnector::new(mode, refusals);
    let sleeper = Arc::new(RecordingSleeper::default());
    let first = before.map_or_else(|| broker.uri(), |address| address.to_string());
    let mut options = test_options(&first, version, connector.clone(), sleeper.clone());
    if first != broker.uri() {
        options = options.add_uri(broker.uri());
    }
    let options = configure(options).build().unwrap();
    let (client, driver) = Client::new(options);
    let events = client.events();
    let driver = smol::spawn(driver.run());
    Setup {
        broker,
        client,
        events,
        driver,
        connector,
        sleeper,
    }
}

/// The CONNECT the test client sends: id `scripted`, keep alive 60 (the client announces a
/// Topic Alias Maximum of 10 on MQTT 5.0).
pub fn connect_packet(version: ProtocolVersion, clean: bool) -> Connect {
    let mut connect = Connect::new(version, "scripted");
    connect.clean_start = clean;
    connect.keep_alive = 60;
    if version == V5 {
        connect.properties.topic_alias_maximum = Some(10);
    }
    connect
}

pub fn connack(session_present: bool) -> ConnAck {
    let mut connack = ConnAck::new(ConnectReasonCode::Success);
    connack.session_present = session_present;
    connack
}

/// Accepts a connection, expects the CONNECT, answers CONNACK.
pub async fn accept(setup: &Setup, clean: bool, session_present: bool) -> Peer {
    let mut peer = setup.broker.accept().await;
    let version = setup.client.version();
    peer.expect(connect_packet(version, clean)).await;
    peer.send(connack(session_present)).await;
    peer
}

pub fn id(value: u16) -> PacketId {
    PacketId::new(value).unwrap()
}

pub fn topic(name: &str) -> TopicName {
    TopicName::try_from(name).unwrap()
}

pub fn filter(text: &str) -> TopicFilter {
    TopicFilter::try_from(text).unwrap()
}

pub fn publish(name: &str, payload: &'static str, qos: QoS, packet_id: Option<u16>) -> Publish {
    let mut publish = Publish::new(topic(name), payload, qos);
    publish.packet_id = packet_id.map(id);
    publish
}

pub fn dup(mut publish: Publish) -> Publish {
    publish.dup = true;
    publish
}

/// Runs `client.publish(...)` on its own task.
pub fn spawn_publish(
    client: &Client,
    name: &'static str,
    payload: &'static str,
    qos: QoS,
) -> smol::Task<Result<Published, ClientError>> {
    let client = client.clone();
    smol::spawn(async move { client.publish(name, payload, qos).await })
}

pub async fn disconnect(setup: Setup, mut peer: Peer) {
    let Setup { client, driver, .. } = setup;
    let done = smol::spawn(async move { client.disconnect().await });
    peer.expect(Disconnect::new(DisconnectReasonCode::NormalDisconnection))
        .await;
    peer.expect_closed().await;
    within(done).await.unwrap();
    within(driver).await.unwrap();
}
