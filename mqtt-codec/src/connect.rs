//! CONNECT: the first packet of a connection, from client to server (MQTT 5.0 section 3.1,
//! 3.1.1 section 3.1, 3.1 as `MQIsdp` level 3).

use alloc::boxed::Box;
use alloc::string::String;
use bytes::Bytes;
use bytestring::ByteString;

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::{ConnectProperties, WillProperties};
use crate::qos::QoS;
use crate::redact::{ByteCount, secret};
use crate::topic::TopicName;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// A connection request. Its `Debug` shows the password as its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Connect {
    /// The protocol version asked for; it decides the encoding of the whole connection.
    pub protocol: ProtocolVersion,
    /// Clean Start (5.0) / Clean Session (3.x): begin a new session.
    pub clean_start: bool,
    /// Keep alive in seconds (0: off).
    pub keep_alive: u16,
    /// Client identifier (may be empty: the server assigns one; 3.1.1 then requires
    /// `clean_start` [MQTT-3.1.3-7]).
    pub client_id: ByteString,
    /// The Will message, published by the server if the connection ends abnormally.
    pub will: Option<Will>,
    /// User name.
    pub username: Option<ByteString>,
    /// Password (binary data).
    pub password: Option<Bytes>,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: ConnectProperties,
}

/// The Will message of a CONNECT. Its `Debug` shows the payload as its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Will {
    /// Its topic.
    pub topic: TopicName,
    /// Its payload.
    pub payload: Bytes,
    /// Its QoS.
    pub qos: QoS,
    /// Whether it is published as a retained message.
    pub retain: bool,
    /// MQTT 5.0 Will properties (must be empty for 3.x).
    pub properties: WillProperties,
}

impl core::fmt::Debug for Connect {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connect")
            .field("protocol", &self.protocol)
            .field("clean_start", &self.clean_start)
            .field("keep_alive", &self.keep_alive)
            .field("client_id", &self.client_id)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("properties", &self.properties)
            .finish()
    }
}

impl core::fmt::Debug for Will {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Will")
            .field("topic", &self.topic)
            .field("payload", &ByteCount(&self.payload))
            .field("qos", &self.qos)
            .field("retain", &self.retain)
            .field("properties", &self.properties)
            .finish()
    }
}

impl Will {
    /// A non-retained Will without properties.
    pub fn new(topic: TopicName, payload: impl Into<Bytes>, qos: QoS) -> Self {
        Self {
            topic,
            payload: payload.into(),
            qos,
            retain: false,
            properties: WillProperties::default(),
        }
    }
}

impl Connect {
    /// A CONNECT for `protocol` with Clean Start, keep alive off, no Will, no credentials and
    /// no properties.
    pub fn new(protocol: ProtocolVersion, client_id: impl Into<ByteString>) -> Self {
        Self {
            protocol,
            clean_start: true,
            keep_alive: 0,
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
        }
    }

    /// The Connect Flags byte (MQTT 5.0 section 3.1.2.3).
    fn connect_flags(&self) -> u8 {
        let mut flags = u8::from(self.clean_start) << 1;
        if let Some(will) = &self.will {
            flags |= 0b100 | will.qos.as_u8() << 3 | u8::from(will.retain) << 5;
        }
        flags | u8::from(self.password.is_some()) << 6 | u8::from(self.username.is_some()) << 7
    }
}

/// Reads the protocol name and level that open a CONNECT.
fn read_protocol(r: &mut Reader) -> Result<ProtocolVersion, DecodeError> {
    let name = r.binary()?;
    let level = r.u8()?;
    match (name.as_ref(), level) {
        (b"MQTT", 4) => Ok(ProtocolVersion::V3_1_1),
        (b"MQTT", 5) => Ok(ProtocolVersion::V5),
        (b"MQIsdp", 3) => Ok(ProtocolVersion::V3_1),
        (b"MQTT" | b"MQIsdp", level) => Err(DecodeError::UnsupportedProtocolLevel { level }),
        (other, _) => Err(DecodeError::InvalidProtocolName {
            name: String::from_utf8_lossy(other).into(),
        }),
    }
}

