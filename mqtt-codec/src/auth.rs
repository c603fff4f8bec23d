//! AUTH: a step of enhanced authentication, MQTT 5.0 only (section 3.15).

use crate::error::{DecodeError, EncodeError};
use crate::packet::{Body, PacketType};
use crate::properties::AuthProperties;
use crate::reason_code::AuthReasonCode;
use crate::version::ProtocolVersion;
use crate::wire::{Reader, Sink};

/// An authentication exchange step. Checking that the Authentication Method is present and
/// matches the one of CONNECT is the session's job (it knows the CONNECT); the codec accepts
/// the empty AUTH that the standard allows for Success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// The step.
    pub code: AuthReasonCode,
    /// Properties: method, data, reason string, user properties.
    pub properties: AuthProperties,
}

impl Auth {
    /// An AUTH with `code` and no properties.
    pub fn new(code: AuthReasonCode) -> Self {
        Self {
            code,
            properties: AuthProperties::default(),
        }
    }
}

impl Body for Auth {
    const TYPE: PacketType = PacketType::Auth;

    fn check(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        if !version.is_v5() {
            return Err(EncodeError::AuthNotInVersion { version });
        }
        Ok(())
    }

    /// The shortest form: nothing for Success without properties; otherwise the reason code
    /// and the property block, whose length AUTH never leaves out (MQTT 5.0 section 3.15.2).
    fn write<S: Sink>(&self, _version: ProtocolVersion, sink: &mut S) {
        if self.code != AuthReasonCode::Success || !self.properties.is_empty() {
            sink.u8(self.code.code());
            sink.properties(&self.properties);
        }
    }

    fn read(_flags: u8, r: &mut Reader, _version: ProtocolVersion) -> Result<Self, DecodeError> {
        if r.is_empty() {
            return Ok(Self::new(AuthReasonCode::Success));
        }
        let byte = r.u8()?;
        let code = AuthReasonCode::try_from(byte).map_err(|_| DecodeError::InvalidReasonCode {
            packet_type: Self::TYPE,
            code: byte,
        })?;
        Ok(Self {
            code,
            properties: AuthProperties::read(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Packet;
    use crate::test_support::*;

    #[test]
    fn shortest_forms() {
        round_trip(Auth::new(AuthReasonCode::Success), V5, "f000");
        // Another code: the property length is always there (MQTT 5.0 section 3.15.2.2.1).
        round_trip(
            Auth::new(AuthReasonCode::ContinueAuthentication),
            V5,
            "f0021800",
        );
        let mut step = Auth::new(AuthReasonCode::ContinueAuthentication);
        step.properties.authentication_method = Some("m".into());
        round_trip(step, V5, "f006180415000 16d".replace(' ', "").as_str());
        assert_eq!(
            decode_hex("f0020000", V5),
            Ok(Packet::Auth(Auth::new(AuthReasonCode::Success)))
        );
        assert_eq!(
            decode_hex("f00118", V5),
            Err(DecodeError::Truncated {
                packet_type: PacketType::Auth
            })
        );
    }

    #[test]
    fn v3_has_no_auth() {
        assert_eq!(
            encode(Auth::new(AuthReasonCode::Success), V3_1_1),
            Err(EncodeError::AuthNotInVersion { version: V3_1_1 })
        );
        assert_eq!(
            decode_hex("f000", V3_1_1),
            Err(DecodeError::AuthNotInVersion { version: V3_1_1 })
        );
    }

    #[test]
    fn reserved_flags_and_codes() {
        // [MQTT-3.15.1-1]
        assert_eq!(
            decode_hex("f100", V5),
            Err(DecodeError::InvalidHeaderFlags {
                packet_type: PacketType::Auth,
                flags: 1
            })
        );
        // [MQTT-3.15.2-1]
        assert_eq!(
            decode_hex("f0020100", V5),
            Err(DecodeError::InvalidReasonCode {
                packet_type: PacketType::Auth,
                code: 1
            })
        );
    }
}
