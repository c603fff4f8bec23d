//! MQTT over TLS: the client checks the broker's certificate against a certificate authority
//! it was given, then subscribes, publishes and receives as over plain TCP.
//!
//! ```text
//! cargo run -p mqtt-examples --example tls                            # embedded, behind TLS
//! cargo run -p mqtt-examples --example tls -- --broker mqtts://localhost:8883 --ca-file ca.pem
//! cargo run -p mqtt-examples --example tls -- --broker mqtts://broker.example   # system CAs
//! ```
//!
//! With a broker given (`--broker URL` or `MQTT_BROKER`, an `mqtts://` or `wss://` URL) it
//! trusts the CA in `--ca-file`, or the system's CAs without it. With no broker given it
//! runs with nothing installed: it starts the embedded broker, makes a throw-away CA and a
//! server certificate for 127.0.0.1 (rcgen), and puts a TLS-terminating proxy of its own
//! (rustls) in front of the broker; the client trusts that CA only.

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use futures_rustls::TlsAcceptor;
use futures_rustls::rustls::ServerConfig;
use futures_rustls::rustls::crypto::ring;
use futures_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::proxy::relay;
use mqtt_examples::run::step;
use mqtt_kit_client::tls::TlsConfig;
use mqtt_kit_client::{Client, Options, QoS};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use smol::net::{TcpListener, TcpStream};

fn main() -> ExitCode {
    mqtt_examples::run::main("tls", &["--ca-file"], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V3_1_1)?;
    let (url, tls) = match broker.embedded() {
        Some(embedded) => {
            let (ca_pem, server) = throwaway_certificates()?;
            let tls_port = start_tls_proxy(server, embedded.address(BrokerProtocol::V3_1_1))?;
            println!("tls: a TLS proxy with a throw-away certificate listens on {tls_port}");
            let trust = TlsConfig::new()
                .builtin_roots(false)
                .add_ca_pem(ca_pem.as_bytes())?;
            (format!("mqtts://{tls_port}"), trust)
        }
        None => {
            let trust = match args.value("--ca-file") {
                Some(file) => TlsConfig::new()
                    .builtin_roots(false)
                    .add_ca_pem_file(file)?,
                None => TlsConfig::new(),
            };
            (broker.url().to_owned(), trust)
        }
    };

    let options = Options::builder().uri(&url).tls(tls).build()?;
    smol::block_on(async {
        let client = step(Client::connect(options)).await??;
        let topic = format!("mqtt-kit/examples/tls/{}", client.id());
        let mut messages = step(client.subscribe(&topic, QoS::AtLeastOnce)).await??;
        println!("tls: connected to {url}, the certificate checked; subscribed to {topic}");
        step(client.publish(&topic, "sealed", QoS::AtLeastOnce)).await??;
        let message = step(messages.next())
            .await?
            .ok_or("the subscription ended")?;
        println!(
            "tls: received {:?} on {}",
            String::from_utf8_lossy(message.payload()),
            message.topic()
        );
        step(client.disconnect()).await??;
        Ok(())
    })
}

/// A server certificate and its key.
struct ServerIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// A new CA (its certificate in PEM) and a server certificate for 127.0.0.1 that it signed.
fn throwaway_certificates() -> Result<(String, ServerIdentity), rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate()?;
    let ca_pem = ca_params.self_signed(&ca_key)?.pem();
    let ca = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let server =
        CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&server_key, &ca)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    Ok((
        ca_pem,
        ServerIdentity {
            chain: vec![server.der().clone()],
            key,
        },
    ))
}

/// Listens on a free loopback port; for each connection, runs the TLS handshake as the
/// server and relays the decrypted bytes to `broker`. Returns the port's address.
fn start_tls_proxy(
    server: ServerIdentity,
    broker: SocketAddr,
) -> Result<SocketAddr, Box<dyn Error>> {
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(server.chain, server.key)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = smol::block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))?;
    let address = listener.local_addr()?;
    smol::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            smol::spawn(async move {
                match acceptor.accept(client).await {
                    Ok(tls) => match TcpStream::connect(broker).await {
                        Ok(plain) => relay(tls, plain).await,
                        Err(error) => eprintln!("tls proxy: broker unreachable: {error}"),
                    },
                    Err(error) => eprintln!("tls proxy: handshake failed: {error}"),
                }
            })
            .detach();
        }
    })
    .detach();
    Ok(address)
}
