//! The options of mosquitto_pub and mosquitto_sub that `mqtt-pub` and `mqtt-sub` gained, each
//! against a real mosquitto started by the test (`needs mosquitto`): exit codes, `-d`,
//! `-F`, `-T`, `--remove-retained`, `--retained-only`, `-E`, `-U`, `-c`, `-x`, `--repeat`,
//! `-M`, `-A`, `--nodelay`, `--capath`, `--tls-version`, `--tls-alpn`, `--insecure`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failure here is a failed test

mod support;

use mqtt_testkit::{Listener, ListenerTls, Mosquitto, TempDir, TestCa};
use support::{PUB, SUB, Subscriber, mosquitto_port, publish, run, text};

/// `-h 127.0.0.1 -p PORT` for `broker`'s first listener.
fn at(broker: &Mosquitto) -> Vec<String> {
    vec![
        "-h".into(),
        "127.0.0.1".into(),
        "-p".into(),
        mosquitto_port(broker),
    ]
}

/// `at` followed by `more`, as the tools take them.
fn args<'a>(at: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    at.iter()
        .map(String::as_str)
        .chain(more.iter().copied())
        .collect()
}

#[test]
#[ignore = "needs mosquitto"]
fn a_refused_connection_exits_with_the_connack_code() {
    let broker = Mosquitto::start_with_config(&[Listener::tcp()], "allow_anonymous false");
    let at = at(&broker);
    for (version, code) in [("311", 5), ("5", 135)] {
        let output = run(PUB, &args(&at, &["-V", version, "-t", "a", "-m", "x"]), b"");
        assert_eq!(output.status.code(), Some(code), "{}", text(&output.stderr));
        assert!(text(&output.stderr).contains("NotAuthorized"));
        let quiet = run(SUB, &args(&at, &["-V", version, "-t", "a", "--quiet"]), b"");
        assert_eq!(quiet.status.code(), Some(code));
        assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    }
}

#[test]
#[ignore = "needs mosquitto"]
fn debug_shows_every_packet_to_the_last() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let at = at(&broker);
    let output = run(
        PUB,
        &args(
            &at,
            &["-d", "-i", "dbg", "-t", "d/t", "-m", "hi", "-q", "1"],
        ),
        b"",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stderr),
        "Client dbg sending CONNECT\n\
         Client dbg received CONNACK (0)\n\
         Client dbg sending PUBLISH (d0, q1, r0, m1, 'd/t', ... (2 bytes))\n\
         Client dbg received PUBACK (Mid: 1, RC:0)\n\
         Client dbg sending DISCONNECT\n"
    );
}

#[test]
#[ignore = "needs mosquitto"]
fn format_repeat_and_max_in_flight() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let at = at(&broker);
    let subscriber = Subscriber::start(&args(
        &at,
        &[
            "-t",
            "f/#",
            "-q",
            "1",
            "-C",
            "3",
            "-W",
            "20",
            "-F",
            "%t|%p|%l|%q|%r|%x",
        ],
    ));
    let repeat = ["-t", "f/x", "-m", "ab", "-q", "1", "--repeat", "3"];
    let pacing = ["--repeat-delay", "0.01", "-M", "1", "--nodelay"];
    publish(&args(&at, &[&repeat[..], &pacing].concat()), b"");
    let (code, printed) = subscriber.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "f/x|ab|2|1|0|6162\n".repeat(3));
}

#[test]
#[ignore = "needs mosquitto"]
fn filter_out_remove_retained_and_retained_only() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let at = at(&broker);
    for (topic, payload) in [("r/a", "one"), ("r/b", "two")] {
        publish(
            &args(&at, &["-t", topic, "-m", payload, "-r", "-q", "1"]),
            b"",
        );
    }
    // Clears the retained messages it receives, except r/b, which -T filters out; prints
    // only retained ones and exits at the first fresh one.
    let cleaner = Subscriber::start(&args(
        &at,
        &[
            "-t",
            "r/#",
            "-T",
            "r/b",
            "--remove-retained",
            "--retained-only",
            "-v",
        ],
    ));
    publish(&args(&at, &["-t", "r/fresh", "-m", "now", "-q", "1"]), b"");
    let (code, printed) = cleaner.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "r/a one\n");

    // Only r/b is still retained.
    let reader = Subscriber::start(&args(&at, &["-t", "r/#", "--retained-only", "-v"]));
    publish(
        &args(&at, &["-t", "r/fresh", "-m", "again", "-q", "1"]),
        b"",
    );
    let (code, printed) = reader.finish();
    assert_eq!(code, Some(0));
    assert_eq!(printed, "r/b two\n");
}

#[test]
#[ignore = "needs mosquitto"]
fn a_kept_session_made_with_e_and_left_with_u() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let at = at(&broker);
    let keeper = ["-c", "-i", "keeper", "-q", "1"];
    // -E: subscribe and leave at once; the session keeps the subscriptions.
    let made = run(
        SUB,
        &args(
            &at,
            &[&keeper[..], &["-t", "kept/#", "-t", "other/#", "-E"]].concat(),
        ),
        b"",
    );
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    assert!(made.stdout.is_empty());
    // -U alone: unsubscribe from kept/# and leave.
    let left = run(
        SUB,
        &args(&at, &[&keeper[..], &["-U", "kept/#"]].concat()),
        b"",
    );
    assert_eq!(left.status.code(), Some(0), "{}", text(&left.stderr));

    publish(
        &args(&at, &["-t", "kept/x", "-m", "dropped", "-q", "1"]),
        b"",
    );
    publish(
        &args(&at, &["-t", "other/x", "-m", "queued", "-q", "1"]),
        b"",
    );
    // Back: the session queued other/x only (kept/x would have come first).
    let back = run(
        SUB,
        &args(
            &at,
            &[&keeper[..], &["-t", "other/#", "-C", "1", "-W", "20", "-v"]].concat(),
        ),
        b"",
    );
    assert_eq!(
        text(&back.stdout),
        "other/x queued\n",
        "{}",
        text(&back.stderr)
    );
}

