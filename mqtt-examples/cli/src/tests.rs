//! The command lines of both tools, option by option and error by error (no broker).

use std::time::Duration;

use mqtt_kit_client::bytes::Bytes;
use mqtt_kit_client::{Options, ProtocolVersion, QoS, SubscriptionId};
use mqtt_kit_codec::PayloadFormat;
use mqtt_testkit::{TempDir, TestCa};

use super::*;

type Parser<T> = fn(Vec<String>) -> Result<Command<T>, UsageError>;

/// A command line written as one string (words split at white space) or as its words.
pub(super) trait CommandLine: std::fmt::Debug {
    fn words(&self) -> Vec<String>;
}

impl CommandLine for str {
    fn words(&self) -> Vec<String> {
        self.split_whitespace().map(String::from).collect()
    }
}

impl<const N: usize> CommandLine for [&str; N] {
    fn words(&self) -> Vec<String> {
        self.iter().map(|word| word.to_string()).collect()
    }
}

/// The options `parse` makes of `args`, which must be accepted.
fn accepted<T: std::fmt::Debug>(parse: Parser<T>, args: &(impl CommandLine + ?Sized)) -> T {
    match parse(args.words()) {
        Ok(Command::Run(options)) => options,
        other => panic!("{args:?}: {other:?}"),
    }
}

/// The error `parse` makes of `args`, which must be refused.
fn refused<T: std::fmt::Debug>(parse: Parser<T>, args: &(impl CommandLine + ?Sized)) -> String {
    match parse(args.words()) {
        Err(error) => error.to_string(),
        Ok(other) => panic!("{args:?} accepted: {other:?}"),
    }
}

pub(super) fn publish(args: &(impl CommandLine + ?Sized)) -> PubOptions {
    accepted(parse_pub, args)
}

pub(super) fn publish_error(args: &(impl CommandLine + ?Sized)) -> String {
    refused(parse_pub, args)
}

pub(super) fn subscribe(args: &(impl CommandLine + ?Sized)) -> SubOptions {
    accepted(parse_sub, args)
}

pub(super) fn subscribe_error(args: &(impl CommandLine + ?Sized)) -> String {
    refused(parse_sub, args)
}

/// The client options `mqtt-pub` would connect with.
pub(super) fn client_options(args: &(impl CommandLine + ?Sized)) -> Result<Options, String> {
    publish(args)
        .common
        .client_options()
        .and_then(build_options)
        .map_err(|error| error.to_string())
}

pub(super) fn uri(args: &(impl CommandLine + ?Sized)) -> String {
    publish(args).common.broker_uri().unwrap()
}

#[test]
fn defaults_are_mosquittos() {
    let options = publish("-t a/b -m hi");
    assert_eq!(options.topic.as_str(), "a/b");
    assert_eq!(options.message, MessageSource::Text("hi".into()));
    assert!(!options.retain);
    assert_eq!(options.common.qos, QoS::AtMostOnce);
    assert_eq!(options.common.version, ProtocolVersion::V3_1_1);
    assert_eq!(options.common.keep_alive, 60);
    assert!(!options.common.debug);
    assert_eq!(
        options.common.broker_uri().unwrap(),
        "mqtt://localhost:1883"
    );
    let built = client_options("-t a/b -m hi").unwrap();
    assert!(built.id().starts_with("mqtt-kit-"), "a generated id");
    assert!(built.clean());
}

#[test]
fn host_and_port() {
    assert_eq!(uri("-h 127.0.0.1 -p 1884 -t a -n"), "mqtt://127.0.0.1:1884");
    assert_eq!(uri("--host=broker --port=1 -t a -n"), "mqtt://broker:1");
    assert_eq!(uri("-h ::1 -t a -n"), "mqtt://[::1]:1883");
    assert_eq!(
        publish_error("-p 0 -t a -n"),
        "-p takes a number from 1 to 65535, not \"0\""
    );
    assert_eq!(
        publish_error("-p x -t a -n"),
        "-p takes a number from 1 to 65535, not \"x\""
    );
    assert_eq!(publish_error("-t a -n -h"), "-h needs a value");
}

