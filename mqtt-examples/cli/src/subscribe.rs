//! `mqtt-sub`'s command line (mosquitto_sub's options).

use std::time::Duration;

use mqtt_kit_client::{SubscribeProperties, TopicFilter, TopicName};

use super::common::COMMON_HELP;
use super::publish::unknown;
use super::{Arguments, Command, CommonOptions, PropertyTarget, UsageError};

/// The text of `mqtt-sub --help`.
pub fn sub_usage() -> String {
    format!("{SUB_HELP}{COMMON_HELP}\n\n{SUB_HELP_END}")
}

const SUB_HELP: &str = "\
mqtt-sub: subscribe to topics and print the messages (mosquitto_sub's options)

usage: mqtt-sub [-h host] [-p port] | [-L URL] | [--unix path]
                -t topic [-t topic...] | -U topic [-U topic...]
                [-q qos] [-C count] [-W seconds] [-E] [-v] [-N] [-F format] [-R | --retained-only]
                [-T filter...] [--remove-retained] [-c] [-x expiry]
                [-i id | -I id-prefix] [-u user] [-P password] [-k keepalive]
                [-V 31|311|5] [-D command property value...] [-d] [--quiet] [-A address] [--nodelay]
                [--cafile file | --capath dir] [--cert file --key file] [--insecure]
                [--tls-use-os-certs] [--tls-version version] [--tls-alpn protocol]
                [--will-topic topic [--will-payload text] [--will-qos qos] [--will-retain]]

 -t, --topic FILTER   topic filter to subscribe to (several -t for several filters)
 -U, --unsubscribe FILTER   unsubscribe from FILTER (after subscribing to the -t filters); with
                      no -t, exit once the broker has acknowledged it (useful with -c)
 -T, --filter-out FILTER    do not print messages whose topic matches FILTER
 -q, --qos 0|1|2      QoS of the subscriptions (default 0)
 -C, --count N        exit after N messages
 -W, --timeout S      exit after S seconds (exit code 27 if the count was not reached)
 -E                   exit as soon as the subscriptions are acknowledged (with -c: make a session)
 -v, --verbose        print the topic before each message (an empty message: topic (null))
 -N                   no newline after each message
 -F FORMAT            print each message through FORMAT (%t topic, %p payload, %j JSON, @H hour,
                      \\n newline...: mosquitto_sub's sequences); overrides -v, not -N
 -R                   do not print retained messages (the stale ones)
     --retained-only  print retained messages only; exit at the first message that is not
     --remove-retained   clear each retained message received (not those -T filters out)
 -D, --property COMMAND PROPERTY VALUE   MQTT 5.0 property (needs -V 5), e.g.
                      -D subscribe user-property KEY VALUE, -D subscribe subscription-identifier 7,
                      -D connect session-expiry-interval 60; commands: connect, subscribe, will
";

const SUB_HELP_END: &str = "\
An empty message is printed as nothing at all without -v (not even a newline), as mosquitto_sub.
After the first connection, a lost connection is made again (with back-off) and the
subscriptions restored.
exit codes (mosquitto's): 0 done; 1 wrong command line, no connection, or a failure; the
CONNACK's code when the broker refuses (e.g. 5, or 135 with -V 5); 27 -W timed out";

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
    /// `-F`.
    pub format: Option<String>,
    /// `-T`.
    pub filter_out: Vec<TopicFilter>,
    /// `-U`.
    pub unsubscribe: Vec<TopicFilter>,
    /// `-E`.
    pub exit_after_subscribe: bool,
    /// `--remove-retained`.
    pub remove_retained: bool,
    /// `--retained-only`.
    pub retained_only: bool,
}

impl AsRef<CommonOptions> for SubOptions {
    fn as_ref(&self) -> &CommonOptions {
        &self.common
    }
}

/// What `mqtt-sub` does with one message ([`SubOptions::handle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handling {
    /// `--remove-retained`: publish an empty retained message to its topic.
    pub remove_retained: bool,
    /// Then: print it, pass over it, or stop (`--retained-only` and a fresh message).
    pub next: Next,
}

