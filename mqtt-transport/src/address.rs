//! Broker addresses: what a user writes (`mqtts://broker.example:8883`) and what a connector
//! needs (a transport, a host, a port, a path).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::str::FromStr;

/// Port of plain MQTT over TCP (`mqtt://`, `tcp://`, bare `host`).
pub const MQTT_PORT: u16 = 1883;
/// Port of MQTT over TLS (`mqtts://`, `ssl://`).
pub const MQTTS_PORT: u16 = 8883;
/// Port of MQTT over WebSocket (`ws://`), the HTTP port.
pub const WS_PORT: u16 = 80;
/// Port of MQTT over secure WebSocket (`wss://`), the HTTPS port.
pub const WSS_PORT: u16 = 443;
/// Path of the WebSocket endpoint when the address names none; most brokers serve MQTT there.
pub const DEFAULT_WEBSOCKET_PATH: &str = "/mqtt";

/// The longest host name DNS allows (RFC 1035, in its dotted text form).
const MAX_HOST_NAME_LEN: usize = 253;

/// The host part of a network address: a DNS name or an IP literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name, resolved when connecting (ASCII; internationalised names in punycode).
    Name(String),
    /// An IPv4 or IPv6 literal, used as it is.
    Ip(IpAddr),
}

impl Host {
    /// Parses a host as written in a URL: a name, an IPv4 literal, or an IPv6 literal with or
    /// without its brackets.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return inner
                .parse::<Ipv6Addr>()
                .map(|ip| Host::Ip(IpAddr::V6(ip)))
                .map_err(|_| AddressError::InvalidIpv6 {
                    host: text.to_owned(),
                });
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Host::Ip(ip));
        }
        if text.is_empty() {
            return Err(AddressError::MissingHost);
        }
        let valid_chars = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        // Digits and dots only, yet not an IPv4 address: `256.1.1.1`, `1.2.3`; a typo, not a name.
        let looks_numeric = text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !valid_chars || looks_numeric || text.len() > MAX_HOST_NAME_LEN {
            return Err(AddressError::InvalidHost {
                host: text.to_owned(),
            });
        }
        Ok(Host::Name(text.to_owned()))
    }

    /// The host as a DNS name or IP text, without IPv6 brackets (what TLS and resolvers take).
    pub fn to_unbracketed(&self) -> String {
        match self {
            Host::Name(name) => name.clone(),
            Host::Ip(ip) => ip.to_string(),
        }
    }
}

impl fmt::Display for Host {
    /// Writes the host as in a URL: IPv6 literals in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
        }
    }
}

impl From<IpAddr> for Host {
    fn from(ip: IpAddr) -> Self {
        Host::Ip(ip)
    }
}

impl From<Ipv4Addr> for Host {
    fn from(ip: Ipv4Addr) -> Self {
        Host::Ip(IpAddr::V4(ip))
    }
}

impl From<Ipv6Addr> for Host {
    fn from(ip: Ipv6Addr) -> Self {
        Host::Ip(IpAddr::V6(ip))
    }
}

impl FromStr for Host {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Host::parse(text)
    }
}

/// Where a broker listens and how to reach it.
///
/// Parse one from the forms users write:
///
/// | written | transport | default port |
/// | --- | --- | --- |
/// | `mqtt://host`, `tcp://host`, `host`, `host:port` | TCP | 1883 |
/// | `mqtts://host`, `ssl://host` | TLS | 8883 |
/// | `ws://host/path` | WebSocket (path `/mqtt` if none) | 80 |
/// | `wss://host/path` | WebSocket over TLS (path `/mqtt` if none) | 443 |
/// | `unix:///path/to/socket` | Unix domain socket | none |
///
/// IPv6 literals go in brackets: `mqtt://[::1]:1883`, `[::1]`. Schemes are case-insensitive.
///
/// ```
/// use mqtt_kit_transport::{BrokerAddress, Host};
///
/// let address: BrokerAddress = "mqtts://broker.example".parse()?;
/// assert_eq!(address, BrokerAddress::Tls { host: Host::Name("broker.example".into()), port: 8883 });
/// assert_eq!(address.to_string(), "mqtts://broker.example:8883");
///
/// let address: BrokerAddress = "ws://[::1]:9001".parse()?;
/// assert_eq!(address.port(), Some(9001));
/// assert_eq!(address.path(), Some("/mqtt"));
/// # Ok::<(), mqtt_kit_transport::AddressError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BrokerAddress {
    /// Plain MQTT over TCP.
    Tcp {
        /// Host to connect to.
        host: Host,
        /// TCP port.
        port: u16,
    },
    /// MQTT over TLS over TCP.
    Tls {
        /// Host to connect to; also the name the server's certificate must carry.
        host: Host,
        /// TCP port.
        port: u16,
    },
    /// MQTT over WebSocket over TCP.
    WebSocket {
        /// Host to connect to; also sent in the HTTP `Host` header.
        host: Host,
        /// TCP port.
        port: u16,
        /// HTTP path (and query, if any) of the WebSocket endpoint; starts with `/`.
        path: String,
    },
    /// MQTT over WebSocket over TLS over TCP.
    SecureWebSocket {
        /// Host to connect to; also the name the server's certificate must carry.
        host: Host,
        /// TCP port.
        port: u16,
        /// HTTP path (and query, if any) of the WebSocket endpoint; starts with `/`.
        path: String,
    },
    /// MQTT over a Unix domain socket (on Unix systems only).
    Unix {
        /// File system path of the socket.
        path: PathBuf,
    },
}

