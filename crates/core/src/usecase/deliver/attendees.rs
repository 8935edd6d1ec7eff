//! Attendee jobs: the organizer's own guest list becomes invitees joined via
//! `organizer-list`, one commit per attendee. Each attendee's answer is the signal
//! `organizer:<inbound message id>` (and a new invitee's first is `listed`), so a job
//! interrupted half-way, run twice or queued twice records nobody twice: the attendees it
//! already did come back as `AlreadyRecorded`.

use crate::invitee::{Invitee, InviteeId, personal_uid};
use crate::notice::{AttendeeList, ListedAttendee, OutboxMessage};
use crate::ports::{Committed, IdSource, Store, StoreError};
use crate::retry::{Attempt, retrying};
use crate::status::{Channel, INVITEE_MODEL, InviteeStatus, Signal, SignalKind};
use crate::tracking::{Tracked, initial_counters, track};
use chrono::{DateTime, Utc};

/// Records every attendee of `list`, adding to `recorded` each commit that changed something
/// (also when a later attendee fails and the job is left for a retry).
pub(super) async fn record_attendees(
    job: &OutboxMessage,
    list: &AttendeeList,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
    recorded: &mut usize,
) -> Result<(), StoreError> {
    for attendee in &list.attendees {
        *recorded += record_one(job, list, attendee, store, ids, now).await?;
    }
    Ok(())
}

async fn record_one(
    job: &OutboxMessage,
    list: &AttendeeList,
    attendee: &ListedAttendee,
    store: &dyn Store,
    ids: &dyn IdSource,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let event_id = &job.event.id;
    let signal = Signal {
        dedupe_key: format!("organizer:{}", list.inbound_id),
        kind: SignalKind::Answer(attendee.answer),
        occurred_at: list.listed_at,
        received_at: now,
        channel: Channel::OrganizerList,
        provenance: list.provenance.clone(),
        comment: None,
    };
    // Drawn once per attendee, however often a conflict makes us try again.
    let fresh = std::sync::OnceLock::new();
    let (fresh, signal) = (&fresh, &signal);
    retrying(|| async move {
        let (mut invitee, expected) =
            match store.invitee_by_email(event_id, &attendee.email).await? {
                Some(existing) => {
                    let version = existing.version;
                    (existing, Some(version))
                }
                None => {
                    let id: InviteeId = fresh.get_or_init(|| ids.invitee_id()).clone();
                    let invitee = Invitee {
                        uid: personal_uid(&id, &list.domain),
                        id,
                        event_id: event_id.clone(),
                        email: attendee.email.clone(),
                        name: attendee.name.clone(),
                        joined_via: Channel::OrganizerList,
                        sequence: 0,
                        sent: Default::default(),
                        status: InviteeStatus::initial(&INVITEE_MODEL),
                        created_at: now,
                        updated_at: now,
                        version: 0,
                    };
                    (invitee, None)
                }
            };
        let mut tracked = Tracked::default();
        if expected.is_none() {
            tracked.counters.extend(initial_counters(&invitee));
            let listed = Signal {
                dedupe_key: "listed".to_string(),
                kind: SignalKind::Listed,
                ..signal.clone()
            };
            tracked.extend(track(&mut invitee, vec![listed]));
        }
        tracked.extend(track(&mut invitee, vec![signal.clone()]));
        let commit = tracked.into_commit(&job.event, invitee, expected, now);
        Attempt::of(store.commit(&commit).await, |committed| match committed {
            Committed::Applied => 1,
            Committed::AlreadyRecorded => 0,
        })
    })
    .await
}
