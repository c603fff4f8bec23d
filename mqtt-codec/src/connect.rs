//! CONNECT: the first packet of a connection, from client to server (MQTT 5.0 section 3.1,
//! 3.1.1 section 3.1, 3.1 as `MQIsdp` level 3).

use alloc::string::String;
use bytes::Bytes;

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::{ConnectProperties, WillProperties};
use crate::qos::QoS;
use crate::topic::TopicName;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// A connection request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// The protocol version asked for; it decides the encoding of the whole connection.
    pub protocol: ProtocolVersion,
    /// Clean Start (5.0) / Clean Session (3.x): begin a new session.
    pub clean_start: bool,
    /// Keep alive in seconds (0: off).
    pub keep_alive: u16,
    /// Client identifier (may be empty: the server assigns one; 3.1.1 then requires
    /// `clean_start` [MQTT-3.1.3-7]).
    pub client_id: String,
    /// The Will message, published by the server if the connection ends abnormally.
    pub will: Option<Will>,
    /// User name.
    pub username: Option<String>,
    /// Password (binary data).
    pub password: Option<Bytes>,
    /// MQTT 5.0 properties (must be empty for 3.x).
    pub properties: ConnectProperties,
}

/// The Will message of a CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub fn new(protocol: ProtocolVersion, client_id: impl Into<String>) -> Self {
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

    fn flags(&self) -> u8 {
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

impl Body for Connect {
    const TYPE: PacketType = PacketType::Connect;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if self.protocol != version {
            return Err(EncodeError::VersionMismatch {
                connect: self.protocol,
                requested: version,
            });
        }
        let will_properties = self.will.as_ref().is_some_and(|w| !w.properties.is_empty());
        if !version.is_v5() {
            if !self.properties.is_empty() || will_properties {
                return Err(EncodeError::PropertiesNotAllowed {
                    packet_type: Self::TYPE,
                    version,
                });
            }
            if self.password.is_some() && self.username.is_none() {
                return Err(EncodeError::PasswordWithoutUsername);
            }
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
        sink.binary(version.protocol_name().as_bytes());
        sink.u8(version.level());
        sink.u8(self.flags());
        sink.u16(self.keep_alive);
        if version.is_v5() {
            sink.properties(&self.properties);
        }
        sink.string(&self.client_id);
        if let Some(will) = &self.will {
            if version.is_v5() {
                sink.properties(&will.properties);
            }
            sink.binary(will.topic.as_bytes());
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
        let properties = if protocol.is_v5() {
            let properties = ConnectProperties::read(r)?;
            if properties.authentication_data.is_some()
                && properties.authentication_method.is_none()
            {
                return Err(DecodeError::AuthenticationDataWithoutMethod);
            }
            properties
        } else {
            ConnectProperties::default()
        };
        let client_id = r.string()?;
        let will = if has_will {
            let properties = if protocol.is_v5() {
                WillProperties::read(r)?
            } else {
                WillProperties::default()
            };
            let topic = TopicName::from_byte_string(r.topic()?)?;
            Some(Will {
                topic,
                payload: r.binary()?,
                qos: will_qos,
                retain: will_retain,
                properties,
            })
        } else {
            None
        };
        let username = if has_username {
            Some(r.string()?)
        } else {
            None
        };
        let password = if has_password {
            Some(r.binary()?)
        } else {
            None
        };
        Ok(Self {
            protocol,
            clean_start,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        })
    }
}
