//! The MQTT bytes the tests exchange, written by hand (this crate knows nothing of packets).

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use mqtt_kit_transport::BoxedStream;

/// An MQTT 3.1.1 CONNECT: clean session, keep alive 60 s, the given client id.
pub fn connect_packet(client_id: &str) -> Vec<u8> {
    let id = client_id.as_bytes();
    let mut variable = vec![0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c];
    variable.extend_from_slice(&(id.len() as u16).to_be_bytes());
    variable.extend_from_slice(id);
    assert!(variable.len() < 128, "one-byte remaining length only");
    let mut packet = vec![0x10, variable.len() as u8];
    packet.extend(variable);
    packet
}

/// The CONNACK of an accepted 3.1.1 connection without a session.
pub const CONNACK_ACCEPTED: [u8; 4] = [0x20, 0x02, 0x00, 0x00];

/// Sends a CONNECT and reads the 4-byte CONNACK that answers it.
pub async fn connect_and_read_connack(
    stream: &mut BoxedStream,
    client_id: &str,
) -> std::io::Result<[u8; 4]> {
    stream.write_all(&connect_packet(client_id)).await?;
    stream.flush().await?;
    let mut connack = [0; 4];
    stream.read_exact(&mut connack).await?;
    Ok(connack)
}
