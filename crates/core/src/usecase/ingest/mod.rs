//! The ingest use case: one stored inbound message in, its outcome recorded and its effects
//! committed atomically. Running it twice for the same message changes nothing the second
//! time, which is what makes "a crash between steps repeats the step" safe.

mod organizer;
mod reply;
mod untrusted;

use crate::event::normalize_email;
use crate::imip::{ReadError, ReadMessage, read_dsn, read_headers, read_message};
use crate::invitee::InviteeId;
use crate::limits::Limits;
use crate::outcome::Outcome;
use crate::ports::{Commit, Committed, IdSource, MessageRecord, Store, StoreError};
use crate::quota::QuotaSettings;
use crate::retry::{Attempt, committed, retrying};
use crate::tokens::{Purpose, TokenKey};
use chrono::{DateTime, Duration, Utc};

/// Which of our addresses a message was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// `invites@<domain>`: organizers creating, updating and cancelling events.
    Organizer,
    /// `rsvp+<key>@<domain>`: an invitee's calendar replying. The key is a secret, checked
    /// once, here: what travels on is the invitee it names (`None` when it names nobody), so
    /// no queue or record downstream ever holds a key.
    Reply { invitee: Option<InviteeId> },
}

impl Recipient {
    /// Classifies an envelope recipient, verifying a reply key with `tokens`; `None` if it is
    /// not one of Rollcall's addresses.
    pub fn classify(address: &str, domain: &str, tokens: &TokenKey) -> Option<Recipient> {
        match reply_key(address, domain)? {
            None => Some(Recipient::Organizer),
            Some(key) => Some(Recipient::Reply {
                invitee: tokens.verify(Purpose::Reply, &key),
            }),
        }
    }

    /// Whether the address is one Rollcall receives mail at (the SMTP `RCPT` check): the
    /// organizer inbox, or a well-formed reply address. Keys are not verified here.
    pub fn accepts(address: &str, domain: &str) -> bool {
        reply_key(address, domain).is_some()
    }

    /// How a stored queue entry names the recipient: `invites`, `rsvp+<invitee id>`, or
    /// `rsvp+?` for a key that names nobody. Never the key itself.
    pub fn record(&self) -> String {
        match self {
            Recipient::Organizer => "invites".to_string(),
            Recipient::Reply { invitee: Some(id) } => format!("rsvp+{id}"),
            Recipient::Reply { invitee: None } => "rsvp+?".to_string(),
        }
    }

    /// The recipient a [`Recipient::record`] names.
    pub fn from_record(record: &str) -> Option<Recipient> {
        match record {
            "invites" => Some(Recipient::Organizer),
            "rsvp+?" => Some(Recipient::Reply { invitee: None }),
            other => {
                let id = InviteeId::parse(other.strip_prefix("rsvp+")?)?;
                Some(Recipient::Reply { invitee: Some(id) })
            }
        }
    }
}

/// The recipient a message addressed to several of ours is processed as: organizer mail wins
/// (a REQUEST copied to an invitee's reply address is still the organizer's). `None` when
/// none of them is Rollcall's.
pub fn principal_recipient(recipients: impl IntoIterator<Item = Recipient>) -> Option<Recipient> {
    recipients
        .into_iter()
        .min_by_key(|r| !matches!(r, Recipient::Organizer))
}

/// Why a message is refused when none of its recipients is one of Rollcall's addresses.
pub const NO_RECIPIENT: &str = "no Rollcall recipient (invites@ or rsvp+<key>@)";

/// The recipient a message is processed as, from what its envelope named: addresses as they
/// arrived (a reply key verified with `tokens`), or the records a queue keeps of them
/// ([`Recipient::record`], which hold no `@` and so are never taken for an address). Organizer
/// mail wins ([`principal_recipient`]). Both runtimes decide with this; `None` goes to
/// [`reject_unaddressed`].
pub fn recipient_of<'a>(
    named: impl IntoIterator<Item = &'a str>,
    domain: &str,
    tokens: &TokenKey,
) -> Option<Recipient> {
    principal_recipient(named.into_iter().filter_map(|name| {
        Recipient::from_record(name).or_else(|| Recipient::classify(name, domain, tokens))
    }))
}

/// Records message `id`, addressed to none of Rollcall's addresses, as rejected: the same
/// recorded outcome on both runtimes, which `rollcall inbox` and the message records show.
pub async fn reject_unaddressed(
    id: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let commit = rejected_with(id, None, NO_RECIPIENT.to_string(), now);
    commit_outcome(id, &commit, store).await
}

/// `Some(None)` for `invites@<domain>`, `Some(Some(key))` for a well-formed
/// `rsvp+<key>@<domain>`, `None` for anything else.
fn reply_key(address: &str, domain: &str) -> Option<Option<String>> {
    let address = normalize_email(address);
    let (local, host) = address.rsplit_once('@')?;
    if !host.eq_ignore_ascii_case(domain) {
        return None;
    }
    if local == "invites" {
        return Some(None);
    }
    let key = local.strip_prefix("rsvp+")?;
    let valid = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then(|| Some(key.to_string()))
}

