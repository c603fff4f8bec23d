//! TLS servers the tests run in-process, with rustls through futures-rustls.

use std::sync::Arc;

use futures_rustls::TlsAcceptor;
use mqtt_kit_transport::tls::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use super::certs::Identity;
use super::servers::{TestServer, echo};

fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS server configuration presenting `identity`; when `client_ca_pem` is given, a client
/// certificate signed by it is required. `alpn` is what the server speaks, if anything.
pub fn tls_server_config(
    identity: &Identity,
    client_ca_pem: Option<&str>,
    alpn: &[&str],
) -> Arc<ServerConfig> {
    let builder = ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
                roots.add(cert.unwrap()).unwrap();
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), ring())
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(identity.chain(), identity.key_der())
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Arc::new(config)
}

/// A TLS server configuration presenting `identity` that speaks TLS 1.2 only.
pub fn tls12_only_server_config(identity: &Identity) -> Arc<ServerConfig> {
    let config = ServerConfig::builder_with_provider(ring())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(identity.chain(), identity.key_der())
        .unwrap();
    Arc::new(config)
}

/// A TLS server that echoes what each client sends.
pub async fn tls_echo_server(config: Arc<ServerConfig>) -> TestServer {
    let acceptor = TlsAcceptor::from(config);
    TestServer::spawn(move |tcp| {
        let acceptor = acceptor.clone();
        async move {
            if let Ok(tls) = acceptor.accept(tcp).await {
                echo(tls).await;
            }
        }
    })
    .await
}
