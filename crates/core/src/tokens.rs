//! Capability tokens for invitees: the personal page `/r/<token>`, the unsubscribe link
//! `/u/<token>`, and the reply key in `rsvp+<key>@<domain>`; and for the claimed organizer of
//! an unauthenticated message, the confirmation link `/c/<token>`.
//!
//! Each is the invitee's id followed by an HMAC-SHA256 tag (128 bits) of purpose and id, keyed
//! by a 256-bit server secret drawn from the OS CSPRNG. Nothing per token is stored: the store
//! holds neither tokens nor their hashes, so a leaked database yields no working link, and the
//! same personal link can be put into every update an invitee receives. Verification
//! recomputes the tag and compares in constant time. Rotating the secret revokes every link.

use crate::invitee::InviteeId;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

const TAG_BYTES: usize = 16;
/// Lower-case RFC 4648 base32 without padding: safe in URLs and in a mail local part, and
/// case-insensitive (mail servers may lower-case local parts).
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// The purpose label of confirmation tokens; no other token's MAC input starts with it.
const CONFIRM_LABEL: &[u8] = b"confirm-sender";
/// Longest message id a confirmation token may carry.
pub const MAX_CONFIRM_ID_BYTES: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Page,
    Unsubscribe,
    Reply,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Page => b"page",
            Purpose::Unsubscribe => b"unsubscribe",
            Purpose::Reply => b"reply",
        }
    }
}

