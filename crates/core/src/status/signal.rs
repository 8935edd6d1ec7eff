//! Signals: one observed fact about an invitee (a delivery milestone, an answer, a bounce...),
//! with when it happened, when Rollcall heard of it, by which channel and on whose word.
//! Serialized with stable names so signals can be stored as JSON and shown in timelines.

use super::model::{DELIVERY, REACHABILITY, RESPONSE};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a signal reached Rollcall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Web,
    CalendarReply,
    OrganizerList,
    Provider,
    Api,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Web,
        Channel::CalendarReply,
        Channel::OrganizerList,
        Channel::Provider,
        Channel::Api,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::CalendarReply => "calendar-reply",
            Channel::OrganizerList => "organizer-list",
            Channel::Provider => "provider",
            Channel::Api => "api",
        }
    }

    /// The exact spelling of [`Channel::as_str`]; anything else is not a channel.
    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// On whose word a signal rests, kept so a surprising status can be traced back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance {
    pub message_id: Option<String>,
    /// The replying client's PRODID.
    pub producer: Option<String>,
    /// The sender-authentication verdict (DMARC/DKIM/SPF summary) of the message, if any.
    pub sender_auth: Option<String>,
    pub note: Option<String>,
    /// Which of Rollcall's mails a `queued`, `delayed` or `sent` signal is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailKind>,
}

/// Which of Rollcall's calendar mails to an invitee a delivery signal is about, so a timeline
/// says "update sent" where a bare "invitation sent" would look like a step that changed
/// nothing (the delivery track already stands higher after the first invitation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailKind {
    Invitation,
    /// The organizer changed the event (or one occurrence).
    Update,
    /// The organizer cancelled the event (or one occurrence).
    Cancellation,
    /// Their calendar copy, following their own answer on the web.
    AnswerCopy,
}

impl MailKind {
    /// What the mail is, for timelines: "update", "cancellation".
    pub fn words(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::Update => "update",
            MailKind::Cancellation => "cancellation",
            MailKind::AnswerCopy => "calendar copy with your answer",
        }
    }
}

/// An invitee's answer: the iCalendar PARTSTAT values that make sense for a VEVENT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    NeedsAction,
    Accepted,
    Tentative,
    Declined,
    Delegated,
}

impl Answer {
    pub const ALL: [Answer; 5] = [
        Answer::NeedsAction,
        Answer::Accepted,
        Answer::Tentative,
        Answer::Declined,
        Answer::Delegated,
    ];

