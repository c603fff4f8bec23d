//! Parsing broker addresses: every form users write, and a typed error for everything else.

// Test code: a failed set-up step should panic on the spot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use mqtt_kit_transport::{AddressError, BrokerAddress, Host};

fn parse(text: &str) -> BrokerAddress {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn parse_err(text: &str) -> AddressError {
    match text.parse::<BrokerAddress>() {
        Ok(address) => panic!("{text:?} should not parse, got {address:?}"),
        Err(e) => e,
    }
}

fn name(host: &str) -> Host {
    Host::Name(host.to_owned())
}

#[test]
fn tcp_schemes_default_to_port_1883() {
    for text in [
        "mqtt://broker.example",
        "tcp://broker.example",
        "MQTT://broker.example/",
    ] {
        assert_eq!(
            parse(text),
            BrokerAddress::Tcp {
                host: name("broker.example"),
                port: 1883
            },
            "{text}"
        );
    }
}

#[test]
fn tls_schemes_default_to_port_8883() {
    for text in [
        "mqtts://broker.example",
        "ssl://broker.example",
        "tls://broker.example",
    ] {
        assert_eq!(
            parse(text),
            BrokerAddress::Tls {
                host: name("broker.example"),
                port: 8883
            },
            "{text}"
        );
    }
}

#[test]
fn websocket_defaults_to_port_80_and_path_mqtt() {
    assert_eq!(
        parse("ws://broker.example"),
        BrokerAddress::WebSocket {
            host: name("broker.example"),
            port: 80,
            path: "/mqtt".into()
        }
    );
}

#[test]
fn secure_websocket_defaults_to_port_443_and_path_mqtt() {
    assert_eq!(
        parse("wss://broker.example"),
        BrokerAddress::SecureWebSocket {
            host: name("broker.example"),
            port: 443,
            path: "/mqtt".into()
        }
    );
}

#[test]
fn websocket_keeps_an_explicit_path_and_query() {
    assert_eq!(parse("ws://h:9001/").path(), Some("/"));
    assert_eq!(
        parse("wss://h/ws/mqtt?token=abc").path(),
        Some("/ws/mqtt?token=abc")
    );
    assert_eq!(parse("ws://h?x=1").path(), Some("/?x=1"));
}

#[test]
fn explicit_ports_override_defaults() {
    assert_eq!(parse("mqtt://h:1884").port(), Some(1884));
    assert_eq!(parse("mqtts://h:65535").port(), Some(65535));
    assert_eq!(parse("ws://h:8080/mqtt").port(), Some(8080));
}

#[test]
fn bare_host_and_host_port_are_tcp_like_luamqtt() {
    assert_eq!(
        parse("localhost"),
        BrokerAddress::Tcp {
            host: name("localhost"),
            port: 1883
        }
    );
    assert_eq!(
        parse("localhost:1884"),
        BrokerAddress::Tcp {
            host: name("localhost"),
            port: 1884
        }
    );
    assert_eq!(
        parse("10.0.0.1:2000"),
        BrokerAddress::Tcp {
            host: Host::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))),
            port: 2000
        }
    );
}

#[test]
fn ipv6_literals_in_brackets() {
    let loopback = Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(
        parse("[::1]:1883"),
        BrokerAddress::Tcp {
            host: loopback.clone(),
            port: 1883
        }
    );
    assert_eq!(
        parse("[::1]"),
        BrokerAddress::Tcp {
            host: loopback.clone(),
            port: 1883
        }
    );
    assert_eq!(
        parse("mqtts://[::1]:8884"),
        BrokerAddress::Tls {
            host: loopback.clone(),
            port: 8884
        }
    );
    assert_eq!(
        parse("wss://[fe80::1]/x"),
        BrokerAddress::SecureWebSocket {
            host: Host::Ip("fe80::1".parse().unwrap()),
            port: 443,
            path: "/x".into()
        }
    );
}

#[test]
fn unix_socket_paths() {
    assert_eq!(
        parse("unix:///run/mosquitto/mqtt.sock"),
        BrokerAddress::Unix {
            path: PathBuf::from("/run/mosquitto/mqtt.sock")
        }
    );
    assert_eq!(
        parse("unix://relative.sock"),
        BrokerAddress::Unix {
            path: "relative.sock".into()
        }
    );
}

#[test]
fn display_writes_a_url_that_parses_back() {
    for text in [
        "mqtt://broker.example:1883",
        "mqtts://127.0.0.1:8883",
        "ws://[::1]:80/mqtt",
        "wss://h:443/path?q=1",
        "unix:///tmp/broker.sock",
    ] {
        let address = parse(text);
        assert_eq!(address.to_string(), text);
        assert_eq!(parse(&address.to_string()), address);
    }
    assert_eq!(parse("localhost").to_string(), "mqtt://localhost:1883");
}

