//! Topic filters: what a subscription selects, with wildcards and shared subscriptions
//! (MQTT 5.0 sections 4.7 and 4.8).

use alloc::string::String;
use bytes::Bytes;
use bytestring::ByteString;
use core::fmt;

use crate::topic::{TopicError, TopicName, check_length};

const SHARE_PREFIX: &str = "$share/";

/// A validated topic filter: a topic name that may hold wildcards, or a shared subscription
/// `$share/{ShareName}/{filter}`.
///
/// `+` fills exactly one level and `#` is the whole last level [MQTT-4.7.1-1] [MQTT-4.7.1-2];
/// valid UTF-8 without U+0000, 1 to 65,535 bytes. A filter that starts with `$share/` is a
/// shared subscription and must follow [MQTT-4.8.2-1] [MQTT-4.8.2-2] (in every protocol
/// version: brokers honour `$share` on 3.1.1 too). Backed by [`Bytes`]: decoding does not copy.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicFilter {
    filter: ByteString,
    /// Where the filter proper starts: 0, or just after `$share/{ShareName}/`.
    filter_start: u16,
}

impl TopicFilter {
    /// Validates a UTF-8 string already held in a [`ByteString`] (no copy).
    pub fn from_byte_string(filter: ByteString) -> Result<Self, TopicError> {
        let filter_start = validate_filter(filter.as_bytes())?;
        Ok(Self {
            filter,
            filter_start,
        })
    }

    /// Validates bytes (checking UTF-8 once) without copying them.
    pub fn from_bytes(bytes: Bytes) -> Result<Self, TopicError> {
        let filter = ByteString::try_from(bytes).map_err(|_| TopicError::InvalidUtf8)?;
        Self::from_byte_string(filter)
    }

    /// The whole filter as sent, `$share/{ShareName}/` prefix included.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.filter
    }

    /// The filter's UTF-8 bytes, sharing the buffer it was decoded from.
    #[inline]
    pub fn as_bytes(&self) -> &Bytes {
        self.filter.as_bytes()
    }

    /// The share name of a shared subscription (`group` in `$share/group/a/b`), else `None`.
    pub fn share_group(&self) -> Option<&str> {
        if self.filter_start == 0 {
            return None;
        }
        self.filter
            .get(SHARE_PREFIX.len()..usize::from(self.filter_start) - 1)
    }

    /// Whether this is a shared subscription (`$share/{ShareName}/{filter}`).
    #[inline]
    pub fn is_shared(&self) -> bool {
        self.filter_start != 0
    }

    /// The filter that topics are matched against: the whole filter, or what follows
    /// `$share/{ShareName}/` for a shared subscription.
    #[inline]
    pub fn topic_filter(&self) -> &str {
        self.filter
            .get(usize::from(self.filter_start)..)
            .unwrap_or_default()
    }

    /// Whether the filter has a `+` or `#` wildcard (servers may refuse those, see
    /// Wildcard Subscription Available).
    pub fn has_wildcards(&self) -> bool {
        self.topic_filter().bytes().any(|b| b == b'+' || b == b'#')
    }

    /// Whether a message published to `topic` matches this filter.
    ///
    /// `+` matches one whole level (possibly empty), `#` matches the parent level and every
    /// level below it, other levels match character by character without normalisation
    /// [MQTT-4.7.3-4]. Topics starting with `$` are not matched by a filter whose first
    /// character is a wildcard [MQTT-4.7.2-1]. The empty alias placeholder matches nothing.
    pub fn matches(&self, topic: &TopicName) -> bool {
        let filter = self.topic_filter();
        if topic.is_empty() {
            return false;
        }
        if topic.is_system() && matches!(filter.as_bytes().first(), Some(b'+' | b'#')) {
            return false;
        }
        let mut filter_levels = filter.split('/');
        let mut topic_levels = topic.as_str().split('/');
        loop {
            match (filter_levels.next(), topic_levels.next()) {
                (Some("#"), _) => return true,
                (Some("+"), Some(_)) => {}
                (Some(wanted), Some(level)) if wanted == level => {}
                (None, None) => return true,
                _ => return false,
            }
        }
    }
}