#[test]
fn url_gives_broker_credentials_and_topic() {
    let args = [
        "-L",
        "mqtt://user:secret@broker:1999/sensors/kitchen",
        "-m",
        "21",
    ];
    let options = publish(&args);
    assert_eq!(options.topic.as_str(), "sensors/kitchen");
    assert_eq!(options.common.broker_uri().unwrap(), "mqtt://broker:1999");
    let built = client_options(&args).unwrap();
    let session = built.session_config();
    assert_eq!(session.username.as_deref(), Some("user"));
    assert_eq!(session.password.as_deref(), Some(&b"secret"[..]));
    // -u and -P win over the URL's.
    let built = client_options("-L mqtt://user:secret@broker/t -u other -m x").unwrap();
    assert_eq!(built.session_config().username.as_deref(), Some("other"));

    assert_eq!(uri("-L mqtts://broker/t -n"), "mqtts://broker");
    assert_eq!(
        uri("-L ws://broker:9001/mqtt -t a -n"),
        "ws://broker:9001/mqtt"
    );
    assert_eq!(
        publish_error("-L ws://broker/mqtt -n"),
        "a topic is needed: -t topic"
    );
    assert_eq!(
        publish_error("-L ftp://broker/t -n"),
        "-L \"ftp://broker/t\": the scheme must be mqtt, mqtts, ws, wss or unix"
    );
    assert_eq!(
        publish_error("-L broker -n"),
        "-L \"broker\": not a URL (mqtt://host:port/topic)"
    );
    assert_eq!(
        publish_error("-L mqtt:///t -n"),
        "-L \"mqtt:///t\": no host"
    );
    assert_eq!(
        publish_error("-L mqtt://b/t -h c -n"),
        "-L gives the broker: leave out -h and -p"
    );
    assert_eq!(
        publish_error("-L mqtt://b/t -t u -n"),
        "the topic is given twice: with -t and in -L"
    );
}

#[test]
fn unix_socket() {
    assert_eq!(
        uri("--unix /run/mqtt.sock -t a -n"),
        "unix:///run/mqtt.sock"
    );
    assert_eq!(
        publish_error("--unix /s -p 1 -t a -n"),
        "--unix gives the broker: leave out -L, -h and -p"
    );
}

#[test]
fn qos_and_retain() {
    for (text, qos) in [
        ("0", QoS::AtMostOnce),
        ("1", QoS::AtLeastOnce),
        ("2", QoS::ExactlyOnce),
    ] {
        assert_eq!(publish(&["-q", text, "-t", "a", "-n"]).common.qos, qos);
    }
    assert_eq!(publish("--qos=2 -t a -n").common.qos, QoS::ExactlyOnce);
    assert_eq!(
        publish_error("-q 3 -t a -n"),
        "-q takes a number from 0 to 2, not \"3\""
    );
    assert_eq!(
        publish_error("-q one -t a -n"),
        "-q takes a number from 0 to 2, not \"one\""
    );
    assert!(publish("-r -t a -n").retain);
    assert!(publish("--retain -t a -n").retain);
    assert_eq!(
        publish_error("--retain=1 -t a -n"),
        "--retain takes no value"
    );
}

#[test]
fn message_sources() {
    let source = |args: &str| publish(args).message;
    assert_eq!(source("-t a -m x"), MessageSource::Text("x".into()));
    assert_eq!(
        source("-t a --message -5"),
        MessageSource::Text("-5".into())
    );
    assert_eq!(
        source("-t a -f in.bin"),
        MessageSource::File("in.bin".into())
    );
    assert_eq!(
        source("-t a --file=in.bin"),
        MessageSource::File("in.bin".into())
    );
    assert_eq!(source("-t a -s"), MessageSource::Stdin);
    assert_eq!(source("-t a --stdin-file"), MessageSource::Stdin);
    assert_eq!(source("-t a -l"), MessageSource::StdinLines);
    assert_eq!(source("-t a --stdin-line"), MessageSource::StdinLines);
    assert_eq!(source("-t a -n"), MessageSource::Null);
    assert_eq!(source("-t a --null-message"), MessageSource::Null);
    let two = "only one message source: one of -m, -f, -s, -l and -n";
    assert_eq!(publish_error("-t a -m x -n"), two);
    assert_eq!(publish_error("-t a -l -s"), two);
    assert_eq!(
        publish_error("-t a"),
        "a message is needed: -m text, -f file, -s, -l or -n"
    );
    assert_eq!(publish_error("-t a -f"), "-f needs a value");
    assert_eq!(
        publish_error("-t a --null-message=yes"),
        "--null-message takes no value"
    );
}

