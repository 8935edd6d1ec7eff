//! The organizer adds people to an event from the dashboard or the API (a pasted list or a
//! CSV file): each new address becomes an invitee and gets their personal invitation, one
//! commit each, with a result per line.

use crate::event::{EventId, normalize_email};
use crate::invitee::{AddressRefusal, invitee_address};
use crate::ports::{Committed, IdSource, Store};
use crate::quota::{self, Quota};
use crate::retry::{Attempt, retrying};
use crate::status::Channel;
use crate::usecase::report::pasted::PastedLine;
use crate::usecase::rsvp::{NewInvitee, RsvpError, RsvpSettings, new_invitee};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddResult {
    Added,
    AlreadyInvited,
    InvalidAddress,
    /// The address is on the event and asked for no more mail: it is not invited again.
    Unsubscribed,
    /// One of Rollcall's own addresses (its mail domain): never an invitee.
    RollcallAddress,
    /// The organizer's daily quota of invitations is used up: not added, try tomorrow.
    QuotaReached,
    /// Rollcall mails this address for no event (it bounced for good, complained, or asked
    /// for no more mail at all): not added, since no invitation could reach it.
    Suppressed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedLine {
    pub line: usize,
    pub input: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub result: AddResult,
}

/// Adds every valid, new address of `lines` to the event.
pub async fn add_invitees(
    event_id: &EventId,
    lines: Vec<PastedLine>,
    settings: &RsvpSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<Vec<AddedLine>, RsvpError> {
    let mut results = Vec::with_capacity(lines.len());
    for line in lines {
        let (result, email, name) = match line.parsed {
            None => (AddResult::InvalidAddress, None, None),
            Some((email, name)) => {
                let result = match invitee_address(&email, &settings.domain) {
                    Err(AddressRefusal::Invalid) => AddResult::InvalidAddress,
                    Err(AddressRefusal::OwnDomain) => AddResult::RollcallAddress,
                    Ok(email) => {
                        add_one(event_id, &email, name.clone(), settings, store, ids, now).await?
                    }
                };
                (result, Some(email), name)
            }
        };
        results.push(AddedLine {
            line: line.line,
            input: line.input,
            email,
            name,
            result,
        });
    }
    Ok(results)
}

async fn add_one(
    event_id: &EventId,
    email: &str,
    name: Option<String>,
    settings: &RsvpSettings,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<AddResult, RsvpError> {
    let name = &name;
    retrying(|| async move {
        let event = store
            .event(event_id)
            .await?
            .ok_or(RsvpError::UnknownEvent)?;
        crate::usecase::rsvp::refuse_closed(&event, now)?;
        if let Some(known) = store.invitee_by_email(event_id, email).await? {
            return Ok(Attempt::Done(
                if known.status.value("reachability") == Some("unsubscribed") {
                    AddResult::Unsubscribed
                } else {
                    AddResult::AlreadyInvited
                },
            ));
        }
        if store.suppression(&normalize_email(email)).await?.is_some() {
            return Ok(Attempt::Done(AddResult::Suppressed));
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
            return Ok(Attempt::Done(AddResult::QuotaReached));
        }
        let new = NewInvitee {
            email: email.to_string(),
            name: name.clone(),
            channel: Channel::Api,
            answer: None,
        };
        // A conflict: someone else added the address meanwhile, so look again.
        let commit = new_invitee(&event, new, settings, ids, now);
        Ok(Attempt::of(
            store.commit(&commit).await,
            |committed| match committed {
                Committed::Applied => AddResult::Added,
                Committed::AlreadyRecorded => AddResult::AlreadyInvited,
            },
        )?)
    })
    .await
}
