//! Stand-ins for what change records leave through: a change sink (the event stream) that
//! keeps what it is told and can be told to fail, and a webhook sender that answers from a
//! script.

use async_trait::async_trait;
use rollcall_core::change::ChangeRecord;
use rollcall_core::ports::{ChangeSink, SendError, WebhookAnswer, WebhookPost, WebhookSender};
use rollcall_core::webhook::attempts::Answer;
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

/// A [`WebhookSender`] that keeps every post and answers from a script: each post takes
/// the next queued status (or [`Answer::NoAnswer`] for 0), and `200` once the script is
/// spent.
#[derive(Debug, Default)]
pub struct RecordingWebhooks {
    posted: Mutex<(Vec<WebhookPost>, std::collections::VecDeque<u16>)>,
}

impl RecordingWebhooks {
    pub fn new() -> RecordingWebhooks {
        RecordingWebhooks::default()
    }

    /// The next posts answer these statuses, in order (0: no answer at all).
    pub fn answer_next(&self, statuses: &[u16]) {
        let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        posted.1.extend(statuses);
    }

    /// Every post so far, in order.
    pub fn posted(&self) -> Vec<WebhookPost> {
        let posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        posted.0.clone()
    }
}

#[async_trait]
impl WebhookSender for RecordingWebhooks {
    async fn post(&self, post: &WebhookPost) -> WebhookAnswer {
        let mut posted = self.posted.lock().unwrap_or_else(|e| e.into_inner());
        posted.0.push(post.clone());
        let answer = match posted.1.pop_front().unwrap_or(200) {
            0 => Answer::NoAnswer,
            code => Answer::Status {
                code,
                retry_after: None,
            },
        };
        WebhookAnswer {
            answer,
            detail: String::new(),
            duration: std::time::Duration::from_millis(1),
        }
    }
}
