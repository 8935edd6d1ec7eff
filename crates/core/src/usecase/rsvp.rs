//! What invitees do on the web: RSVP on the public page, change their answer on their own page,
//! unsubscribe. Each is one atomic commit of the invitee, their signals, the counters and any
//! mail it causes.

use crate::event::{Event, EventId, EventState, Exceptions, normalize_email};
use crate::imip::Mailbox;
use crate::invitee::{
    AddressRefusal, Invitee, InviteeId, SentVersions, invitee_address, personal_uid,
};
use crate::notice::{InvitationKind, Notice, OutboxMessage};
use crate::ports::{Commit, Committed, IdSource, Store, StoreError};
use crate::quota::{self, Quota, QuotaSettings};
use crate::recurrence::{self, OccurrenceState};
use crate::retry::{Attempt, committed, retrying};
use crate::status::{
    Answer, Channel, INVITEE_MODEL, InviteeStatus, MailKind, Provenance, Signal, SignalKind,
};
use crate::suppression::{Suppression, SuppressionReason};
use crate::tracking::{Tracked, initial_counters, track};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// Longest name accepted from the form, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Why an invitee's action was refused; the text is shown to them.
#[derive(Debug, Error)]
pub enum RsvpError {
    #[error("there is no such event")]
    UnknownEvent,
    #[error("this link is not valid (it may be incomplete)")]
    UnknownInvitee,
    #[error("this event has been cancelled and takes no more answers")]
    Cancelled,
    /// Its last occurrence has ended ([`crate::schedule`]).
    #[error("this event is over and takes no more answers")]
    Over,
    /// An answer for one occurrence named a date the series does not have, a cancelled one or
    /// one that is over.
    #[error("that date is not a coming occurrence of this event")]
    NotAnOccurrence,
    #[error("please enter a valid email address")]
    InvalidEmail,
    #[error("please enter your own email address: this one belongs to Rollcall")]
    OwnAddress,
    #[error("please enter a name of at most {MAX_NAME_CHARS} characters")]
    InvalidName,
    /// The organizer's daily quota of invitations is used up.
    #[error("this event cannot send more invitations today; please try again tomorrow")]
    QuotaReached,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AddressRefusal> for RsvpError {
    fn from(refusal: AddressRefusal) -> RsvpError {
        match refusal {
            AddressRefusal::Invalid => RsvpError::InvalidEmail,
            AddressRefusal::OwnDomain => RsvpError::OwnAddress,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RsvpSettings {
    /// Mail domain: personal UIDs end in it, and no address in it can be an invitee.
    pub domain: String,
    /// The organizer's daily quota of invitations.
    pub quotas: QuotaSettings,
}

impl RsvpSettings {
    pub fn new(domain: impl Into<String>) -> RsvpSettings {
        RsvpSettings {
            domain: domain.into(),
            quotas: QuotaSettings::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RsvpRequest<'a> {
    pub event_id: &'a EventId,
    pub name: &'a str,
    pub email: &'a str,
    pub answer: Answer,
    /// Unique per form the server handed out: a double submit is recognised and applied once.
    pub nonce: &'a str,
}

/// What an RSVP on the public form did. The page says the same ("check your email") either
/// way, so that the form tells nobody whether an address was already on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rsvped {
    /// A new invitee, whose personal invitation is queued.
    Invited(InviteeId),
    /// The address was already an invitee: nothing about them changed; they are mailed the
    /// link to their own page (at most once an hour), where they can change their answer.
    AlreadyInvited(InviteeId),
}

/// A person answers on the public page. A new address becomes an invitee and gets their
/// personal invitation. An address already on the list changes nothing — the public form is
/// no credential, anyone can type any address — and is mailed its own link instead: only
/// whoever reads that mailbox can change that invitee's answer.
pub async fn rsvp(
    request: &RsvpRequest<'_>,
    settings: &RsvpSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Rsvped, RsvpError> {
    let email = invitee_address(request.email, &settings.domain)?;
    let name = clean_name(request.name)?;
    let (email, name) = (&email, &name);
    retrying(|| async move {
        let event = store
            .event(request.event_id)
            .await?
            .ok_or(RsvpError::UnknownEvent)?;
        refuse_closed(&event, now)?;
        if let Some(known) = store.invitee_by_email(&event.id, email).await? {
            if known.reachable() {
                store
                    .commit(&Commit {
                        outbox: vec![own_link(&known, &event, now)],
                        ..Commit::default()
                    })
                    .await?;
            }
            return Ok(Attempt::Done(Rsvped::AlreadyInvited(known.id)));
        }
        if !quota::take(
            store,
            &settings.quotas,
            Quota::Invitations,
            &event.organizer_email,
            1,
            now,
        )
        .await?
        {
            return Err(RsvpError::QuotaReached);
        }
        let answer = web_signal(
            format!("web:{}", request.nonce),
            SignalKind::Answer(request.answer),
            now,
        );
        let commit = new_invitee(
            &event,
            NewInvitee {
                email: email.clone(),
                name: name.clone(),
                channel: Channel::Web,
                answer: Some(answer),
            },
            settings,
            ids,
            now,
        );
        let invitee_id = commit.invitees[0].invitee.id.clone();
        // Someone added the address meanwhile: the next round finds it.
        let Some(committed) = committed(store.commit(&commit).await)? else {
            return Ok(Attempt::Conflict);
        };
        match committed {
            Committed::Applied => Ok(Attempt::Done(Rsvped::Invited(invitee_id))),
            // The same form twice: the first submit already did everything.
            Committed::AlreadyRecorded => {
                let known = store.invitee_by_email(request.event_id, email).await?;
                let known = known.ok_or(RsvpError::UnknownInvitee)?;
                Ok(Attempt::Done(Rsvped::Invited(known.id)))
            }
        }
    })
    .await
}

/// The mail with an invitee's own link, for an address typed again on the public form. Its
/// id names the hour, so a form submitted over and over mails the address once an hour.
fn own_link(invitee: &Invitee, event: &Event, now: DateTime<Utc>) -> OutboxMessage {
    OutboxMessage {
        id: format!("link-{}-{}", invitee.id, now.format("%Y%m%d%H")),
        to: Mailbox {
            email: invitee.email.clone(),
            name: invitee.name.clone(),
        },
        notice: Notice::OwnLink {
            invitee: Box::new(invitee.clone()),
        },
        event: event.clone(),
        created_at: now,
    }
}

/// The invitee changes their answer on their own page. Their calendar copy follows: when the
/// answer changed and Rollcall has sent them the event before, the same commit queues an
/// update of their copy (same UID, the next SEQUENCE) with the new PARTSTAT, so the calendar
/// does not keep showing the old answer.
pub async fn change_answer(
    invitee_id: &InviteeId,
    answer: Answer,
    nonce: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Invitee, RsvpError> {
    let signal = web_signal(format!("web:{nonce}"), SignalKind::Answer(answer), now);
    apply_web_signal(invitee_id, signal, WebAction::Answer, store, now).await
}

/// The invitee answers for one coming occurrence of a series on their own page ("this date
/// only"); their answer for the series stays. Their calendar copy follows, like
/// [`change_answer`]'s: the series with an override carrying this occurrence's PARTSTAT.
pub async fn answer_occurrence(
    invitee_id: &InviteeId,
    occurrence: &str,
    answer: Answer,
    nonce: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Invitee, RsvpError> {
    let kind = SignalKind::OccurrenceAnswer {
        occurrence: occurrence.to_string(),
        answer,
    };
    let signal = web_signal(format!("web:{nonce}"), kind, now);
    apply_web_signal(invitee_id, signal, WebAction::Answer, store, now).await
}

/// What an unsubscribe stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsubscribeScope {
    /// Mail about this event (the page's first button, and RFC 8058 one-click).
    ThisEvent,
    /// Mail about every event of this deployment: the address goes on the suppression list.
    Everything,
}

/// The invitee stops mail from this event, or from Rollcall altogether.
pub async fn unsubscribe(
    invitee_id: &InviteeId,
    scope: UnsubscribeScope,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Invitee, RsvpError> {
    // Keyed by scope, and by the resubscribe it follows if any: "everything" after "this
    // event" is a new fact, and so is an unsubscribe after a resubscribe, while a provider's
    // repeated one-click POST is the same one.
    let key = match scope {
        UnsubscribeScope::ThisEvent => "unsubscribe",
        UnsubscribeScope::Everything => "unsubscribe-everything",
    };
    let current = store
        .invitee(invitee_id)
        .await?
        .ok_or(RsvpError::UnknownInvitee)?;
    // The resubscribe this follows: the one that set reachability, or the one an unsubscribe
    // standing since then followed (so its repeat has its key).
    let standing = current
        .status
        .track(crate::status::REACHABILITY)
        .and_then(|t| t.set_by.as_ref())
        .map(|stamp| stamp.dedupe_key.as_str())
        .unwrap_or_default();
    let after = if standing.starts_with(RESUBSCRIBE_PREFIX) {
        Some(standing)
    } else {
        standing
            .split_once(AFTER)
            .map(|(_, resubscribed)| resubscribed)
    };
    let key = match after {
        Some(resubscribed) => format!("{key}{AFTER}{resubscribed}"),
        None => key.to_string(),
    };
    let signal = web_signal(key, SignalKind::Unsubscribed, now);
    let action = match scope {
        UnsubscribeScope::ThisEvent => WebAction::Unsubscribe,
        UnsubscribeScope::Everything => WebAction::UnsubscribeEverything,
    };
    apply_web_signal(invitee_id, signal, action, store, now).await
}

const RESUBSCRIBE_PREFIX: &str = "resubscribe:";
/// Joins an unsubscribe's key to the resubscribe it follows.
const AFTER: &str = ":after:";

/// The address's owner asks, on their own page, for mail again: this event mails them again,
/// and the address leaves the deployment's suppression list (a bounce, a complaint or
/// "unsubscribe from everything" there is theirs to take back; only they hold the page).
pub async fn resubscribe(
    invitee_id: &InviteeId,
    nonce: &str,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Invitee, RsvpError> {
    let signal = web_signal(
        format!("{RESUBSCRIBE_PREFIX}{nonce}"),
        SignalKind::Resubscribed,
        now,
    );
    let invitee = apply_web_signal(invitee_id, signal, WebAction::Resubscribe, store, now).await?;
    store
        .lift_suppression(&normalize_email(&invitee.email))
        .await?;
    Ok(invitee)
}

/// What a web signal is, for what else its commit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WebAction {
    /// An answer: a closed event refuses it and the invitee's calendar copy follows.
    Answer,
    Unsubscribe,
    /// Also puts the address on the deployment's suppression list.
    UnsubscribeEverything,
    Resubscribe,
}

/// A cancelled event, or one that is over, takes no more answers and no more guests.
pub(crate) fn refuse_closed(event: &Event, now: DateTime<Utc>) -> Result<(), RsvpError> {
    if event.state == EventState::Cancelled {
        return Err(RsvpError::Cancelled);
    }
    if event.is_over(now) {
        return Err(RsvpError::Over);
    }
    Ok(())
}

async fn apply_web_signal(
    invitee_id: &InviteeId,
    signal: Signal,
    action: WebAction,
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Invitee, RsvpError> {
    let answering = action == WebAction::Answer;
    let signal = &signal;
    retrying(|| async move {
        let mut invitee = store
            .invitee(invitee_id)
            .await?
            .ok_or(RsvpError::UnknownInvitee)?;
        let event = if answering {
            let event = store
                .event(&invitee.event_id)
                .await?
                .ok_or(RsvpError::UnknownEvent)?;
            refuse_closed(&event, now)?;
            if let SignalKind::OccurrenceAnswer { occurrence, .. } = &signal.kind {
                let found = recurrence::find(&event.details, Exceptions::of(&event), occurrence);
                if found.is_none_or(|o| o.state == OccurrenceState::Cancelled || o.is_over(now)) {
                    return Err(RsvpError::NotAnOccurrence);
                }
            }
            Some(event)
        } else {
            None
        };
        let expected = invitee.version;
        let before = calendar_answers(&invitee);
        let mut tracked = track(&mut invitee, vec![signal.clone()]);
        let mut outbox = Vec::new();
        if let Some(event) = &event
            && calendar_answers(&invitee) != before
            && invitee.receives_invitations()
            && invitee.reachable()
            && invitee.sequence > 0
        {
            let sequence = invitee.next_sequence(None);
            let outbox_id = format!("inv-{}-{sequence}", invitee.id);
            let mut queued = web_signal(format!("queued:{outbox_id}"), SignalKind::Queued, now);
            queued.provenance.mail = Some(MailKind::AnswerCopy);
            tracked.extend(track(&mut invitee, vec![queued]));
            outbox.push(OutboxMessage::answer_changed(
                outbox_id, &invitee, event, now,
            ));
        }
        if action == WebAction::UnsubscribeEverything {
            tracked.suppressions.push(Suppression {
                address: normalize_email(&invitee.email),
                reason: SuppressionReason::Unsubscribed,
                since: now,
                event_id: Some(invitee.event_id.clone()),
                detail: Some("asked for no more mail from Rollcall at all".into()),
            });
        }
        let commit = match &event {
            Some(event) => tracked.into_commit(event, invitee, Some(expected), now),
            None => {
                tracked
                    .into_commit_reading_event(store, invitee, expected, now)
                    .await?
            }
        };
        let commit = Commit { outbox, ..commit };
        let Some(committed) = committed(store.commit(&commit).await)? else {
            return Ok(Attempt::Conflict);
        };
        match committed {
            Committed::Applied => {
                let written = commit.invitees.into_iter().next().map(|w| w.invitee);
                Ok(Attempt::Done(written.ok_or(RsvpError::UnknownInvitee)?))
            }
            Committed::AlreadyRecorded => {
                let stored = store.invitee(invitee_id).await?;
                Ok(Attempt::Done(stored.ok_or(RsvpError::UnknownInvitee)?))
            }
        }
    })
    .await
}

/// What their calendar copy says they answered: for the series, and for each occurrence
/// answered on its own. A web answer that changes any of it sends them a fresh copy.
fn calendar_answers(invitee: &Invitee) -> (Option<&'static str>, Vec<(String, Answer)>) {
    let status = &invitee.status;
    let own = status
        .own_occurrence_answers()
        .map(|(id, answer)| (id.to_string(), answer.answer))
        .collect();
    (status.value(crate::status::RESPONSE), own)
}

/// Someone new on an event's list, and how they came.
#[derive(Debug, Clone)]
pub struct NewInvitee {
    pub email: String,
    pub name: Option<String>,
    /// `web` (they answered on the page) or `api` (the organizer added them).
    pub channel: Channel,
    /// Their answer, when they gave one as they joined.
    pub answer: Option<Signal>,
}

/// The commit that adds `new` to `event` and queues their personal invitation.
pub fn new_invitee(
    event: &crate::event::Event,
    new: NewInvitee,
    settings: &RsvpSettings,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Commit {
    let id = ids.invitee_id();
    let mut invitee = Invitee {
        uid: personal_uid(&id, &settings.domain),
        id,
        event_id: event.id.clone(),
        email: new.email,
        name: new.name,
        joined_via: new.channel,
        sequence: 0,
        sent: SentVersions::default(),
        status: InviteeStatus::initial(&INVITEE_MODEL),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let sequence = invitee.next_sequence(None);
    let outbox_id = format!("inv-{}-{sequence}", invitee.id);
    let signal = |key: String, kind| Signal::now(key, kind, new.channel, now);
    let signals = [
        Some(signal("listed".to_string(), SignalKind::Listed)),
        new.answer,
        Some(Signal {
            provenance: Provenance {
                mail: Some(MailKind::Invitation),
                ..Provenance::default()
            },
            ..signal(format!("queued:{outbox_id}"), SignalKind::Queued)
        }),
    ];
    let mut tracked = Tracked {
        counters: initial_counters(&invitee),
        ..Tracked::default()
    };
    tracked.extend(track(&mut invitee, signals.into_iter().flatten().collect()));
    let outbox = OutboxMessage::invitation(
        outbox_id,
        &invitee,
        event,
        InvitationKind::Request,
        None,
        now,
    );
    Commit {
        outbox: vec![outbox],
        ..tracked.into_commit(event, invitee, None, now)
    }
}

fn clean_name(name: &str) -> Result<Option<String>, RsvpError> {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.chars().count() > MAX_NAME_CHARS {
        return Err(RsvpError::InvalidName);
    }
    Ok((!cleaned.is_empty()).then_some(cleaned))
}

fn web_signal(dedupe_key: String, kind: SignalKind, now: DateTime<Utc>) -> Signal {
    Signal::now(dedupe_key, kind, Channel::Web, now)
}
