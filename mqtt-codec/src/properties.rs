//! The MQTT 5.0 properties of each packet, with the rule of which packet may carry which
//! (MQTT 5.0 table 2-4). Each struct holds exactly the properties its packet allows; decoding
//! refuses the others (Malformed Packet) and any repeat (Protocol Error), except User Property,
//! which may repeat and keeps its order. Encoding writes them in increasing identifier order,
//! user properties last.

use alloc::vec::Vec;
use bytes::Bytes;
use bytestring::ByteString;
use core::num::{NonZeroU16, NonZeroU32};

use crate::error::{DecodeError, EncodeError};
use crate::packet::PacketType;
use crate::property::{
    PayloadFormat, PropertyId, PropertyValue, SubscriptionId, put_user_properties, read_id,
    set_once,
};
use crate::qos::QoS;
use crate::redact::Property;
use crate::topic::TopicName;
use crate::version::ProtocolVersion;
use crate::wire::{PropertySet, Reader, Sink};

/// Declares a per-packet properties struct: its fields (in increasing identifier order), how
/// each is read, and how all are written.
macro_rules! properties {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $(#[$fdoc:meta])* $field:ident: $ty:ty = $id:ident, )*
        }
        $( repeated { $(#[$rdoc:meta])* $rfield:ident: $rty:ty = $rid:ident, } )?
        $( then { $( $(#[$tdoc:meta])* $tfield:ident: $tty:ty = $tid:ident, )* } )?
    ) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: Option<$ty>, )*
            $( $(#[$rdoc])* pub $rfield: Vec<$rty>, )?
            $( $( $(#[$tdoc])* pub $tfield: Option<$tty>, )* )?
            /// User Property pairs, in wire order (names may repeat).
            pub user_properties: Vec<(ByteString, ByteString)>,
        }

        impl $name {
            /// Whether no property is set (what MQTT 3.x can carry).
            #[inline]
            pub fn is_empty(&self) -> bool {
                $( self.$field.is_none() && )*
                $( self.$rfield.is_empty() && )?
                $( $( self.$tfield.is_none() && )* )?
                self.user_properties.is_empty()
            }

            /// Reads the property block of an MQTT 5.0 packet; 3.x packets have none.
            #[inline]
            #[allow(dead_code, reason = "generated for every properties struct, not every one needs it")]
            pub(crate) fn read_if_v5(r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
                if version.is_v5() {
                    Self::read(r)
                } else {
                    Ok(Self::default())
                }
            }

            /// Refuses to drop properties silently: 3.x packets cannot carry them.
            #[inline]
            #[allow(dead_code, reason = "generated for every properties struct, not every one needs it")]
            pub(crate) fn check_version(&self, packet_type: PacketType, version: ProtocolVersion) -> Result<(), EncodeError> {
                if version.is_v5() || self.is_empty() {
                    Ok(())
                } else {
                    Err(EncodeError::PropertiesNotAllowed { packet_type, version })
                }
            }

            /// Reads a property block: its length, then each property straight into its
            /// field. A property this packet may not carry is refused as soon as its
            /// identifier is read.
            #[inline]
            pub(crate) fn read(r: &mut Reader) -> Result<Self, DecodeError> {
                let mut properties = Self::default();
                properties.read_into(r)?;
                Ok(properties)
            }

            /// [`Self::read`] into properties that are already in place (empty), so that
            /// a packet being built need not receive them by value and copy them.
            pub(crate) fn read_into(&mut self, r: &mut Reader) -> Result<(), DecodeError> {
                let len = r.variable_byte_integer()?;
                r.block(len, |r| {
                    while !r.is_empty() {
                        let id = read_id(r)?;
                        match id {
                            $( PropertyId::$id => set_once(&mut self.$field, PropertyValue::read(r, id)?, id)?, )*
                            $( $( PropertyId::$tid => set_once(&mut self.$tfield, PropertyValue::read(r, id)?, id)?, )* )?
                            $( PropertyId::$rid => self.$rfield.push(PropertyValue::read(r, id)?), )?
                            PropertyId::UserProperty => {
                                let name = r.utf8()?;
                                self.user_properties.push((name, r.utf8()?));
                            }
                            _ => {
                                return Err(DecodeError::PropertyNotAllowed {
                                    property: id,
                                    packet_type: r.packet_type(),
                                });
                            }
                        }
                    }
                    Ok(())
                })
            }
        }

        /// Every property, Authentication Data redacted to its length (it may be a
        /// credential).
        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name))
                    $( .field(stringify!($field), &Property { id: PropertyId::$id, value: &self.$field }) )*
                    $( .field(stringify!($rfield), &self.$rfield) )?
                    $( $( .field(stringify!($tfield), &self.$tfield) )* )?
                    .field("user_properties", &self.user_properties)
                    .finish()
            }
        }

        impl PropertySet for $name {
            #[inline]
            fn visit<S: Sink>(&self, sink: &mut S) {
                $( if let Some(value) = &self.$field {
                    value.put(PropertyId::$id, sink);
                } )*
                $( for value in &self.$rfield {
                    value.put(PropertyId::$rid, sink);
                } )?
                $( $( if let Some(value) = &self.$tfield {
                    value.put(PropertyId::$tid, sink);
                } )* )?
                put_user_properties(sink, &self.user_properties);
            }
        }
    };
}

properties! {
    /// Properties of CONNECT (MQTT 5.0 section 3.1.2.11).
    ConnectProperties {
        /// Seconds the session lasts after the connection closes (0 or absent: it ends with it).
        session_expiry_interval: u32 = SessionExpiryInterval,
        /// Method of enhanced authentication.
        authentication_method: ByteString = AuthenticationMethod,
        /// Data of enhanced authentication (only with a method).
        authentication_data: Bytes = AuthenticationData,
        /// Whether the server may send Reason Strings and User Properties on failures (absent: yes).
        request_problem_information: bool = RequestProblemInformation,
        /// Whether the client asks for Response Information in CONNACK (absent: no).
        request_response_information: bool = RequestResponseInformation,
        /// How many QoS 1 and 2 PUBLISH packets the client takes at once (absent: 65,535).
        receive_maximum: NonZeroU16 = ReceiveMaximum,
        /// Highest topic alias the client accepts (absent or 0: none).
        topic_alias_maximum: u16 = TopicAliasMaximum,
        /// Largest packet the client accepts (absent: no limit but the protocol's).
        maximum_packet_size: NonZeroU32 = MaximumPacketSize,
    }
}

properties! {
    /// Properties of the Will message in CONNECT (MQTT 5.0 section 3.1.3.2).
    WillProperties {
        /// Whether the payload is UTF-8 text.
        payload_format_indicator: PayloadFormat = PayloadFormatIndicator,
        /// Seconds the Will message lives.
        message_expiry_interval: u32 = MessageExpiryInterval,
        /// MIME type (or any description) of the payload.
        content_type: ByteString = ContentType,
        /// Topic for a response (request/response pattern).
        response_topic: TopicName = ResponseTopic,
        /// Data that ties a response to its request.
        correlation_data: Bytes = CorrelationData,
        /// Seconds the server waits before publishing the Will.
        will_delay_interval: u32 = WillDelayInterval,
    }
}

properties! {
    /// Properties of CONNACK (MQTT 5.0 section 3.2.2.3).
    ConnAckProperties {
        /// The session expiry interval the server uses, if not the client's.
        session_expiry_interval: u32 = SessionExpiryInterval,
        /// The client identifier the server assigned (when the client sent an empty one).
        assigned_client_identifier: ByteString = AssignedClientIdentifier,
        /// Keep alive the client must use instead of its own [MQTT-3.2.2-21].
        server_keep_alive: u16 = ServerKeepAlive,
        /// Method of enhanced authentication.
        authentication_method: ByteString = AuthenticationMethod,
        /// Data of enhanced authentication.
        authentication_data: Bytes = AuthenticationData,
        /// What the client can build a response topic from.
        response_information: ByteString = ResponseInformation,
        /// Another server to use.
        server_reference: ByteString = ServerReference,
        /// Human-readable diagnostic.
        reason_string: ByteString = ReasonString,
        /// How many QoS 1 and 2 PUBLISH packets the server takes at once (absent: 65,535).
        receive_maximum: NonZeroU16 = ReceiveMaximum,
        /// Highest topic alias the server accepts (absent or 0: none).
        topic_alias_maximum: u16 = TopicAliasMaximum,
        /// Highest QoS the server supports: QoS 0 or 1 (absent: 2).
        maximum_qos: QoS = MaximumQoS,
        /// Whether retained messages are supported (absent: yes).
        retain_available: bool = RetainAvailable,
        /// Largest packet the server accepts (absent: no limit but the protocol's).
        maximum_packet_size: NonZeroU32 = MaximumPacketSize,
        /// Whether wildcard subscriptions are supported (absent: yes).
        wildcard_subscription_available: bool = WildcardSubscriptionAvailable,
        /// Whether subscription identifiers are supported (absent: yes).
        subscription_identifiers_available: bool = SubscriptionIdentifierAvailable,
        /// Whether shared subscriptions are supported (absent: yes).
        shared_subscription_available: bool = SharedSubscriptionAvailable,
    }
}

properties! {
    /// Properties of PUBLISH (MQTT 5.0 section 3.3.2.3).
    PublishProperties {
        /// Whether the payload is UTF-8 text.
        payload_format_indicator: PayloadFormat = PayloadFormatIndicator,
        /// Seconds the message lives.
        message_expiry_interval: u32 = MessageExpiryInterval,
        /// MIME type (or any description) of the payload.
        content_type: ByteString = ContentType,
        /// Topic for a response (request/response pattern).
        response_topic: TopicName = ResponseTopic,
        /// Data that ties a response to its request.
        correlation_data: Bytes = CorrelationData,
    }
    repeated {
        /// Identifiers of the subscriptions that matched (server to client only
        /// [MQTT-3.3.4-6]).
        subscription_identifiers: SubscriptionId = SubscriptionIdentifier,
    }
    then {
        /// Number that stands for the topic on this connection (never 0 [MQTT-3.3.2-8]);
        /// with an empty topic name, the topic set by an earlier PUBLISH with this alias.
        topic_alias: NonZeroU16 = TopicAlias,
    }
}

properties! {
    /// Properties of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK (MQTT 5.0 sections
    /// 3.4.2.2, 3.5.2.2, 3.6.2.2, 3.7.2.2, 3.9.2.1, 3.11.2.1): a reason string and user
    /// properties.
    AckProperties {
        /// Human-readable diagnostic.
        reason_string: ByteString = ReasonString,
    }
}

/// Properties of PUBACK (the same as every acknowledgement's).
pub type PubAckProperties = AckProperties;
/// Properties of SUBACK (the same as every acknowledgement's).
pub type SubAckProperties = AckProperties;
/// Properties of UNSUBACK (the same as every acknowledgement's).
pub type UnsubAckProperties = AckProperties;

properties! {
    /// Properties of SUBSCRIBE (MQTT 5.0 section 3.8.2.1).
    SubscribeProperties {
        /// Identifier the server puts in the PUBLISH packets these subscriptions cause.
        subscription_identifier: SubscriptionId = SubscriptionIdentifier,
    }
}

properties! {
    /// Properties of UNSUBSCRIBE (MQTT 5.0 section 3.10.2.1): user properties only.
    UnsubscribeProperties {}
}

properties! {
    /// Properties of DISCONNECT (MQTT 5.0 section 3.14.2.2).
    DisconnectProperties {
        /// New session expiry interval (client only [MQTT-3.14.2-2]).
        session_expiry_interval: u32 = SessionExpiryInterval,
        /// Another server to use.
        server_reference: ByteString = ServerReference,
        /// Human-readable diagnostic.
        reason_string: ByteString = ReasonString,
    }
}

properties! {
    /// Properties of AUTH (MQTT 5.0 section 3.15.2.2).
    AuthProperties {
        /// Method of enhanced authentication.
        authentication_method: ByteString = AuthenticationMethod,
        /// Data of enhanced authentication.
        authentication_data: Bytes = AuthenticationData,
        /// Human-readable diagnostic.
        reason_string: ByteString = ReasonString,
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::*;
    use crate::{DecodeError, PacketType, PropertyId};

    #[test]
    fn unknown_property_identifier_is_malformed() {
        // MQTT 5.0 section 2.2.2.2
        let err = decode_hex("4006000100020500", V5).unwrap_err();
        assert_eq!(err, DecodeError::UnknownProperty { id: 5 });
        assert_eq!(
            err.disconnect_reason(),
            crate::DisconnectReasonCode::MalformedPacket
        );
    }

    #[test]
    fn flags_are_0_or_1() {
        // MQTT 5.0 sections 3.2.2.3.5, 3.2.2.3.11..13: Protocol Error.
        assert_eq!(
            decode_hex("20050000022502", V5),
            Err(DecodeError::InvalidPropertyValue {
                property: PropertyId::RetainAvailable,
                value: 2
            })
        );
    }

    #[test]
    fn receive_maximum_and_maximum_packet_size_are_not_0() {
        // MQTT 5.0 sections 3.2.2.3.3 and 3.2.2.3.6
        assert_eq!(
            decode_hex("2006000003210000", V5),
            Err(DecodeError::InvalidPropertyValue {
                property: PropertyId::ReceiveMaximum,
                value: 0
            })
        );
        assert_eq!(
            decode_hex("200800000527 00000000".replace(' ', "").as_str(), V5),
            Err(DecodeError::InvalidPropertyValue {
                property: PropertyId::MaximumPacketSize,
                value: 0
            })
        );
    }

    #[test]
    fn property_block_longer_than_the_packet_is_malformed() {
        assert_eq!(
            decode_hex("20030000 05".replace(' ', "").as_str(), V5),
            Err(DecodeError::Truncated {
                packet_type: PacketType::ConnAck
            })
        );
    }

    #[test]
    fn user_property_strings_are_checked() {
        // MQTT 5.0 section 1.5.7 / [MQTT-1.5.7-1]
        assert_eq!(
            decode_hex(
                "400b0001 00 07 26 0001 ff 0001 61"
                    .replace(' ', "")
                    .as_str(),
                V5
            ),
            Err(DecodeError::InvalidUtf8)
        );
    }
}