/// Checks a filter's bytes (already known to be UTF-8); returns where the filter proper starts
/// (after a `$share/{ShareName}/` prefix, else 0).
fn validate_filter(filter: &[u8]) -> Result<u16, TopicError> {
    check_length(filter)?;
    // The common case in one pass; the checks below find which rule a bad filter breaks.
    if !filter.starts_with(SHARE_PREFIX.as_bytes()) && plainly_valid(filter) {
        return Ok(0);
    }
    if filter.contains(&0) {
        return Err(TopicError::NullCharacter);
    }
    let Some(shared) = filter.strip_prefix(SHARE_PREFIX.as_bytes()) else {
        validate_levels(filter)?;
        return Ok(0);
    };
    let group_len = shared.iter().position(|&b| b == b'/');
    let group = &shared[..group_len.unwrap_or(shared.len())];
    if group.is_empty() || group.iter().any(|&b| b == b'+' || b == b'#') {
        return Err(TopicError::InvalidShareName);
    }
    let Some(group_len) = group_len else {
        return Err(TopicError::MissingSharedFilter);
    };
    let rest = &shared[group_len + 1..];
    if rest.is_empty() {
        return Err(TopicError::MissingSharedFilter);
    }
    validate_levels(rest)?;
    // The filter is at most 65,535 bytes long, so its offsets fit in a u16.
    u16::try_from(SHARE_PREFIX.len() + group_len + 1)
        .map_err(|_| TopicError::TooLong { len: filter.len() })
}

/// Whether `filter` has no U+0000 and every `+` fills a whole level and every `#` the whole
/// last level, looking at a wildcard's neighbours only. The same answer as the null check and
/// [`validate_levels`] together, without saying what is wrong. The bytes are scanned sixteen
/// at a time for `+`, `#` and U+0000 (a bit mask per block, which the compiler turns into a
/// few vector compares); only the bytes found are looked at one by one.
fn plainly_valid(filter: &[u8]) -> bool {
    const BLOCK: usize = 16;
    let level_boundary = |index: Option<usize>| {
        index
            .and_then(|index| filter.get(index))
            .is_none_or(|&byte| byte == b'/')
    };
    let valid_at = |i: usize| match filter.get(i) {
        Some(b'#') => i + 1 == filter.len() && level_boundary(i.checked_sub(1)),
        Some(b'+') => level_boundary(i.checked_sub(1)) && level_boundary(Some(i + 1)),
        _ => false,
    };
    let special = |byte: u8| (byte == b'+') | (byte == b'#') | (byte == 0);
    let blocks = filter.chunks_exact(BLOCK);
    let tail_start = filter.len() - blocks.remainder().len();
    for (index, block) in blocks.enumerate() {
        let Ok(block) = <[u8; BLOCK]>::try_from(block) else {
            return false;
        };
        let mut found = block.iter().enumerate().fold(0u32, |mask, (i, &byte)| {
            mask | u32::from(special(byte)) << i
        });
        while found != 0 {
            if !valid_at(index * BLOCK + found.trailing_zeros() as usize) {
                return false;
            }
            found &= found - 1;
        }
    }
    filter
        .iter()
        .enumerate()
        .skip(tail_start)
        .all(|(i, &byte)| !special(byte) || valid_at(i))
}

/// The wildcard rules, level by level.
fn validate_levels(filter: &[u8]) -> Result<(), TopicError> {
    let mut levels = filter.split(|&b| b == b'/').peekable();
    while let Some(level) = levels.next() {
        if level.contains(&b'#') && (level != b"#" || levels.peek().is_some()) {
            return Err(TopicError::MisplacedMultiLevelWildcard);
        }
        if level.contains(&b'+') && level != b"+" {
            return Err(TopicError::MisplacedSingleLevelWildcard);
        }
    }
    Ok(())
}

/// Every constructor checks the length, UTF-8 and U+0000 (see [`TopicName`]'s).
impl crate::wire::Validated for TopicFilter {
    #[inline]
    fn validated_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl TryFrom<&str> for TopicFilter {
    type Error = TopicError;

    fn try_from(filter: &str) -> Result<Self, TopicError> {
        let filter_start = validate_filter(filter.as_bytes())?;
        Ok(Self {
            filter: ByteString::from(filter),
            filter_start,
        })
    }
}

impl TryFrom<String> for TopicFilter {
    type Error = TopicError;