    /// The `response` track's value: the PARTSTAT in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::NeedsAction => "needs-action",
            Answer::Accepted => "accepted",
            Answer::Tentative => "tentative",
            Answer::Declined => "declined",
            Answer::Delegated => "delegated",
        }
    }

    /// Reads PARTSTAT text (`ACCEPTED`, `needs-action`, ...; case-insensitive, as RFC 5545
    /// parameter values are). `IN-PROCESS`/`COMPLETED` belong to VTODO and are not answers.
    pub fn parse(text: &str) -> Option<Answer> {
        let text = text.trim();
        Answer::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(text))
    }

    /// Whether the invitee actually decided something; `needs-action` is the absence of one.
    pub fn is_given(self) -> bool {
        self != Answer::NeedsAction
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a signal says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignalKind {
    Listed,
    Queued,
    /// Rollcall could not hand the invitation to the mail transport yet (a temporary failure,
    /// or the outbox is paused); it keeps trying. `sent` overtakes it.
    Delayed,
    Sent,
    Delivered,
    /// Weak: image proxies and link scanners fake opens and clicks, so they move `delivery`
    /// only and are never read as an answer.
    Opened,
    /// Weak, like [`SignalKind::Opened`].
    Clicked,
    Answer(Answer),
    /// An answer for one occurrence of a series ("this event only"), named by its
    /// RECURRENCE-ID (contract string). The series answer stays; while this is the latest word
    /// about that occurrence, it is the invitee's answer for it. Moves no track.
    OccurrenceAnswer {
        occurrence: String,
        answer: Answer,
    },
    /// The organizer changed the time: as of `occurred_at` the invitee has not answered the
    /// new version, so `response` goes back to `needs-action` (unless they answered later).
    Reconfirm,
    /// An iTIP COUNTER: a proposal recorded beside the answer; it never changes `response`.
    Counter {
        proposed_start: Option<String>,
        proposed_end: Option<String>,
        comment: Option<String>,
    },
    Bounced,
    Complained,
    Unsubscribed,
    /// The address's owner asked, on their own page, for this event's mail again.
    Resubscribed,
}

impl SignalKind {
    /// A one-word label for timelines (the serde tag).
    pub fn name(&self) -> &'static str {
        match self {
            SignalKind::Listed => "listed",
            SignalKind::Queued => "queued",
            SignalKind::Delayed => "delayed",
            SignalKind::Sent => "sent",
            SignalKind::Delivered => "delivered",
            SignalKind::Opened => "opened",
            SignalKind::Clicked => "clicked",
            SignalKind::Answer(_) => "answer",
            SignalKind::OccurrenceAnswer { .. } => "occurrence-answer",
            SignalKind::Reconfirm => "reconfirm",
            SignalKind::Counter { .. } => "counter",
            SignalKind::Bounced => "bounced",
            SignalKind::Complained => "complained",
            SignalKind::Unsubscribed => "unsubscribed",
            SignalKind::Resubscribed => "resubscribed",
        }
    }

    /// The (track, value) of the invitee model this kind asks for; `None` for a COUNTER and
    /// an occurrence's answer, which are bookkeeping beside the tracks.
    pub fn target(&self) -> Option<(&'static str, &'static str)> {
        let target = match self {
            SignalKind::Listed => (DELIVERY, "listed"),
            SignalKind::Queued => (DELIVERY, "queued"),
            SignalKind::Delayed => (DELIVERY, "delayed"),
            SignalKind::Sent => (DELIVERY, "sent"),
            SignalKind::Delivered => (DELIVERY, "delivered"),
            SignalKind::Opened => (DELIVERY, "opened"),
            SignalKind::Clicked => (DELIVERY, "clicked"),
            SignalKind::Answer(answer) => (RESPONSE, answer.as_str()),
            SignalKind::Reconfirm => (RESPONSE, Answer::NeedsAction.as_str()),
            SignalKind::Counter { .. } | SignalKind::OccurrenceAnswer { .. } => return None,
            SignalKind::Bounced => (REACHABILITY, "bounced"),
            SignalKind::Complained => (REACHABILITY, "complained"),
            SignalKind::Unsubscribed => (REACHABILITY, "unsubscribed"),
            SignalKind::Resubscribed => (REACHABILITY, "ok"),
        };
        Some(target)
    }
}

/// Where a signal sits in the total order `Latest` uses: occurred-at, then dedupe key.
/// Field order is the comparison order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    pub occurred_at: DateTime<Utc>,
    pub dedupe_key: String,
}

/// One observed fact about one invitee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// Identifies the fact, not the delivery of it: the same fact heard twice (a redelivered
    /// webhook, a re-sent REPLY) carries the same key, and the store keeps it once.
    pub dedupe_key: String,
    pub kind: SignalKind,
    /// When it happened, by the word of whoever reports it. Decides `Latest` tracks.
    pub occurred_at: DateTime<Utc>,
    /// When Rollcall heard of it. Shown, never used to merge: arrival order is not history.
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    #[serde(default)]
    pub provenance: Provenance,
    pub comment: Option<String>,
}

impl Signal {
    /// A signal that happens as it is received (a web click, Rollcall's own step), with no
    /// provenance beyond its channel.
    pub fn now(
        dedupe_key: String,
        kind: SignalKind,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Signal {
        Signal {
            dedupe_key,
            kind,
            occurred_at: now,
            received_at: now,
            channel,
            provenance: Provenance::default(),
            comment: None,
        }
    }

    pub fn stamp(&self) -> Stamp {
        Stamp {
            occurred_at: self.occurred_at,
            dedupe_key: self.dedupe_key.clone(),
        }
    }
}