#[test]
fn topics_of_mqtt_pub() {
    assert_eq!(publish_error("-m x"), "a topic is needed: -t topic");
    assert!(publish_error("-t a/# -m x").starts_with("-t \"a/#\": "));
    assert!(publish_error(&["-t", "", "-m", "x"]).starts_with("-t \"\": "));
    assert_eq!(publish("--topic a/b -n").topic.as_str(), "a/b");
}

#[test]
fn identity_and_keep_alive() {
    let built = client_options("-i sensor-7 -t a -n").unwrap();
    assert_eq!(built.id(), "sensor-7");
    let built = client_options("-I tool- -t a -n").unwrap();
    assert_eq!(built.id(), format!("tool-{}", std::process::id()));
    assert_eq!(
        publish_error("-i a -I b -t a -n"),
        "-i and -I cannot both be given"
    );
    let built = client_options("-u me -P pw -t a -n").unwrap();
    assert_eq!(built.session_config().username.as_deref(), Some("me"));
    assert_eq!(built.session_config().password, Some(Bytes::from("pw")));
    let refused = client_options("-P pw -t a -n").unwrap_err();
    assert!(refused.contains("user name"), "{refused}");
    assert!(
        client_options("-V 5 -P pw -t a -n").is_ok(),
        "5.0 allows it"
    );
    let built = client_options("-k 0 -t a -n").unwrap();
    assert_eq!(built.keep_alive(), 0);
    assert_eq!(publish("--keepalive 30 -t a -n").common.keep_alive, 30);
    assert_eq!(
        publish_error("-k 70000 -t a -n"),
        "-k takes a number from 0 to 65535, not \"70000\""
    );
}

#[test]
fn protocol_versions() {
    for (text, version) in [
        ("31", ProtocolVersion::V3_1),
        ("mqttv31", ProtocolVersion::V3_1),
        ("311", ProtocolVersion::V3_1_1),
        ("mqttv311", ProtocolVersion::V3_1_1),
        ("5", ProtocolVersion::V5),
        ("mqttv5", ProtocolVersion::V5),
    ] {
        assert_eq!(
            publish(&["-V", text, "-t", "a", "-n"]).common.version,
            version
        );
    }
    assert_eq!(
        publish_error("-V 4 -t a -n"),
        "-V takes 31, 311 or 5 (or mqttv31, mqttv311, mqttv5), not \"4\""
    );
    let built = client_options("--protocol-version 5 -t a -n").unwrap();
    assert_eq!(built.version(), ProtocolVersion::V5);
}

#[test]
fn publish_properties() {
    let options = publish(
        "-V 5 -t a -n -D publish user-property origin cli -D publish user-property origin again -D publish content-type text/plain -D publish correlation-data req-1 -D publish response-topic answers/me -D publish message-expiry-interval 30 -D publish payload-format-indicator 1",
    );
    let properties = options.properties();
    assert_eq!(
        properties.user_properties,
        [
            ("origin".into(), "cli".into()),
            ("origin".into(), "again".into())
        ]
    );
    assert_eq!(properties.content_type.as_deref(), Some("text/plain"));
    assert_eq!(properties.correlation_data, Some(Bytes::from("req-1")));
    assert_eq!(
        properties.response_topic.as_ref().map(|t| t.as_str()),
        Some("answers/me")
    );
    assert_eq!(properties.message_expiry_interval, Some(30));
    assert_eq!(
        properties.payload_format_indicator,
        Some(PayloadFormat::Utf8)
    );
}

#[test]
fn connect_properties() {
    let built = client_options("-V 5 -t a -n -D connect user-property site lab -D connect session-expiry-interval 3600 -D connect receive-maximum 10 -D connect maximum-packet-size 4096 -D connect topic-alias-maximum 0 -D connect request-problem-information 0 -D connect request-response-information 1")
    .unwrap();
    let session = built.session_config();
    assert_eq!(
        session.properties.user_properties,
        [("site".into(), "lab".into())]
    );
    assert_eq!(session.properties.session_expiry_interval, Some(3600));
    assert_eq!(session.properties.request_problem_information, Some(false));
    assert_eq!(session.properties.request_response_information, Some(true));
    assert_eq!(session.receive_maximum, 10);
    assert_eq!(session.maximum_packet_size, Some(4096));
    assert_eq!(session.topic_alias_maximum, 0);
}

