//! An invitee of one event: who they are, how they came, what Rollcall sent them, and their
//! status on every track of the invitee model.

use crate::event::EventId;
use crate::status::{Channel, InviteeStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Random, lower-case base32: it is the first part of every token, and tokens must survive
/// mail servers that lower-case the local part of `rsvp+<key>@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InviteeId(String);

impl InviteeId {
    pub const LEN: usize = 16;
    const ALPHABET: &'static [u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

    /// From CSPRNG bytes, one per character (80 bits).
    pub fn from_random(bytes: [u8; Self::LEN]) -> InviteeId {
        InviteeId(
            bytes
                .iter()
                .map(|b| Self::ALPHABET[(*b & 31) as usize] as char)
                .collect(),
        )
    }

    pub fn parse(text: &str) -> Option<InviteeId> {
        (text.len() == Self::LEN && text.bytes().all(|b| Self::ALPHABET.contains(&b)))
            .then(|| InviteeId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InviteeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    pub id: InviteeId,
    pub event_id: EventId,
    /// Normalized (lower-cased) address: one invitee per address per event.
    pub email: String,
    pub name: Option<String>,
    /// How they joined: `web` (the RSVP form) or `organizer-list` (invited by the organizer in
    /// their own calendar; Rollcall never sends those a second invitation).
    pub joined_via: Channel,
    /// The UID of this invitee's own copy of the event; never changes.
    pub uid: String,
    /// The highest SEQUENCE Rollcall has put into a message to them (0 before the first).
    pub sequence: i64,
    /// Which SEQUENCE each part of their copy has: a reply below it answered an older version.
    #[serde(default, skip_serializing_if = "SentVersions::is_empty")]
    pub sent: SentVersions,
    pub status: InviteeStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write; stores refuse a write whose expected version is stale.
    pub version: u64,
}

/// The versions of an invitee's copy, per part. One counter ([`Invitee::sequence`]) numbers
/// every message, but a calendar keeps a SEQUENCE per component: after an update of one
/// occurrence the series itself is still at the number of the last message about the whole
/// series, and its replies carry that.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentVersions {
    /// SEQUENCE of the latest message about the whole series (0: none yet, or an invitee
    /// stored before versions were kept, whose replies are then all taken as current).
    #[serde(default)]
    pub series: i64,
    /// SEQUENCE of the latest message about one occurrence, by RECURRENCE-ID (contract string).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub occurrences: BTreeMap<String, i64>,
}

impl SentVersions {
    pub fn is_empty(&self) -> bool {
        self.series == 0 && self.occurrences.is_empty()
    }
}

impl Invitee {
    /// Numbers the next message to them: about the whole series (`None`) or one occurrence.
    pub fn next_sequence(&mut self, occurrence: Option<&str>) -> i64 {
        self.sequence += 1;
        match occurrence {
            None => self.sent.series = self.sequence,
            Some(rid) => {
                self.sent.occurrences.insert(rid.to_string(), self.sequence);
            }
        }
        self.sequence
    }

    /// The lowest SEQUENCE a reply about the series (`None`) or one occurrence can carry and
    /// still answer the version they hold now (RFC 5546 §2.1.5). A copy of the whole series
    /// carries every occurrence, so it raises the floor of each.
    pub fn current_sequence(&self, occurrence: Option<&str>) -> i64 {
        let own = occurrence
            .and_then(|rid| self.sent.occurrences.get(rid))
            .copied()
            .unwrap_or(0);
        self.sent.series.max(own)
    }

    /// Whether mail may still be sent to them (not bounced, complained or unsubscribed).
    pub fn reachable(&self) -> bool {
        self.status.value("reachability") == Some("ok")
    }

    /// Whether Rollcall sends this invitee calendar messages of its own.
    pub fn receives_invitations(&self) -> bool {
        self.joined_via != Channel::OrganizerList
    }
}

/// The UID of an invitee's personal copy: stable, unique, and not revealing the event's UID.
pub fn personal_uid(id: &InviteeId, domain: &str) -> String {
    format!("{id}@{domain}")
}

/// Checks an address the way a form should: one `@`, a domain name of dot-separated labels
/// (letters, digits, hyphens; no address literal such as `a@[127.0.0.1]`, which no person
/// gives as their address and which would aim mail at an arbitrary host), no blanks or
/// control characters, within RFC 5321 lengths. Returns it normalized.
pub fn parse_email(text: &str) -> Option<String> {
    let text = text.trim();
    let (local, domain) = text.rsplit_once('@')?;
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.len() <= 253
        && text.len() <= 254
        && domain.contains('.')
        && domain.split('.').all(label_ok)
        && !text.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '"' | ',' | ';' | '(' | ')' | '[' | ']')
        })
        && !local.contains('@');
    ok.then(|| text.to_ascii_lowercase())
}

