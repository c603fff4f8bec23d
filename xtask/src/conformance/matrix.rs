//! The axes of the matrix: protocol versions and transports.

use std::fmt;

/// An MQTT protocol version the scenarios run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// MQTT 3.1 (protocol level 3).
    V3_1,
    /// MQTT 3.1.1 (protocol level 4).
    V3_1_1,
    /// MQTT 5.0 (protocol level 5).
    V5,
}

impl Version {
    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Version::V3_1 => "3.1",
            Version::V3_1_1 => "3.1.1",
            Version::V5 => "5.0",
        }
    }

    /// Parses a name as [`name`](Self::name) writes it (also `5`, `v5`, `311`...).
    pub fn parse(text: &str) -> Option<Version> {
        match text.trim().trim_start_matches(['v', 'V']) {
            "3.1" | "31" => Some(Version::V3_1),
            "3.1.1" | "311" => Some(Version::V3_1_1),
            "5.0" | "5" | "50" => Some(Version::V5),
            _ => None,
        }
    }

    /// Whether this is MQTT 5.0.
    pub fn is_v5(self) -> bool {
        self == Version::V5
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the client reaches the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// MQTT over TCP.
    Tcp,
    /// MQTT over TLS, the server's certificate checked against our CA.
    Tls,
    /// MQTT over TLS with a client certificate (the broker requires one).
    Mtls,
    /// MQTT over WebSocket.
    Ws,
    /// MQTT over secure WebSocket.
    Wss,
}

impl Transport {
    /// Every transport, in table order.
    pub const ALL: [Transport; 5] = [
        Transport::Tcp,
        Transport::Tls,
        Transport::Mtls,
        Transport::Ws,
        Transport::Wss,
    ];

    /// TCP only.
    pub const TCP: &'static [Transport] = &[Transport::Tcp];

    /// The transports that carry TLS.
    pub const SECURE: &'static [Transport] = &[Transport::Tls, Transport::Wss];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
            Transport::Mtls => "mtls",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        }
    }

    /// Parses a name as [`name`](Self::name) writes it.
    pub fn parse(text: &str) -> Option<Transport> {
        Transport::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The URL scheme for this transport.
    pub fn scheme(self) -> &'static str {
        match self {
            Transport::Tcp => "mqtt",
            Transport::Tls | Transport::Mtls => "mqtts",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        }
    }

    /// The transport a broker URL's scheme names (`mqtts` is TLS without client certificate).
    pub fn from_scheme(scheme: &str) -> Option<Transport> {
        match scheme.to_ascii_lowercase().as_str() {
            "mqtt" | "tcp" => Some(Transport::Tcp),
            "mqtts" | "ssl" | "tls" => Some(Transport::Tls),
            "ws" => Some(Transport::Ws),
            "wss" => Some(Transport::Wss),
            _ => None,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for version in [Version::V3_1, Version::V3_1_1, Version::V5] {
            assert_eq!(Version::parse(version.name()), Some(version));
        }
        for transport in Transport::ALL {
            assert_eq!(Transport::parse(transport.name()), Some(transport));
        }
        assert_eq!(Version::parse("v5"), Some(Version::V5));
        assert_eq!(Version::parse("4"), None);
        assert_eq!(Transport::parse("quic"), None);
    }

    #[test]
    fn schemes_map_to_transports() {
        assert_eq!(Transport::from_scheme("mqtt"), Some(Transport::Tcp));
        assert_eq!(Transport::from_scheme("SSL"), Some(Transport::Tls));
        assert_eq!(Transport::from_scheme("wss"), Some(Transport::Wss));
        assert_eq!(Transport::from_scheme("http"), None);
    }
}
