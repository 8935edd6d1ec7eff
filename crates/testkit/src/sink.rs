//! A stand-in for the event stream: a change sink that keeps what it is told and can be told
//! to fail.

use async_trait::async_trait;
use rollcall_core::change::ChangeRecord;
use rollcall_core::ports::{ChangeSink, SendError};
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Told {
    records: Vec<ChangeRecord>,
    failures: usize,
}

/// A [`ChangeSink`] that keeps every record of every telling that succeeded;
/// [`RecordingSink::fail_next`] makes the next tellings fail as the topic would when
/// unreachable.
#[derive(Debug, Default)]
pub struct RecordingSink {
    told: Mutex<Told>,
}

impl RecordingSink {
    pub fn new() -> RecordingSink {
        RecordingSink::default()
    }

    /// The next `count` tellings fail, temporarily.
    pub fn fail_next(&self, count: usize) {
        self.told.lock().unwrap_or_else(|e| e.into_inner()).failures += count;
    }

    /// Every record told so far, in order.
    pub fn told(&self) -> Vec<ChangeRecord> {
        let told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        told.records.clone()
    }
}

#[async_trait]
impl ChangeSink for RecordingSink {
    async fn publish(&self, records: &[ChangeRecord]) -> Result<(), SendError> {
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        if told.failures > 0 {
            told.failures -= 1;
            return Err(SendError::Transient(
                "the test's topic is unreachable".into(),
            ));
        }
        told.records.extend_from_slice(records);
        Ok(())
    }
}
