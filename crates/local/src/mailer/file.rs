//! The development transport: each message becomes `<outbox>/<outbox-id>.eml`. Named by the
//! outbox id, so a re-send after a crash overwrites the same file instead of adding a copy.

use crate::data_dir::write_durably;
use async_trait::async_trait;
use rollcall_core::ports::{ComposedMail, Mailer, SendError};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct FileMailer {
    pub dir: PathBuf,
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let path = self.dir.join(format!("{}.eml", mail.outbox_id));
        let raw = mail.raw.clone();
        tokio::task::spawn_blocking(move || write_durably(&path, &raw))
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?
            .map_err(|e| SendError::Transient(format!("writing outbox file: {e}")))
    }
}
