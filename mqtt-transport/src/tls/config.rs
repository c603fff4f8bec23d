//! [`TlsConfig`]: trust roots, client certificate (its key encrypted or not), ALPN, SNI, the
//! oldest TLS version, and the explicit opt-outs of checks, turned into a rustls
//! `ClientConfig`.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::SingleCertAndKey;
use rustls::{ClientConfig, RootCertStore};

use super::ca_dir::certificates_in_dir;
use super::client_identity::certified_key;
use super::client_key::private_key_from_pem;
use super::danger::RelaxedServerVerifier;
use super::{TlsError, TlsVersion};

/// What a TLS connection trusts and presents; [`TlsConfig::build`] turns it into a rustls
/// [`ClientConfig`], and [`TlsConnector::new`](super::TlsConnector::new) into a connector.
///
/// By default the server's certificate is checked against the operating system's
/// certificate authorities (feature `native-roots`, on by default) and Mozilla's
/// (feature `webpki-roots`, off by default), plus any added with
/// [`add_ca_pem`](Self::add_ca_pem) (or a directory of them,
/// [`add_ca_pem_dir`](Self::add_ca_pem_dir)). Checks stay on unless
/// [`danger_accept_any_hostname`](Self::danger_accept_any_hostname) (the name only) or
/// [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs) (everything) is called.
///
/// A client key may be encrypted PKCS#8 ([`client_cert_pem_with_password`]); a client
/// certificate may be X.509 v1 (rustls itself reads only v3: see
/// [`client_cert`](Self::client_cert)). [`min_protocol_version`](Self::min_protocol_version)
/// refuses TLS 1.2.
///
/// [`client_cert_pem_with_password`]: Self::client_cert_pem_with_password
///
/// ```
/// use mqtt_kit_transport::tls::TlsConfig;
///
/// # fn pems() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
/// #     let ca = rcgen::generate_simple_self_signed(vec!["ca".into()]).unwrap();
/// #     let client = rcgen::generate_simple_self_signed(vec!["client".into()]).unwrap();
/// #     (ca.cert.pem().into(), client.cert.pem().into(), client.signing_key.serialize_pem().into())
/// # }
/// # #[cfg(feature = "ring")] { // build() needs a crypto provider
/// let (ca_pem, client_cert_pem, client_key_pem) = pems();
/// let config = TlsConfig::new()
///     .add_ca_pem(&ca_pem)?                                  // the broker's private CA
///     .client_cert_pem(&client_cert_pem, &client_key_pem)?   // mutual TLS
///     .alpn_protocols(["mqtt"])                              // for brokers on port 443
///     .build()?;
/// assert_eq!(config.alpn_protocols, [b"mqtt".to_vec()]);
/// # }
/// # Ok::<(), mqtt_kit_transport::tls::TlsError>(())
/// ```
pub struct TlsConfig {
    #[cfg(feature = "native-roots")]
    native_roots: bool,
    #[cfg(feature = "webpki-roots")]
    webpki_roots: bool,
    added_roots: Vec<CertificateDer<'static>>,
    client_identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    alpn_protocols: Vec<Vec<u8>>,
    sni: bool,
    min_version: TlsVersion,
    check_hostname: bool,
    accept_invalid_certs: bool,
    provider: Option<Arc<CryptoProvider>>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            #[cfg(feature = "native-roots")]
            native_roots: true,
            #[cfg(feature = "webpki-roots")]
            webpki_roots: true,
            added_roots: Vec::new(),
            client_identity: None,
            alpn_protocols: Vec::new(),
            sni: true,
            min_version: TlsVersion::default(),
            check_hostname: true,
            accept_invalid_certs: false,
            provider: None,
        }
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("TlsConfig");
        #[cfg(feature = "native-roots")]
        debug.field("native_roots", &self.native_roots);
        #[cfg(feature = "webpki-roots")]
        debug.field("webpki_roots", &self.webpki_roots);
        debug
            .field("added_roots", &self.added_roots.len())
            // Never the key itself.
            .field("client_certificate", &self.client_identity.is_some())
            .field("alpn_protocols", &self.alpn_protocols)
            .field("sni", &self.sni)
            .field("min_version", &self.min_version)
            .field("check_hostname", &self.check_hostname)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// The default: built-in roots as the features choose, no client certificate, no ALPN,
    /// SNI on, certificate checks on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to trust the certificate authorities built in by the features `native-roots`
    /// and `webpki-roots` (default: yes). Turn off to trust only the CAs added here, e.g. a
    /// broker's private CA.
    #[cfg_attr(
        not(any(feature = "native-roots", feature = "webpki-roots")),
        allow(unused_mut)
    )]
    pub fn builtin_roots(mut self, trust: bool) -> Self {
        #[cfg(feature = "native-roots")]
        {
            self.native_roots = trust;
        }
        #[cfg(feature = "webpki-roots")]
        {
            self.webpki_roots = trust;
        }
        let _ = trust; // With neither feature there are no built-in roots to turn off.
        self
    }

    /// Whether to trust the operating system's certificate authorities (default: yes).
    /// Turn off to trust only the CAs added here, e.g. a broker's private CA.
    #[cfg(feature = "native-roots")]
    pub fn native_roots(mut self, trust: bool) -> Self {
        self.native_roots = trust;
        self
    }

    /// Whether to trust Mozilla's certificate authorities compiled into `webpki-roots`
    /// (default: yes when the feature is on).
    #[cfg(feature = "webpki-roots")]
    pub fn webpki_roots(mut self, trust: bool) -> Self {
        self.webpki_roots = trust;
        self
    }

    /// Trusts every certificate authority in `pem` (one or more `CERTIFICATE` sections).
    pub fn add_ca_pem(mut self, pem: &[u8]) -> Result<Self, TlsError> {
        let what = "CA certificate";
        let certs = certificates_from_pem(pem, what)?;
        self.added_roots.extend(certs);
        Ok(self)
    }

    /// Trusts every certificate authority in the PEM file at `path`.
    pub fn add_ca_pem_file(self, path: impl AsRef<Path>) -> Result<Self, TlsError> {
        let pem = read_file(path.as_ref(), "CA certificate")?;
        self.add_ca_pem(&pem)
    }

    /// Trusts every certificate authority in the PEM files directly in the directory `dir`
    /// (OpenSSL's `capath`, mosquitto's `--capath`). Every file is read, whatever its name
    /// (no `openssl rehash` needed); files without a readable certificate are skipped; a
    /// directory without any certificate is an error ([`TlsError::NoCaInDirectory`]).
    pub fn add_ca_pem_dir(mut self, dir: impl AsRef<Path>) -> Result<Self, TlsError> {
        self.added_roots.extend(certificates_in_dir(dir.as_ref())?);
        Ok(self)
    }

    /// Trusts one certificate authority given in DER.
    pub fn add_ca_der(mut self, certificate: CertificateDer<'static>) -> Self {
        self.added_roots.push(certificate);
        self
    }

    /// Presents a client certificate (mutual TLS): `cert_chain_pem` holds the certificate,
    /// then any intermediates; `key_pem` its private key (PKCS#8, PKCS#1 or SEC1). An
    /// encrypted key needs [`client_cert_pem_with_password`](Self::client_cert_pem_with_password)
    /// ([`TlsError::KeyNeedsPassword`] here).
    pub fn client_cert_pem(self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, TlsError> {
        self.client_identity_pem(cert_chain_pem, key_pem, None)
    }

    /// Like [`client_cert_pem`](Self::client_cert_pem), with the key encrypted as PKCS#8
    /// (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, as `openssl pkcs8 -topk8` and
    /// `openssl genpkey -aes256` write it: PBES2 with PBKDF2 or scrypt, and AES-CBC or
    /// AES-GCM), decrypted here with `password`. A key that is not encrypted is used as
    /// it is. A wrong password is [`TlsError::KeyDecryption`]; OpenSSL's legacy encryption
    /// (`Proc-Type: 4,ENCRYPTED`) is [`TlsError::LegacyEncryptedKey`], with the command that
    /// converts it.
    pub fn client_cert_pem_with_password(
        self,
        cert_chain_pem: &[u8],
        key_pem: &[u8],
        password: impl AsRef<[u8]>,
    ) -> Result<Self, TlsError> {
        self.client_identity_pem(cert_chain_pem, key_pem, Some(password.as_ref()))
    }

    fn client_identity_pem(
        self,
        cert_chain_pem: &[u8],
        key_pem: &[u8],
        password: Option<&[u8]>,
    ) -> Result<Self, TlsError> {
        let chain = certificates_from_pem(cert_chain_pem, "client certificate")?;
        let key = private_key_from_pem(key_pem, password)?;
        Ok(self.client_cert(chain, key))
    }

    /// Presents the client certificate and key in the PEM files at the given paths.
    pub fn client_cert_pem_files(
        self,
        cert_chain_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        let chain = read_file(cert_chain_path.as_ref(), "client certificate")?;
        let key = read_file(key_path.as_ref(), "client key")?;
        self.client_cert_pem(&chain, &key)
    }

    /// Presents the client certificate and the encrypted key in the PEM files at the given
    /// paths, the key decrypted with `password` (see
    /// [`client_cert_pem_with_password`](Self::client_cert_pem_with_password)).
    pub fn client_cert_pem_files_with_password(
        self,
        cert_chain_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
        password: impl AsRef<[u8]>,
    ) -> Result<Self, TlsError> {
        let chain = read_file(cert_chain_path.as_ref(), "client certificate")?;
        let key = read_file(key_path.as_ref(), "client key")?;
        self.client_cert_pem_with_password(&chain, &key, password)
    }

    /// Presents a client certificate chain and key given in DER.
    ///
    /// The certificate may be X.509 v1 (or v2): rustls's own check that the key belongs to
    /// the certificate reads v3 only, so for older ones [`build`](Self::build) compares the
    /// public keys itself, then hands the pair to rustls, which sends the certificate as it
    /// is. Brokers built on OpenSSL (mosquitto) accept v1 client certificates; brokers built
    /// on rustls refuse them (webpki reads v3 only), with a TLS alert that shows as
    /// [`TlsError::ClientCertificateRejected`]. A v1 *server* certificate is refused by this
    /// client for the same reason, whatever is configured, except with
    /// [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs); a v1 *CA*
    /// certificate is a usable root.
    pub fn client_cert(
        mut self,
        cert_chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Self {
        self.client_identity = Some((cert_chain, key));
        self
    }

    /// Offers these application protocols in ALPN, most preferred first. Brokers that serve
    /// MQTT on port 443 beside HTTPS often want `"mqtt"` (AWS IoT wants
    /// `"x-amzn-mqtt-ca"`).
    pub fn alpn_protocols<P: Into<Vec<u8>>>(
        mut self,
        protocols: impl IntoIterator<Item = P>,
    ) -> Self {
        self.alpn_protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Whether to send the server name in the handshake (SNI; default: yes). Servers that
    /// host several names need it; turn it off only for a server that chokes on it.
    pub fn sni(mut self, send: bool) -> Self {
        self.sni = send;
        self
    }

    /// The oldest TLS version to accept (default: [`TlsVersion::Tls12`], so TLS 1.2 or 1.3).
    /// [`TlsVersion::Tls13`] refuses a broker that speaks only TLS 1.2. rustls has nothing
    /// older than 1.2 to offer.
    pub fn min_protocol_version(mut self, version: TlsVersion) -> Self {
        self.min_version = version;
        self
    }

    /// Uses this rustls crypto provider rather than the default (ring with the `ring`
    /// feature, else the process-wide default).
    pub fn crypto_provider(mut self, provider: Arc<CryptoProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// **Turns off the checks of the server's certificate**: any certificate for any name,
    /// signed by anyone, expired or not, is accepted. The connection is encrypted, but anyone
    /// on the path can impersonate the broker. For test brokers with throw-away certificates
    /// only; trust a private CA with [`add_ca_pem`](Self::add_ca_pem) instead.
    pub fn danger_accept_invalid_certs(mut self) -> Self {
        self.accept_invalid_certs = true;
        self
    }

    /// **Turns off the check of the server's host name only** (mosquitto's `--insecure`):
    /// the certificate must still chain to a trusted CA, be within its dates and be meant
    /// for a server, but may be for any name. For a broker reached by an address its
    /// certificate does not name; better, name the one it does carry with
    /// [`TlsConnector::server_name`](super::TlsConnector::server_name), which keeps the check.
    /// Anyone holding *any* certificate from a trusted CA can impersonate the broker, so
    /// trust a private CA only ([`builtin_roots(false)`](Self::builtin_roots)) with it.
    pub fn danger_accept_any_hostname(mut self) -> Self {
        self.check_hostname = false;
        self
    }

    /// Builds the rustls configuration: loads the roots, checks the client identity.
    pub fn build(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = self.crypto_provider_or_default()?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(self.min_version.allowed())
            .map_err(TlsError::Config)?;
        let builder = if self.accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(RelaxedServerVerifier::accept_anything(
                    provider.clone(),
                )))
        } else if !self.check_hostname {
            let verifier = WebPkiServerVerifier::builder_with_provider(
                Arc::new(self.trust_roots()?),
                provider.clone(),
            )
            .build()
            .map_err(|error| TlsError::Config(rustls::Error::General(error.to_string())))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(RelaxedServerVerifier::accept_any_name(
                    provider.clone(),
                    verifier,
                )))
        } else {
            builder.with_root_certificates(self.trust_roots()?)
        };
        let mut config = match &self.client_identity {
            Some((chain, key)) => {
                let identity = certified_key(chain.clone(), key.clone_key(), &provider)?;
                builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(identity)))
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn_protocols.clone();
        config.enable_sni = self.sni;
        Ok(Arc::new(config))
    }

    fn crypto_provider_or_default(&self) -> Result<Arc<CryptoProvider>, TlsError> {
        if let Some(provider) = &self.provider {
            return Ok(provider.clone());
        }
        #[cfg(feature = "ring")]
        {
            Ok(Arc::new(rustls::crypto::ring::default_provider()))
        }
        #[cfg(not(feature = "ring"))]
        {
            CryptoProvider::get_default()
                .cloned()
                .ok_or(TlsError::NoCryptoProvider)
        }
    }

    /// The certificate authorities to check servers against; never empty.
    fn trust_roots(&self) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        #[allow(unused_mut)] // Only the native store reports errors.
        let mut system_store_errors = Vec::new();
        #[cfg(feature = "native-roots")]
        if self.native_roots {
            let native = rustls_native_certs::load_native_certs();
            system_store_errors.extend(native.errors.iter().map(ToString::to_string));
            // Systems ship odd certificates (unsupported algorithms, bad encodings): skip
            // them rather than fail, as every browser does.
            roots.add_parsable_certificates(native.certs);
        }
        #[cfg(feature = "webpki-roots")]
        if self.webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        for (index, certificate) in self.added_roots.iter().enumerate() {
            roots
                .add(certificate.clone())
                .map_err(|source| TlsError::InvalidCaCertificate {
                    number: index + 1,
                    source,
                })?;
        }
        if roots.is_empty() {
            return Err(TlsError::NoTrustRoots {
                system_store_errors,
            });
        }
        Ok(roots)
    }
}

fn certificates_from_pem(
    pem: &[u8],
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::InvalidPem { what, source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { what });
    }
    Ok(certs)
}

fn read_file(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::ReadFile {
        what,
        path: path.to_owned(),
        source,
    })
}
