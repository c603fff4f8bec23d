//! The broker of a run, one per implementation: every transport it can offer (TCP, TLS,
//! mutual TLS, WebSocket, secure WebSocket, with certificates made for the run) plus the
//! wrong-name TLS listeners of the certificate checks.

use mqtt_testkit::{Listener, ListenerTls, TempDir, TestCa};

use super::running::Running;
use super::{
    BrokerKind, Endpoint, Flavour, TlsFaults, WRONG_NAME, aedes, amqtt, mosquitto_binary,
    mosquitto_version, rumqttd, url,
};
use crate::conformance::matrix::Transport;

/// The broker the xtask starts for the run's cases.
pub struct SharedBroker {
    /// Which broker, with its version.
    pub kind: BrokerKind,
    /// Its endpoints: one per transport it offers (rumqttd: one per version).
    pub endpoints: Vec<Endpoint>,
    /// Broken TLS set-ups, when the broker offers TLS.
    pub faults: Option<TlsFaults>,
    /// The broker (killed when dropped), then its files.
    _running: Running,
    _files: TempDir,
}

impl SharedBroker {
    /// Installs `flavour` if it must be (aedes), starts it on free loopback ports, and
    /// says which version it is.
    pub fn start(flavour: Flavour) -> Result<SharedBroker, String> {
        let version = match flavour {
            Flavour::Mosquitto => mosquitto_version(&mosquitto_binary()?)?,
            Flavour::Rumqttd => rumqttd::VERSION.to_owned(),
            Flavour::Aedes => aedes::install()?,
            Flavour::Amqtt => amqtt::install()?,
        };
        let files = TempDir::new("conformance-shared")
            .map_err(|e| format!("could not create a directory for the broker's files: {e}"))?;
        let ca = TestCa::new("mqtt-kit conformance CA");
        let other_ca = TestCa::new("mqtt-kit conformance unknown CA");
        let server = ca.server(&["localhost", "127.0.0.1"]);
        let wrong = ca.server(&[WRONG_NAME]);
        let client = ca.client("conformance-client");
        let tls = |cert_pem: &str, key_pem: &str, require_certificate| ListenerTls {
            ca_pem: ca.cert_pem().to_owned(),
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            require_certificate,
        };
        // In Transport::ALL order, then the two wrong-name listeners.
        let listeners = [
            Listener::tcp(),
            Listener::tcp().with_tls(tls(&server.cert_pem, &server.key_pem, false)),
            Listener::tcp().with_tls(tls(&server.cert_pem, &server.key_pem, true)),
            Listener::websockets(),
            Listener::websockets().with_tls(tls(&server.cert_pem, &server.key_pem, false)),
            Listener::tcp().with_tls(tls(&wrong.cert_pem, &wrong.key_pem, false)),
            Listener::websockets().with_tls(tls(&wrong.cert_pem, &wrong.key_pem, false)),
        ];
        let running = Running::start(flavour, &listeners, "", files.path())?;
        let kind = BrokerKind::Started { flavour, version };
        if flavour == Flavour::Rumqttd {
            // Plain TCP only, as built into the xtask.
            return Ok(SharedBroker {
                kind,
                endpoints: running.tcp_endpoints(flavour)?,
                faults: None,
                _running: running,
                _files: files,
            });
        }
        let ca_pem = Some(ca.cert_pem().to_owned());
        let endpoint = |transport: Transport, index: usize| -> Result<Endpoint, String> {
            Ok(Endpoint {
                transport,
                url: url(transport, running.port(index)?),
                versions: &[],
                ca_pem: (transport != Transport::Tcp && transport != Transport::Ws)
                    .then(|| ca_pem.clone())
                    .flatten(),
                client_identity: (transport == Transport::Mtls)
                    .then(|| (client.cert_pem.clone(), client.key_pem.clone())),
            })
        };
        let endpoints = Transport::ALL
            .iter()
            .enumerate()
            .map(|(index, &transport)| endpoint(transport, index))
            .collect::<Result<_, _>>()?;
        let faults = TlsFaults {
            wrong_name_tls: endpoint(Transport::Tls, 5)?,
            wrong_name_wss: endpoint(Transport::Wss, 6)?,
            unknown_ca_pem: other_ca.cert_pem().to_owned(),
        };
        Ok(SharedBroker {
            kind,
            endpoints,
            faults: Some(faults),
            _running: running,
            _files: files,
        })
    }
}