/// The server secret. `Debug` never prints it.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn from_bytes(bytes: [u8; 32]) -> TokenKey {
        TokenKey(bytes)
    }

    fn tag(&self, purpose: Purpose, id: &InviteeId) -> [u8; TAG_BYTES] {
        self.labelled_tag(purpose.label(), id.as_str().as_bytes())
    }

    fn labelled_tag(&self, label: &[u8], id: &[u8]) -> [u8; TAG_BYTES] {
        let mut tag = [0u8; TAG_BYTES];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) {
            mac.update(label);
            mac.update(b":");
            mac.update(id);
            tag.copy_from_slice(&mac.finalize().into_bytes()[..TAG_BYTES]);
        }
        tag
    }

    /// The confirmation link's token for the stored inbound message `message_id`: the id in
    /// base32 (any id is URL-safe that way), a `.`, and a 128-bit tag over the purpose and the
    /// id. Nothing is stored per token; the message's record says whether it still waits.
    pub fn confirm_token(&self, message_id: &str) -> String {
        let mut out = String::with_capacity(message_id.len() * 8 / 5 + 28);
        encode_base32(message_id.as_bytes(), &mut out);
        out.push('.');
        encode_base32(
            &self.labelled_tag(CONFIRM_LABEL, message_id.as_bytes()),
            &mut out,
        );
        out
    }

    /// The message id a confirmation token names, if the token is genuine.
    pub fn verify_confirm_token(&self, token: &str) -> Option<String> {
        let token = token.trim().to_ascii_lowercase();
        if !token.is_ascii() || token.len() > MAX_CONFIRM_ID_BYTES * 8 / 5 + 2 + 26 {
            return None;
        }
        let (id, tag) = token.split_once('.')?;
        let id = String::from_utf8(decode_base32(id)?).ok()?;
        if id.is_empty() || id.len() > MAX_CONFIRM_ID_BYTES {
            return None;
        }
        let mut expected = String::with_capacity(26);
        encode_base32(
            &self.labelled_tag(CONFIRM_LABEL, id.as_bytes()),
            &mut expected,
        );
        constant_time_eq(expected.as_bytes(), tag.as_bytes()).then_some(id)
    }

    /// The token for `purpose`: the invitee id, then the tag in base32.
    pub fn token(&self, purpose: Purpose, id: &InviteeId) -> String {
        let mut out = String::with_capacity(InviteeId::LEN + 26);
        out.push_str(id.as_str());
        encode_base32(&self.tag(purpose, id), &mut out);
        out.make_ascii_lowercase();
        out
    }

    /// A form token (CSRF protection and de-duplication of double submits): the issue time,
    /// a caller-supplied random nonce, and a tag over scope, time and nonce.
    pub fn form_token(&self, scope: &str, issued_at: i64, nonce: &str) -> String {
        let mut out = format!("{issued_at}.{nonce}.");
        encode_base32(&self.form_tag(scope, issued_at, nonce), &mut out);
        out
    }

    /// Checks a form token for `scope`, no older than `max_age_seconds` at `now`; returns it
    /// unchanged (the caller uses it as the de-duplication nonce).
    pub fn verify_form_token<'a>(
        &self,
        scope: &str,
        token: &'a str,
        now: i64,
        max_age_seconds: i64,
    ) -> Option<&'a str> {
        let mut parts = token.splitn(3, '.');
        let issued_at: i64 = parts.next()?.parse().ok()?;
        let nonce = parts.next()?;
        let tag = parts.next()?;
        if nonce.is_empty()
            || nonce.len() > 64
            || issued_at > now + 60
            || now - issued_at > max_age_seconds
        {
            return None;
        }
        let mut expected = String::with_capacity(26);
        encode_base32(&self.form_tag(scope, issued_at, nonce), &mut expected);
        constant_time_eq(expected.as_bytes(), tag.as_bytes()).then_some(token)
    }

    fn form_tag(&self, scope: &str, issued_at: i64, nonce: &str) -> [u8; TAG_BYTES] {
        let mut tag = [0u8; TAG_BYTES];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) {
            mac.update(b"form:");
            mac.update(scope.as_bytes());
            mac.update(b":");
            mac.update(issued_at.to_string().as_bytes());
            mac.update(b":");
            mac.update(nonce.as_bytes());
            tag.copy_from_slice(&mac.finalize().into_bytes()[..TAG_BYTES]);
        }
        tag
    }

    /// The invitee a token belongs to, if it is genuine for `purpose`.
    pub fn verify(&self, purpose: Purpose, token: &str) -> Option<InviteeId> {
        let token = token.trim().to_ascii_lowercase();
        if token.len() != InviteeId::LEN + 26 || !token.is_ascii() {
            return None;
        }
        let (id, tag) = token.split_at(InviteeId::LEN);
        let id = InviteeId::parse(id)?;
        let mut expected = String::with_capacity(26);
        encode_base32(&self.tag(purpose, &id), &mut expected);
        constant_time_eq(expected.as_bytes(), tag.as_bytes()).then_some(id)
    }
}

fn encode_base32(bytes: &[u8], out: &mut String) {
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
}

/// The inverse of [`encode_base32`]; `None` for any character outside the alphabet or
/// leftover bits that are not zero (so every byte string has exactly one encoding).
fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for c in text.bytes() {
        let value = BASE32.iter().position(|&b| b == c)?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (bits < 5 && buffer == 0).then_some(out)
}

