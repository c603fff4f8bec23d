//! `mqtt-sub -F`: a message printed through a format string, with mosquitto_sub's
//! sequences (its manual, "OUTPUT FORMAT"): `%` for the message's fields (with flags `-` and
//! `0`, a width and a `.precision`), `@` for the time (strftime's letters), `\` for escapes.
//!
//! | sequence | gives |
//! | --- | --- |
//! | `%%` | `%` |
//! | `%t` `%p` `%l` `%q` `%r` `%m` | topic, payload, its length, QoS, retained (0/1), packet id (0 for QoS 0) |
//! | `%x` `%X` | the payload in hexadecimal, lower or upper case |
//! | `%A` `%C` `%D` `%E` `%F` `%P` `%R` `%S` | MQTT 5.0 topic alias, content type, correlation data, message expiry, payload format, user properties (`key:value`, space-separated), response topic, subscription identifiers (comma-separated); nothing when absent |
//! | `%I` `%U` | the time: ISO 8601, Unix seconds with nanoseconds |
//! | `%j` `%J` | JSON of the message, its payload a string (`%j`) or as it is, being JSON itself (`%J`) |
//! | `@Y` `@m` `@d` `@H` `@M` `@S` `@y` `@s` `@z` `@Z` `@F` `@T` `@N` `@@` | strftime's fields (`@N`: nanoseconds); the time is UTC |
//! | `\n` `\t` `\r` `\v` `\a` `\e` `\0` `\\` | the control characters |
//!
//! A sequence not in the table is printed as it is.

use std::iter::Peekable;
use std::str::Chars;
use std::time::SystemTime;

use mqtt_kit_client::Publish;

use super::clock::Utc;

/// `%J` with a payload that is not JSON: mosquitto's message for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotJson {
    /// The message's topic.
    pub topic: String,
}

impl std::fmt::Display for NotJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Message payload is not valid JSON on topic {}",
            self.topic
        )
    }
}

/// `message` printed through `format`, received at `now`.
pub fn format_message(
    format: &str,
    message: &Publish,
    now: SystemTime,
) -> Result<Vec<u8>, NotJson> {
    let now = Utc::from(now);
    let mut out = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                let spec = Spec::parse(&mut chars);
                match chars.next() {
                    Some(field) => spec.field(field, message, &now, &mut out)?,
                    None => out.push(b'%'),
                }
            }
            '@' => time_field(chars.next(), &now, &mut out),
            '\\' => escape(chars.next(), &mut out),
            other => push_char(&mut out, other),
        }
    }
    Ok(out)
}

/// The flags, width and precision between `%` and the field's letter.
#[derive(Debug, Default)]
struct Spec {
    left: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

impl Spec {
    fn parse(chars: &mut Peekable<Chars<'_>>) -> Spec {
        let mut spec = Spec::default();
        while let Some(flag @ ('-' | '0')) = chars.peek().copied() {
            if flag == '-' {
                spec.left = true;
            } else {
                spec.zero = true;
            }
            chars.next();
        }
        spec.width = digits(chars).unwrap_or(0);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.precision = Some(digits(chars).unwrap_or(0));
        }
        spec
    }

    fn field(
        &self,
        field: char,
        message: &Publish,
        now: &Utc,
        out: &mut Vec<u8>,
    ) -> Result<(), NotJson> {
        let properties = &message.properties;
        match field {
            '%' => out.push(b'%'),
            't' => self.text(message.topic.as_str(), out),
            'p' => self.bytes(&message.payload, out),
            'x' => self.number_text(&hex(&message.payload, false), out),
            'X' => self.number_text(&hex(&message.payload, true), out),
            'l' => self.number(Some(message.payload.len() as u64), out),
            'q' => out.push(b'0' + message.qos.as_u8()),
            'r' => out.push(if message.retain { b'1' } else { b'0' }),
            'm' => self.number(Some(message.packet_id.map_or(0, |id| id.get()).into()), out),
            'A' => self.number(properties.topic_alias.map(|alias| alias.get().into()), out),
            'C' => self.text(properties.content_type.as_deref().unwrap_or(""), out),
            'D' => self.bytes(properties.correlation_data.as_deref().unwrap_or(b""), out),
            'E' => self.number(properties.message_expiry_interval.map(u64::from), out),
            'F' => {
                let format = properties.payload_format_indicator;
                self.number(
                    format.map(|f| u64::from(f == mqtt_kit_client::PayloadFormat::Utf8)),
                    out,
                )
            }
            'P' => {
                let pairs: Vec<String> = properties
                    .user_properties
                    .iter()
                    .map(|(key, value)| format!("{key}:{value}"))
                    .collect();
                out.extend_from_slice(pairs.join(" ").as_bytes());
            }
            'R' => {
                let topic = properties.response_topic.as_ref().map(|t| t.as_str());
                self.text(topic.unwrap_or(""), out)
            }
            'S' => {
                let ids: Vec<String> = properties
                    .subscription_identifiers
                    .iter()
                    .map(|id| id.get().to_string())
                    .collect();
                self.number_text(&ids.join(","), out)
            }
            'I' => self.text(&now.iso8601(), out),
            'U' => {
                out.extend_from_slice(format!("{}.{:09}", now.epoch_seconds, now.nanos).as_bytes())
            }
            'j' => out.extend_from_slice(json(message, now, None).as_bytes()),
            'J' => {
                let raw = serde_json::from_slice::<serde_json::Value>(&message.payload)
                    .map(|_| String::from_utf8_lossy(&message.payload).into_owned())
                    .map_err(|_| NotJson {
                        topic: message.topic.as_str().to_owned(),
                    })?;
                out.extend_from_slice(json(message, now, Some(&raw)).as_bytes())
            }
            other => {
                out.push(b'%');
                push_char(out, other);
            }
        }
        Ok(())
    }

