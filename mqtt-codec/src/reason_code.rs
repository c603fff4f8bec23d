//! Reason codes: one enum per packet kind, with exactly the codes MQTT 5.0 allows there
//! (section 2.4 and each packet's Reason Code table).
//!
//! MQTT 3.x uses a few of them too: the CONNACK return codes map onto [`ConnectReasonCode`]
//! ([`ConnectReasonCode::from_v3`], [`ConnectReasonCode::to_v3`]) and the SUBACK return codes
//! 0x00, 0x01, 0x02 and 0x80 are the same bytes as in 5.0.

use core::fmt;

/// A byte that is not one of the reason codes a packet kind allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{code:#04x} is not a {kind} reason code")]
pub struct UnknownReasonCode {
    /// The packet kind whose codes were expected (for example `"PUBACK"`).
    pub kind: &'static str,
    /// The byte.
    pub code: u8,
}

macro_rules! reason_codes {
    (
        $(#[$doc:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vdoc:meta])* $variant:ident = $value:literal => $text:literal, )+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$vdoc])* $variant = $value, )+
        }

        impl $name {
            /// Every code of this kind, in numeric order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The code's byte on the wire.
            #[inline]
            pub const fn code(self) -> u8 {
                self as u8
            }

            /// Whether the code reports a failure (0x80 and above).
            #[inline]
            pub const fn is_error(self) -> bool {
                self as u8 >= 0x80
            }

            /// The name the specification gives the code.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }
        }

        impl TryFrom<u8> for $name {
            type Error = UnknownReasonCode;

            #[inline]
            fn try_from(code: u8) -> Result<Self, UnknownReasonCode> {
                match code {
                    $( $value => Ok(Self::$variant), )+
                    _ => Err(UnknownReasonCode { kind: $kind, code }),
                }
            }
        }

        impl From<$name> for u8 {
            #[inline]
            fn from(code: $name) -> u8 {
                code as u8
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} ({:#04x})", self.name(), self.code())
            }
        }
    };
}

reason_codes! {
    /// The result of a connection attempt, in CONNACK (MQTT 5.0 section 3.2.2.2; 3.x return
    /// codes through [`ConnectReasonCode::from_v3`]).
    ConnectReasonCode, "CONNACK" {
        /// The connection is accepted.
        Success = 0x00 => "Success",
        /// The server does not wish to reveal the reason, or none of the others applies.
        UnspecifiedError = 0x80 => "Unspecified error",
        /// The CONNECT could not be parsed.
        MalformedPacket = 0x81 => "Malformed Packet",
        /// The CONNECT broke the protocol.
        ProtocolError = 0x82 => "Protocol Error",
        /// Valid, but refused by this server.
        ImplementationSpecificError = 0x83 => "Implementation specific error",
        /// The server does not speak the requested protocol version (3.x return code 1).
        UnsupportedProtocolVersion = 0x84 => "Unsupported Protocol Version",
        /// The client identifier is not allowed (3.x return code 2).
        ClientIdentifierNotValid = 0x85 => "Client Identifier not valid",
        /// The user name or password is wrong (3.x return code 4).
        BadUserNameOrPassword = 0x86 => "Bad User Name or Password",
        /// The client is not authorized to connect (3.x return code 5).
        NotAuthorized = 0x87 => "Not authorized",
        /// The server is not available (3.x return code 3).
        ServerUnavailable = 0x88 => "Server unavailable",
        /// The server is busy: try again later.
        ServerBusy = 0x89 => "Server busy",
        /// This client is banned.
        Banned = 0x8A => "Banned",
        /// The authentication method is not supported or does not match the one in use.
        BadAuthenticationMethod = 0x8C => "Bad authentication method",
        /// The Will topic is not accepted.
        TopicNameInvalid = 0x90 => "Topic Name invalid",
        /// The CONNECT exceeded the maximum packet size.
        PacketTooLarge = 0x95 => "Packet too large",
        /// A quota was exceeded.
        QuotaExceeded = 0x97 => "Quota exceeded",
        /// The Will payload does not match its Payload Format Indicator.
        PayloadFormatInvalid = 0x99 => "Payload format invalid",
        /// The server does not support retained messages and the Will asked for one.
        RetainNotSupported = 0x9A => "Retain not supported",
        /// The server does not support the Will QoS.
        QoSNotSupported = 0x9B => "QoS not supported",
        /// Use another server for now (see Server Reference).
        UseAnotherServer = 0x9C => "Use another server",
        /// Use another server from now on (see Server Reference).
        ServerMoved = 0x9D => "Server moved",
        /// Too many connection attempts.
        ConnectionRateExceeded = 0x9F => "Connection rate exceeded",
    }
}

impl ConnectReasonCode {
    /// The code for an MQTT 3.x CONNACK return code (0 to 5); `None` for the reserved values
    /// 6 to 255.
    pub const fn from_v3(return_code: u8) -> Option<Self> {
        match return_code {
            0 => Some(Self::Success),
            1 => Some(Self::UnsupportedProtocolVersion),
            2 => Some(Self::ClientIdentifierNotValid),
            3 => Some(Self::ServerUnavailable),
            4 => Some(Self::BadUserNameOrPassword),
            5 => Some(Self::NotAuthorized),
            _ => None,
        }
    }

    /// The MQTT 3.x CONNACK return code for this code; `None` for codes that exist only in 5.0.
    pub const fn to_v3(self) -> Option<u8> {
        match self {
            Self::Success => Some(0),
            Self::UnsupportedProtocolVersion => Some(1),
            Self::ClientIdentifierNotValid => Some(2),
            Self::ServerUnavailable => Some(3),
            Self::BadUserNameOrPassword => Some(4),
            Self::NotAuthorized => Some(5),
            _ => None,
        }
    }
}

/// PUBACK and PUBREC share one list of codes (MQTT 5.0 sections 3.4.2.1 and 3.5.2.1).
macro_rules! publish_result_codes {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        reason_codes! {
            $(#[$doc])*
            $name, $kind {
                /// The message is accepted.
                Success = 0x00 => "Success",
                /// Accepted, but nobody subscribes to it.
                NoMatchingSubscribers = 0x10 => "No matching subscribers",
                /// Not accepted, for no reason given.
                UnspecifiedError = 0x80 => "Unspecified error",
                /// Valid, but refused by this receiver.
                ImplementationSpecificError = 0x83 => "Implementation specific error",
                /// The sender may not publish this.
                NotAuthorized = 0x87 => "Not authorized",
                /// The topic name is valid but not accepted.
                TopicNameInvalid = 0x90 => "Topic Name invalid",
                /// The packet identifier is already in use.
                PacketIdentifierInUse = 0x91 => "Packet identifier in use",
                /// A quota was exceeded.
                QuotaExceeded = 0x97 => "Quota exceeded",
                /// The payload does not match its Payload Format Indicator.
                PayloadFormatInvalid = 0x99 => "Payload format invalid",
            }
        }
    };
}

publish_result_codes!(
    /// The result of a QoS 1 PUBLISH, in PUBACK (MQTT 5.0 section 3.4.2.1).
    PubAckReasonCode, "PUBACK"
);
publish_result_codes!(
    /// The result of the first step of a QoS 2 PUBLISH, in PUBREC (MQTT 5.0 section 3.5.2.1).
    PubRecReasonCode, "PUBREC"
);

/// PUBREL and PUBCOMP share one list of codes (MQTT 5.0 sections 3.6.2.1 and 3.7.2.1).
macro_rules! release_codes {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        reason_codes! {
            $(#[$doc])*
            $name, $kind {
                /// The packet identifier is released.
                Success = 0x00 => "Success",
                /// The packet identifier is not known (the session may have been lost).
                PacketIdentifierNotFound = 0x92 => "Packet Identifier not found",
            }
        }
    };
}

release_codes!(
    /// The release of a QoS 2 message after PUBREC, in PUBREL (MQTT 5.0 section 3.6.2.1).
    PubRelReasonCode, "PUBREL"
);
release_codes!(
    /// The end of a QoS 2 exchange, in PUBCOMP (MQTT 5.0 section 3.7.2.1).
    PubCompReasonCode, "PUBCOMP"
);

reason_codes! {
    /// The result of one subscription, in SUBACK (MQTT 5.0 section 3.9.3; 3.x return codes
    /// are 0x00, 0x01, 0x02 and 0x80 only [MQTT-3.9.3-2]).
    SubscribeReasonCode, "SUBACK" {
        /// Subscribed; messages come with at most QoS 0.
        GrantedQoS0 = 0x00 => "Granted QoS 0",
        /// Subscribed; messages come with at most QoS 1.
        GrantedQoS1 = 0x01 => "Granted QoS 1",
        /// Subscribed; messages come with at most QoS 2.
        GrantedQoS2 = 0x02 => "Granted QoS 2",
        /// Not subscribed, for no reason given (3.x: Failure).
        UnspecifiedError = 0x80 => "Unspecified error",
        /// Valid, but refused by this server.
        ImplementationSpecificError = 0x83 => "Implementation specific error",
        /// The client may not subscribe to this.
        NotAuthorized = 0x87 => "Not authorized",
        /// The filter is valid but not accepted.
        TopicFilterInvalid = 0x8F => "Topic Filter invalid",
        /// The packet identifier is already in use.
        PacketIdentifierInUse = 0x91 => "Packet Identifier in use",
        /// A quota was exceeded.
        QuotaExceeded = 0x97 => "Quota exceeded",
        /// The server does not support shared subscriptions.
        SharedSubscriptionsNotSupported = 0x9E => "Shared Subscriptions not supported",
        /// The server does not support subscription identifiers.
        SubscriptionIdentifiersNotSupported = 0xA1 => "Subscription Identifiers not supported",
        /// The server does not support wildcard subscriptions.
        WildcardSubscriptionsNotSupported = 0xA2 => "Wildcard Subscriptions not supported",
    }
}

impl SubscribeReasonCode {
    /// The code that grants `qos`.
    pub const fn granted(qos: crate::QoS) -> Self {
        match qos {
            crate::QoS::AtMostOnce => Self::GrantedQoS0,
            crate::QoS::AtLeastOnce => Self::GrantedQoS1,
            crate::QoS::ExactlyOnce => Self::GrantedQoS2,
        }
    }

    /// The QoS granted, or `None` for a failure.
    pub const fn granted_qos(self) -> Option<crate::QoS> {
        match self {
            Self::GrantedQoS0 => Some(crate::QoS::AtMostOnce),
            Self::GrantedQoS1 => Some(crate::QoS::AtLeastOnce),
            Self::GrantedQoS2 => Some(crate::QoS::ExactlyOnce),
            _ => None,
        }
    }

    /// Whether MQTT 3.x has this code (0x00, 0x01, 0x02, 0x80) [MQTT-3.9.3-2].
    pub const fn exists_in_v3(self) -> bool {
        matches!(
            self,
            Self::GrantedQoS0 | Self::GrantedQoS1 | Self::GrantedQoS2 | Self::UnspecifiedError
        )
    }
}

reason_codes! {
    /// The result of one unsubscription, in an MQTT 5.0 UNSUBACK (section 3.11.3).
    UnsubAckReasonCode, "UNSUBACK" {
        /// The subscription is deleted.
        Success = 0x00 => "Success",
        /// There was no such subscription.
        NoSubscriptionExisted = 0x11 => "No subscription existed",
        /// Not unsubscribed, for no reason given.
        UnspecifiedError = 0x80 => "Unspecified error",
        /// Valid, but refused by this server.
        ImplementationSpecificError = 0x83 => "Implementation specific error",
        /// The client may not unsubscribe from this.
        NotAuthorized = 0x87 => "Not authorized",
        /// The filter is valid but not accepted.
        TopicFilterInvalid = 0x8F => "Topic Filter invalid",
        /// The packet identifier is already in use.
        PacketIdentifierInUse = 0x91 => "Packet Identifier in use",
    }
}

reason_codes! {
    /// Why a connection ends, in an MQTT 5.0 DISCONNECT (section 3.14.2.1).
    #[derive(Default)]
    DisconnectReasonCode, "DISCONNECT" {
        /// Close normally; the Will is not published (the default).
        #[default]
        NormalDisconnection = 0x00 => "Normal disconnection",
        /// Close, but publish the Will (client only).
        DisconnectWithWillMessage = 0x04 => "Disconnect with Will Message",
        /// Close for no reason given.
        UnspecifiedError = 0x80 => "Unspecified error",
        /// A packet could not be parsed.
        MalformedPacket = 0x81 => "Malformed Packet",
        /// A packet broke the protocol.
        ProtocolError = 0x82 => "Protocol Error",
        /// Valid, but refused by this implementation.
        ImplementationSpecificError = 0x83 => "Implementation specific error",
        /// Not authorized.
        NotAuthorized = 0x87 => "Not authorized",
        /// The server is busy (server only).
        ServerBusy = 0x89 => "Server busy",
        /// The server is shutting down (server only).
        ServerShuttingDown = 0x8B => "Server shutting down",
        /// No packet came within the keep alive time (server only).
        KeepAliveTimeout = 0x8D => "Keep Alive timeout",
        /// Another connection took over this session (server only).
        SessionTakenOver = 0x8E => "Session taken over",
        /// The filter is valid but not accepted (server only).
        TopicFilterInvalid = 0x8F => "Topic Filter invalid",
        /// The topic name is valid but not accepted.
        TopicNameInvalid = 0x90 => "Topic Name invalid",
        /// More unacknowledged QoS 1 and 2 PUBLISH packets than Receive Maximum allows.
        ReceiveMaximumExceeded = 0x93 => "Receive Maximum exceeded",
        /// A topic alias was 0 or above the maximum.
        TopicAliasInvalid = 0x94 => "Topic Alias invalid",
        /// A packet exceeded the maximum packet size.
        PacketTooLarge = 0x95 => "Packet too large",
        /// Messages come too fast.
        MessageRateTooHigh = 0x96 => "Message rate too high",
        /// A quota was exceeded.
        QuotaExceeded = 0x97 => "Quota exceeded",
        /// Closed by an administrator.
        AdministrativeAction = 0x98 => "Administrative action",
        /// A payload does not match its Payload Format Indicator.
        PayloadFormatInvalid = 0x99 => "Payload format invalid",
        /// The server does not support retained messages (server only).
        RetainNotSupported = 0x9A => "Retain not supported",
        /// A QoS above Maximum QoS was used (server only).
        QoSNotSupported = 0x9B => "QoS not supported",
        /// Use another server for now (server only).
        UseAnotherServer = 0x9C => "Use another server",
        /// Use another server from now on (server only).
        ServerMoved = 0x9D => "Server moved",
        /// Shared subscriptions are not supported (server only).
        SharedSubscriptionsNotSupported = 0x9E => "Shared Subscriptions not supported",
        /// Too many connection attempts (server only).
        ConnectionRateExceeded = 0x9F => "Connection rate exceeded",
        /// The connection lasted as long as it may (server only).
        MaximumConnectTime = 0xA0 => "Maximum connect time",
        /// Subscription identifiers are not supported (server only).
        SubscriptionIdentifiersNotSupported = 0xA1 => "Subscription Identifiers not supported",
        /// Wildcard subscriptions are not supported (server only).
        WildcardSubscriptionsNotSupported = 0xA2 => "Wildcard Subscriptions not supported",
    }
}

reason_codes! {
    /// A step of enhanced authentication, in an MQTT 5.0 AUTH (section 3.15.2.1).
    AuthReasonCode, "AUTH" {
        /// Authentication succeeded.
        Success = 0x00 => "Success",
        /// Authentication goes on with another step.
        ContinueAuthentication = 0x18 => "Continue authentication",
        /// The client starts a new authentication (re-authentication).
        ReAuthenticate = 0x19 => "Re-authenticate",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn every_code_round_trips_and_others_are_refused() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + core::fmt::Debug + TryFrom<u8, Error = UnknownReasonCode>,
            u8: From<T>,
        {
            for byte in 0..=255u8 {
                match T::try_from(byte) {
                    Ok(code) => assert_eq!(u8::from(code), byte),
                    Err(e) => {
                        assert_eq!(e.code, byte);
                        assert!(!all.iter().any(|c| u8::from(*c) == byte));
                    }
                }
            }
            for code in all {
                assert_eq!(T::try_from(u8::from(*code)), Ok(*code));
            }
        }
        check(ConnectReasonCode::ALL);
        check(PubAckReasonCode::ALL);
        check(PubRecReasonCode::ALL);
        check(PubRelReasonCode::ALL);
        check(PubCompReasonCode::ALL);
        check(SubscribeReasonCode::ALL);
        check(UnsubAckReasonCode::ALL);
        check(DisconnectReasonCode::ALL);
        check(AuthReasonCode::ALL);
        assert_eq!(ConnectReasonCode::ALL.len(), 22);
        assert_eq!(DisconnectReasonCode::ALL.len(), 29);
        assert_eq!(SubscribeReasonCode::ALL.len(), 12);
    }

    #[test]
    fn is_error_from_0x80() {
        assert!(!PubAckReasonCode::NoMatchingSubscribers.is_error());
        assert!(PubAckReasonCode::UnspecifiedError.is_error());
        assert!(!DisconnectReasonCode::DisconnectWithWillMessage.is_error());
        assert!(SubscribeReasonCode::UnspecifiedError.is_error());
    }

    #[test]
    fn display_uses_the_spec_name() {
        assert_eq!(
            DisconnectReasonCode::MalformedPacket.to_string(),
            "Malformed Packet (0x81)"
        );
        assert_eq!(
            UnknownReasonCode {
                kind: "PUBACK",
                code: 3
            }
            .to_string(),
            "0x03 is not a PUBACK reason code"
        );
    }

    #[test]
    fn v3_connack_return_codes() {
        for rc in 0..=5 {
            assert_eq!(
                ConnectReasonCode::from_v3(rc).and_then(ConnectReasonCode::to_v3),
                Some(rc)
            );
        }
        assert_eq!(ConnectReasonCode::from_v3(6), None);
        assert_eq!(ConnectReasonCode::Banned.to_v3(), None);
    }

    #[test]
    fn v3_suback_codes() {
        let v3: alloc::vec::Vec<u8> = SubscribeReasonCode::ALL
            .iter()
            .filter(|c| c.exists_in_v3())
            .map(|c| c.code())
            .collect();
        assert_eq!(v3, [0x00, 0x01, 0x02, 0x80]);
    }
}
