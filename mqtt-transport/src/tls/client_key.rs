//! The client's private key from PEM: plain (PKCS#8, PKCS#1, SEC1) or encrypted PKCS#8
//! (`ENCRYPTED PRIVATE KEY`, PBES2 as OpenSSL writes it), decrypted with a password.

use pkcs8::EncryptedPrivateKeyInfoRef;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use super::TlsError;

const ENCRYPTED_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_END: &str = "-----END ENCRYPTED PRIVATE KEY-----";
/// The header OpenSSL's legacy ("traditional") key encryption writes inside the section.
const LEGACY_ENCRYPTION: &str = "Proc-Type: 4,ENCRYPTED";

/// The private key in `key_pem`. An encrypted PKCS#8 key is decrypted with `password`; a
/// plain key is taken as it is, password or not (as OpenSSL does: the same command line
/// works whether or not the key file is encrypted).
pub(crate) fn private_key_from_pem(
    key_pem: &[u8],
    password: Option<&[u8]>,
) -> Result<PrivateKeyDer<'static>, TlsError> {
    let text = String::from_utf8_lossy(key_pem);
    if text.contains(LEGACY_ENCRYPTION) {
        return Err(TlsError::LegacyEncryptedKey);
    }
    if let Some(section) = encrypted_section(&text) {
        let password = password.ok_or(TlsError::KeyNeedsPassword)?;
        return decrypt(section, password);
    }
    PrivateKeyDer::from_pem_slice(key_pem).map_err(|error| match error {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey,
        source => TlsError::InvalidPem {
            what: "client key",
            source,
        },
    })
}

/// The first `ENCRYPTED PRIVATE KEY` section of `text`, its markers included.
fn encrypted_section(text: &str) -> Option<&str> {
    let start = text.find(ENCRYPTED_BEGIN)?;
    let end = text[start..].find(ENCRYPTED_END)? + start + ENCRYPTED_END.len();
    Some(&text[start..end])
}

fn decrypt(section: &str, password: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    let failed = |reason: String| TlsError::KeyDecryption { reason };
    let (_label, der) =
        pkcs8::der::pem::decode_vec(section.as_bytes()).map_err(|e| failed(e.to_string()))?;
    let encrypted =
        EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).map_err(|e| failed(e.to_string()))?;
    // A wrong password mostly fails the padding check, and otherwise yields bytes that are
    // not a PKCS#8 structure: both are reported here, never a key of garbage.
    let document = encrypted
        .decrypt(password)
        .map_err(|e| failed(e.to_string()))?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        document.as_bytes().to_vec(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_encryption_is_named() {
        let pem = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
                    DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(
            private_key_from_pem(pem, Some(b"pw")),
            Err(TlsError::LegacyEncryptedKey)
        ));
    }

    #[test]
    fn an_encrypted_key_without_a_password_says_so() {
        let pem = format!("{ENCRYPTED_BEGIN}\nAAAA\n{ENCRYPTED_END}\n");
        assert!(matches!(
            private_key_from_pem(pem.as_bytes(), None),
            Err(TlsError::KeyNeedsPassword)
        ));
        assert!(matches!(
            private_key_from_pem(pem.as_bytes(), Some(b"pw")),
            Err(TlsError::KeyDecryption { .. })
        ));
    }
}
