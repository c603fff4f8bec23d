//! Which protocol versions a broker speaks, seen on the wire: a bare CONNECT of each version
//! over plain TCP, and what comes back. A version the broker refuses makes every case of it
//! `n/a`, with the answer as the reason (aedes speaks no MQTT 5.0, rumqttd no 3.1).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use super::Endpoint;
use crate::conformance::matrix::Version;

/// How long the broker may take to answer.
const ANSWER_TIME: Duration = Duration::from_secs(3);

/// `Ok` when the broker at `endpoint` (plain TCP) accepts a CONNECT of `version`; else what
/// it answered.
pub fn accepts(endpoint: &Endpoint, version: Version) -> Result<(), String> {
    let port = endpoint
        .port()
        .ok_or_else(|| format!("no port in {}", endpoint.url))?;
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("could not connect to {}: {e}", endpoint.url))?;
    let _ = socket.set_read_timeout(Some(ANSWER_TIME));
    socket
        .write_all(&connect(version))
        .map_err(|e| format!("could not send CONNECT: {e}"))?;
    let mut answer = [0u8; 4];
    let mut read = 0;
    while read < answer.len() {
        match socket.read(&mut answer[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(_) if read == 0 => {
                return Err(format!(
                    "it did not answer a {version} CONNECT within {} s",
                    ANSWER_TIME.as_secs()
                ));
            }
            Err(_) => break,
        }
    }
    let outcome = judge(version, &answer[..read]);
    if outcome.is_ok() {
        let _ = socket.write_all(&[0xE0, 0x00]); // DISCONNECT
    }
    outcome
}

/// What an answer to a CONNECT of `version` means.
fn judge(version: Version, answer: &[u8]) -> Result<(), String> {
    match answer {
        [] => Err(format!(
            "it closed the connection on a {version} CONNECT (protocol level {}) without a \
             CONNACK",
            level(version)
        )),
        [0x20, _, _, 0x00] => Ok(()),
        [0x20, _, _, code] => Err(format!(
            "it answered a {version} CONNECT (protocol level {}) with CONNACK code 0x{code:02X}{}",
            level(version),
            if *code == 0x01 || *code == 0x84 {
                " (unsupported protocol version)"
            } else {
                ""
            }
        )),
        other => Err(format!(
            "it answered a {version} CONNECT with the bytes {other:02X?}, not a CONNACK"
        )),
    }
}

fn level(version: Version) -> u8 {
    match version {
        Version::V3_1 => 3,
        Version::V3_1_1 => 4,
        Version::V5 => 5,
    }
}

/// A CONNECT of `version`: clean session, keep alive 60 s, client id `xc-probe-<level>`.
fn connect(version: Version) -> Vec<u8> {
    let name: &[u8] = if version == Version::V3_1 {
        b"MQIsdp"
    } else {
        b"MQTT"
    };
    let id = format!("xc-probe-{}-{}", level(version), std::process::id());
    let mut body = Vec::new();
    body.extend_from_slice(&[0, name.len() as u8]);
    body.extend_from_slice(name);
    body.extend_from_slice(&[level(version), 0x02, 0, 60]);
    if version.is_v5() {
        body.push(0); // no properties
    }
    body.extend_from_slice(&[0, id.len() as u8]);
    body.extend_from_slice(id.as_bytes());
    let mut packet = vec![0x10, body.len() as u8];
    packet.extend_from_slice(&body);
    packet
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged() {
        assert_eq!(judge(Version::V5, &[0x20, 0x03, 0x00, 0x00]), Ok(()));
        let refused = judge(Version::V5, &[0x20, 0x02, 0x00, 0x01]).unwrap_err();
        assert!(refused.contains("0x01") && refused.contains("unsupported"));
        assert!(judge(Version::V3_1, &[]).unwrap_err().contains("level 3"));
    }

    #[test]
    fn connect_is_well_formed() {
        let packet = connect(Version::V5);
        assert_eq!(packet[0], 0x10);
        assert_eq!(usize::from(packet[1]), packet.len() - 2);
        assert_eq!(&packet[4..8], b"MQTT");
        assert_eq!(packet[8], 5);
    }
}
