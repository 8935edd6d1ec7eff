//! The store port for events and message outcomes, and the commit that writes everything a
//! use-case step changes in one transaction.

use super::time::to_db;
use super::{DbError, SqliteStore, invitees};
use async_trait::async_trait;
use rollcall_core::event::{Event, EventId};
use rollcall_core::imip::Mailbox;
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{Commit, Committed, EventStore, EventWrite, MessageRecord, StoreError};
use rusqlite::{OptionalExtension, params};

/// Why a commit did not apply, inside the transaction.
pub(super) enum Refused {
    Conflict,
    AlreadyRecorded,
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn event(&self, id: &EventId) -> Result<Option<Event>, StoreError> {
        let id = id.as_str().to_string();
        Ok(self.read(|conn| {
            let data: Option<String> = conn
                .prepare_cached("SELECT data FROM events WHERE id = ?1")?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
        })?)
    }

    async fn event_by_uid(
        &self,
        organizer_email: &str,
        uid: &str,
    ) -> Result<Option<Event>, StoreError> {
        let (organizer, uid) = (organizer_email.to_string(), uid.to_string());
        Ok(self.read(|conn| {
            let data: Option<String> = conn
                .query_row(
                    "SELECT data FROM events WHERE organizer_email = ?1 AND uid = ?2",
                    [&organizer, &uid],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
        })?)
    }

    async fn commit(&self, commit: &Commit) -> Result<Committed, StoreError> {
        let commit = commit.clone();
        let result = self
            .with(move |conn| {
                // IMMEDIATE takes the write lock first, waiting up to `LOCK_WAIT` for it. A
                // deferred transaction would read first and then fail at once when it has to
                // upgrade to writing while another connection holds the lock: SQLite does not
                // wait for an upgrade, since the waiting could deadlock.
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                match write_commit(&tx, &commit)? {
                    Ok(()) => {
                        tx.commit()?;
                        Ok(Ok(()))
                    }
                    Err(refused) => Ok(Err(refused)), // dropping `tx` rolls back
                }
            })
            .await?;
        match result {
            Ok(()) => Ok(Committed::Applied),
            Err(Refused::AlreadyRecorded) => Ok(Committed::AlreadyRecorded),
            Err(Refused::Conflict) => Err(StoreError::Conflict),
        }
    }

    async fn message_record(&self, message_id: &str) -> Result<Option<MessageRecord>, StoreError> {
        let id = message_id.to_string();
        Ok(self.read(|conn| {
            let row = conn
                .query_row(
                    "SELECT from_email, from_name, subject, outcome_json, processed_at
                         FROM message_outcomes WHERE message_id = ?1",
                    [&id],
                    |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((email, name, subject, outcome, at)) = row else {
                return Ok(None);
            };
            Ok(Some(MessageRecord {
                message_id: id,
                from: email.map(|email| Mailbox { email, name }),
                subject,
                outcome: serde_json::from_str::<Outcome>(&outcome)?,
                processed_at: super::time::from_db(&at)?,
            }))
        })?)
    }
}

/// Writes the whole commit, or says why it must not apply (the caller then rolls back).
/// A redelivery is recognised before any expected version is checked.
fn write_commit(
    tx: &rusqlite::Transaction<'_>,
    commit: &Commit,
) -> Result<Result<(), Refused>, DbError> {
    if let Some(message) = &commit.message
        && !record_message(tx, message)?
    {
        return Ok(Err(Refused::AlreadyRecorded));
    }
    if invitees::any_signal_recorded(tx, &commit.signals)? {
        return Ok(Err(Refused::AlreadyRecorded));
    }
    for write in &commit.events {
        if !write_event(tx, write)? {
            return Ok(Err(Refused::Conflict));
        }
    }
    for write in &commit.invitees {
        if !invitees::write_invitee(tx, write)? {
            return Ok(Err(Refused::Conflict));
        }
    }
    invitees::record_signals(tx, &commit.signals)?;
    invitees::count(tx, &commit.counters)?;
    super::changes::append(tx, &commit.changes)?;
    for item in &commit.outbox {
        tx.execute(
            "INSERT INTO outbox (id, created_at, next_attempt_at, data) VALUES (?1, ?2, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
            params![
                item.id,
                to_db(item.created_at),
                serde_json::to_string(item)?
            ],
        )?;
    }
    for suppression in &commit.suppressions {
        tx.execute(
            "INSERT INTO suppressions (address, data) VALUES (?1, ?2)
             ON CONFLICT (address) DO UPDATE SET data = ?2",
            params![suppression.address, serde_json::to_string(suppression)?],
        )?;
    }
    // The queue entry, if this message came through the local inbox, is done in the same step.
    if let Some(message) = &commit.message {
        tx.execute(
            "UPDATE inbox SET state = 'done', last_error = NULL WHERE id = ?1",
            [&message.message_id],
        )?;
    }
    Ok(Ok(()))
}

/// Records the message's outcome; `false` if one was already recorded.
fn record_message(
    tx: &rusqlite::Transaction<'_>,
    message: &MessageRecord,
) -> Result<bool, DbError> {
    let inserted = tx.execute(
        "INSERT INTO message_outcomes
            (message_id, from_email, from_name, subject, status, outcome, outcome_json, processed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (message_id) DO NOTHING",
        params![
            message.message_id,
            message.from.as_ref().map(|m| m.email.as_str()),
            message.from.as_ref().and_then(|m| m.name.as_deref()),
            message.subject,
            message.outcome.status().as_str(),
            message.outcome.to_string(),
            serde_json::to_string(&message.outcome)?,
            to_db(message.processed_at),
        ],
    )?;
    Ok(inserted == 1)
}

/// Inserts or replaces one event; `false` if its expected version (or absence) does not hold.
fn write_event(tx: &rusqlite::Transaction<'_>, write: &EventWrite) -> Result<bool, DbError> {
    let event = &write.event;
    let data = serde_json::to_string(event)?;
    let changed = match write.expected_version {
        None => tx.execute(
            "INSERT INTO events (id, organizer_email, uid, version, state, data, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT DO NOTHING",
            params![
                event.id.as_str(),
                event.organizer_email,
                event.uid,
                event.version as i64,
                event.state.as_str(),
                data,
                to_db(event.created_at),
                to_db(event.updated_at),
            ],
        )?,
        Some(expected) => tx.execute(
            "UPDATE events SET version = ?2, state = ?3, data = ?4, updated_at = ?5
             WHERE id = ?1 AND version = ?6",
            params![
                event.id.as_str(),
                event.version as i64,
                event.state.as_str(),
                data,
                to_db(event.updated_at),
                expected as i64,
            ],
        )?,
    };
    Ok(changed == 1)
}