impl BrokerAddress {
    /// Parses an address; the same as [`str::parse`].
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        text.parse()
    }

    /// The URL scheme this address is written with when displayed (`mqtt`, `mqtts`, `ws`,
    /// `wss`, `unix`).
    pub fn scheme(&self) -> &'static str {
        match self {
            BrokerAddress::Tcp { .. } => "mqtt",
            BrokerAddress::Tls { .. } => "mqtts",
            BrokerAddress::WebSocket { .. } => "ws",
            BrokerAddress::SecureWebSocket { .. } => "wss",
            BrokerAddress::Unix { .. } => "unix",
        }
    }

    /// The host, for network addresses.
    pub fn host(&self) -> Option<&Host> {
        match self {
            BrokerAddress::Tcp { host, .. }
            | BrokerAddress::Tls { host, .. }
            | BrokerAddress::WebSocket { host, .. }
            | BrokerAddress::SecureWebSocket { host, .. } => Some(host),
            BrokerAddress::Unix { .. } => None,
        }
    }

    /// The TCP port, for network addresses.
    pub fn port(&self) -> Option<u16> {
        match self {
            BrokerAddress::Tcp { port, .. }
            | BrokerAddress::Tls { port, .. }
            | BrokerAddress::WebSocket { port, .. }
            | BrokerAddress::SecureWebSocket { port, .. } => Some(*port),
            BrokerAddress::Unix { .. } => None,
        }
    }

    /// The HTTP path of a WebSocket address.
    pub fn path(&self) -> Option<&str> {
        match self {
            BrokerAddress::WebSocket { path, .. } | BrokerAddress::SecureWebSocket { path, .. } => {
                Some(path)
            }
            _ => None,
        }
    }

    /// Whether the connection is encrypted with TLS (`mqtts://` and `wss://`).
    pub fn uses_tls(&self) -> bool {
        matches!(
            self,
            BrokerAddress::Tls { .. } | BrokerAddress::SecureWebSocket { .. }
        )
    }
}

impl fmt::Display for BrokerAddress {
    /// Writes the address as a URL that parses back to the same address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.scheme();
        match self {
            BrokerAddress::Tcp { host, port } | BrokerAddress::Tls { host, port } => {
                write!(f, "{scheme}://{host}:{port}")
            }
            BrokerAddress::WebSocket { host, port, path }
            | BrokerAddress::SecureWebSocket { host, port, path } => {
                write!(f, "{scheme}://{host}:{port}{path}")
            }
            BrokerAddress::Unix { path } => write!(f, "{scheme}://{}", path.display()),
        }
    }
}

/// The transports a URL scheme can name.
#[derive(Clone, Copy)]
enum SchemeKind {
    Tcp,
    Tls,
    WebSocket,
    SecureWebSocket,
    Unix,
}

impl SchemeKind {
    fn from_scheme(scheme: &str) -> Option<Self> {
        Some(match scheme.to_ascii_lowercase().as_str() {
            "mqtt" | "tcp" => SchemeKind::Tcp,
            "mqtts" | "ssl" | "tls" => SchemeKind::Tls,
            "ws" => SchemeKind::WebSocket,
            "wss" => SchemeKind::SecureWebSocket,
            "unix" => SchemeKind::Unix,
            _ => return None,
        })
    }

    fn default_port(self) -> u16 {
        match self {
            SchemeKind::Tcp | SchemeKind::Unix => MQTT_PORT,
            SchemeKind::Tls => MQTTS_PORT,
            SchemeKind::WebSocket => WS_PORT,
            SchemeKind::SecureWebSocket => WSS_PORT,
        }
    }
}