    /// A string: cut to the precision, padded with blanks to the width.
    fn text(&self, text: &str, out: &mut Vec<u8>) {
        let cut: String = match self.precision {
            Some(most) => text.chars().take(most).collect(),
            None => text.to_owned(),
        };
        let padding = self.width.saturating_sub(cut.chars().count());
        self.padded(cut.as_bytes(), padding, b' ', out);
    }

    /// Raw bytes, padded with blanks to the width.
    fn bytes(&self, bytes: &[u8], out: &mut Vec<u8>) {
        let padding = self.width.saturating_sub(bytes.len());
        self.padded(bytes, padding, b' ', out);
    }

    /// A number, if present: padded to the width with zeros (flag `0`) or blanks.
    fn number(&self, value: Option<u64>, out: &mut Vec<u8>) {
        if let Some(value) = value {
            self.number_text(&value.to_string(), out);
        }
    }

    fn number_text(&self, digits: &str, out: &mut Vec<u8>) {
        let padding = self.width.saturating_sub(digits.len());
        let fill = if self.zero && !self.left { b'0' } else { b' ' };
        self.padded(digits.as_bytes(), padding, fill, out);
    }

    fn padded(&self, value: &[u8], padding: usize, fill: u8, out: &mut Vec<u8>) {
        if !self.left {
            out.extend(std::iter::repeat_n(fill, padding));
        }
        out.extend_from_slice(value);
        if self.left {
            out.extend(std::iter::repeat_n(b' ', padding));
        }
    }
}

fn digits(chars: &mut Peekable<Chars<'_>>) -> Option<usize> {
    let mut number: Option<usize> = None;
    while let Some(digit) = chars.peek().and_then(|c| c.to_digit(10)) {
        number = Some(
            number
                .unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(digit as usize),
        );
        chars.next();
    }
    number
}

/// `@X`: strftime's `%X` for the letters the table lists; others printed as they are.
fn time_field(letter: Option<char>, now: &Utc, out: &mut Vec<u8>) {
    let text = match letter {
        Some('@') => "@".to_owned(),
        Some('Y') => now.year.to_string(),
        Some('y') => format!("{:02}", now.year.rem_euclid(100)),
        Some('m') => format!("{:02}", now.month),
        Some('d') => format!("{:02}", now.day),
        Some('H') => format!("{:02}", now.hour),
        Some('M') => format!("{:02}", now.minute),
        Some('S') => format!("{:02}", now.second),
        Some('s') => now.epoch_seconds.to_string(),
        Some('N') => format!("{:09}", now.nanos),
        Some('z') => "+0000".to_owned(),
        Some('Z') => "UTC".to_owned(),
        Some('F') => now.date(),
        Some('T') => now.time(),
        Some(other) => format!("@{other}"),
        None => "@".to_owned(),
    };
    out.extend_from_slice(text.as_bytes());
}