/// Compares without an early exit, so the time taken says nothing about where they differ.
/// Equality whose time does not depend on where the bytes first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> TokenKey {
        TokenKey::from_bytes([byte; 32])
    }

    #[test]
    fn a_token_verifies_for_its_purpose_only() {
        let id = InviteeId::from_random([3; InviteeId::LEN]);
        let page = key(1).token(Purpose::Page, &id);
        assert_eq!(key(1).verify(Purpose::Page, &page), Some(id.clone()));
        assert_eq!(key(1).verify(Purpose::Unsubscribe, &page), None);
        assert_eq!(
            key(2).verify(Purpose::Page, &page),
            None,
            "another server secret"
        );
    }

    #[test]
    fn tokens_are_lower_case_and_survive_upper_casing() {
        let id = InviteeId::from_random([9; InviteeId::LEN]);
        let reply = key(1).token(Purpose::Reply, &id);
        assert!(
            reply
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{reply}"
        );
        assert_eq!(
            key(1).verify(Purpose::Reply, &reply.to_ascii_uppercase()),
            Some(id)
        );
    }

    #[test]
    fn a_changed_or_truncated_token_is_refused() {
        let id = InviteeId::from_random([5; InviteeId::LEN]);
        let token = key(1).token(Purpose::Page, &id);
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            key(1).verify(
                Purpose::Page,
                &String::from_utf8(flipped).unwrap_or_default()
            ),
            None
        );
        assert_eq!(
            key(1).verify(Purpose::Page, &token[..token.len() - 1]),
            None
        );
        assert_eq!(key(1).verify(Purpose::Page, ""), None);
    }

    #[test]
    fn a_form_token_holds_for_its_scope_and_lifetime_only() {
        let token = key(1).form_token("e/abc", 1_000, "n0nce");
        assert_eq!(
            key(1).verify_form_token("e/abc", &token, 1_500, 3_600),
            Some(token.as_str())
        );
        assert_eq!(
            key(1).verify_form_token("e/other", &token, 1_500, 3_600),
            None,
            "another form"
        );
        assert_eq!(
            key(1).verify_form_token("e/abc", &token, 9_000, 3_600),
            None,
            "expired"
        );
        assert_eq!(
            key(2).verify_form_token("e/abc", &token, 1_500, 3_600),
            None,
            "another secret"
        );
        let forged = token.replace("n0nce", "other");
        assert_eq!(
            key(1).verify_form_token("e/abc", &forged, 1_500, 3_600),
            None,
            "nonce is covered"
        );
    }

    #[test]
    fn a_confirmation_token_names_its_message_and_nothing_else() {
        for id in [
            "1763884800000-1a2b3c4d",
            "a",
            "ses/Message.ID+with=odd chars",
        ] {
            let token = key(1).confirm_token(id);
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.'),
                "URL-safe: {token}"
            );
            assert_eq!(key(1).verify_confirm_token(&token), Some(id.to_string()));
            assert_eq!(
                key(1).verify_confirm_token(&token.to_ascii_uppercase()),
                Some(id.to_string())
            );
            assert_eq!(key(2).verify_confirm_token(&token), None, "another secret");
        }
    }

    #[test]
    fn a_forged_confirmation_token_is_refused() {
        let token = key(1).confirm_token("1763884800000-1a2b3c4d");
        let (_, tag) = token.split_once('.').unwrap_or_default();
        // Another message id with the first one's tag.
        let mut other = String::new();
        encode_base32(b"1763884800000-ffffffff", &mut other);
        assert_eq!(key(1).verify_confirm_token(&format!("{other}.{tag}")), None);
        // A page token's tag for the same bytes is not a confirmation tag.
        let id = InviteeId::from_random([3; InviteeId::LEN]);
        let page = key(1).token(Purpose::Page, &id);
        let mut encoded = String::new();
        encode_base32(id.as_str().as_bytes(), &mut encoded);
        let page_tag = &page[InviteeId::LEN..];
        assert_eq!(
            key(1).verify_confirm_token(&format!("{encoded}.{page_tag}")),
            None
        );
        assert_eq!(key(1).verify_confirm_token(&token[..token.len() - 1]), None);
        assert_eq!(key(1).verify_confirm_token("not a token"), None);
        assert_eq!(key(1).verify_confirm_token(""), None);
        assert_eq!(key(1).verify_confirm_token("."), None);
    }

    #[test]
    fn base32_round_trips_and_has_one_encoding() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let mut text = String::new();
            encode_base32(bytes, &mut text);
            assert_eq!(decode_base32(&text).as_deref(), Some(bytes), "{text}");
        }
        // "f" is "my"; "mz" has non-zero leftover bits.
        assert_eq!(decode_base32("mz"), None);
        assert_eq!(decode_base32("m1"), None);
    }

    #[test]
    fn the_key_is_never_printed() {
        assert_eq!(format!("{:?}", key(7)), "TokenKey(..)");
    }
}
