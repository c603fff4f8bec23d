//! The TLS options both tools take, as mosquitto's tools name them, and the TLS
//! configuration they make.

use std::path::PathBuf;

use mqtt_kit_client::tls::{TlsConfig, TlsError, TlsVersion};

use super::{Arguments, Flag, UsageError};

/// `--cafile`, `--capath`, `--cert`, `--key`, `--insecure`, `--tls-use-os-certs`,
/// `--tls-version`, `--tls-alpn`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Trust the CAs in this PEM file (and not the system's, unless `--tls-use-os-certs`).
    pub ca_file: Option<PathBuf>,
    /// Trust the CAs in the PEM files of this directory (idem).
    pub ca_path: Option<PathBuf>,
    /// Present this client certificate (PEM)...
    pub cert: Option<PathBuf>,
    /// ...with this key (PEM).
    pub key: Option<PathBuf>,
    /// Do not check the host name in the broker's certificate (its chain is still checked).
    pub insecure: bool,
    /// Trust the system's CAs.
    pub os_certs: bool,
    /// `--tls-version`: the oldest TLS version to accept.
    pub version: Option<TlsVersion>,
    /// `--tls-alpn`: the application protocol to ask for.
    pub alpn: Option<String>,
}

impl TlsOptions {
    /// Reads `flag` if it is a TLS option (`Ok(false)` if it is not).
    pub fn accept(&mut self, flag: &Flag, args: &mut Arguments) -> Result<bool, UsageError> {
        match flag.name.as_str() {
            "--cafile" => self.ca_file = Some(args.value(flag)?.into()),
            "--capath" => self.ca_path = Some(args.value(flag)?.into()),
            "--cert" => self.cert = Some(args.value(flag)?.into()),
            "--key" => self.key = Some(args.value(flag)?.into()),
            "--tls-version" => self.version = Some(tls_version(&args.value(flag)?)?),
            "--tls-alpn" => self.alpn = Some(args.value(flag)?),
            "--insecure" => {
                args.switch(flag)?;
                self.insecure = true;
            }
            "--tls-use-os-certs" => {
                args.switch(flag)?;
                self.os_certs = true;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether any option asks for TLS.
    pub fn wanted(&self) -> bool {
        *self != TlsOptions::default()
    }

    /// The TLS configuration; unreadable files are usage errors.
    pub fn config(&self) -> Result<TlsConfig, UsageError> {
        let tls_error = |error: TlsError| UsageError::new(format!("TLS: {error}"));
        let mut config = TlsConfig::new();
        if self.ca_file.is_some() || self.ca_path.is_some() {
            config = config.builtin_roots(self.os_certs);
        }
        if let Some(ca_file) = &self.ca_file {
            config = config.add_ca_pem_file(ca_file).map_err(tls_error)?;
        }
        if let Some(ca_path) = &self.ca_path {
            config = config.add_ca_pem_dir(ca_path).map_err(tls_error)?;
        }
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                config = config
                    .client_cert_pem_files(cert, key)
                    .map_err(|error| match error {
                        // mosquitto's tools ask for the password on the terminal; these do
                        // not (yet): say what to do instead.
                        TlsError::KeyNeedsPassword => UsageError::new(format!(
                            "--key {}: the key is encrypted and the tools cannot ask for its \
                             password: give them a decrypted copy \
                             (openssl pkcs8 -in {0} -out plain.key)",
                            key.display()
                        )),
                        other => tls_error(other),
                    })?;
            }
            (None, None) => {}
            _ => return Err(UsageError::new("--cert and --key go together")),
        }
        if self.insecure {
            config = config.danger_accept_any_hostname();
        }
        if let Some(version) = self.version {
            config = config.min_protocol_version(version);
        }
        if let Some(protocol) = &self.alpn {
            config = config.alpn_protocols([protocol.as_str()]);
        }
        Ok(config)
    }
}

/// `--tls-version`: as in mosquitto, the oldest version allowed (OpenSSL's clients then
/// negotiate the newest both sides speak).
fn tls_version(text: &str) -> Result<TlsVersion, UsageError> {
    match text {
        "tlsv1.3" => Ok(TlsVersion::Tls13),
        "tlsv1.2" => Ok(TlsVersion::Tls12),
        "tlsv1.1" | "tlsv1" => Err(UsageError::new(format!(
            "--tls-version {text}: TLS older than 1.2 is not supported (rustls speaks TLS 1.2 and 1.3)"
        ))),
        _ => Err(UsageError::new(format!(
            "--tls-version takes tlsv1.3 or tlsv1.2, not {text:?}"
        ))),
    }
}