/// What follows a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Print it (and count it for `-C`).
    Print,
    /// Do not print it (`-T`, `-R`).
    Skip,
    /// Print nothing more and exit (`--retained-only`).
    Stop,
}

impl SubOptions {
    /// The SUBSCRIBE properties from `-D subscribe ...`.
    pub fn properties(&self) -> &SubscribeProperties {
        &self.common.properties.subscribe
    }

    /// The rules of mosquitto_sub's manual, in its order: a message `-T` filters out is
    /// passed over entirely; `--remove-retained` clears a retained one (even with `-R`);
    /// `--retained-only` stops at the first one not retained; `-R` skips retained ones.
    pub fn handle(&self, topic: &TopicName, retain: bool) -> Handling {
        if self.filter_out.iter().any(|filter| filter.matches(topic)) {
            return Handling {
                remove_retained: false,
                next: Next::Skip,
            };
        }
        let next = if self.retained_only && !retain {
            Next::Stop
        } else if self.skip_retained && retain {
            Next::Skip
        } else {
            Next::Print
        };
        Handling {
            remove_retained: self.remove_retained && retain,
            next,
        }
    }

    /// Whether there is anything to receive: without `-t` (only `-U`) or with `-E`, the tool
    /// exits once the broker has answered.
    pub fn receives(&self) -> bool {
        !self.filters.is_empty() && !self.exit_after_subscribe
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
        format: None,
        filter_out: Vec::new(),
        unsubscribe: Vec::new(),
        exit_after_subscribe: false,
        remove_retained: false,
        retained_only: false,
    };
    let (mut filter_out, mut unsubscribe) = (Vec::new(), Vec::new());
    while let Some(flag) = args.next_flag()? {
        if common.accept(&flag, &mut args, &SUB_PROPERTY_TARGETS)? {
            continue;
        }
        match flag.name.as_str() {
            "--help" => return Ok(Command::Help),
            "-t" | "--topic" => topics.push(args.value(&flag)?),
            "-T" | "--filter-out" => filter_out.push(args.value(&flag)?),
            "-U" | "--unsubscribe" => unsubscribe.push(args.value(&flag)?),
            "-F" => options.format = Some(args.value(&flag)?),
            "-C" | "--count" => options.count = Some(args.number(&flag, 1..=u64::MAX)?),
            "-W" | "--timeout" => {
                let seconds = args.number(&flag, 1..=u32::MAX)?;
                options.timeout = Some(Duration::from_secs(seconds.into()));
            }
            "-v" | "--verbose" | "-N" | "-R" | "-E" | "--retained-only" | "--remove-retained" => {
                args.switch(&flag)?;
                match flag.name.as_str() {
                    "-v" | "--verbose" => options.verbose = true,
                    "-N" => options.newline = false,
                    "-R" => options.skip_retained = true,
                    "-E" => options.exit_after_subscribe = true,
                    "--retained-only" => options.retained_only = true,
                    _ => options.remove_retained = true,
                }
            }
            _ => return Err(unknown(&flag.name)),
        }
    }
    common.check()?;
    topics.extend(common.url_topic()?);
    if topics.is_empty() && unsubscribe.is_empty() {
        return Err(UsageError::new(
            "a topic is needed: -t filter (or -U filter)",
        ));
    }
    options.filters = filters("-t", topics)?;
    options.filter_out = filters("-T", filter_out)?;
    options.unsubscribe = filters("-U", unsubscribe)?;
    if options.retained_only && options.skip_retained {
        return Err(UsageError::new(
            "-R skips retained messages, --retained-only prints only them: choose one",
        ));
    }
    options.common = common;
    Ok(Command::Run(options))
}

/// The filters given with `option`, checked.
fn filters(option: &str, texts: Vec<String>) -> Result<Vec<TopicFilter>, UsageError> {
    texts
        .into_iter()
        .map(|text| {
            TopicFilter::try_from(text.as_str())
                .map_err(|error| UsageError::new(format!("{option} {text:?}: {error}")))
        })
        .collect()
}
