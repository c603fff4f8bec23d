//! Client identities rcgen cannot make: X.509 v1 certificates (rcgen writes v3 only), written
//! here element by element and signed by a CA of the test's own; and encrypted PKCS#8 keys.

use mqtt_testkit::Identity;
use pkcs8::PrivateKeyInfoRef;
use pkcs8::der::pem::LineEnding;
use pkcs8::pkcs5::pbes2;
use rcgen::{KeyPair, PublicKeyData, SigningKey};

/// A CA whose certificate is X.509 v1 too (self-signed: OpenSSL takes a self-signed v1
/// certificate for a CA, and so does webpki as a trust anchor), signing v1 client
/// certificates.
pub struct V1Signer {
    name: String,
    /// The CA certificate, PEM.
    pub cert_pem: String,
    key: KeyPair,
}

/// The AlgorithmIdentifier of ecdsa-with-SHA256 (rcgen's default keys are P-256).
const ECDSA_WITH_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];

impl V1Signer {
    /// A new CA; `name` is its common name.
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let certificate = v1_certificate(name, &key, name, &key);
        V1Signer {
            name: name.to_owned(),
            cert_pem: pem(&certificate),
            key,
        }
    }

    /// An X.509 v1 client certificate (no version field, no extensions) for `name`, valid
    /// from 2020 to 2099, with a fresh key.
    pub fn v1_client(&self, name: &str) -> Identity {
        let key = KeyPair::generate().unwrap();
        let certificate = v1_certificate(&self.name, &self.key, name, &key);
        Identity::from_pem(&pem(&certificate), &key.serialize_pem())
    }
}

/// A v1 certificate for `subject` and its key, signed by `issuer` with `issuer_key`, DER.
fn v1_certificate(issuer: &str, issuer_key: &KeyPair, subject: &str, key: &KeyPair) -> Vec<u8> {
    let validity = sequence(&[
        &element(0x17, b"200101000000Z"),   // UTCTime
        &element(0x18, b"20991231235959Z"), // GeneralizedTime (after 2049)
    ]);
    let tbs = sequence(&[
        &element(0x02, &[0x01, 0x42]), // serial number
        ECDSA_WITH_SHA256,
        &common_name(issuer),
        &validity,
        &common_name(subject),
        &key.subject_public_key_info(),
    ]);
    let signature = issuer_key.sign(&tbs).unwrap();
    let bits = [&[0u8][..], &signature].concat(); // no unused bits
    sequence(&[&tbs, ECDSA_WITH_SHA256, &element(0x03, &bits)])
}

fn pem(certificate: &[u8]) -> String {
    pkcs8::der::pem::encode_string("CERTIFICATE", LineEnding::LF, certificate).unwrap()
}

/// `identity`'s key encrypted as PKCS#8 with `password` (PBES2: PBKDF2-HMAC-SHA256 and
/// AES-256-CBC, what `openssl pkcs8 -topk8` writes), PEM.
pub fn encrypted_key_pem(identity: &Identity, password: &str) -> String {
    let key_der = identity.key_der();
    let info = PrivateKeyInfoRef::try_from(key_der.secret_der()).unwrap();
    let params =
        pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(2048, b"a salt of 16 b..", [7; 16])
            .unwrap();
    let encrypted = info.encrypt_with_params(params, password).unwrap();
    encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .unwrap()
        .to_string()
}

/// `Name ::= SEQUENCE { SET { SEQUENCE { id-at-commonName, UTF8String } } }`.
fn common_name(name: &str) -> Vec<u8> {
    let id_at_common_name = [0x06, 0x03, 0x55, 0x04, 0x03];
    let attribute = sequence(&[&id_at_common_name, &element(0x0c, name.as_bytes())]);
    sequence(&[&element(0x31, &attribute)])
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    element(0x30, &parts.concat())
}

/// A DER element: tag, length (short or long form), contents.
fn element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    if contents.len() < 0x80 {
        out.push(contents.len() as u8);
    } else {
        let length = contents.len().to_be_bytes();
        let significant: Vec<u8> = length.into_iter().skip_while(|byte| *byte == 0).collect();
        out.push(0x80 | significant.len() as u8);
        out.extend(significant);
    }
    out.extend_from_slice(contents);
    out
}
