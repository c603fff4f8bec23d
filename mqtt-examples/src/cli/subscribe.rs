//! `mqtt-sub`'s command line (mosquitto_sub's options).

use std::time::Duration;

use mqtt_client::{SubscribeProperties, TopicFilter};

use super::common::COMMON_HELP;
use super::publish::unknown;
use super::{Arguments, Command, CommonOptions, PropertyTarget, UsageError};

/// The text of `mqtt-sub --help`.
pub fn sub_usage() -> String {
    format!("{SUB_HELP}{COMMON_HELP}\n\n{SUB_HELP_END}")
}

const SUB_HELP: &str = "\
mqtt-sub: subscribe to topics and print the messages (mosquitto_sub's options)

usage: mqtt-sub [-h host] [-p port] | [-L URL] | [--unix path]  -t topic [-t topic...]
                [-q qos] [-C count] [-W seconds] [-v] [-N] [-R] [-c]
                [-i id | -I id-prefix] [-u user] [-P password] [-k keepalive]
                [-V 31|311|5] [-D command property value...] [-d]
                [--cafile file] [--cert file --key file] [--insecure] [--tls-use-os-certs]
                [--will-topic topic [--will-payload text] [--will-qos qos] [--will-retain]]

 -t, --topic FILTER   topic filter to subscribe to (several -t for several filters)
 -q, --qos 0|1|2      QoS of the subscriptions (default 0)
 -C, --count N        exit after N messages
 -W, --timeout S      exit after S seconds (exit code 27 if the count was not reached)
 -v, --verbose        print the topic before each message
 -N                   no newline after each message
 -R                   do not print retained messages (the stale ones)
 -c, --disable-clean-session   keep the session (needs -i)
 -D, --property COMMAND PROPERTY VALUE   MQTT 5.0 property (needs -V 5), e.g.
                      -D subscribe user-property KEY VALUE, -D subscribe subscription-identifier 7,
                      -D connect session-expiry-interval 60; commands: connect, subscribe, will
";

const SUB_HELP_END: &str = "\
After the first connection, a lost connection is made again (with back-off) and the
subscriptions restored.
exit codes: 0 done, 1 wrong command line, 2 connection or broker failure, 27 -W timed out";

/// What `mqtt-sub` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct SubOptions {
    /// The options both tools take.
    pub common: CommonOptions,
    /// `-t` (and the topic of the `-L` URL).
    pub filters: Vec<TopicFilter>,
    /// `-C`.
    pub count: Option<u64>,
    /// `-W`.
    pub timeout: Option<Duration>,
    /// `-v`.
    pub verbose: bool,
    /// Not `-N`.
    pub newline: bool,
    /// `-R`.
    pub skip_retained: bool,
    /// Not `-c`.
    pub clean: bool,
}

impl SubOptions {
    /// The SUBSCRIBE properties from `-D subscribe ...`.
    pub fn properties(&self) -> &SubscribeProperties {
        &self.common.properties.subscribe
    }
}

/// The packets whose properties `-D` may set in mqtt-sub.
const SUB_PROPERTY_TARGETS: [PropertyTarget; 3] = [
    PropertyTarget::Connect,
    PropertyTarget::Subscribe,
    PropertyTarget::Will,
];

/// Parses `mqtt-sub`'s arguments (without the program name).
pub fn parse_sub(
    args: impl IntoIterator<Item = String>,
) -> Result<Command<SubOptions>, UsageError> {
    let mut args = Arguments::new(args);
    let mut common = CommonOptions::default();
    let mut topics = Vec::new();
    let mut options = SubOptions {
        common: CommonOptions::default(),
        filters: Vec::new(),
        count: None,
        timeout: None,
        verbose: false,
        newline: true,
        skip_retained: false,
        clean: true,
    };
    while let Some(flag) = args.next_flag()? {
        if common.accept(&flag, &mut args, &SUB_PROPERTY_TARGETS)? {
            continue;
        }
        match flag.name.as_str() {
            "--help" => return Ok(Command::Help),
            "-t" | "--topic" => topics.push(args.value(&flag)?),
            "-C" | "--count" => options.count = Some(args.number(&flag, 1..=u64::MAX)?),
            "-W" | "--timeout" => {
                let seconds = args.number(&flag, 1..=u32::MAX)?;
                options.timeout = Some(Duration::from_secs(seconds.into()));
            }
            "-v" | "--verbose" | "-N" | "-R" | "-c" | "--disable-clean-session" => {
                args.switch(&flag)?;
                match flag.name.as_str() {
                    "-v" | "--verbose" => options.verbose = true,
                    "-N" => options.newline = false,
                    "-R" => options.skip_retained = true,
                    _ => options.clean = false,
                }
            }
            _ => return Err(unknown(&flag.name)),
        }
    }
    common.check()?;
    topics.extend(common.url_topic()?);
    if topics.is_empty() {
        return Err(UsageError::new("a topic is needed: -t filter"));
    }
    for topic in topics {
        let filter = TopicFilter::try_from(topic.as_str())
            .map_err(|error| UsageError::new(format!("-t {topic:?}: {error}")))?;
        options.filters.push(filter);
    }
    if !options.clean && common.id.is_none() && common.id_prefix.is_none() {
        return Err(UsageError::new(
            "-c keeps a session: it needs a client id (-i)",
        ));
    }
    options.common = common;
    Ok(Command::Run(options))
}
