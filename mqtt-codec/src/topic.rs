//! Topic names: where a message is published (MQTT 5.0 section 4.7).

use alloc::string::String;
use bytes::Bytes;
use bytestring::ByteString;
use core::fmt;

use crate::wire::any_byte;

/// The longest topic name or filter: its length must fit the 16-bit length prefix
/// [MQTT-4.7.3-3].
pub const MAX_TOPIC_LEN: usize = 65_535;

/// Why a topic name or topic filter is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// Topic names and filters are at least one character long.
    #[error("topic is empty [MQTT-4.7.3-1]")]
    Empty,
    /// Longer than 65,535 bytes.
    #[error("topic is {len} bytes long, more than 65535 [MQTT-4.7.3-3]")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Not well-formed UTF-8.
    #[error("topic is not well-formed UTF-8 [MQTT-1.5.4-1]")]
    InvalidUtf8,
    /// Contains U+0000.
    #[error("topic contains the null character U+0000 [MQTT-4.7.3-2]")]
    NullCharacter,
    /// A topic name with `+` or `#` in it.
    #[error("topic name contains a wildcard [MQTT-3.3.2-2]")]
    WildcardInTopicName,
    /// `#` that is not alone in the last level of a filter.
    #[error(
        "multi-level wildcard `#` must be the whole last level of a topic filter [MQTT-4.7.1-1]"
    )]
    MisplacedMultiLevelWildcard,
    /// `+` that does not fill a whole level of a filter.
    #[error("single-level wildcard `+` must fill a whole level of a topic filter [MQTT-4.7.1-2]")]
    MisplacedSingleLevelWildcard,
    /// `$share/` not followed by a non-empty share name without `+`, `#`.
    #[error(
        "shared subscription needs a share name without `+` or `#` after `$share/` [MQTT-4.8.2-1] [MQTT-4.8.2-2]"
    )]
    InvalidShareName,
    /// `$share/group` not followed by `/` and a topic filter.
    #[error(
        "shared subscription `$share/{{ShareName}}` must be followed by `/` and a topic filter [MQTT-4.8.2-2]"
    )]
    MissingSharedFilter,
}

/// A validated topic name: the topic of a PUBLISH or of a Will message.
///
/// Valid UTF-8 without U+0000, no wildcard (`+`, `#`), at most 65,535 bytes and, except for
/// [`TopicName::empty`], not empty. Backed by [`Bytes`]: a decoded topic name is a slice of the
/// read buffer, never a copy, and cloning is cheap.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName(ByteString);

impl TopicName {
    /// The empty topic name, which is valid only as the topic of an MQTT 5.0 PUBLISH that
    /// carries a Topic Alias (the receiver then uses the topic the alias stands for).
    /// Encoding it anywhere else is refused.
    #[inline]
    pub const fn empty() -> Self {
        Self(ByteString::new())
    }

    /// Validates a UTF-8 string already held in a [`ByteString`] (no copy).
    pub fn from_byte_string(topic: ByteString) -> Result<Self, TopicError> {
        validate_name(topic.as_bytes())?;
        Ok(Self(topic))
    }

    /// Validates bytes (checking UTF-8 once) without copying them.
    pub fn from_bytes(bytes: Bytes) -> Result<Self, TopicError> {
        let topic = ByteString::try_from(bytes).map_err(|_| TopicError::InvalidUtf8)?;
        Self::from_byte_string(topic)
    }

    /// Like [`TopicName::from_byte_string`] but lets the empty name through: the decoder of a
    /// v5 PUBLISH decides later, once it has seen the properties, whether empty is allowed.
    pub(crate) fn from_wire(topic: ByteString) -> Result<Self, TopicError> {
        if topic.is_empty() {
            return Ok(Self(topic));
        }
        Self::from_byte_string(topic)
    }

    /// The topic as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The topic's UTF-8 bytes, sharing the buffer it was decoded from.
    #[inline]
    pub fn as_bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// Whether this is the empty topic name of [`TopicName::empty`].
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the topic starts with `$`: such topics (`$SYS/...`) are not matched by filters
    /// that start with a wildcard [MQTT-4.7.2-1].
    #[inline]
    pub fn is_system(&self) -> bool {
        self.0.as_bytes().first() == Some(&b'$')
    }
}

