//! `mqtt-pub`'s command line (mosquitto_pub's options).

use std::path::PathBuf;
use std::time::Duration;

use mqtt_kit_client::{OptionsBuilder, PublishProperties, TopicName};

use super::common::COMMON_HELP;
use super::{Arguments, Command, CommonOptions, PropertyTarget, UsageError};

/// The text of `mqtt-pub --help`.
pub fn pub_usage() -> String {
    format!("{PUB_HELP}{COMMON_HELP}\n\n{PUB_HELP_END}")
}

const PUB_HELP: &str = "\
mqtt-pub: publish one message, a file, standard input or each of its lines (mosquitto_pub's options)

usage: mqtt-pub [-h host] [-p port] | [-L URL] | [--unix path]
                -t topic (-m message | -f file | -s | -l | -n)
                [-q qos] [-r] [--repeat count [--repeat-delay seconds]] [-M max-in-flight]
                [-i id | -I id-prefix] [-u user] [-P password] [-k keepalive] [-c] [-x expiry]
                [-V 31|311|5] [-D command property value...] [-d] [--quiet] [-A address] [--nodelay]
                [--cafile file | --capath dir] [--cert file --key file] [--insecure]
                [--tls-use-os-certs] [--tls-version version] [--tls-alpn protocol]
                [--will-topic topic [--will-payload text] [--will-qos qos] [--will-retain]]

 -t, --topic TOPIC    topic to publish to
 -m, --message TEXT   the message
 -f, --file FILE      send the content of FILE as the message
 -s, --stdin-file     send all of standard input as the message
 -l, --stdin-line     send each line of standard input as a message (empty lines too)
 -n, --null-message   send a zero-length message
 -r, --retain         retain the message
 -q, --qos 0|1|2      QoS of the messages (default 0)
     --repeat N       publish the message (-m, -f, -s or -n) N times, each once the one before is done
     --repeat-delay S wait S seconds (fractions allowed) between repeats
 -M N                 at most N QoS 1 and 2 messages in flight (default: the client's, 65535)
 -D, --property COMMAND PROPERTY VALUE   MQTT 5.0 property (needs -V 5), e.g.
                      -D publish user-property KEY VALUE, -D publish content-type text/plain,
                      -D connect session-expiry-interval 60; commands: connect, publish, will
";

const PUB_HELP_END: &str = "\
exit codes (mosquitto's): 0 done; 1 wrong command line or input file, no connection, or a
failure; the CONNACK's code when the broker refuses (e.g. 5, or 135 with -V 5)";

/// Where the message comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageSource {
    /// `-m`.
    Text(String),
    /// `-f`.
    File(PathBuf),
    /// `-s`: all of standard input, one message.
    Stdin,
    /// `-l`: each line of standard input, one message each.
    StdinLines,
    /// `-n`: a zero-length message.
    Null,
}

/// What `mqtt-pub` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct PubOptions {
    /// The options both tools take.
    pub common: CommonOptions,
    /// `-t`, or the topic of the `-L` URL.
    pub topic: TopicName,
    /// `-m`, `-f`, `-s`, `-l` or `-n`.
    pub message: MessageSource,
    /// `-r`.
    pub retain: bool,
    /// `--repeat`: how many times the message is published (default 1).
    pub repeat: u32,
    /// `--repeat-delay`: the pause between two of them.
    pub repeat_delay: Duration,
    /// `-M`: the most QoS 1 and 2 messages in flight at once.
    pub max_in_flight: Option<u16>,
}

impl AsRef<CommonOptions> for PubOptions {
    fn as_ref(&self) -> &CommonOptions {
        &self.common
    }
}

impl PubOptions {
    /// The PUBLISH properties from `-D publish ...`.
    pub fn properties(&self) -> &PublishProperties {
        &self.common.properties.publish
    }

