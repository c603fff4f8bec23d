//! Sizing a packet from its fixed header alone, before its body has arrived.

use crate::wire::{VariableByteInteger, parse_variable_byte_integer};

/// The size in bytes of the packet at the front of `buf`, fixed header included, as soon as
/// its fixed header is complete; `None` before that, or when the header is malformed (which
/// [`decode`](crate::decode) reports).
///
/// A reader uses it to make room for a large packet once and read the rest of it in place,
/// instead of growing its buffer read by read. It checks no limit: decode the front of the
/// buffer first, which refuses a packet over the maximum size from its fixed header.
///
/// ```
/// use mqtt_kit_codec::packet_len;
/// // A PUBLISH whose Remaining Length is 200 (two bytes: 0xc8 0x01), body not yet read.
/// assert_eq!(packet_len(&[0x30, 0xc8, 0x01]), Some(203));
/// assert_eq!(packet_len(&[0x30, 0xc8]), None);
/// ```
pub fn packet_len(buf: &[u8]) -> Option<usize> {
    match parse_variable_byte_integer(buf.get(1..)?) {
        Ok(VariableByteInteger::Complete { value, len }) => {
            usize::try_from(value).ok()?.checked_add(1 + len)
        }
        _ => None,
    }
}