    fn try_from(filter: String) -> Result<Self, TopicError> {
        let filter_start = validate_filter(filter.as_bytes())?;
        Ok(Self {
            filter: ByteString::from(filter),
            filter_start,
        })
    }
}

impl TryFrom<Bytes> for TopicFilter {
    type Error = TopicError;

    fn try_from(filter: Bytes) -> Result<Self, TopicError> {
        Self::from_bytes(filter)
    }
}

impl core::str::FromStr for TopicFilter {
    type Err = TopicError;

    fn from_str(filter: &str) -> Result<Self, TopicError> {
        Self::try_from(filter)
    }
}

impl From<TopicName> for TopicFilter {
    /// Every topic name is also a filter that matches exactly that topic (the empty alias
    /// placeholder excepted, which matches nothing).
    fn from(name: TopicName) -> Self {
        let filter = ByteString::try_from(name.as_bytes().clone()).unwrap_or_default();
        Self {
            filter_start: validate_filter(filter.as_bytes()).unwrap_or(0),
            filter,
        }
    }
}

impl AsRef<str> for TopicFilter {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for TopicFilter {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TopicFilter {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for TopicFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TopicFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_scan_sees_every_byte() {
        // Levels of every length around the 16-byte block, a wildcard or U+0000 put at every
        // place: the block scan agrees with the level-by-level rules each time.
        for len in 1..40 {
            let base: alloc::vec::Vec<u8> = (0..len)
                .map(|i| if i % 3 == 2 { b'/' } else { b'a' })
                .collect();
            for at in 0..len {
                for special in [b'+', b'#', 0] {
                    let mut case = base.clone();
                    case[at] = special;
                    let expected = !case.contains(&0) && validate_levels(&case).is_ok();
                    assert_eq!(plainly_valid(&case), expected, "{case:?}");
                }
            }
        }
    }

    fn filter(s: &str) -> TopicFilter {
        TopicFilter::try_from(s).unwrap()
    }

    #[test]
    fn the_one_pass_check_agrees_with_the_level_by_level_rules() {
        let cases: [&[u8]; 26] = [
            b"a", b"#", b"+", b"/", b"a/b/c", b"a/#", b"a/+", b"+/a", b"+/+/#", b"/#", b"a//b",
            b"+/", b"#/", b"a#", b"#a", b"a/b#", b"a+", b"+a", b"a/+b/c", b"a/#/b", b"a\0b",
            b"a/\0", b"\0", b"++", b"##", b"/+/",
        ];
        let mut valid = 0;
        for case in cases {
            let expected = !case.contains(&0) && validate_levels(case).is_ok();
            assert_eq!(plainly_valid(case), expected, "{case:?}");
            valid += usize::from(expected);
        }
        // Both answers occur, so the comparison means something.
        assert_eq!(valid, 13);
    }

    fn name(s: &str) -> TopicName {
        TopicName::try_from(s).unwrap()
    }

    #[test]
    fn valid_filters() {
        for f in [
            "#",
            "+",
            "+/+",
            "/+",
            "a/#",
            "a/+/b",
            "+/tennis/#",
            "$SYS/#",
            "a//b",
            "sport/",
        ] {
            assert_eq!(filter(f).as_str(), f);
        }
    }

    #[test]
    fn misplaced_multi_level_wildcard() {
        // [MQTT-4.7.1-1]
        for f in ["a/#/b", "a#", "#/a", "sport/tennis#", "##"] {
            assert_eq!(
                TopicFilter::try_from(f),
                Err(TopicError::MisplacedMultiLevelWildcard),
                "{f}"
            );
        }
    }

    #[test]
    fn misplaced_single_level_wildcard() {
        // [MQTT-4.7.1-2]
        for f in ["a+", "sport+", "+a/b", "a/b+/c", "++"] {
            assert_eq!(
                TopicFilter::try_from(f),
                Err(TopicError::MisplacedSingleLevelWildcard),
                "{f}"
            );
        }
    }

    #[test]
    fn empty_null_and_utf8() {
        assert_eq!(TopicFilter::try_from(""), Err(TopicError::Empty)); // [MQTT-4.7.3-1]
        assert_eq!(
            TopicFilter::try_from("a/\0"),
            Err(TopicError::NullCharacter)
        ); // [MQTT-4.7.3-2]
        assert_eq!(
            TopicFilter::from_bytes(Bytes::from_static(b"\xc3")),
            Err(TopicError::InvalidUtf8)
        ); // [MQTT-1.5.4-1]
    }