#[test]
#[ignore = "needs mosquitto"]
fn session_expiry_of_mqtt_5() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let at = at(&broker);
    let v5 = ["-V", "5", "-i", "v5-keeper", "-q", "1", "-t", "s/#", "-v"];
    // -x 300: the session outlives the connection (started clean, without -c).
    let made = run(
        SUB,
        &args(&at, &[&v5[..], &["-E", "-x", "300"]].concat()),
        b"",
    );
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    publish(
        &args(&at, &["-t", "s/kept", "-m", "waiting", "-q", "1"]),
        b"",
    );
    // -c resumes it and finds the message queued; -x 0: this time it ends with the connection.
    let back = run(
        SUB,
        &args(
            &at,
            &[&v5[..], &["-c", "-x", "0", "-C", "1", "-W", "20"]].concat(),
        ),
        b"",
    );
    assert_eq!(
        text(&back.stdout),
        "s/kept waiting\n",
        "{}",
        text(&back.stderr)
    );
    publish(
        &args(&at, &["-t", "s/lost", "-m", "nobody", "-q", "1"]),
        b"",
    );
    // Nothing was kept: the first message is one published after this subscription.
    let again = Subscriber::start(&args(
        &at,
        &[&v5[..], &["-c", "-C", "1", "-W", "20"]].concat(),
    ));
    publish(&args(&at, &["-t", "s/after", "-m", "now", "-q", "1"]), b"");
    assert_eq!(again.finish(), (Some(0), "s/after now\n".to_owned()));
}

#[test]
#[ignore = "needs mosquitto"]
fn bind_address_is_the_connections_source() {
    let broker = Mosquitto::start(&[Listener::tcp()]);
    let at = at(&broker);
    // 127.0.0.2 is loopback too (127.0.0.0/8), and not the address the system would pick.
    publish(
        &args(
            &at,
            &["-A", "127.0.0.2", "-i", "bound", "-t", "a", "-m", "x"],
        ),
        b"",
    );
    let log = broker.log();
    assert!(
        log.lines()
            .any(|line| line.contains("New client connected from 127.0.0.2")
                && line.contains("bound")),
        "{log}"
    );
}

#[test]
#[ignore = "needs mosquitto"]
fn tls_with_a_ca_directory_a_version_alpn_and_insecure() {
    let ca = TestCa::new("mqtt-cli CA");
    // The certificate names localhost only; the tools connect to 127.0.0.1.
    let server = ca.server(&["localhost"]);
    let broker = Mosquitto::start(&[Listener::tcp().with_tls(ListenerTls {
        ca_pem: ca.cert_pem().to_owned(),
        cert_pem: server.cert_pem,
        key_pem: server.key_pem,
        require_certificate: false,
    })]);
    let dir = TempDir::new("mqtt-cli-capath").unwrap();
    dir.write("broker-ca.crt", ca.cert_pem()).unwrap();
    dir.write("README", "not a certificate").unwrap();
    let at = at(&broker);
    let tls = [
        "--capath",
        dir.path().to_str().unwrap(),
        "--tls-version",
        "tlsv1.3",
        "--tls-alpn",
        "mqtt",
    ];
    // --insecure: the host name is not checked, the CA still is.
    let subscriber = Subscriber::start(&args(
        &at,
        &[
            &tls[..],
            &["--insecure", "-t", "tls", "-C", "1", "-W", "20"],
        ]
        .concat(),
    ));
    publish(
        &args(
            &at,
            &[
                &tls[..],
                &["--insecure", "-t", "tls", "-m", "sealed", "-q", "1"],
            ]
            .concat(),
        ),
        b"",
    );
    assert_eq!(subscriber.finish(), (Some(0), "sealed\n".to_owned()));

    let checked = run(
        PUB,
        &args(&at, &[&tls[..], &["-t", "tls", "-m", "x"]].concat()),
        b"",
    );
    assert_eq!(checked.status.code(), Some(1));
    assert!(
        text(&checked.stderr).contains("not valid for"),
        "{}",
        text(&checked.stderr)
    );
    let other = TestCa::new("another CA");
    let other_dir = TempDir::new("mqtt-cli-capath").unwrap();
    other_dir.write("other.crt", other.cert_pem()).unwrap();
    let rogue = run(
        PUB,
        &args(
            &at,
            &[
                "--capath",
                other_dir.path().to_str().unwrap(),
                "--insecure",
                "-t",
                "tls",
                "-m",
                "x",
            ],
        ),
        b"",
    );
    assert_eq!(rogue.status.code(), Some(1));
    assert!(
        text(&rogue.stderr).contains("unknown certificate authority"),
        "{}",
        text(&rogue.stderr)
    );
}