#[test]
fn property_errors() {
    let v5 = |rest: &str| publish_error(format!("-V 5 -t a -n {rest}").as_str());
    assert_eq!(
        publish_error("-t a -n -D publish content-type x"),
        "-D sets MQTT 5.0 properties: it needs -V 5"
    );
    assert_eq!(
        v5("-D subscribe user-property k v"),
        "-D: \"subscribe\" is not a command this tool sends properties with (connect, publish, will)"
    );
    assert_eq!(
        v5("-D publish topic-alias 1"),
        "-D publish: no property \"topic-alias\" (see --help)"
    );
    assert_eq!(
        v5("-D connect content-type x"),
        "-D connect: no property \"content-type\" (see --help)"
    );
    assert_eq!(
        v5("-D publish user-property k"),
        "-D publish user-property needs a value"
    );
    assert_eq!(v5("-D publish"), "-D publish needs a value");
    assert_eq!(v5("-D"), "-D needs a value");
    assert_eq!(
        v5("-D publish content-type a -D publish content-type b"),
        "-D publish content-type is given twice"
    );
    assert_eq!(
        v5("-D publish payload-format-indicator 2"),
        "-D publish payload-format-indicator takes a number from 0 to 1, not \"2\""
    );
    assert_eq!(
        v5("-D connect receive-maximum 0"),
        "-D connect receive-maximum takes a number from 1 to 65535, not \"0\""
    );
    assert!(v5("-D publish response-topic a/+").starts_with("-D publish response-topic: "));
}

#[test]
fn will_options() {
    let built = client_options("-V 5 -t a -n --will-topic status/me --will-payload gone --will-qos 1 --will-retain -D will will-delay-interval 5 -D will content-type text/plain")
    .unwrap();
    let will = built.session_config().will.clone().expect("a Will");
    assert_eq!(will.topic.as_str(), "status/me");
    assert_eq!(will.payload, Bytes::from("gone"));
    assert_eq!(will.qos, QoS::AtLeastOnce);
    assert!(will.retain);
    assert_eq!(will.properties.will_delay_interval, Some(5));
    assert_eq!(will.properties.content_type.as_deref(), Some("text/plain"));

    let plain = client_options("-t a -n --will-topic w").unwrap();
    let will = plain.session_config().will.clone().expect("a Will");
    assert!(will.payload.is_empty() && !will.retain && will.qos == QoS::AtMostOnce);

    assert_eq!(
        publish_error("-t a -n --will-payload x"),
        "a Will needs --will-topic"
    );
    assert_eq!(
        publish_error("-t a -n --will-retain"),
        "a Will needs --will-topic"
    );
    assert_eq!(
        publish_error("-V 5 -t a -n -D will will-delay-interval 1"),
        "-D will ... needs --will-topic"
    );
    assert_eq!(
        publish_error("-t a -n --will-topic w --will-qos 5"),
        "--will-qos takes a number from 0 to 2, not \"5\""
    );
    let wildcard = client_options("-t a -n --will-topic w/#").unwrap_err();
    assert!(wildcard.starts_with("--will-topic \"w/#\": "), "{wildcard}");
}

#[test]
fn tls_options() {
    let dir = TempDir::new("mqtt-cli-test").unwrap();
    let ca = TestCa::new("cli test CA");
    let client = ca.client("cli");
    let ca_file = dir.write("ca.pem", ca.cert_pem()).unwrap();
    let cert = dir.write("cert.pem", &client.cert_pem).unwrap();
    let key = dir.write("key.pem", &client.key_pem).unwrap();
    let ca_file = ca_file.to_str().unwrap();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());

    let args = [
        "--cafile", ca_file, "--cert", cert, "--key", key, "-t", "a", "-n",
    ];
    assert_eq!(uri(&args), "mqtts://localhost:8883");
    assert!(client_options(&args).is_ok());
    let options = publish(&args);
    assert_eq!(
        options.common.tls.ca_file.as_deref(),
        Some(std::path::Path::new(ca_file))
    );
    assert_eq!(
        uri(&["--cafile", ca_file, "-p", "9999", "-t", "a", "-n"]),
        "mqtts://localhost:9999"
    );
    assert_eq!(uri("--insecure -t a -n"), "mqtts://localhost:8883");
    assert!(publish("--insecure -t a -n").common.tls.insecure);
    assert_eq!(uri("--tls-use-os-certs -t a -n"), "mqtts://localhost:8883");

    let missing = client_options("--cafile /nonexistent/ca.pem -t a -n").unwrap_err();
    assert!(missing.starts_with("TLS: "), "{missing}");
    let half = client_options(&["--cert", cert, "-t", "a", "-n"]).unwrap_err();
    assert_eq!(half, "--cert and --key go together");
    let plain_url = publish_error(&["-L", "mqtt://b/t", "--cafile", ca_file, "-n"]);
    assert_eq!(
        plain_url,
        "the TLS options need an mqtts:// or wss:// broker, not mqtt://b"
    );
    assert_eq!(
        publish_error("--insecure=no -t a -n"),
        "--insecure takes no value"
    );
}

