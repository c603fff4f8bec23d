//! `mqtt-pub` and `mqtt-sub` as a user runs them: the binaries, their output and exit codes.
//! Without a broker: help, usage errors, a broker that is not there. Against the embedded
//! broker (always): messages from mqtt-pub printed by mqtt-sub, `-W`. Against mosquitto
//! (`needs mosquitto`): MQTT 3.1.1 and 5.0 with properties, TLS, retained messages.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failure here is a failed test

mod support;

use std::net::{Ipv4Addr, TcpListener};

use mqtt_examples::embedded_broker::{BrokerProtocol, EmbeddedBroker};
use mqtt_testkit::{Listener, ListenerTls, Mosquitto, TempDir, TestCa};
use support::{PUB, SUB, Subscriber, mosquitto_port, publish, run, text};

#[test]
fn help_is_printed_with_success() {
    for (program, usage) in [(PUB, "usage: mqtt-pub"), (SUB, "usage: mqtt-sub")] {
        let output = run(program, &["--help"], b"");
        assert_eq!(output.status.code(), Some(0));
        assert!(text(&output.stdout).contains(usage));
    }
}

#[test]
fn usage_errors_exit_with_1() {
    let cases: [(&str, &[&str], &str); 5] = [
        (PUB, &["--bogus"], "mqtt-pub: unknown option \"--bogus\""),
        (PUB, &["-t", "a"], "mqtt-pub: a message is needed"),
        (
            PUB,
            &["-t", "a", "-q", "3", "-m", "x"],
            "mqtt-pub: -q takes a number from 0 to 2",
        ),
        (SUB, &["-q", "1"], "mqtt-sub: a topic is needed"),
        (SUB, &["-t", "a", "-p"], "mqtt-sub: -p needs a value"),
    ];
    for (program, args, message) in cases {
        let output = run(program, args, b"");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            text(&output.stderr).starts_with(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let missing = run(PUB, &["-t", "a", "-f", "/nonexistent/message"], b"");
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).starts_with("mqtt-pub: -f /nonexistent/message: "));
}

#[test]
fn no_broker_exits_with_1() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let at = ["-h", "127.0.0.1", "-p", port.as_str(), "-t", "a"];
    for (program, args) in [(PUB, [&at[..], &["-m", "x"]].concat()), (SUB, at.to_vec())] {
        let output = run(program, &args, b"");
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("cannot connect"), "{stderr}");
        // --quiet: the same exit code, nothing said.
        let quiet = run(program, &[&args[..], &["--quiet"]].concat(), b"");
        assert_eq!(quiet.status.code(), Some(1));
        assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    }
}

#[test]
fn sub_prints_what_pub_sends_through_the_embedded_broker() {
    let broker = EmbeddedBroker::start().unwrap();
    let port = broker.address(BrokerProtocol::V3_1_1).port().to_string();
    let at = ["-h", "127.0.0.1", "-p", port.as_str()];
    let subscriber = Subscriber::start(
        &[
            &at[..],
            &["-t", "cli/#", "-q", "1", "-v", "-C", "3", "-W", "20"],
        ]
        .concat(),
    );
    publish(
        &[&at[..], &["-t", "cli/a", "-m", "hello", "-q", "1"]].concat(),
        b"",
    );
    publish(
        &[&at[..], &["-t", "cli/b", "-l", "-q", "1"]].concat(),
        b"one\ntwo\n",
    );
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "cli/a hello\ncli/b one\ncli/b two\n");
}

