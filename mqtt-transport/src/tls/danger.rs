//! The opt-outs of server certificate checks: all of them, for test brokers with throw-away
//! certificates (`danger_accept_invalid_certs`), or the host name only (mosquitto's
//! `--insecure`, `danger_accept_any_hostname`).

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// A server certificate verifier with checks turned off. Either way the handshake
/// signatures are still checked, so the server must at least hold the key of the
/// certificate it shows.
#[derive(Debug)]
pub(crate) struct RelaxedServerVerifier {
    provider: Arc<CryptoProvider>,
    /// rustls's own verifier when only the name goes unchecked; `None`: nothing is checked.
    all_but_name: Option<Arc<WebPkiServerVerifier>>,
}

impl RelaxedServerVerifier {
    /// Accepts any server certificate: whoever answers is trusted, so the connection is
    /// encrypted but not authenticated.
    pub(crate) fn accept_anything(provider: Arc<CryptoProvider>) -> Self {
        RelaxedServerVerifier {
            provider,
            all_but_name: None,
        }
    }

    /// rustls's own verifier with one error forgiven: a certificate that does not carry the
    /// name connected to.
    ///
    /// Sound because `WebPkiServerVerifier::verify_server_cert` checks the name *last*: the
    /// chain to a trusted root, the validity dates, the key purpose and revocation have all
    /// passed when the name mismatch is reported, so nothing else is skipped with it.
    pub(crate) fn accept_any_name(
        provider: Arc<CryptoProvider>,
        verifier: Arc<WebPkiServerVerifier>,
    ) -> Self {
        RelaxedServerVerifier {
            provider,
            all_but_name: Some(verifier),
        }
    }
}

impl ServerCertVerifier for RelaxedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(verifier) = &self.all_but_name else {
            return Ok(ServerCertVerified::assertion());
        };
        match verifier.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