#[test]
fn help_debug_and_strangers() {
    assert_eq!(parse_pub(vec!["--help".into()]).unwrap(), Command::Help);
    assert_eq!(
        parse_sub(["-t", "a", "--help"].map(String::from)).unwrap(),
        Command::Help
    );
    assert!(publish("-d -t a -n").common.debug);
    assert!(subscribe("--debug -t a").common.debug);
    assert_eq!(
        publish_error("--bogus"),
        "unknown option \"--bogus\" (see --help)"
    );
    assert_eq!(
        publish_error("-t a -n extra"),
        "unexpected argument \"extra\""
    );
    assert_eq!(publish_error("-C 1"), "unknown option \"-C\" (see --help)");
    assert_eq!(
        subscribe_error("-m x"),
        "unknown option \"-m\" (see --help)"
    );
    for usage in [pub_usage(), sub_usage()] {
        assert!(usage.contains("-D, --property") && usage.contains("--cafile FILE"));
    }
    assert!(pub_usage().contains("-l, --stdin-line") && sub_usage().contains("-C, --count"));
}

#[test]
fn topics_of_mqtt_sub() {
    let options = subscribe("-t a/# --topic b/+/c -L mqtt://broker/d");
    let filters: Vec<&str> = options.filters.iter().map(|f| f.as_str()).collect();
    assert_eq!(filters, ["a/#", "b/+/c", "d"]);
    assert_eq!(options.common.broker_uri().unwrap(), "mqtt://broker");
    assert_eq!(
        subscribe_error("-q 1"),
        "a topic is needed: -t filter (or -U filter)"
    );
    assert!(subscribe_error("-t a/#/b").starts_with("-t \"a/#/b\": "));
    assert_eq!(subscribe("-t a -q 2").common.qos, QoS::ExactlyOnce);
}

#[test]
fn sub_switches_count_and_timeout() {
    let defaults = subscribe("-t a");
    assert_eq!((defaults.count, defaults.timeout), (None, None));
    assert!(
        !defaults.verbose && defaults.newline && !defaults.skip_retained && defaults.common.clean
    );

    let options = subscribe("-t a -C 5 -W 10 -v -N -R -c -i me");
    assert_eq!(options.count, Some(5));
    assert_eq!(options.timeout, Some(Duration::from_secs(10)));
    assert!(options.verbose && !options.newline && options.skip_retained && !options.common.clean);
    let long = subscribe("-t a --count=2 --timeout=1 --verbose --disable-clean-session -I p");
    assert_eq!(
        (long.count, long.timeout),
        (Some(2), Some(Duration::from_secs(1)))
    );
    assert!(long.verbose && !long.common.clean);

    assert_eq!(
        subscribe_error("-t a -C 0"),
        "-C takes a number from 1 to 18446744073709551615, not \"0\""
    );
    assert_eq!(
        subscribe_error("-t a -W 0"),
        "-W takes a number from 1 to 4294967295, not \"0\""
    );
    assert_eq!(subscribe_error("-t a -W"), "-W needs a value");
    assert_eq!(
        subscribe_error("-t a -c"),
        "-c keeps a session: it needs a client id (-i)"
    );
    assert_eq!(
        subscribe_error("-t a -v=1"),
        "unknown option \"-v=1\" (see --help)"
    );
}

#[test]
fn subscribe_properties() {
    let options = subscribe(
        "-V 5 -t a -D subscribe user-property k v -D subscribe subscription-identifier 7",
    );
    assert_eq!(
        options.properties().user_properties,
        [("k".into(), "v".into())]
    );
    assert_eq!(
        options.properties().subscription_identifier,
        SubscriptionId::new(7)
    );
    assert_eq!(
        subscribe_error("-V 5 -t a -D publish content-type x"),
        "-D: \"publish\" is not a command this tool sends properties with (connect, subscribe, will)"
    );
    assert_eq!(
        subscribe_error("-V 5 -t a -D subscribe subscription-identifier 0"),
        "-D subscribe subscription-identifier takes a number from 1 to 268435455, not \"0\""
    );
}