fn escape(letter: Option<char>, out: &mut Vec<u8>) {
    match letter {
        Some('\\') => out.push(b'\\'),
        Some('0') => out.push(0),
        Some('a') => out.push(0x07),
        Some('e') => out.push(0x1b),
        Some('n') => out.push(b'\n'),
        Some('r') => out.push(b'\r'),
        Some('t') => out.push(b'\t'),
        Some('v') => out.push(0x0b),
        Some(other) => {
            out.push(b'\\');
            push_char(out, other);
        }
        None => out.push(b'\\'),
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

fn hex(bytes: &[u8], upper: bool) -> String {
    bytes
        .iter()
        .map(|byte| match upper {
            true => format!("{byte:02X}"),
            false => format!("{byte:02x}"),
        })
        .collect()
}

/// `%j` (the payload a JSON string) or `%J` (`raw`, the payload being JSON itself), with the
/// keys of mosquitto_sub 2.0: `tst` (with microseconds, as in its manual), `topic`, `qos`,
/// `retain`, `payloadlen`, `payload`.
fn json(message: &Publish, now: &Utc, raw: Option<&str>) -> String {
    let quoted = |text: &str| serde_json::Value::from(text).to_string();
    let payload = match raw {
        Some(raw) => raw.to_owned(),
        None => quoted(&String::from_utf8_lossy(&message.payload)),
    };
    let tst = format!(
        "{}T{}.{:06}+0000",
        now.date(),
        now.time(),
        now.nanos / 1_000
    );
    format!(
        "{{\"tst\":{},\"topic\":{},\"qos\":{},\"retain\":{},\"payloadlen\":{},\"payload\":{}}}",
        quoted(&tst),
        quoted(message.topic.as_str()),
        message.qos.as_u8(),
        u8::from(message.retain),
        message.payload.len(),
        payload
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use mqtt_kit_client::{QoS, TopicName};
    use mqtt_kit_codec::PacketId;

    use super::*;

    /// 2016-08-10 09:47:38.786368637 UTC.
    fn when() -> SystemTime {
        UNIX_EPOCH + Duration::new(1_470_822_458, 786_368_637)
    }

    fn message(payload: &str) -> Publish {
        let mut message = Publish::new(
            TopicName::try_from("a/b").unwrap(),
            payload.to_owned(),
            QoS::AtLeastOnce,
        );
        message.packet_id = PacketId::new(7);
        message.retain = true;
        message
    }

    fn formatted(format: &str, payload: &str) -> String {
        String::from_utf8(format_message(format, &message(payload), when()).unwrap()).unwrap()
    }

    #[test]
    fn message_fields() {
        assert_eq!(formatted("%t|%p|%l|%q|%r|%m|%%", "hi"), "a/b|hi|2|1|1|7|%");
        assert_eq!(formatted("%x %X", "\u{1}\u{ab}"), "01c2ab 01C2AB");
        // MQTT 5.0 fields that are absent print nothing.
        assert_eq!(formatted("[%A][%C][%E][%R][%S][%P]", "x"), "[][][][][][]");
        assert_eq!(formatted("%y", "x"), "%y", "unknown sequences stay");
    }

    #[test]
    fn properties() {
        let mut message = message("x");
        message.properties.content_type = Some("text/plain".into());
        message.properties.message_expiry_interval = Some(60);
        message.properties.user_properties =
            vec![("a".into(), "1".into()), ("b".into(), "2".into())];
        message.properties.subscription_identifiers =
            vec![mqtt_kit_client::SubscriptionId::new(4).unwrap()];
        let out = format_message("%C %E %P %S", &message, when()).unwrap();
        assert_eq!(out, b"text/plain 60 a:1 b:2 4");
    }

    #[test]
    fn widths_flags_and_precision() {
        assert_eq!(
            formatted("[%6t][%-6t][%.1t][%5.2t]", "x"),
            "[   a/b][a/b   ][a][   a/]"
        );
        assert_eq!(
            formatted("[%05l][%-05l][%5m]", "hello"),
            "[00005][5    ][    7]"
        );
        assert_eq!(formatted("[%4p]", "x"), "[   x]");
    }

    #[test]
    fn time_and_escapes() {
        assert_eq!(formatted("%I", ""), "2016-08-10T09:47:38+0000");
        assert_eq!(formatted("%U", ""), "1470822458.786368637");
        assert_eq!(
            formatted("@Y-@m-@dT@H:@M:@S@z @N @s @@ @q", ""),
            "2016-08-10T09:47:38+0000 786368637 1470822458 @ @q"
        );
        assert_eq!(formatted("a\\tb\\n\\\\\\0\\e", ""), "a\tb\n\\\0\u{1b}");
    }

    #[test]
    fn json() {
        assert_eq!(
            formatted("%j", "say \"hi\""),
            "{\"tst\":\"2016-08-10T09:47:38.786368+0000\",\"topic\":\"a/b\",\"qos\":1,\"retain\":1,\
             \"payloadlen\":8,\"payload\":\"say \\\"hi\\\"\"}"
        );
        assert_eq!(
            formatted("%J", "{\"t\": 21}"),
            "{\"tst\":\"2016-08-10T09:47:38.786368+0000\",\"topic\":\"a/b\",\"qos\":1,\"retain\":1,\
             \"payloadlen\":9,\"payload\":{\"t\": 21}}"
        );
        assert_eq!(
            format_message("%J", &message("not json"), when()),
            Err(NotJson {
                topic: "a/b".into()
            })
        );
    }
}
