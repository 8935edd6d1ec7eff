//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>, "Signature scheme"):
//! `webhook-signature: v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`, where
//! the secret is `whsec_` followed by the base64 of its bytes. Written here rather than taken
//! from a crate because it is one HMAC over one string, and the spec's own test vector (in the
//! tests below) pins every detail a receiver's library checks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;

const PREFIX: &str = "whsec_";
/// The spec asks for secrets of 24 to 64 random bytes.
const MIN_BYTES: usize = 24;
const MAX_BYTES: usize = 64;
/// What Rollcall makes: 32 bytes, the middle of the range.
const NEW_BYTES: usize = 32;

/// An endpoint's signing secret. Its `Debug` shows no byte of it; `Display` is the
/// `whsec_…` form an organizer copies once.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

/// Why a text is not a signing secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret is base64 after \"whsec_\"")]
    NotBase64,
    #[error("a webhook secret holds {MIN_BYTES} to {MAX_BYTES} bytes, not {0}")]
    Length(usize),
}

impl Secret {
    /// A new random secret.
    pub fn generate() -> Secret {
        let mut bytes = vec![0u8; NEW_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Secret(bytes)
    }

    /// Reads `whsec_<base64>` (the prefix may be left out, as the spec's libraries allow).
    pub fn parse(text: &str) -> Result<Secret, SecretError> {
        let text = text.trim();
        let encoded = text.strip_prefix(PREFIX).unwrap_or(text);
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_BYTES..=MAX_BYTES).contains(&bytes.len()) {
            return Err(SecretError::Length(bytes.len()));
        }
        Ok(Secret(bytes))
    }

    /// The signature of one delivery: `v1,<base64>`. `timestamp` is Unix seconds, the value
    /// of the `webhook-timestamp` header; `id` the `webhook-id` header, the same on every
    /// attempt of a delivery.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", STANDARD.encode(&self.0))
    }
}

/// Stored as the `whsec_…` text, read back through [`Secret::parse`].
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        let text = String::deserialize(deserializer)?;
        Secret::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// The `webhook-signature` header: one signature per secret, space-separated. During a
/// rotation the old and the new secret both sign, so a receiver that still has the old one
/// keeps verifying until it switches.
pub fn signature_header(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's test vector, which every Standard Webhooks library checks itself against.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_specifications_test_vector_signs_exactly() {
        let secret = Secret::parse(SPEC_SECRET).expect("the spec's secret");
        assert_eq!(
            secret.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
        // One byte more of body, or another second, is another signature.
        assert_ne!(
            secret.sign(SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY),
            SPEC_SIGNATURE
        );
        assert_ne!(secret.sign(SPEC_ID, SPEC_TIMESTAMP, b"{}"), SPEC_SIGNATURE);
    }

    #[test]
    fn a_secret_reads_back_from_what_it_shows_and_hides_itself_in_logs() {
        let secret = Secret::generate();
        let shown = secret.to_string();
        assert!(shown.starts_with("whsec_"), "{shown}");
        assert_eq!(Secret::parse(&shown), Ok(secret.clone()));
        assert_eq!(format!("{secret:?}"), "Secret(…)");
        assert_ne!(Secret::generate(), secret, "random");
        // Without the prefix too, as the spec's libraries accept it.
        let spec = Secret::parse(SPEC_SECRET).expect("spec");
        assert_eq!(Secret::parse(&SPEC_SECRET["whsec_".len()..]), Ok(spec));
    }

    #[test]
    fn secrets_that_are_not_base64_or_too_short_or_long_are_refused() {
        assert_eq!(
            Secret::parse("whsec_not base64!"),
            Err(SecretError::NotBase64)
        );
        assert_eq!(
            Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 16]))),
            Err(SecretError::Length(16))
        );
        assert_eq!(
            Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 65]))),
            Err(SecretError::Length(65))
        );
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_the_same_delivery() {
        let old = Secret::parse(SPEC_SECRET).expect("spec");
        let new = Secret::generate();
        let header = signature_header(&[&old, &new], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2, "{header}");
        assert_eq!(parts[0], SPEC_SIGNATURE);
        assert_eq!(parts[1], new.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY));
    }
}