/// A CONNECT travels boxed in [`crate::Packet`]; decoding fills the box in place, so that
/// the large packet is not built on the stack and then copied into it.
impl Body for Box<Connect> {
    const TYPE: PacketType = PacketType::Connect;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.protocol != version {
            return Err(EncodeError::VersionMismatch {
                connect: self.protocol,
                requested: version,
            });
        }
        self.properties.check_version(Self::TYPE, version)?;
        if let Some(will) = &self.will {
            will.properties.check_version(Self::TYPE, version)?;
        }
        if !version.is_v5() && self.password.is_some() && self.username.is_none() {
            return Err(EncodeError::PasswordWithoutUsername);
        }
        if version == ProtocolVersion::V3_1_1 && self.client_id.is_empty() && !self.clean_start {
            return Err(EncodeError::EmptyClientIdWithoutCleanSession);
        }
        if self.will.as_ref().is_some_and(|w| w.topic.is_empty()) {
            return Err(EncodeError::EmptyTopic);
        }
        if self.properties.authentication_data.is_some()
            && self.properties.authentication_method.is_none()
        {
            return Err(EncodeError::AuthenticationDataWithoutMethod);
        }
        Ok(())
    }

    fn write<S: Sink>(&self, version: ProtocolVersion, sink: &mut S) {
        // Protocol name, level, flags and keep alive: one copy of fixed bytes rather than four
        // writes and a copy of the name. The names are `ProtocolVersion::protocol_name`'s,
        // which the tests compare with these bytes.
        let [level, flags] = [version.level(), self.connect_flags()];
        let [keep_alive_high, keep_alive_low] = self.keep_alive.to_be_bytes();
        match version {
            ProtocolVersion::V3_1 => sink.array([
                0,
                6,
                b'M',
                b'Q',
                b'I',
                b's',
                b'd',
                b'p',
                level,
                flags,
                keep_alive_high,
                keep_alive_low,
            ]),
            ProtocolVersion::V3_1_1 | ProtocolVersion::V5 => sink.array([
                0,
                4,
                b'M',
                b'Q',
                b'T',
                b'T',
                level,
                flags,
                keep_alive_high,
                keep_alive_low,
            ]),
        }
        if version.is_v5() {
            sink.properties(&self.properties);
        }
        sink.string(&self.client_id);
        if let Some(will) = &self.will {
            if version.is_v5() {
                sink.properties(&will.properties);
            }
            sink.validated(&will.topic);
            sink.binary(&will.payload);
        }
        if let Some(username) = &self.username {
            sink.string(username);
        }
        if let Some(password) = &self.password {
            sink.binary(password);
        }
    }

    /// Reads a CONNECT according to its own protocol level, whatever `_version` says.
    fn read(_flags: u8, r: &mut Reader, _version: ProtocolVersion) -> Result<Self, DecodeError> {
        let protocol = read_protocol(r)?;
        let flags = r.u8()?;
        if flags & 1 != 0 {
            return Err(DecodeError::ReservedConnectFlag);
        }
        let clean_start = flags & 0b10 != 0;
        let has_will = flags & 0b100 != 0;
        let will_qos = (flags >> 3) & 0b11;
        let will_retain = flags & 0b10_0000 != 0;
        let has_password = flags & 0b100_0000 != 0;
        let has_username = flags & 0b1000_0000 != 0;
        if !has_will && (will_qos != 0 || will_retain) {
            return Err(DecodeError::WillFlagsWithoutWill);
        }
        let will_qos = QoS::try_from(will_qos).map_err(|_| DecodeError::WillQoS3)?;
        if protocol == ProtocolVersion::V3_1_1 && has_password && !has_username {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let keep_alive = r.u16()?;
        let mut connect = Box::new(Connect {
            protocol,
            clean_start,
            keep_alive,
            client_id: ByteString::new(),
            will: None,
            username: None,
            password: None,
            properties: ConnectProperties::default(),
        });
        if protocol.is_v5() {
            connect.properties.read_into(r)?;
        }
        let properties = &connect.properties;
        if properties.authentication_data.is_some() && properties.authentication_method.is_none() {
            return Err(DecodeError::AuthenticationDataWithoutMethod);
        }
        connect.client_id = r.utf8()?;
        if has_will {
            let will = connect
                .will
                .insert(Will::new(TopicName::empty(), Bytes::new(), will_qos));
            will.retain = will_retain;
            if protocol.is_v5() {
                will.properties.read_into(r)?;
            }
            will.topic = TopicName::from_byte_string(r.topic()?)?;
            will.payload = r.binary()?;
        }
        if has_username {
            connect.username = Some(r.utf8()?);
        }
        if has_password {
            connect.password = Some(r.binary()?);
        }
        Ok(connect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use crate::{ConnectReasonCode, DisconnectReasonCode, EncodeError, Packet};
    use alloc::borrow::ToOwned;
    use core::num::NonZeroU16;

    #[test]
    fn variable_header_has_each_versions_name_level_flags_and_keep_alive() {
        // `write` spells the protocol names out as bytes: they must be `protocol_name`'s.
        for version in [V3_1, V3_1_1, V5] {
            let mut connect = Connect::new(version, "c");
            connect.keep_alive = 0x1234;
            let mut out = bytes::BytesMut::new();
            Packet::from(connect)
                .encode(version, None, &mut out)
                .unwrap();
            let name = version.protocol_name().as_bytes();
            let mut expected = alloc::vec![0, name.len() as u8];
            expected.extend_from_slice(name);
            expected.extend_from_slice(&[version.level(), 0b10, 0x12, 0x34]);
            assert_eq!(&out[2..2 + expected.len()], &expected[..], "{version:?}");
        }
    }

    fn full(protocol: ProtocolVersion) -> Connect {
        let mut will = Will::new(topic("offline"), "client-id is offline", QoS::AtLeastOnce);
        will.retain = true;
        Connect {
            clean_start: true,
            keep_alive: 30,
            will: Some(will),
            username: Some("TheUser".into()),
            password: Some(Bytes::from_static(b"TopSecret")),
            ..Connect::new(protocol, "client-id")
        }
    }

    #[test]
    fn v3_1_1_with_every_field() {
        round_trip(
            full(V3_1_1),
            V3_1_1,
            "104800044d51545404ee001e0009636c69656e742d696400076f66666c696e650014636c69656e742d6964206973206f66666c696e650007546865557365720009546f70536563726574",
        );
    }

    #[test]
    fn v3_1_uses_mqisdp_level_3() {
        let connect = Connect::new(V3_1, "c");
        let hex = encode(connect.clone(), V3_1).unwrap();
        assert_eq!(hex, "100f00064d514973647003020000000163");
        assert_eq!(decode_hex(&hex, V3_1_1), Ok(Packet::from(connect)));
    }

    #[test]
    fn v5_with_properties_and_will_properties() {
        let mut connect = full(V5);
        connect.properties.receive_maximum = NonZeroU16::new(10);
        connect.properties.authentication_method = Some("SCRAM".into());
        connect
            .properties
            .user_properties
            .push(("a".into(), "b".into()));
        if let Some(will) = &mut connect.will {
            will.properties.will_delay_interval = Some(5);
            will.properties.response_topic = Some(topic("r"));
        }
        let hex = encode(connect.clone(), V5).unwrap();
        assert_eq!(decode_hex(&hex, V5), Ok(Packet::from(connect)));
    }

    #[test]
    fn a_connect_is_decoded_by_its_own_level() {
        let hex = encode(full(V5), V5).unwrap();
        assert_eq!(decode_hex(&hex, V3_1_1), Ok(Packet::from(full(V5))));
    }

    #[test]
    fn reserved_flag_is_refused() {
        // [MQTT-3.1.2-3]
        assert_eq!(
            decode_hex("100c00044d515454040100000000", V3_1_1),
            Err(DecodeError::ReservedConnectFlag)
        );
    }

    #[test]
    fn will_qos_and_retain_need_the_will_flag() {
        // [MQTT-3.1.2-11] [MQTT-3.1.2-13]
        for flags in ["08", "20"] {
            let hex = alloc::format!("100c00044d51545404{flags}00000000");
            assert_eq!(
                decode_hex(&hex, V3_1_1),
                Err(DecodeError::WillFlagsWithoutWill),
                "{hex}"
            );
        }
    }

    #[test]
    fn will_qos_3_is_refused() {
        // [MQTT-3.1.2-12] (3.1.1: [MQTT-3.1.2-14])
        assert_eq!(
            decode_hex("101600044d515454041c001e000000036279650003627965", V3_1_1),
            Err(DecodeError::WillQoS3)
        );
    }

    #[test]
    fn password_without_username() {
        // 3.1.1: [MQTT-3.1.2-22]; allowed in 5.0.
        assert_eq!(
            decode_hex("101200044d5154540440001e0000000431323334", V3_1_1),
            Err(DecodeError::PasswordWithoutUsername)
        );
        let mut connect = Connect::new(V5, "");
        connect.password = Some(Bytes::from_static(b"1234"));
        let hex = encode(connect.clone(), V5).unwrap();
        assert_eq!(decode_hex(&hex, V5), Ok(Packet::from(connect.clone())));
        connect.protocol = V3_1_1;
        assert_eq!(
            encode(connect, V3_1_1),
            Err(EncodeError::PasswordWithoutUsername)
        );
    }

    #[test]
    fn unsupported_level_and_wrong_name() {
        // [MQTT-3.1.2-2]: the broker answers 0x84 (3.x return code 1).
        let err = decode_hex("100c00044d515454060000000000", V5).unwrap_err();
        assert_eq!(err, DecodeError::UnsupportedProtocolLevel { level: 6 });
        assert_eq!(
            err.connect_reason(),
            crate::ConnectReasonCode::UnsupportedProtocolVersion
        );
        assert_eq!(err.connect_reason().to_v3(), Some(1));
        // [MQTT-3.1.2-1]
        assert_eq!(
            decode_hex("100c00044d515458040000000000", V5),
            Err(DecodeError::InvalidProtocolName {
                name: "MQTX".to_owned()
            })
        );
        assert_eq!(
            decode_hex("100c00044d515454030000000000", V5),
            Err(DecodeError::UnsupportedProtocolLevel { level: 3 })
        );
    }

    #[test]
    fn will_topic_is_a_topic_name() {
        // [MQTT-3.3.2-2] applies to the Will topic too.
        let err =
            decode_hex("101600044d5154540404001e00000003622f2b0003627965", V3_1_1).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Topic(crate::TopicError::WildcardInTopicName)
        );
        // Well-formed, but the name breaks a rule: 0x90, not Malformed Packet.
        assert_eq!(
            err.disconnect_reason(),
            DisconnectReasonCode::TopicNameInvalid
        );
        assert_eq!(err.connect_reason(), ConnectReasonCode::TopicNameInvalid);
    }

    #[test]
    fn authentication_data_needs_a_method() {
        // MQTT 5.0 section 3.1.2.11.10
        let mut connect = Connect::new(V5, "c");
        connect.properties.authentication_data = Some(Bytes::from_static(b"x"));
        assert_eq!(
            encode(connect, V5),
            Err(EncodeError::AuthenticationDataWithoutMethod)
        );
        assert_eq!(
            decode_hex("101200044d515454050000000416000178000163", V5),
            Err(DecodeError::AuthenticationDataWithoutMethod)
        );
    }

    #[test]
    fn v5_fields_are_refused_in_v3() {
        let mut connect = Connect::new(V3_1_1, "c");
        connect.properties.session_expiry_interval = Some(1);
        assert_eq!(
            encode(connect, V3_1_1),
            Err(EncodeError::PropertiesNotAllowed {
                packet_type: PacketType::Connect,
                version: V3_1_1
            })
        );
        let mut connect = full(V3_1_1);
        if let Some(will) = &mut connect.will {
            will.properties.content_type = Some("text".into());
        }
        assert!(matches!(
            encode(connect, V3_1_1),
            Err(EncodeError::PropertiesNotAllowed { .. })
        ));
    }

    #[test]
    fn empty_client_id_needs_clean_session_in_v3_1_1() {
        // [MQTT-3.1.3-7]
        let mut connect = Connect::new(V3_1_1, "");
        connect.clean_start = false;
        assert_eq!(
            encode(connect.clone(), V3_1_1),
            Err(EncodeError::EmptyClientIdWithoutCleanSession)
        );
        connect.protocol = V5;
        assert!(encode(connect, V5).is_ok());
    }

    #[test]
    fn version_mismatch_is_refused() {
        assert_eq!(
            encode(Connect::new(V5, "c"), V3_1_1),
            Err(EncodeError::VersionMismatch {
                connect: V5,
                requested: V3_1_1
            })
        );
    }

    #[test]
    fn client_id_must_be_utf8_without_null() {
        // [MQTT-1.5.4-1] [MQTT-1.5.4-2]
        assert_eq!(
            decode_hex("100d00044d5154540402001e0001ff", V3_1_1),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            decode_hex("100d00044d5154540402001e000100", V3_1_1),
            Err(DecodeError::NullCharacter)
        );
        assert_eq!(
            encode(Connect::new(V5, "a\0"), V5),
            Err(EncodeError::NullCharacter)
        );
    }
}