#[test]
fn sub_times_out_with_27() {
    let broker = EmbeddedBroker::start().unwrap();
    let port = broker.address(BrokerProtocol::V3_1_1).port().to_string();
    let output = run(
        SUB,
        &["-h", "127.0.0.1", "-p", &port, "-t", "quiet", "-W", "1"],
        b"",
    );
    assert_eq!(output.status.code(), Some(27));
    assert_eq!(text(&output.stderr), "mqtt-sub: timed out (-W)\n");
    assert!(output.stdout.is_empty());
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_v311_file_stdin_and_null_messages() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let port = mosquitto_port(&broker);
    let at = ["-h", "127.0.0.1", "-p", port.as_str(), "-V", "mqttv311"];
    let dir = TempDir::new("mqtt-cli-test").unwrap();
    let file = dir.write("message.bin", b"from a file").unwrap();
    let subscriber = Subscriber::start(
        &[
            &at[..],
            &[
                "-t", "files", "-t", "stdin", "-t", "null", "-v", "-C", "3", "-W", "20",
            ],
        ]
        .concat(),
    );
    publish(
        &[
            &at[..],
            &["-t", "files", "-f", file.to_str().unwrap(), "-q", "2"],
        ]
        .concat(),
        b"",
    );
    publish(
        &[&at[..], &["-t", "stdin", "-s", "-q", "1"]].concat(),
        b"all of\nstandard input",
    );
    publish(&[&at[..], &["-t", "null", "-n", "-q", "1"]].concat(), b"");
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(
        printed,
        "files from a file\nstdin all of\nstandard input\nnull (null)\n"
    );
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_v31_publisher_with_a_will_and_credentials() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let port = mosquitto_port(&broker);
    let at = ["-h", "127.0.0.1", "-p", port.as_str()];
    let subscriber =
        Subscriber::start(&[&at[..], &["-t", "old/#", "-v", "-C", "1", "-W", "20"]].concat());
    let args = [
        "-V",
        "31",
        "-i",
        "old-client",
        "-u",
        "me",
        "-P",
        "pw",
        "--will-topic",
        "old/will",
    ];
    publish(
        &[
            &at[..],
            &args,
            &["-t", "old/news", "-m", "from 3.1", "-q", "1"],
        ]
        .concat(),
        b"",
    );
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "old/news from 3.1\n");
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_v5_with_properties_and_url() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let url = format!("mqtt://127.0.0.1:{}/v5/topic", mosquitto_port(&broker));
    let subscriber = Subscriber::start(&[
        "-L",
        &url,
        "-V",
        "5",
        "-q",
        "2",
        "-C",
        "2",
        "-W",
        "20",
        "-D",
        "subscribe",
        "subscription-identifier",
        "42",
        "-D",
        "subscribe",
        "user-property",
        "who",
        "sub",
        "-D",
        "connect",
        "session-expiry-interval",
        "0",
    ]);
    for message in ["first", "second"] {
        publish(
            &[
                "-L",
                &url,
                "-V",
                "mqttv5",
                "-q",
                "2",
                "-m",
                message,
                "-D",
                "publish",
                "user-property",
                "who",
                "pub",
                "-D",
                "publish",
                "content-type",
                "text/plain",
                "-D",
                "publish",
                "message-expiry-interval",
                "60",
            ],
            b"",
        );
    }
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "first\nsecond\n");
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_retained_messages_and_no_newline() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let port = mosquitto_port(&broker);
    let at = ["-h", "127.0.0.1", "-p", port.as_str()];
    publish(
        &[&at[..], &["-t", "state", "-m", "stale", "-r", "-q", "1"]].concat(),
        b"",
    );
    // -R skips the retained message; -N prints without newlines. A message published with
    // -r to a subscriber already there is not flagged retained [MQTT-3.3.1-9]: it is printed.
    let subscriber =
        Subscriber::start(&[&at[..], &["-t", "state", "-R", "-N", "-C", "2", "-W", "20"]].concat());
    publish(
        &[&at[..], &["-t", "state", "-m", "fresh", "-q", "1"]].concat(),
        b"",
    );
    publish(
        &[&at[..], &["-t", "state", "-m", "fresher", "-r", "-q", "1"]].concat(),
        b"",
    );
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "freshfresher");

    // Without -R the retained message comes first; -n -r clears it.
    let output = run(
        SUB,
        &[&at[..], &["-t", "state", "-C", "1", "-W", "20"]].concat(),
        b"",
    );
    assert_eq!(
        text(&output.stdout),
        "fresher\n",
        "the last retained one: {}",
        text(&output.stderr)
    );
    publish(
        &[&at[..], &["-t", "state", "-n", "-r", "-q", "1"]].concat(),
        b"",
    );
    let output = run(SUB, &[&at[..], &["-t", "state", "-W", "1"]].concat(), b"");
    assert_eq!(output.status.code(), Some(27), "nothing retained any more");
}

#[test]
#[ignore = "needs mosquitto"]
fn mosquitto_over_tls_with_a_ca_file() {
    let ca = TestCa::new("mqtt-cli test CA");
    let server = ca.server(&["127.0.0.1"]);
    let tls = ListenerTls {
        ca_pem: ca.cert_pem().to_owned(),
        cert_pem: server.cert_pem.clone(),
        key_pem: server.key_pem.clone(),
        require_certificate: false,
    };
    let broker = Mosquitto::start(&[Listener::tcp().with_tls(tls)]);
    let dir = TempDir::new("mqtt-cli-test").unwrap();
    let ca_file = dir.write("ca.pem", ca.cert_pem()).unwrap();
    let port = mosquitto_port(&broker);
    let at = [
        "-h",
        "127.0.0.1",
        "-p",
        port.as_str(),
        "--cafile",
        ca_file.to_str().unwrap(),
    ];
    let subscriber =
        Subscriber::start(&[&at[..], &["-t", "secure", "-C", "1", "-W", "20"]].concat());
    publish(
        &[&at[..], &["-t", "secure", "-m", "sealed", "-q", "1"]].concat(),
        b"",
    );
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "sealed\n");

    // A client that does not trust the CA is turned away.
    let other = TestCa::new("another CA");
    let other_file = dir.write("other.pem", other.cert_pem()).unwrap();
    let output = run(
        PUB,
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "--cafile",
            other_file.to_str().unwrap(),
            "-t",
            "secure",
            "-m",
            "x",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("cannot connect"),
        "{}",
        text(&output.stderr)
    );
}
