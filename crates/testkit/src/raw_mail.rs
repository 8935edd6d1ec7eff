//! Stored raw mail in memory, for the confirmation use case.

use async_trait::async_trait;
use rollcall_core::ports::{RawMailSource, StoreError};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// A [`RawMailSource`] over a map of message id → raw bytes.
#[derive(Debug, Default)]
pub struct MemoryRawMail {
    messages: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryRawMail {
    pub fn new() -> MemoryRawMail {
        MemoryRawMail::default()
    }

    /// Stores `raw` as message `id` (as the receiving side would before ingest).
    pub fn put(&self, id: &str, raw: &[u8]) {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_string(), raw.to_vec());
    }

    /// Forgets message `id` (an operator deleted it).
    pub fn remove(&self, id: &str) {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

#[async_trait]
impl RawMailSource for MemoryRawMail {
    async fn raw_message(&self, message_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(message_id)
            .cloned())
    }
}