#[derive(Debug)]
pub struct InboundMessage<'a> {
    /// Our own id for the stored message (the queue's), not the Message-ID header.
    pub id: &'a str,
    pub raw: &'a [u8],
    pub recipient: Recipient,
    /// What the receiving side established about who sent it (DESIGN §6).
    pub trust: SenderTrust,
}

/// Whether organizer mail may create or change events. Decided by the adapter that received
/// the message (SES verdicts, the trusted-network rule, DMARC), never by the message itself.
/// Replies do not need it: their reply key is the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderTrust {
    /// Authenticated; the words say how (`dmarc=pass`, `trusted network 127.0.0.1`).
    Trusted(String),
    /// Not authenticated; the words say why (`dmarc=fail`, `spam verdict FAIL`).
    Untrusted(String),
    /// The organizer confirmed it through the link Rollcall mailed them.
    Confirmed,
    /// A verdict the receiving side trusts says the message is spam or carries a virus
    /// (SES's verdicts, or the trusted front server's): it is dropped unread, whoever it
    /// claims to come from. The words say which verdict.
    Dropped(String),
}

impl SenderTrust {
    pub fn is_trusted(&self) -> bool {
        matches!(self, SenderTrust::Trusted(_) | SenderTrust::Confirmed)
    }

    /// The words recorded in each signal's provenance.
    pub fn describe(&self) -> String {
        match self {
            SenderTrust::Trusted(how) => how.clone(),
            SenderTrust::Untrusted(why) => format!("unauthenticated: {why}"),
            SenderTrust::Confirmed => "confirmed by the organizer's link".to_string(),
            SenderTrust::Dropped(why) => format!("dropped: {why}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IngestSettings {
    pub limits: Limits,
    /// Mail domain: `invites@<domain>` is never recorded as an invitee.
    pub domain: String,
    /// Verifies the reply keys of `rsvp+<key>@` addresses.
    pub tokens: TokenKey,
    /// How long the claimed organizer of an unauthenticated message has to confirm it
    /// (from when it was processed).
    pub confirm_expiry: Duration,
    /// Daily limits on new events and confirmation mails.
    pub quotas: QuotaSettings,
    /// Addresses outside `domain` that Rollcall sends from (the notices' sender on AWS):
    /// like every address of `domain`, they are never an organizer's.
    pub own_addresses: Vec<String>,
}

/// Seven days: long enough for someone back from a week away.
pub const DEFAULT_CONFIRM_EXPIRY_DAYS: i64 = 7;

impl IngestSettings {
    /// With the default confirmation expiry.
    pub fn new(limits: Limits, domain: impl Into<String>, tokens: TokenKey) -> IngestSettings {
        IngestSettings {
            limits,
            domain: domain.into(),
            tokens,
            confirm_expiry: Duration::days(DEFAULT_CONFIRM_EXPIRY_DAYS),
            quotas: QuotaSettings::default(),
            own_addresses: Vec::new(),
        }
    }

    /// Whether `address` is one of Rollcall's own: any address of its domain (or a subdomain),
    /// or one it sends from.
    pub fn is_own_address(&self, address: &str) -> bool {
        let address = normalize_email(address);
        crate::invitee::is_own_domain_address(&address, &self.domain)
            || self
                .own_addresses
                .iter()
                .any(|own| normalize_email(own) == address)
    }
}

/// Processes one message and returns its recorded outcome. `Err` only for store failures,
/// which the caller retries later; every verdict on the message itself is an `Ok(outcome)`.
pub async fn ingest(
    message: &InboundMessage<'_>,
    settings: &IngestSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    if let Some(record) = store.message_record(message.id).await? {
        return Ok(record.outcome);
    }
    // Our personal messages are sent from the invitee's reply address, so their bounces come
    // back there: a delivery report is read as one before anything else.
    // A spam or virus verdict the receiving side trusts: recorded, never read, never answered.
    if let SenderTrust::Dropped(why) = &message.trust {
        let commit = Commit {
            message: Some(record(
                message.id,
                None,
                Outcome::rejected(format!("dropped unread: {why}")),
                now,
            )),
            ..Commit::default()
        };
        return commit_outcome(message.id, &commit, store).await;
    }
    let dsn = match &message.recipient {
        Recipient::Reply { .. } => read_dsn(message.raw),
        Recipient::Organizer => None,
    };
    let read = &read_message(message.raw, &settings.limits);
    let dsn = &dsn;
    retrying(|| async move {
        let mut commit = match (read, &message.recipient, dsn) {
            (_, Recipient::Reply { invitee }, Some(dsn)) => {
                reply::plan_bounce(message.id, dsn, invitee.as_ref(), store, now).await?
            }
            (Err(error), _, _) => rejected(message.id, error, now),
            (Ok(read), Recipient::Reply { invitee }, None) => {
                reply::plan(message.id, read, invitee.as_ref(), store, now).await?
            }
            // Two From headers, or two addresses in one: nobody can say who sent it, so it
            // is never trusted nor confirmed (RFC 5322 §3.6 allows one From mailbox here).
            (Ok(read), Recipient::Organizer, _) if read.from_problem.is_some() => {
                let problem = read.from_problem.clone().unwrap_or_default();
                rejected_with(
                    message.id,
                    Some(read),
                    format!("malformed From: {problem}"),
                    now,
                )
            }
            (Ok(read), Recipient::Organizer, _) => {
                organizer::plan(message.id, read, &message.trust, settings, store, ids, now).await?
            }
        };
        // Mail that was not read as an invitation is still listed by its From and Subject.
        if let Some(record) = commit.message.as_mut()
            && record.from.is_none()
            && record.subject.is_none()
        {
            (record.from, record.subject) = read_headers(message.raw, &settings.limits);
        }
        // Every signal says how its sender was authenticated.
        let sender_auth = message.trust.describe();
        for record in &mut commit.signals {
            record
                .signal
                .provenance
                .sender_auth
                .get_or_insert_with(|| sender_auth.clone());
        }
        let outcome = commit.message.as_ref().map(|m| m.outcome.clone());
        let Some(committed) = committed(store.commit(&commit).await)? else {
            return Ok(Attempt::Conflict);
        };
        let recorded = recorded_outcome(message.id, committed, outcome, store).await?;
        Ok(Attempt::Done(recorded))
    })
    .await
}

fn record(
    id: &str,
    read: Option<&ReadMessage>,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> MessageRecord {
    MessageRecord {
        message_id: id.to_string(),
        from: read.and_then(|r| r.from.clone()),
        subject: read.and_then(|r| r.subject.clone()),
        outcome,
        processed_at: now,
    }
}

/// Commits an outcome-only commit and returns the outcome recorded for the message.
async fn commit_outcome(
    id: &str,
    commit: &Commit,
    store: &dyn Store,
) -> Result<Outcome, StoreError> {
    let outcome = commit.message.as_ref().map(|m| m.outcome.clone());
    let committed = store.commit(commit).await?;
    recorded_outcome(id, committed, outcome, store).await
}

/// The outcome message `id` has on record after a commit that carried `outcome`: that one, or
/// for a message already processed (a redelivery), the one recorded the first time.
async fn recorded_outcome(
    id: &str,
    committed: Committed,
    outcome: Option<Outcome>,
    store: &dyn Store,
) -> Result<Outcome, StoreError> {
    let recorded = match committed {
        Committed::Applied => outcome,
        Committed::AlreadyRecorded => store
            .message_record(id)
            .await?
            .map(|r| r.outcome)
            .or(outcome),
    };
    Ok(recorded.unwrap_or_else(|| Outcome::rejected("nothing recorded")))
}

fn rejected_with(
    id: &str,
    read: Option<&ReadMessage>,
    reason: String,
    now: DateTime<Utc>,
) -> Commit {
    Commit {
        message: Some(record(id, read, Outcome::rejected(reason), now)),
        ..Commit::default()
    }
}

fn rejected(id: &str, error: &ReadError, now: DateTime<Utc>) -> Commit {
    let reason = match error {
        ReadError::UnsupportedTnef => {
            "unsupported TNEF (winmail.dat) invitation without an iCalendar part".to_string()
        }
        other => other.to_string(),
    };
    Commit {
        message: Some(record(id, None, Outcome::rejected(reason), now)),
        ..Commit::default()
    }
}

/// A message that changes nothing, with its reason.
fn ignored(id: &str, read: &ReadMessage, reason: impl Into<String>, now: DateTime<Utc>) -> Commit {
    let outcome = Outcome::Processed(vec![crate::outcome::EventResult::Ignored {
        reason: reason.into(),
    }]);
    Commit {
        message: Some(record(id, Some(read), outcome, now)),
        ..Commit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_runtimes_choose_the_recipient_alike_from_addresses_or_queue_records() {
        let tokens = TokenKey::from_bytes([7; 32]);
        let ann = InviteeId::from_random([1; InviteeId::LEN]);
        let key = tokens.token(Purpose::Reply, &ann);
        let reply = format!("rsvp+{key}@rollcall.test");
        let of = |named: &[&str]| recipient_of(named.iter().copied(), "rollcall.test", &tokens);
        let to_ann = Some(Recipient::Reply {
            invitee: Some(ann.clone()),
        });
        // As addresses (AWS, and old local queue rows) and as the local queue's records.
        assert_eq!(of(&[reply.as_str()]), to_ann);
        assert_eq!(of(&[&format!("rsvp+{ann}")]), to_ann);
        // Organizer mail wins over a reply address on the same message.
        assert_eq!(
            of(&[reply.as_str(), "Invites@Rollcall.test"]),
            Some(Recipient::Organizer)
        );
        assert_eq!(of(&["invites"]), Some(Recipient::Organizer));
        // A forged key names nobody; a record is never read from an address.
        assert_eq!(
            of(&["rsvp+forged@rollcall.test"]),
            Some(Recipient::Reply { invitee: None })
        );
        assert_eq!(of(&[&format!("rsvp+{ann}@elsewhere.example")]), None);
        assert_eq!(of(&["someone@rollcall.test", "bob@example.org"]), None);
    }
}
