//! The options added for parity with mosquitto_pub and mosquitto_sub (issue "The client as
//! people use it"), option by option and error by error (no broker).

use std::time::{Duration, UNIX_EPOCH};

use mqtt_kit_client::tls::TlsVersion;
use mqtt_kit_client::{Publish, QoS, TopicName};

use super::tests::{client_options, publish, publish_error, subscribe, subscribe_error};
use super::*;

#[test]
fn session_expiry_and_clean_session() {
    let options = publish("-V 5 -x 120 -t a -n");
    assert_eq!(options.common.session_expiry_interval(), Some(120));
    let never = publish(&["-V", "5", "-x", "∞", "-i", "me", "-t", "a", "-n"]);
    assert_eq!(never.common.session_expiry_interval(), Some(u32::MAX));
    assert_eq!(
        publish("-V 5 -x -1 -i me -t a -n")
            .common
            .session_expiry_interval(),
        Some(u32::MAX)
    );
    // -c: the session is kept, and with MQTT 5.0 never expires unless -x says otherwise.
    let kept = publish("-V 5 -c -i me -t a -n");
    assert!(!kept.common.clean);
    assert_eq!(kept.common.session_expiry_interval(), Some(u32::MAX));
    assert_eq!(
        publish("-V 5 -c -x 60 -i me -t a -n")
            .common
            .session_expiry_interval(),
        Some(60)
    );
    let built = client_options("-V 5 -c -x 60 -i me -t a -n").unwrap();
    assert!(!built.clean());
    assert_eq!(
        publish("-c -i me -t a -n").common.session_expiry_interval(),
        None
    );
    assert_eq!(
        publish("-V 5 -t a -n").common.session_expiry_interval(),
        None
    );

    assert_eq!(
        publish_error("-x 60 -t a -n"),
        "-x sets the MQTT 5.0 session expiry interval: it needs -V 5"
    );
    assert_eq!(
        publish_error("-V 5 -x -1 -t a -n"),
        "a session that never expires (-x -1) needs a client id (-i)"
    );
    assert_eq!(
        publish_error("-c -t a -n"),
        "-c keeps a session: it needs a client id (-i)"
    );
    assert_eq!(
        publish_error("-V 5 -x 1 -D connect session-expiry-interval 2 -t a -n"),
        "the session expiry interval is given twice: with -x and with -D connect"
    );
    assert_eq!(
        publish_error("-V 5 -x -2 -t a -n"),
        "-x takes a number from 0 to 4294967295, not \"-2\""
    );
}

#[test]
fn repeat_and_max_in_flight() {
    let options = publish("-t a -m x --repeat 3 --repeat-delay 0.25 -M 5");
    assert_eq!(options.repeat, 3);
    assert_eq!(options.repeat_delay, Duration::from_millis(250));
    assert_eq!(options.max_in_flight, Some(5));
    let defaults = publish("-t a -m x");
    assert_eq!(
        (defaults.repeat, defaults.repeat_delay),
        (1, Duration::ZERO)
    );
    assert_eq!(defaults.max_in_flight, None);
    assert!(client_options("-t a -m x -M 5").is_ok());

    assert_eq!(
        publish_error("-t a -l --repeat 2"),
        "--repeat repeats one message (-m, -f, -s or -n): not the lines of -l"
    );
    assert_eq!(
        publish_error("-t a -m x --repeat 0"),
        "--repeat takes a number from 1 to 4294967295, not \"0\""
    );
    assert_eq!(
        publish_error("-t a -m x --repeat-delay soon"),
        "--repeat-delay takes a number of seconds (0 or more, e.g. 0.5), not \"soon\""
    );
    assert_eq!(
        publish_error("-t a -m x -M 0"),
        "-M takes a number from 1 to 65535, not \"0\""
    );
}

#[test]
fn tls_version_alpn_capath_and_insecure() {
    let options = publish("--tls-version tlsv1.3 --tls-alpn mqtt --insecure -t a -n");
    let tls = &options.common.tls;
    assert_eq!(tls.version, Some(TlsVersion::Tls13));
    assert_eq!(tls.alpn.as_deref(), Some("mqtt"));
    assert!(tls.insecure);
    assert_eq!(
        options.common.broker_uri().unwrap(),
        "mqtts://localhost:8883",
        "TLS options mean TLS"
    );
    assert_eq!(
        publish("--tls-version tlsv1.2 -t a -n").common.tls.version,
        Some(TlsVersion::Tls12)
    );
    assert!(
        publish_error("--tls-version tlsv1.1 -t a -n")
            .starts_with("--tls-version tlsv1.1: TLS older than 1.2 is not supported")
    );
    assert_eq!(
        publish_error("--tls-version ssl3 -t a -n"),
        "--tls-version takes tlsv1.3 or tlsv1.2, not \"ssl3\""
    );
    let capath = publish("--capath /etc/ssl/certs -t a -n");
    assert_eq!(
        capath.common.tls.ca_path.as_deref(),
        Some(std::path::Path::new("/etc/ssl/certs"))
    );
    let empty = mqtt_testkit::TempDir::new("cli-capath").unwrap();
    let dir = empty.path().to_str().unwrap();
    let error = client_options(&["--capath", dir, "-t", "a", "-n"]).unwrap_err();
    assert!(error.starts_with("TLS: no CA certificate found"), "{error}");
}

