//! The client certificate and key as rustls presents them, X.509 v1 certificates included.
//!
//! rustls checks that a client key belongs to its certificate by parsing the certificate with
//! webpki, which reads X.509 v3 only: a v1 certificate (no extensions, as `openssl x509 -req`
//! without an extension file makes) fails that check with "UnsupportedCertVersion" although
//! rustls never needs to parse its own certificate again: it sends the bytes as they are and
//! signs with the key. So for a certificate older than v3 the same check is made here, by
//! comparing the key's public half with the certificate's, and the pair handed to rustls as
//! it is. Whether the broker accepts a v1 certificate is the broker's business: OpenSSL-based
//! brokers (mosquitto) do; rustls-based ones do not (webpki refuses anything but v3).

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::{Error, InconsistentKeys};

use super::TlsError;

/// The certificate chain and key, checked to belong together.
pub(crate) fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let pre_v3_key = chain
        .first()
        .and_then(|cert| match certificate_summary(cert) {
            Some(summary) if summary.version < V3 => Some(summary.spki.to_vec()),
            _ => None,
        });
    let Some(certificate_spki) = pre_v3_key else {
        return CertifiedKey::from_der(chain, key, provider)
            .map_err(TlsError::InvalidClientIdentity);
    };
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(TlsError::InvalidClientIdentity)?;
    // Without a public half to compare (a key type that does not tell), rustls accepts the
    // pair too: the broker will say if they do not match.
    if let Some(key_spki) = signing_key.public_key() {
        if key_spki.as_ref() != certificate_spki.as_slice() {
            return Err(TlsError::InvalidClientIdentity(Error::InconsistentKeys(
                InconsistentKeys::KeyMismatch,
            )));
        }
    }
    Ok(CertifiedKey::new(chain, signing_key))
}

/// The version number X.509 v3 writes (versions count from 0).
const V3: u8 = 2;

/// What this module needs of a certificate.
struct CertificateSummary<'a> {
    /// 0 for v1 (the field is absent), 1 for v2, 2 for v3.
    version: u8,
    /// The SubjectPublicKeyInfo, a whole DER element.
    spki: &'a [u8],
}

/// Reads `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
/// serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }`
/// (RFC 5280 4.1); `None` if it is not shaped so (rustls then reports it as it would).
fn certificate_summary(certificate: &[u8]) -> Option<CertificateSummary<'_>> {
    const SEQUENCE: u8 = 0x30;
    const VERSION: u8 = 0xa0;
    const INTEGER: u8 = 0x02;
    let certificate = element(certificate)?;
    let tbs = element(certificate.contents).filter(|tbs| tbs.tag == SEQUENCE)?;
    let mut rest = tbs.contents;
    let mut version = 0;
    let first = element(rest)?;
    if first.tag == VERSION {
        let number = element(first.contents).filter(|number| number.tag == INTEGER)?;
        version = *number.contents.last()?;
        rest = first.rest;
    }
    // serialNumber, signature, issuer, validity, subject: skipped.
    for _ in 0..5 {
        rest = element(rest)?.rest;
    }
    let spki = element(rest).filter(|spki| spki.tag == SEQUENCE)?;
    Some(CertificateSummary {
        version,
        spki: spki.whole,
    })
}

/// One DER element at the start of some input.
struct Element<'a> {
    tag: u8,
    /// The element, tag and length included.
    whole: &'a [u8],
    contents: &'a [u8],
    /// What follows it.
    rest: &'a [u8],
}

fn element(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first_length_byte, after_length) = after_tag.split_first()?;
    let (length, contents_start) = if first_length_byte < 0x80 {
        (usize::from(first_length_byte), after_length)
    } else {
        // Long form: the low bits count the length bytes that follow (at most 4 here:
        // a certificate is never 4 GiB long).
        let count = usize::from(first_length_byte & 0x7f);
        if count == 0 || count > 4 || after_length.len() < count {
            return None;
        }
        let (length_bytes, contents_start) = after_length.split_at(count);
        let length = length_bytes
            .iter()
            .fold(0usize, |length, byte| length << 8 | usize::from(*byte));
        (length, contents_start)
    };
    if contents_start.len() < length {
        return None;
    }
    let header = input.len() - contents_start.len();
    Some(Element {
        tag,
        whole: &input[..header + length],
        contents: &contents_start[..length],
        rest: &contents_start[length..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_in_short_and_long_form() {
        let short = [0x30, 0x02, 0x05, 0x00, 0xff];
        let parsed = element(&short).unwrap();
        assert_eq!(
            (parsed.tag, parsed.contents, parsed.rest),
            (0x30, &[5, 0][..], &[0xff][..])
        );
        assert_eq!(parsed.whole, &short[..4]);

        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7; 0x80]);
        let parsed = element(&long).unwrap();
        assert_eq!(parsed.contents.len(), 0x80);
        assert!(parsed.rest.is_empty());

        assert!(element(&[0x30, 0x05, 0x00]).is_none(), "too short");
        assert!(
            element(&[0x30, 0x80]).is_none(),
            "indefinite length is not DER"
        );
        assert!(element(&[]).is_none());
    }

    #[test]
    fn what_is_not_a_certificate_has_no_summary() {
        assert!(certificate_summary(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_none());
        assert!(certificate_summary(b"not DER").is_none());
    }
}
