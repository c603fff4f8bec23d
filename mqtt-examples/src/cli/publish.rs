//! `mqtt-pub`'s command line (mosquitto_pub's options).

use std::path::PathBuf;

use mqtt_client::{PublishProperties, TopicName};

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
                [-q qos] [-r] [-i id | -I id-prefix] [-u user] [-P password] [-k keepalive]
                [-V 31|311|5] [-D command property value...] [-d]
                [--cafile file] [--cert file --key file] [--insecure] [--tls-use-os-certs]
                [--will-topic topic [--will-payload text] [--will-qos qos] [--will-retain]]

 -t, --topic TOPIC    topic to publish to
 -m, --message TEXT   the message
 -f, --file FILE      send the content of FILE as the message
 -s, --stdin-file     send all of standard input as the message
 -l, --stdin-line     send each line of standard input as a message (empty lines too)
 -n, --null-message   send a zero-length message
 -r, --retain         retain the message
 -q, --qos 0|1|2      QoS of the messages (default 0)
 -D, --property COMMAND PROPERTY VALUE   MQTT 5.0 property (needs -V 5), e.g.
                      -D publish user-property KEY VALUE, -D publish content-type text/plain,
                      -D connect session-expiry-interval 60; commands: connect, publish, will
";

const PUB_HELP_END: &str = "\
exit codes: 0 done, 1 wrong command line or input file, 2 connection or broker failure";

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
}

impl PubOptions {
    /// The PUBLISH properties from `-D publish ...`.
    pub fn properties(&self) -> &PublishProperties {
        &self.common.properties.publish
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
    Ok(Command::Run(PubOptions {
        common,
        topic,
        message,
        retain,
    }))
}

/// The error for an option the tool does not know.
pub(crate) fn unknown(name: &str) -> UsageError {
    UsageError::new(format!("unknown option {name:?} (see --help)"))
}
