//! Stand-ins for the sending side: a mailer that records what it is given and can be told to
//! fail, and a composer that needs no templates.

use async_trait::async_trait;
use rollcall_core::notice::{Notice, OutboxMessage};
use rollcall_core::ports::{ComposedMail, Composer, Mailer, SendError};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How a send the mailer was told to fail fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailWith {
    Transient,
    Permanent,
    /// The transport as a whole refuses (relay down, SES sending paused).
    Unavailable,
}

#[derive(Debug, Default)]
struct Recorded {
    sent: Vec<ComposedMail>,
    attempts: Vec<ComposedMail>,
    failures: VecDeque<FailWith>,
}

/// A [`Mailer`] that keeps every mail it accepts. [`RecordingMailer::fail_next`] queues
/// failures: each send takes the next queued failure, if any, instead of succeeding.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    recorded: Mutex<Recorded>,
}

impl RecordingMailer {
    pub fn new() -> RecordingMailer {
        RecordingMailer::default()
    }

    /// The next `count` sends fail with `kind` (after failures queued earlier).
    pub fn fail_next(&self, count: usize, kind: FailWith) {
        self.lock()
            .failures
            .extend(std::iter::repeat_n(kind, count));
    }

    /// Queued failures not used yet.
    pub fn fail_pending(&self) -> usize {
        self.lock().failures.len()
    }

    /// Mails accepted, in order.
    pub fn sent(&self) -> Vec<ComposedMail> {
        self.lock().sent.clone()
    }

    /// Every mail handed to `send`, accepted or failed, in order.
    pub fn attempts(&self) -> Vec<ComposedMail> {
        self.lock().attempts.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Recorded> {
        // A panicking test thread cannot leave `Recorded` half-updated in a way that matters.
        self.recorded.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let mut recorded = self.lock();
        recorded.attempts.push(mail.clone());
        match recorded.failures.pop_front() {
            None => {
                recorded.sent.push(mail.clone());
                Ok(())
            }
            Some(FailWith::Transient) => Err(SendError::Transient(format!(
                "told to fail {} (transient)",
                mail.outbox_id
            ))),
            Some(FailWith::Permanent) => Err(SendError::Permanent(format!(
                "told to fail {} (permanent)",
                mail.outbox_id
            ))),
            Some(FailWith::Unavailable) => Err(SendError::Unavailable(format!(
                "told to refuse everything at {}",
                mail.outbox_id
            ))),
        }
    }
}

/// A [`Composer`] that writes a short plain-text mail naming the notice and the event, from
/// `rollcall@rollcall.test` to the outbox message's recipient, with Message-ID
/// `<outbox id@rollcall.test>`.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainComposer;

impl Composer for PlainComposer {
    fn compose(&self, message: &OutboxMessage) -> Result<ComposedMail, String> {
        let from = "rollcall@rollcall.test".to_string();
        let message_id = format!("<{}@rollcall.test>", message.id);
        let sign_in = match &message.notice {
            Notice::EventCreated { sign_in } | Notice::SignIn { sign_in } => sign_in
                .as_ref()
                .map(|link| format!("Sign in: /o/{}\r\n", link.token)),
            _ => None,
        };
        let raw = format!(
            "From: {from}\r\nTo: {to}\r\nMessage-ID: {message_id}\r\nSubject: {title}\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{notice:?} for event {event}\r\n{link}",
            to = message.to.email,
            title = message.event.title(),
            notice = message.notice,
            event = message.event.id,
            link = sign_in.unwrap_or_default(),
        );
        Ok(ComposedMail {
            outbox_id: message.id.clone(),
            from,
            to: message.to.email.clone(),
            message_id,
            raw: raw.into_bytes(),
        })
    }
}
