//! Mail Rollcall owes someone, as data: written to the outbox in the same transaction as the
//! change that caused it, and rendered only when it is sent.

use crate::event::Event;
use crate::ical::TimeValue;
use crate::imip::Mailbox;
use crate::invitee::{Invitee, InviteeId};
use crate::outcome::PendingChange;
use crate::status::{Answer, MailKind, Provenance};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The acknowledgement for a new event: what Rollcall understood, the public link, and a
    /// sign-in link to the dashboard.
    EventCreated {
        /// Made when the mail is sent (never stored with the queued message).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sign_in: Option<SignInLink>,
    },
    /// A sign-in link the organizer asked for. `event` is their latest event.
    SignIn {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sign_in: Option<SignInLink>,
    },
    /// An invitee's personal calendar message (iMIP REQUEST or CANCEL).
    Invitation {
        invitee: Box<Invitee>,
        method: InvitationKind,
        /// Set when the message is about one occurrence of a recurring event.
        recurrence_id: Option<TimeValue>,
        /// The SEQUENCE this message carries; only ever grows per invitee.
        sequence: i64,
        /// Why it is sent; rows queued before this field existed read as the organizer's.
        #[serde(default)]
        cause: InvitationCause,
    },
    /// To an invitee whose address was typed on the public form again: the link to their own
    /// page, where they can change their answer (the form itself changes nothing for them).
    OwnLink {
        invitee: Box<Invitee>,
    },
    /// Not mail: "send every invitee of this event the change". Queued with the organizer's
    /// change and worked off in batches by the sender, so one commit stays small however many
    /// invitees there are.
    FanOut(FanOut),
    /// Not mail: the rest of fan-out job `job`, from the invitee after `after`. A fan-out works
    /// off a bounded number of invitee pages per run and queues this for the rest, so no run
    /// outgrows one worker invocation however many invitees an event has.
    FanOutFrom {
        fan_out: FanOut,
        /// The id of the job this continues: every invitee's message is named after it.
        job: String,
        after: InviteeId,
    },
    /// Not mail: "record these attendees of the organizer's own invitation as invitees".
    /// Queued with the organizer's create or update and worked off by the sender one attendee
    /// per commit, so a long guest list never makes one commit too big for a store.
    RecordAttendees(AttendeeList),
    EventUpdated {
        from_sequence: i64,
    },
    EventCancelled,
    OccurrenceUpdated {
        recurrence_id: String,
    },
    OccurrenceCancelled {
        recurrence_id: String,
    },
    /// To the ORGANIZER of a message that needs their word (its sender could not be
    /// authenticated, or was a delegate they have not allowed): what it would do, and the link
    /// (derived from `message_id`) that alone makes it happen.
    ConfirmSender {
        /// Our id of the stored inbound message; the confirmation link's token names it.
        message_id: String,
        /// Why Rollcall asks, in words (`sender not authenticated: dmarc=fail`).
        reason: String,
        /// The SENT-BY delegate that sent it on the organizer's behalf, if it was one: the
        /// organizer may allow them for this event or for good.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delegate: Option<String>,
        changes: Vec<PendingChange>,
        /// The link stops working then.
        expires_at: DateTime<Utc>,
    },
    /// Not mail: "someone asked for a sign-in link for this address" (`/signin`). Queued for
    /// every well-formed address, so answering the request takes the same work whether or not
    /// the address organizes anything; the sender looks that up and, if it has something to
    /// see, mails it a [`Notice::SignIn`]. About an address, not an event: `event` is empty
    /// ([`crate::usecase::access::request_sign_in_link`]).
    SignInRequest {
        /// The domain whose events the address also sees, when it is a domain admin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        domain_admin: Option<String>,
    },
    /// Not mail: "tell whoever listens of these change records" (the event stream's topic).
    /// Queued in the commit that wrote them ([`crate::usecase::dispatch`]), so a crash after
    /// the commit delays the telling but never loses it.
    Dispatch {
        changes: Vec<crate::change::ChangeRecord>,
    },
    /// Not mail: one change record for one webhook endpoint (by id), fanned out from a
    /// dispatch. Its outbox id is the delivery's `webhook-id`, the same on every attempt.
    Webhook {
        endpoint: String,
        change: Box<crate::change::ChangeRecord>,
    },
    /// To the organizer: their webhook endpoint was disabled (`410 Gone`, or three days of
    /// failures), why, and how to enable it and resend what failed.
    WebhookDisabled {
        endpoint: String,
        url: String,
        reason: String,
    },
}

/// A dashboard sign-in link's secret, made as its mail is sent; the store keeps its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInLink {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SignInLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLink")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Derived from what caused it (inbound message id + position), so a repeated commit of the
    /// same cause cannot queue a second copy.
    pub id: String,
    pub to: Mailbox,
    pub notice: Notice,
    /// The event as it was right after the change, so the mail says what happened then.
    pub event: Event,
    pub created_at: DateTime<Utc>,
}

