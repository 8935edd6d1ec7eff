//! The SMTP listener's view of the server: which recipients we take, and how a message becomes
//! durable before the client hears `250`.

use crate::data_dir::write_durably;
use crate::smtp::{Envelope, Intake};
use crate::store::{NewInbound, SqliteStore};
use chrono::Utc;
use rand::RngCore;
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::ingest::Recipient;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug)]
pub struct StoreIntake {
    pub store: SqliteStore,
    pub inbox_dir: PathBuf,
    pub domain: String,
    /// Verifies reply keys, so that the queue records the invitee a key names, never the key.
    pub tokens: TokenKey,
    /// Wakes the worker as soon as a message is committed.
    pub wake: Arc<Notify>,
}

/// A queue id that sorts by arrival: milliseconds since the epoch, then randomness.
pub fn new_message_id() -> String {
    let millis = Utc::now().timestamp_millis();
    format!("{millis:013}-{:08x}", rand::rng().next_u32())
}

impl Intake for StoreIntake {
    fn accepts_recipient(&self, rcpt: &str) -> bool {
        Recipient::accepts(rcpt, &self.domain)
    }

    async fn store(&self, envelope: Envelope, raw: Vec<u8>) -> Result<String, String> {
        let id = new_message_id();
        let path = self.inbox_dir.join(format!("{id}.eml"));
        let size = raw.len();
        let file = path.clone();
        // The raw bytes first, fsynced; then the queue row, committed with synchronous=FULL.
        // A crash between the two leaves an orphan file but no acknowledged message lost.
        tokio::task::spawn_blocking(move || write_durably(&file, &raw))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        self.store
            .enqueue(NewInbound {
                id: id.clone(),
                received_at: Utc::now(),
                peer: envelope.peer.to_string(),
                helo: envelope.helo,
                mail_from: envelope.mail_from,
                // What the worker needs (the kind of address and the invitee), not the
                // reply key itself: a leaked database holds no working reply address.
                rcpt_to: envelope
                    .rcpt_to
                    .iter()
                    .filter_map(|r| Recipient::classify(r, &self.domain, &self.tokens))
                    .map(|r| r.record())
                    .collect(),
                size,
                path: path.to_string_lossy().into_owned(),
            })
            .await
            .map_err(|e| e.to_string())?;
        self.wake.notify_one();
        Ok(id)
    }
}