/// Whether `address` (normalized) is at Rollcall's own mail domain or a subdomain of it:
/// `invites@`, `rsvp+…@`, `postmaster@`, any local part.
pub fn is_own_domain_address(address: &str, domain: &str) -> bool {
    let Some((_, host)) = address.rsplit_once('@') else {
        return false;
    };
    let (host, domain) = (host.to_ascii_lowercase(), domain.to_ascii_lowercase());
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// Why an address cannot be an invitee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRefusal {
    /// Not an address a person could give (see [`parse_email`]).
    Invalid,
    /// One of Rollcall's own addresses: a personal invitation sent there would come back in
    /// as mail to Rollcall (to `invites@`, an event "organized" by an `rsvp+` address).
    OwnDomain,
}

/// An address that may become an invitee of a Rollcall at `domain`: valid, and not Rollcall's
/// own. The one check the form, the API and pasted lists share.
pub fn invitee_address(text: &str, domain: &str) -> Result<String, AddressRefusal> {
    let email = parse_email(text).ok_or(AddressRefusal::Invalid)?;
    if is_own_domain_address(&email, domain) {
        return Err(AddressRefusal::OwnDomain);
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_normalized() {
        assert_eq!(
            parse_email(" Ann@Example.COM "),
            Some("ann@example.com".into())
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@example.com",
            "a<b>@x.org",
            "ann@example.com\r\nBcc: x@y.z",
            "a@[127.0.0.1]",
            "a@[IPv6:::1].x",
            "a@example..com",
            "a@-example.com",
            "a@.example.com",
            "a@example.com.",
        ] {
            assert_eq!(parse_email(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_email(&format!("{}@example.com", "a".repeat(65))),
            None
        );
    }

    #[test]
    fn rollcalls_own_addresses_are_never_invitees() {
        let domain = "rollcall.example.org";
        for own in [
            "invites@rollcall.example.org",
            "rsvp+abc@Rollcall.Example.org",
            "postmaster@rollcall.example.org",
            "anyone@mail.rollcall.example.org",
        ] {
            assert_eq!(
                invitee_address(own, domain),
                Err(AddressRefusal::OwnDomain),
                "{own}"
            );
        }
        assert_eq!(
            invitee_address("ann@notrollcall.example.org", domain),
            Ok("ann@notrollcall.example.org".into())
        );
        assert_eq!(
            invitee_address("a@[127.0.0.1]", domain),
            Err(AddressRefusal::Invalid)
        );
        assert_eq!(
            invitee_address("ann@localhost", domain),
            Err(AddressRefusal::Invalid)
        );
    }

    #[test]
    fn invitee_ids_parse_only_in_their_alphabet() {
        let id = InviteeId::from_random([200; InviteeId::LEN]);
        assert_eq!(InviteeId::parse(id.as_str()), Some(id));
        assert_eq!(InviteeId::parse("ABCDEFGHIJKLMNOP"), None);
        assert_eq!(InviteeId::parse("abc"), None);
    }
}