#[test]
fn accessors_describe_the_address() {
    let address = parse("wss://h:444/p");
    assert_eq!(address.scheme(), "wss");
    assert_eq!(address.host(), Some(&name("h")));
    assert!(address.uses_tls());
    assert!(!parse("ws://h").uses_tls());
    let unix = parse("unix:///s");
    assert_eq!((unix.host(), unix.port(), unix.path()), (None, None, None));
}

#[test]
fn malformed_addresses_are_typed_errors() {
    assert_eq!(parse_err(""), AddressError::Empty);
    assert_eq!(
        parse_err("http://h"),
        AddressError::UnknownScheme {
            scheme: "http".into()
        }
    );
    assert_eq!(parse_err("mqtt://"), AddressError::MissingHost);
    assert_eq!(parse_err("mqtt://:1883"), AddressError::MissingHost);
    assert_eq!(
        parse_err("mqtt://h:"),
        AddressError::InvalidPort { port: "".into() }
    );
    assert_eq!(
        parse_err("mqtt://h:0"),
        AddressError::InvalidPort { port: "0".into() }
    );
    assert_eq!(
        parse_err("mqtt://h:65536"),
        AddressError::InvalidPort {
            port: "65536".into()
        }
    );
    assert_eq!(
        parse_err("h:+1"),
        AddressError::InvalidPort { port: "+1".into() }
    );
    assert_eq!(
        parse_err("h:port"),
        AddressError::InvalidPort {
            port: "port".into()
        }
    );
    assert_eq!(
        parse_err("mqtt://bad!host"),
        AddressError::InvalidHost {
            host: "bad!host".into()
        }
    );
    assert_eq!(
        parse_err("mqtt://256.1.1.1"),
        AddressError::InvalidHost {
            host: "256.1.1.1".into()
        }
    );
    assert_eq!(
        parse_err("mqtt://bücher.de"),
        AddressError::InvalidHost {
            host: "bücher.de".into()
        }
    );
    assert_eq!(
        parse_err("::1"),
        AddressError::UnbracketedIpv6 { host: "::1".into() }
    );
    assert_eq!(
        parse_err("mqtt://::1:1883"),
        AddressError::UnbracketedIpv6 {
            host: "::1:1883".into()
        }
    );
    assert_eq!(
        parse_err("[::1"),
        AddressError::InvalidIpv6 {
            host: "[::1".into()
        }
    );
    assert_eq!(
        parse_err("[::1]1883"),
        AddressError::InvalidIpv6 {
            host: "[::1]1883".into()
        }
    );
    assert_eq!(
        parse_err("[nope]:1883"),
        AddressError::InvalidIpv6 {
            host: "[nope]".into()
        }
    );
    assert_eq!(
        parse_err("mqtt://user:pw@h"),
        AddressError::CredentialsInAddress
    );
    assert_eq!(
        parse_err("mqtts://h/topic"),
        AddressError::PathNotAllowed {
            scheme: "mqtts".into(),
            path: "/topic".into()
        }
    );
    assert_eq!(
        parse_err("ws://h/mqtt#x"),
        AddressError::FragmentNotAllowed {
            path: "/mqtt#x".into()
        }
    );
    assert_eq!(parse_err("unix://"), AddressError::MissingSocketPath);
    assert_eq!(
        parse_err("mqtt://h :1883"),
        AddressError::InvalidCharacter { character: ' ' }
    );
    assert_eq!(
        parse_err("mqtt://h\n"),
        AddressError::InvalidCharacter { character: '\n' }
    );
}

#[test]
fn errors_explain_themselves() {
    let message = parse_err("http://h").to_string();
    assert!(
        message.contains("\"http\"") && message.contains("mqtts://"),
        "{message}"
    );
    let message = parse_err("::1").to_string();
    assert!(message.contains("[::1]:1883"), "{message}");
}

#[test]
fn host_parses_alone_and_displays_as_in_a_url() {
    assert_eq!(
        "[::1]".parse::<Host>(),
        Ok(Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)))
    );
    assert_eq!(
        "::1".parse::<Host>(),
        Ok(Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)))
    );
    assert_eq!(Host::from(Ipv6Addr::LOCALHOST).to_string(), "[::1]");
    assert_eq!(Host::from(Ipv6Addr::LOCALHOST).to_unbracketed(), "::1");
    assert_eq!(Host::from(Ipv4Addr::LOCALHOST).to_string(), "127.0.0.1");
    assert_eq!(name("a-b.c_d").to_string(), "a-b.c_d");
}
