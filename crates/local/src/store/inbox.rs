//! The inbound queue: what the SMTP listener stored and the worker has yet to process, and the
//! listing `rollcall inbox` shows.

use super::time::{from_db, to_db};
use super::{DbError, SqliteStore};
use chrono::{DateTime, Utc};
use rollcall_core::ports::{RawMailSource, StoreError};
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::ingest::Recipient;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct NewInbound {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub peer: String,
    pub helo: String,
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub size: usize,
    pub path: String,
}

/// A queued message the worker should process now.
#[derive(Debug, Clone)]
pub struct InboxEntry {
    pub id: String,
    pub path: String,
    pub rcpt_to: Vec<String>,
    pub attempts: u32,
    /// The SMTP client's address (`ip:port`), EHLO name and MAIL FROM: what the worker
    /// judges the sender's authenticity by.
    pub peer: String,
    pub helo: String,
    pub mail_from: String,
}

/// One line of `rollcall inbox`.
#[derive(Debug, Clone, Serialize)]
pub struct InboxRow {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub mail_from: String,
    pub from: Option<String>,
    pub subject: Option<String>,
    pub state: String,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub last_error: Option<String>,
    /// For a message that awaited its organizer's confirmation: what confirming it did.
    pub confirmed: Option<String>,
}