/// Checks a topic name's bytes (already known to be UTF-8): one pass over the bytes.
pub(crate) fn validate_name(topic: &[u8]) -> Result<(), TopicError> {
    check_length(topic)?;
    // One branch-free pass; which rule was broken is looked up only for a bad topic.
    if !has_wildcard_or_null(topic) {
        return Ok(());
    }
    if topic.contains(&0) {
        return Err(TopicError::NullCharacter);
    }
    Err(TopicError::WildcardInTopicName)
}

/// Whether `bytes` holds `+`, `#` or U+0000.
#[inline]
pub(crate) fn has_wildcard_or_null(bytes: &[u8]) -> bool {
    any_byte(bytes, |byte| (byte == b'+') | (byte == b'#') | (byte == 0))
}

/// The rules that names and filters share: not empty, not longer than 65,535 bytes.
#[inline]
pub(crate) fn check_length(topic: &[u8]) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty);
    }
    if topic.len() > MAX_TOPIC_LEN {
        return Err(TopicError::TooLong { len: topic.len() });
    }
    Ok(())
}

/// Every constructor checks the length [`MAX_TOPIC_LEN`], UTF-8 and U+0000.
impl crate::wire::Validated for TopicName {
    #[inline]
    fn validated_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl TryFrom<&str> for TopicName {
    type Error = TopicError;

    fn try_from(topic: &str) -> Result<Self, TopicError> {
        validate_name(topic.as_bytes())?;
        Ok(Self(ByteString::from(topic)))
    }
}

impl TryFrom<String> for TopicName {
    type Error = TopicError;

    fn try_from(topic: String) -> Result<Self, TopicError> {
        validate_name(topic.as_bytes())?;
        Ok(Self(ByteString::from(topic)))
    }
}

impl TryFrom<Bytes> for TopicName {
    type Error = TopicError;

    fn try_from(topic: Bytes) -> Result<Self, TopicError> {
        Self::from_bytes(topic)
    }
}

impl core::str::FromStr for TopicName {
    type Err = TopicError;

    fn from_str(topic: &str) -> Result<Self, TopicError> {
        Self::try_from(topic)
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for TopicName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TopicName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn valid_names() {
        for topic in [
            "a",
            "a/b",
            "/",
            "a//b",
            "$SYS/broker",
            "sport/tennis/player1",
            " ",
            "é/ü",
        ] {
            let name = TopicName::try_from(topic).unwrap();
            assert_eq!(name.as_str(), topic);
            assert_eq!(name.to_string(), topic);
        }
    }

    #[test]
    fn wildcards_are_refused_in_names() {
        // [MQTT-3.3.2-2] / [MQTT-4.7.0-1]
        for topic in ["+", "#", "a/+", "a/#", "a+b", "sport/tennis#"] {
            assert_eq!(
                TopicName::try_from(topic),
                Err(TopicError::WildcardInTopicName),
                "{topic}"
            );
        }
        assert!(
            TopicError::WildcardInTopicName
                .to_string()
                .contains("[MQTT-3.3.2-2]")
        );
    }

    #[test]
    fn empty_is_refused_except_as_the_alias_placeholder() {
        // [MQTT-4.7.3-1]
        assert_eq!(TopicName::try_from(""), Err(TopicError::Empty));
        assert!(TopicName::empty().is_empty());
    }

    #[test]
    fn null_character_is_refused() {
        // [MQTT-4.7.3-2]
        assert_eq!(TopicName::try_from("a\0b"), Err(TopicError::NullCharacter));
    }

    #[test]
    fn length_limit() {
        // [MQTT-4.7.3-3]
        let longest = "a".repeat(MAX_TOPIC_LEN);
        assert!(TopicName::try_from(longest.as_str()).is_ok());
        let too_long = "a".repeat(MAX_TOPIC_LEN + 1);
        assert_eq!(
            TopicName::try_from(too_long),
            Err(TopicError::TooLong { len: 65_536 })
        );
    }

    #[test]
    fn bytes_are_checked_for_utf8_and_not_copied() {
        // [MQTT-1.5.4-1]
        assert_eq!(
            TopicName::from_bytes(Bytes::from_static(b"a/\xff")),
            Err(TopicError::InvalidUtf8)
        );
        let source = Bytes::from_static(b"a/b");
        let name = TopicName::from_bytes(source.clone()).unwrap();
        assert_eq!(name.as_bytes().as_ptr(), source.as_ptr());
    }

    #[test]
    fn system_topics() {
        assert!(TopicName::try_from("$SYS/x").unwrap().is_system());
        assert!(!TopicName::try_from("SYS/$").unwrap().is_system());
    }
}