#[test]
fn an_encrypted_key_is_refused_with_what_to_do() {
    let dir = mqtt_testkit::TempDir::new("cli-key").unwrap();
    let ca = mqtt_testkit::TestCa::new("cli CA");
    let client = ca.client("cli");
    let cert = dir.write("client.crt", &client.cert_pem).unwrap();
    let key = dir
        .write(
            "client.key",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .unwrap();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let error = client_options(&["--cert", cert, "--key", key, "-t", "a", "-n"]).unwrap_err();
    assert_eq!(
        error,
        format!(
            "--key {key}: the key is encrypted and the tools cannot ask for its password: \
             give them a decrypted copy (openssl pkcs8 -in {key} -out plain.key)"
        )
    );
}

#[test]
fn socket_options_debug_and_quiet() {
    let options = publish("-A 127.0.0.1 --nodelay --quiet -d -t a -n");
    assert_eq!(options.common.bind.as_deref(), Some("127.0.0.1"));
    assert!(options.common.nodelay && options.common.quiet && options.common.debug);
    assert!(client_options("-A 127.0.0.1 --nodelay -d -t a -n").is_ok());
    assert!(client_options("-A localhost -t a -n").is_ok());
    assert_eq!(
        publish_error("-A 127.0.0.1 -L ws://broker/mqtt -t a -n"),
        "-A binds TCP connections: it works with mqtt:// and mqtts:// brokers only"
    );
    assert_eq!(
        publish_error("--quiet=yes -t a -n"),
        "--quiet takes no value"
    );
}

#[test]
fn sub_options_of_mosquitto_sub() {
    let options = subscribe(&[
        "-t",
        "a/#",
        "-T",
        "a/b",
        "-T",
        "a/c/#",
        "-U",
        "old",
        "-E",
        "-F",
        "%t %p",
        "--remove-retained",
        "--retained-only",
    ]);
    let filters = |list: &[mqtt_kit_client::TopicFilter]| -> Vec<String> {
        list.iter().map(|f| f.as_str().to_owned()).collect()
    };
    assert_eq!(filters(&options.filter_out), ["a/b", "a/c/#"]);
    assert_eq!(filters(&options.unsubscribe), ["old"]);
    assert_eq!(options.format.as_deref(), Some("%t %p"));
    assert!(options.exit_after_subscribe && options.remove_retained && options.retained_only);
    assert!(!options.receives(), "-E: nothing to receive");
    // -U alone is enough (to leave a kept session's subscription).
    let only_unsubscribe = subscribe("-U old -c -i me");
    assert!(only_unsubscribe.filters.is_empty() && !only_unsubscribe.receives());

    assert_eq!(
        subscribe_error("-t a -R --retained-only"),
        "-R skips retained messages, --retained-only prints only them: choose one"
    );
    assert!(subscribe_error("-t a -T a/#/b").starts_with("-T \"a/#/b\": "));
    assert!(subscribe_error("-U +/#/x").starts_with("-U \"+/#/x\": "));
}

#[test]
fn what_happens_to_each_message() {
    let topic = |name: &str| TopicName::try_from(name).unwrap();
    let options = subscribe("-t a/# -T a/skip/# --remove-retained --retained-only");
    let handle = |name: &str, retain: bool| options.handle(&topic(name), retain);
    assert_eq!(
        handle("a/b", true),
        Handling {
            remove_retained: true,
            next: Next::Print
        }
    );
    assert_eq!(handle("a/b", false).next, Next::Stop);
    // What -T filters out is neither removed nor a reason to stop.
    assert_eq!(
        handle("a/skip/x", true),
        Handling {
            remove_retained: false,
            next: Next::Skip
        }
    );
    assert_eq!(handle("a/skip/x", false).next, Next::Skip);

    // -R skips retained messages, but --remove-retained still removes them.
    let quiet = subscribe("-t a/# -R --remove-retained");
    let retained = quiet.handle(&topic("a/b"), true);
    assert!(retained.remove_retained);
    assert_eq!(retained.next, Next::Skip);
    assert_eq!(quiet.handle(&topic("a/b"), false).next, Next::Print);
}

#[test]
fn how_messages_are_printed() {
    let print = |args: &str, payload: &str| {
        let message = Publish::new(
            TopicName::try_from("t/1").unwrap(),
            payload.to_owned(),
            QoS::AtMostOnce,
        );
        let bytes = render_message(&subscribe(args), &message, UNIX_EPOCH).unwrap();
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(print("-t #", "hi"), "hi\n");
    assert_eq!(print("-t # -v", "hi"), "t/1 hi\n");
    assert_eq!(print("-t # -v -N", "hi"), "t/1 hi");
    // An empty message, as mosquitto_sub 2.0 prints it.
    assert_eq!(print("-t # -v", ""), "t/1 (null)\n");
    assert_eq!(print("-t #", ""), "", "not even a newline");
    // -F wins over -v, not over -N.
    assert_eq!(print("-t # -v -F %l:%t", ""), "0:t/1\n");
    assert_eq!(print("-t # -N -F %p", "x"), "x");
}

#[test]
fn exit_codes_are_mosquittos() {
    let code = |failure: Failure| format!("{:?}", failure.exit_code());
    assert_eq!(
        code(Failure::Usage(UsageError::new("x"))),
        code(Failure::failed("y"))
    );
    assert_eq!(
        code(Failure::failed("no broker")),
        format!("{:?}", std::process::ExitCode::from(1))
    );
    let refused = Failure::Refused {
        code: 135,
        reason: "NotAuthorized".into(),
    };
    assert_eq!(
        code(refused.clone()),
        format!("{:?}", std::process::ExitCode::from(135))
    );
    assert_eq!(
        refused.to_string(),
        "the broker refused the connection: NotAuthorized (code 135)"
    );
    assert!(refused.is_runtime() && !Failure::Usage(UsageError::new("x")).is_runtime());
}