impl SqliteStore {
    /// Commits the queue entry; the raw file must already be durable.
    pub async fn enqueue(&self, entry: NewInbound) -> Result<(), DbError> {
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO inbox (id, received_at, peer, helo, mail_from, rcpt_to, size, path, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?2)",
                params![
                    entry.id,
                    to_db(entry.received_at),
                    entry.peer,
                    entry.helo,
                    entry.mail_from,
                    serde_json::to_string(&entry.rcpt_to)?,
                    entry.size as i64,
                    entry.path,
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// The oldest queued message that is due.
    pub async fn next_inbound(&self, now: DateTime<Utc>) -> Result<Option<InboxEntry>, DbError> {
        self.with(move |conn| {
            let row = conn
                .query_row(
                    "SELECT id, path, rcpt_to, attempts, peer, helo, mail_from FROM inbox
                     WHERE state = 'queued' AND next_attempt_at <= ?1
                     ORDER BY received_at, id LIMIT 1",
                    [to_db(now)],
                    |r| {
                        Ok((
                            (
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, i64>(3)?,
                            ),
                            (
                                r.get::<_, String>(4)?,
                                r.get::<_, String>(5)?,
                                r.get::<_, String>(6)?,
                            ),
                        ))
                    },
                )
                .optional()?;
            let Some(((id, path, rcpt, attempts), (peer, helo, mail_from))) = row else {
                return Ok(None);
            };
            Ok(Some(InboxEntry {
                id,
                path,
                rcpt_to: serde_json::from_str(&rcpt)?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                peer,
                helo,
                mail_from,
            }))
        })
        .await
    }

    /// Records a failed attempt: retried at `next_at`, or given up on (`failed`) when `None`.
    /// The raw file stays either way; nothing acknowledged is ever deleted.
    pub async fn inbound_attempt_failed(
        &self,
        id: &str,
        attempts: u32,
        next_at: Option<DateTime<Utc>>,
        error: &str,
    ) -> Result<(), DbError> {
        let (id, error) = (id.to_string(), error.to_string());
        self.with(move |conn| {
            conn.execute(
                "UPDATE inbox SET attempts = ?2, last_error = ?3,
                    state = CASE WHEN ?4 IS NULL THEN 'failed' ELSE state END,
                    next_attempt_at = COALESCE(?4, next_attempt_at)
                 WHERE id = ?1 AND state = 'queued'",
                params![id, attempts, error, next_at.map(to_db)],
            )?;
            Ok(())
        })
        .await
    }

    /// Rewrites recipients stored as addresses (by a Rollcall from before the queue kept
    /// recipient records) into records, so that no reply key stays in the database; how many
    /// rows it changed. Run at start-up, before the listener takes mail.
    pub fn scrub_reply_keys(&self, domain: &str, tokens: &TokenKey) -> Result<usize, DbError> {
        let (domain, tokens) = (domain.to_string(), tokens.clone());
        self.with_blocking(move |conn| {
            let tx = conn.transaction()?;
            let rows: Vec<(String, String)> = {
                let mut stmt =
                    tx.prepare("SELECT id, rcpt_to FROM inbox WHERE rcpt_to LIKE '%@%'")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            for (id, rcpt) in &rows {
                let addresses: Vec<String> = serde_json::from_str(rcpt)?;
                let records: Vec<String> = addresses
                    .iter()
                    .filter_map(|a| Recipient::classify(a, &domain, &tokens))
                    .map(|r| r.record())
                    .collect();
                tx.execute(
                    "UPDATE inbox SET rcpt_to = ?2 WHERE id = ?1",
                    params![id, serde_json::to_string(&records)?],
                )?;
            }
            tx.commit()?;
            Ok(rows.len())
        })
    }

    /// Where the raw file of queued message `id` is, if there is such a message.
    pub(super) fn inbound_path(&self, id: &str) -> Result<Option<String>, DbError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT path FROM inbox WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?)
        })
    }

    /// The most recent messages with their outcomes, newest first.
    pub fn recent_inbound(&self, limit: usize) -> Result<Vec<InboxRow>, DbError> {
        self.with_blocking(|conn| {
            let mut stmt = conn.prepare(
                "SELECT i.id, i.received_at, i.mail_from, o.from_email, o.subject, i.state, o.status, o.outcome, i.last_error, c.outcome
                 FROM inbox i LEFT JOIN message_outcomes o ON o.message_id = i.id
                 LEFT JOIN message_outcomes c ON c.message_id = i.id || '.confirmed'
                 ORDER BY i.received_at DESC, i.id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok(InboxRow {
                    id: r.get(0)?,
                    received_at: from_db(&r.get::<_, String>(1)?)?,
                    mail_from: r.get(2)?,
                    from: r.get(3)?,
                    subject: r.get(4)?,
                    state: r.get(5)?,
                    status: r.get(6)?,
                    outcome: r.get(7)?,
                    last_error: r.get(8)?,
                    confirmed: r.get(9)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// Confirmation reads a message back from the file its queue row names.
#[async_trait::async_trait]
impl RawMailSource for SqliteStore {
    async fn raw_message(&self, message_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(path) = self.inbound_path(message_id)? else {
            return Ok(None);
        };
        match tokio::fs::read(&path).await {
            Ok(raw) => Ok(Some(raw)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(StoreError::Unavailable(format!("reading {path}: {error}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::invitee::InviteeId;
    use rollcall_core::tokens::Purpose;

    #[tokio::test]
    async fn stored_reply_addresses_are_rewritten_to_records_without_the_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).expect("opens");
        let tokens = TokenKey::from_bytes([3; 32]);
        let ann = InviteeId::from_random([1; InviteeId::LEN]);
        let key = tokens.token(Purpose::Reply, &ann);
        // As a Rollcall from before recipient records queued it.
        let row = |id: &str, rcpt: Vec<String>| NewInbound {
            id: id.to_string(),
            received_at: chrono::DateTime::UNIX_EPOCH,
            peer: "127.0.0.1:1".into(),
            helo: "x".into(),
            mail_from: "ann@example.org".into(),
            rcpt_to: rcpt,
            size: 1,
            path: "/nonexistent".into(),
        };
        let reply = format!("rsvp+{key}@rollcall.test");
        let records = vec!["invites".to_string()];
        for entry in [
            row("1", vec![reply.clone(), "invites@rollcall.test".into()]),
            row("2", vec!["rsvp+forged@rollcall.test".into()]),
            row("3", records.clone()),
        ] {
            store.enqueue(entry).await.expect("enqueue");
        }
        assert_eq!(
            store
                .scrub_reply_keys("rollcall.test", &tokens)
                .expect("scrub"),
            2
        );
        let stored: Vec<String> = store
            .with_blocking(|conn| {
                let mut stmt = conn.prepare("SELECT rcpt_to FROM inbox ORDER BY id")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .expect("read");
        assert_eq!(
            stored,
            [
                format!("[\"rsvp+{ann}\",\"invites\"]"),
                "[\"rsvp+?\"]".to_string(),
                "[\"invites\"]".to_string(),
            ]
        );
        assert!(stored.iter().all(|s| !s.contains(&key)));
        assert_eq!(
            store
                .scrub_reply_keys("rollcall.test", &tokens)
                .expect("scrub"),
            0,
            "nothing left to rewrite"
        );
    }
}
