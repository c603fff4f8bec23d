//! The certificates of a CA directory (OpenSSL's `capath`, mosquitto's `--capath`).

use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::TlsError;

/// Every certificate in the PEM files directly in `dir`, files taken in name order.
///
/// OpenSSL finds a CA there by the hash of its subject (`openssl rehash` makes the links);
/// rustls wants all its roots up front, so every file is read instead, whatever its name. A
/// file without a readable certificate (a CRL, a README, a broken link) is skipped, as
/// OpenSSL skips what it cannot use; a directory with no certificate at all is an error.
pub(crate) fn certificates_in_dir(dir: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read_error = |source| TlsError::ReadFile {
        what: "CA directory",
        path: dir.to_owned(),
        source,
    };
    let mut paths = std::fs::read_dir(dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    paths.sort();
    let mut certificates = Vec::new();
    for path in paths.iter().filter(|path| path.is_file()) {
        let Ok(pem) = std::fs::read(path) else {
            continue;
        };
        let found: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&pem).collect();
        certificates.extend(found.unwrap_or_default());
    }
    if certificates.is_empty() {
        return Err(TlsError::NoCaInDirectory {
            path: dir.to_owned(),
        });
    }
    Ok(certificates)
}
