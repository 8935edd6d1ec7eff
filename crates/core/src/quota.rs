//! Daily quotas: limits a real organizer never reaches and an abuser always does. Each is a
//! count per subject (a sender, an organizer, a claimed address) per UTC day, kept by the
//! store ([`crate::ports::QuotaStore`]) so that every process of a deployment shares it.
//! A quota is taken before the work it pays for is committed; a crash between the two costs
//! the subject one unit, which errs on the side of the people being protected.

use crate::ports::{QuotaStore, StoreError};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// New events per organizer address (the sender whose mail creates them).
    EventsCreated,
    /// Personal invitations and updates queued per organizer: the form, the API's pasted
    /// lists and the fan-out of changes together.
    Invitations,
    /// Confirmation mails ("did you send this?") per organizer address.
    ConfirmationMails,
}

/// Per-day limits; `None` is no limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaSettings {
    pub events_per_day: Option<u64>,
    pub invitations_per_day: Option<u64>,
    pub confirmations_per_day: Option<u64>,
}

impl Default for QuotaSettings {
    /// 50 new events, 5,000 invitations and 10 confirmation mails a day: an organizer who
    /// runs several big events still stays below, a script sending forged invitations or
    /// filling a form with strangers' addresses does not.
    fn default() -> Self {
        QuotaSettings {
            events_per_day: Some(50),
            invitations_per_day: Some(5_000),
            confirmations_per_day: Some(10),
        }
    }
}

impl QuotaSettings {
    /// No limits at all (tests of other behaviour, benchmarks).
    pub fn unlimited() -> QuotaSettings {
        QuotaSettings {
            events_per_day: None,
            invitations_per_day: None,
            confirmations_per_day: None,
        }
    }

    pub fn limit(&self, quota: Quota) -> Option<u64> {
        match quota {
            Quota::EventsCreated => self.events_per_day,
            Quota::Invitations => self.invitations_per_day,
            Quota::ConfirmationMails => self.confirmations_per_day,
        }
    }
}

impl Quota {
    /// The quota's part of the store key.
    pub fn name(self) -> &'static str {
        match self {
            Quota::EventsCreated => "events",
            Quota::Invitations => "invitations",
            Quota::ConfirmationMails => "confirmations",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Quota::EventsCreated => "new events",
            Quota::Invitations => "invitations",
            Quota::ConfirmationMails => "confirmation mails",
        }
    }

    /// The words recorded when the quota refuses: `quota reached (at most 50 new events a
    /// day per organizer); <what happened instead>`.
    pub fn refusal(self, settings: &QuotaSettings, what: &str) -> String {
        let limit = settings.limit(self).unwrap_or(0);
        format!(
            "quota reached (at most {limit} {} a day per organizer); {what}",
            self.noun()
        )
    }
}

/// The UTC day `at` falls in: the window a quota counts in.
pub fn day_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::days(1)).unwrap_or(at)
}

/// The start of the UTC day after `at`'s: when a used-up quota is whole again.
pub fn next_day(at: DateTime<Utc>) -> DateTime<Utc> {
    day_of(at) + TimeDelta::days(1)
}

/// Takes `amount` of `quota` for `subject` (an address, normalized by the caller) in the day
/// of `now`; `false`, taking nothing, if that would pass the limit.
pub async fn take(
    store: &dyn QuotaStore,
    settings: &QuotaSettings,
    quota: Quota,
    subject: &str,
    amount: u64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(limit) = settings.limit(quota) else {
        return Ok(true);
    };
    let key = format!("{}:{subject}", quota.name());
    store.take_quota(&key, day_of(now), amount, limit).await
}