    #[test]
    fn multi_level_wildcard_matches_parent_and_children() {
        let f = filter("sport/tennis/player1/#");
        for t in [
            "sport/tennis/player1",
            "sport/tennis/player1/ranking",
            "sport/tennis/player1/score/wimbledon",
        ] {
            assert!(f.matches(&name(t)), "{t}");
        }
        assert!(!f.matches(&name("sport/tennis/player2")));
        assert!(filter("sport/#").matches(&name("sport")));
        assert!(filter("#").matches(&name("a/b/c")));
        assert!(filter("#").matches(&name("/")));
    }

    #[test]
    fn single_level_wildcard_matches_one_level() {
        let f = filter("sport/tennis/+");
        assert!(f.matches(&name("sport/tennis/player1")));
        assert!(f.matches(&name("sport/tennis/player2")));
        assert!(!f.matches(&name("sport/tennis/player1/ranking")));
        assert!(!filter("sport/+").matches(&name("sport")));
        assert!(filter("sport/+").matches(&name("sport/")));
        assert!(filter("+/+").matches(&name("/finance")));
        assert!(filter("/+").matches(&name("/finance")));
        assert!(!filter("+").matches(&name("/finance")));
    }

    #[test]
    fn exact_levels_compare_without_normalisation() {
        // [MQTT-4.7.3-4]
        assert!(filter("a/b").matches(&name("a/b")));
        assert!(!filter("a/b").matches(&name("A/b")));
        assert!(!filter("a/b").matches(&name("a/b/")));
        assert!(!filter("a/b/c").matches(&name("a/b")));
    }

    #[test]
    fn dollar_topics_are_not_matched_by_leading_wildcards() {
        // [MQTT-4.7.2-1]
        assert!(!filter("#").matches(&name("$SYS/uptime")));
        assert!(!filter("+/monitor/Clients").matches(&name("$SYS/monitor/Clients")));
        assert!(filter("$SYS/#").matches(&name("$SYS/monitor/Clients")));
        assert!(filter("$SYS/monitor/+").matches(&name("$SYS/monitor/Clients")));
    }

    #[test]
    fn shared_subscriptions() {
        let f = filter("$share/group/sport/#");
        assert!(f.is_shared());
        assert_eq!(f.share_group(), Some("group"));
        assert_eq!(f.topic_filter(), "sport/#");
        assert!(f.matches(&name("sport/tennis")));
        assert!(!f.matches(&name("$share/group/sport/tennis")));
        assert_eq!(filter("a/b").share_group(), None);
        assert_eq!(filter("$share/g/+").topic_filter(), "+");
        // `$share` alone or `$sharex/...` are ordinary filters.
        assert!(!filter("$share").is_shared());
        assert!(!filter("$shared/a").is_shared());
    }

    #[test]
    fn invalid_shared_subscriptions() {
        // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
        assert_eq!(
            TopicFilter::try_from("$share//a"),
            Err(TopicError::InvalidShareName)
        );
        assert_eq!(
            TopicFilter::try_from("$share/"),
            Err(TopicError::InvalidShareName)
        );
        assert_eq!(
            TopicFilter::try_from("$share/+/a"),
            Err(TopicError::InvalidShareName)
        );
        assert_eq!(
            TopicFilter::try_from("$share/g#/a"),
            Err(TopicError::InvalidShareName)
        );
        assert_eq!(
            TopicFilter::try_from("$share/group"),
            Err(TopicError::MissingSharedFilter)
        );
        assert_eq!(
            TopicFilter::try_from("$share/group/"),
            Err(TopicError::MissingSharedFilter)
        );
        assert_eq!(
            TopicFilter::try_from("$share/group/a#"),
            Err(TopicError::MisplacedMultiLevelWildcard)
        );
    }

    #[test]
    fn wildcard_detection() {
        assert!(filter("a/+").has_wildcards());
        assert!(filter("$share/g/#").has_wildcards());
        assert!(!filter("$share/g/a").has_wildcards());
        assert!(!filter("a/b").has_wildcards());
    }

    #[test]
    fn topic_name_is_a_filter() {
        let f = TopicFilter::from(name("a/b"));
        assert_eq!(f.as_str(), "a/b");
        assert!(f.matches(&name("a/b")));
    }
}
