//! Arbitrary bytes through the decoder, for every protocol version and through
//! `decode_connect`, with the protocol's limit and with a small one. Nothing may panic, and
//! every packet that decodes must survive a round trip: encoded again (with its own version),
//! it decodes to the same packet, in no more bytes than it came in (our encoding is the
//! shortest the standard allows), and every prefix of its bytes is an incomplete packet.
//!
//! The first input byte picks the small limit; the rest is the byte stream, decoded packet
//! after packet until it runs out or fails.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mqtt_kit_codec::bytes::BytesMut;
use mqtt_kit_codec::{
    DecodeLimits, EncodeError, Packet, ProtocolVersion, decode, decode_connect,
};

const VERSIONS: [ProtocolVersion; 3] = [
    ProtocolVersion::V3_1,
    ProtocolVersion::V3_1_1,
    ProtocolVersion::V5,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    // 0 to 255 bytes: small enough that many packets are refused from their fixed header.
    let small = DecodeLimits::new(u32::from(selector));
    for limits in [DecodeLimits::default(), small] {
        for version in VERSIONS {
            decode_stream(stream, version, &limits);
        }
        let mut buf = BytesMut::from(stream);
        let before = buf.len();
        if let Ok(Some(connect)) = decode_connect(&mut buf, &limits) {
            let consumed = before - buf.len();
            assert!(consumed <= limits.max_packet_size as usize);
            let version = connect.protocol;
            round_trip(&Packet::from(connect), version, &stream[..consumed]);
        }
    }
});

/// Decodes packet after packet, checking each one that comes out.
fn decode_stream(stream: &[u8], version: ProtocolVersion, limits: &DecodeLimits) {
    let mut buf = BytesMut::from(stream);
    loop {
        let before = buf.len();
        let offset = stream.len() - before;
        match decode(&mut buf, version, limits) {
            Ok(Some(packet)) => {
                let consumed = before - buf.len();
                assert!(consumed > 0, "a packet is at least two bytes");
                assert!(consumed <= limits.max_packet_size as usize, "over the limit");
                let bytes = &stream[offset..offset + consumed];
                // A CONNECT is read by its own protocol level, and written with it.
                let version = match &packet {
                    Packet::Connect(connect) => connect.protocol,
                    _ => version,
                };
                round_trip(&packet, version, bytes);
            }
            Ok(None) => {
                assert_eq!(buf.len(), before, "an incomplete packet consumes nothing");
                return;
            }
            Err(_) => return,
        }
    }
}

/// `packet` was decoded from `bytes` with `version`: encoding it again gives bytes that decode
/// to the same packet.
fn round_trip(packet: &Packet, version: ProtocolVersion, bytes: &[u8]) {
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        let mut prefix = BytesMut::from(&bytes[..cut]);
        assert_eq!(
            decode(&mut prefix, version, &DecodeLimits::default()),
            Ok(None),
            "a prefix of {cut} of {} bytes is incomplete",
            bytes.len()
        );
    }
    let mut out = BytesMut::new();
    let written = match packet.encode(version, None, &mut out) {
        Ok(written) => written,
        Err(error) if tolerated(&error) => return,
        Err(error) => panic!("decoded {packet:?} ({version}) but cannot encode it: {error}"),
    };
    assert_eq!(written, out.len());
    assert_eq!(packet.encoded_len(version), Ok(written));
    assert!(
        written <= bytes.len(),
        "{written} bytes written for a packet read from {} ({packet:?})",
        bytes.len()
    );
    let again = decode(&mut out, version, &DecodeLimits::default());
    assert_eq!(again.as_ref(), Ok(&Some(packet.clone())), "{version}");
    assert!(out.is_empty(), "the encoding is one whole packet");
}

/// What the decoder accepts from a peer but the encoder refuses to send, on purpose: rules
/// that bind the sender only, where the receiver is lenient (as luamqtt is).
fn tolerated(error: &EncodeError) -> bool {
    match error {
        // [MQTT-3.3.1-2]: a receiver takes the message anyway.
        EncodeError::DupWithQoS0
        // [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4]): binds the server.
        | EncodeError::SessionPresentWithError
        // [MQTT-3.1.3-8]: the server must read it to answer with CONNACK 0x02.
        | EncodeError::EmptyClientIdWithoutCleanSession => true,
        // 3.1 reserves the byte that 3.1.1 made Session Present; read as 3.1.1 reads it.
        EncodeError::FieldNotInVersion { field, .. } => *field == "CONNACK Session Present",
        _ => false,
    }
}