impl FromStr for BrokerAddress {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(AddressError::Empty);
        }
        if let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(AddressError::InvalidCharacter { character: bad });
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            // luamqtt's form: `host` or `host:port`, plain TCP.
            let (host, port) = parse_authority(text, MQTT_PORT)?;
            return Ok(BrokerAddress::Tcp { host, port });
        };
        let kind = SchemeKind::from_scheme(scheme).ok_or_else(|| AddressError::UnknownScheme {
            scheme: scheme.to_owned(),
        })?;
        if let SchemeKind::Unix = kind {
            if rest.is_empty() {
                return Err(AddressError::MissingSocketPath);
            }
            return Ok(BrokerAddress::Unix {
                path: PathBuf::from(rest),
            });
        }
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        let (host, port) = parse_authority(authority, kind.default_port())?;
        match kind {
            SchemeKind::Tcp | SchemeKind::Tls => {
                if !path.is_empty() && path != "/" {
                    return Err(AddressError::PathNotAllowed {
                        scheme: scheme.to_ascii_lowercase(),
                        path: path.to_owned(),
                    });
                }
                Ok(if let SchemeKind::Tcp = kind {
                    BrokerAddress::Tcp { host, port }
                } else {
                    BrokerAddress::Tls { host, port }
                })
            }
            SchemeKind::WebSocket | SchemeKind::SecureWebSocket => {
                let path = websocket_path(path)?;
                Ok(if let SchemeKind::WebSocket = kind {
                    BrokerAddress::WebSocket { host, port, path }
                } else {
                    BrokerAddress::SecureWebSocket { host, port, path }
                })
            }
            SchemeKind::Unix => Err(AddressError::MissingSocketPath),
        }
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port` into a host and a port.
fn parse_authority(authority: &str, default_port: u16) -> Result<(Host, u16), AddressError> {
    if authority.contains('@') {
        return Err(AddressError::CredentialsInAddress);
    }
    let (host_text, port_text) = if authority.starts_with('[') {
        let close = authority
            .find(']')
            .ok_or_else(|| AddressError::InvalidIpv6 {
                host: authority.to_owned(),
            })?;
        let (host, after) = authority.split_at(close + 1);
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => {
                    return Err(AddressError::InvalidIpv6 {
                        host: authority.to_owned(),
                    });
                }
            },
        }
    } else if authority.matches(':').count() > 1 {
        // `::1` or `::1:1883`: without brackets a port cannot be told from the address.
        return Err(AddressError::UnbracketedIpv6 {
            host: authority.to_owned(),
        });
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port_text {
        None => default_port,
        Some(port) => parse_port(port)?,
    };
    Ok((Host::parse(host_text)?, port))
}

fn parse_port(text: &str) -> Result<u16, AddressError> {
    let invalid = || AddressError::InvalidPort {
        port: text.to_owned(),
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(invalid()),
        Ok(port) => Ok(port),
    }
}

/// The path of a WebSocket address: `/mqtt` when none is written, a fragment refused (RFC 6455
/// section 3: WebSocket URIs have none).
fn websocket_path(path: &str) -> Result<String, AddressError> {
    if path.contains('#') {
        return Err(AddressError::FragmentNotAllowed {
            path: path.to_owned(),
        });
    }
    Ok(match path {
        "" => DEFAULT_WEBSOCKET_PATH.to_owned(),
        query if query.starts_with('?') => format!("/{query}"),
        path => path.to_owned(),
    })
}

/// Why a broker address could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// The address is an empty string.
    #[error("the broker address is empty")]
    Empty,
    /// The address contains a space or a control character.
    #[error("the broker address contains {character:?}, which no address may contain")]
    InvalidCharacter {
        /// The first offending character.
        character: char,
    },
    /// The scheme is not one this crate knows.
    #[error(
        "unknown scheme {scheme:?}: use mqtt://, tcp://, mqtts://, ssl://, ws://, wss:// or unix://"
    )]
    UnknownScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// No host between the scheme and the port or path.
    #[error("the broker address names no host")]
    MissingHost,
    /// The host is neither a valid DNS name nor an IP literal.
    #[error(
        "{host:?} is not a valid host name (letters, digits, '-', '.' and '_'; \
         internationalised names in punycode) nor an IP address"
    )]
    InvalidHost {
        /// The host as written.
        host: String,
    },
    /// An IPv6 literal without the brackets a URL requires.
    #[error("IPv6 addresses must be written in brackets, as in [::1]:1883, not {host:?}")]
    UnbracketedIpv6 {
        /// The host and port as written.
        host: String,
    },
    /// Text in brackets that is not an IPv6 address, or junk after the closing bracket.
    #[error("{host:?} is not a valid bracketed IPv6 address")]
    InvalidIpv6 {
        /// The host as written.
        host: String,
    },
    /// The port is not a number from 1 to 65535.
    #[error("{port:?} is not a valid port (1 to 65535)")]
    InvalidPort {
        /// The port as written.
        port: String,
    },
    /// `user:password@` in the address; credentials belong in the client's options, where
    /// they do not end up in logs.
    #[error(
        "user names and passwords are not accepted in the broker address; \
         set them in the client options"
    )]
    CredentialsInAddress,
    /// A path after a TCP or TLS address, where none has a meaning.
    #[error("{scheme}:// addresses have no path, but {path:?} was given")]
    PathNotAllowed {
        /// The scheme as written (lower case).
        scheme: String,
        /// The path as written.
        path: String,
    },
    /// A `#fragment` in a WebSocket address.
    #[error("WebSocket addresses cannot have a #fragment ({path:?})")]
    FragmentNotAllowed {
        /// The path as written.
        path: String,
    },
    /// `unix://` with nothing after it.
    #[error("unix:// addresses need a socket path, as in unix:///run/mosquitto.sock")]
    MissingSocketPath,
}