    /// The client options: the common ones, `-M`, and no reconnection (a publisher that
    /// lost its broker reports it rather than waits).
    pub fn client_options(&self) -> Result<OptionsBuilder, UsageError> {
        let mut builder = self.common.client_options()?.reconnect(false);
        if let Some(count) = self.max_in_flight {
            builder = builder.max_in_flight(count);
        }
        Ok(builder)
    }
}

/// The packets whose properties `-D` may set in mqtt-pub.
const PUB_PROPERTY_TARGETS: [PropertyTarget; 3] = [
    PropertyTarget::Connect,
    PropertyTarget::Publish,
    PropertyTarget::Will,
];

/// Parses `mqtt-pub`'s arguments (without the program name).
pub fn parse_pub(
    args: impl IntoIterator<Item = String>,
) -> Result<Command<PubOptions>, UsageError> {
    let mut args = Arguments::new(args);
    let mut common = CommonOptions::default();
    let mut topic = None;
    let mut message = None;
    let mut retain = false;
    let (mut repeat, mut repeat_delay, mut max_in_flight) = (1, Duration::ZERO, None);
    while let Some(flag) = args.next_flag()? {
        if common.accept(&flag, &mut args, &PUB_PROPERTY_TARGETS)? {
            continue;
        }
        let source = match flag.name.as_str() {
            "--help" => return Ok(Command::Help),
            "-t" | "--topic" => {
                topic = Some(args.value(&flag)?);
                continue;
            }
            "-r" | "--retain" => {
                args.switch(&flag)?;
                retain = true;
                continue;
            }
            "--repeat" => {
                repeat = args.number(&flag, 1..=u32::MAX)?;
                continue;
            }
            "--repeat-delay" => {
                repeat_delay = seconds(&flag.name, &args.value(&flag)?)?;
                continue;
            }
            "-M" => {
                max_in_flight = Some(args.number(&flag, 1..=u16::MAX)?);
                continue;
            }
            "-m" | "--message" => MessageSource::Text(args.value(&flag)?),
            "-f" | "--file" => MessageSource::File(args.value(&flag)?.into()),
            "-s" | "--stdin-file" => MessageSource::Stdin,
            "-l" | "--stdin-line" => MessageSource::StdinLines,
            "-n" | "--null-message" => MessageSource::Null,
            _ => return Err(unknown(&flag.name)),
        };
        if matches!(
            source,
            MessageSource::Stdin | MessageSource::StdinLines | MessageSource::Null
        ) {
            args.switch(&flag)?;
        }
        if message.replace(source).is_some() {
            return Err(UsageError::new(
                "only one message source: one of -m, -f, -s, -l and -n",
            ));
        }
    }
    common.check()?;
    let topic = match (topic, common.url_topic()?) {
        (Some(_), Some(_)) => {
            return Err(UsageError::new(
                "the topic is given twice: with -t and in -L",
            ));
        }
        (Some(topic), None) | (None, Some(topic)) => topic,
        (None, None) => return Err(UsageError::new("a topic is needed: -t topic")),
    };
    let topic = TopicName::try_from(topic.as_str())
        .map_err(|error| UsageError::new(format!("-t {topic:?}: {error}")))?;
    let message = message
        .ok_or_else(|| UsageError::new("a message is needed: -m text, -f file, -s, -l or -n"))?;
    if repeat > 1 && message == MessageSource::StdinLines {
        return Err(UsageError::new(
            "--repeat repeats one message (-m, -f, -s or -n): not the lines of -l",
        ));
    }
    Ok(Command::Run(PubOptions {
        common,
        topic,
        message,
        retain,
        repeat,
        repeat_delay,
        max_in_flight,
    }))
}

/// A number of seconds, fractions allowed (`0.5`), as a duration.
fn seconds(what: &str, text: &str) -> Result<Duration, UsageError> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| {
            UsageError::new(format!(
                "{what} takes a number of seconds (0 or more, e.g. 0.5), not {text:?}"
            ))
        })
}

/// The error for an option the tool does not know.
pub(crate) fn unknown(name: &str) -> UsageError {
    UsageError::new(format!("unknown option {name:?} (see --help)"))
}