impl Notice {
    /// Which calendar mail to an invitee this is; `None` for every other notice.
    pub fn mail_kind(&self) -> Option<MailKind> {
        let Notice::Invitation {
            method,
            sequence,
            cause,
            ..
        } = self
        else {
            return None;
        };
        Some(match (method, cause) {
            (InvitationKind::Cancel, _) => MailKind::Cancellation,
            (InvitationKind::Request, InvitationCause::AnswerChanged) => MailKind::AnswerCopy,
            // An invitee's first message carries SEQUENCE 1; every later one is an update.
            (InvitationKind::Request, InvitationCause::Organizer) if *sequence > 1 => {
                MailKind::Update
            }
            (InvitationKind::Request, InvitationCause::Organizer) => MailKind::Invitation,
        })
    }
}

/// Why an invitee's calendar message is sent: what its words say happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationCause {
    /// Their first invitation, or the organizer's change.
    #[default]
    Organizer,
    /// They changed their answer on the web: their copy follows, nothing else changed.
    AnswerChanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationKind {
    Request,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum FanOut {
    /// The organizer changed the event; `reconfirm` when the time, date or recurrence changed,
    /// which asks invitees to answer again.
    Update {
        reconfirm: bool,
    },
    Cancel,
    CancelOccurrence {
        recurrence_id: TimeValue,
    },
    UpdateOccurrence {
        recurrence_id: TimeValue,
    },
}

/// Part of the guest list of one organizer message for one event, as the organizer's calendar
/// reported it: already filtered (not our own addresses, not the organizer) and unique by
/// address within the message. At most [`AttendeeList::MAX`] attendees per job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeList {
    /// Our id of the inbound message that listed them. Every attendee's answer is the signal
    /// `organizer:<inbound_id>`, so a job run twice records nobody twice.
    pub inbound_id: String,
    /// When the organizer's calendar said so: its DTSTAMP, never later than the arrival.
    pub listed_at: DateTime<Utc>,
    /// Recorded with every signal of the job (Message-ID, PRODID, ...).
    pub provenance: Provenance,
    /// Our mail domain, for a new invitee's personal UID (`<invitee id>@<domain>`).
    pub domain: String,
    pub attendees: Vec<ListedAttendee>,
}

impl AttendeeList {
    /// Attendees per job: each is one small commit when the job runs, so this bounds a job's
    /// work per pass and its size in the outbox (a store item). `Limits::max_attendees`
    /// bounds the number of jobs per event.
    pub const MAX: usize = 50;
}

/// One attendee of the organizer's own invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedAttendee {
    /// Normalized address.
    pub email: String,
    /// The CN, unless it is just the address again; used only for a new invitee.
    pub name: Option<String>,
    /// The PARTSTAT the organizer's calendar reports (needs-action when it says none).
    pub answer: Answer,
}

impl OutboxMessage {
    /// An invitee's personal calendar message, at their current SEQUENCE.
    pub fn invitation(
        id: String,
        invitee: &Invitee,
        event: &Event,
        method: InvitationKind,
        recurrence_id: Option<TimeValue>,
        now: DateTime<Utc>,
    ) -> OutboxMessage {
        OutboxMessage {
            id,
            to: Mailbox {
                email: invitee.email.clone(),
                name: invitee.name.clone(),
            },
            notice: Notice::Invitation {
                invitee: Box::new(invitee.clone()),
                method,
                recurrence_id,
                sequence: invitee.sequence,
                cause: InvitationCause::Organizer,
            },
            event: event.clone(),
            created_at: now,
        }
    }

    /// The update of an invitee's copy after they changed their answer on the web: the event
    /// as it is, at their next SEQUENCE, with their new PARTSTAT.
    pub fn answer_changed(
        id: String,
        invitee: &Invitee,
        event: &Event,
        now: DateTime<Utc>,
    ) -> OutboxMessage {
        let mut message =
            OutboxMessage::invitation(id, invitee, event, InvitationKind::Request, None, now);
        if let Notice::Invitation { cause, .. } = &mut message.notice {
            *cause = InvitationCause::AnswerChanged;
        }
        message
    }

    /// Whether this item is a mail (as opposed to a fan-out, attendee or sign-in request job).
    pub fn is_mail(&self) -> bool {
        !matches!(
            self.notice,
            Notice::FanOut(_)
                | Notice::FanOutFrom { .. }
                | Notice::RecordAttendees(_)
                | Notice::SignInRequest { .. }
                | Notice::Dispatch { .. }
                | Notice::Webhook { .. }
        )
    }
}
