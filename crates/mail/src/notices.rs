//! The organizer's notices: acknowledgement of a new event, and short notes for updates and
//! cancellations.

use crate::headers::header_safe;
use askama::Template;
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use rollcall_core::notice::{Notice, OutboxMessage};
use rollcall_core::ports::{ComposedMail, Composer};
use rollcall_core::present::when_text;

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Public base URL, without a trailing slash: `https://rollcall.example`.
    pub base_url: String,
    /// Mail domain: `invites@<domain>` is the inbox, and Message-IDs end in it.
    pub domain: String,
}

/// What every notice template may show. Built from the outbox message; every field is
/// untrusted text from the organizer's mail except the URLs and addresses we make.
#[derive(Debug)]
struct NoticeView {
    title: String,
    when: String,
    location: Option<String>,
    public_url: String,
    organizer_email: String,
    inbox_address: String,
    occurrence: Option<String>,
}

macro_rules! notice_templates {
    ($($name:ident => $path:literal),* $(,)?) => {
        $(
            #[derive(Template)]
            #[template(path = $path)]
            struct $name<'a> {
                v: &'a NoticeView,
            }
        )*
    };
}

notice_templates! {
    CreatedSubject => "event_created/subject.txt",
    CreatedText => "event_created/body.txt",
    CreatedHtml => "event_created/body.html",
    UpdatedSubject => "event_updated/subject.txt",
    UpdatedText => "event_updated/body.txt",
    UpdatedHtml => "event_updated/body.html",
    CancelledSubject => "event_cancelled/subject.txt",
    CancelledText => "event_cancelled/body.txt",
    CancelledHtml => "event_cancelled/body.html",
}

#[derive(Debug, Clone)]
pub struct MailComposer {
    settings: MailSettings,
}

impl MailComposer {
    pub fn new(mut settings: MailSettings) -> MailComposer {
        settings.base_url = settings.base_url.trim_end_matches('/').to_string();
        MailComposer { settings }
    }

    fn view(&self, message: &OutboxMessage) -> NoticeView {
        let event = &message.event;
        let occurrence = match &message.notice {
            Notice::OccurrenceUpdated { recurrence_id }
            | Notice::OccurrenceCancelled { recurrence_id } => Some(recurrence_id.clone()),
            _ => None,
        };
        NoticeView {
            title: event.title().to_string(),
            when: when_text(event.details.start.as_ref(), event.details.end.as_ref()),
            location: event.details.location.clone(),
            public_url: format!("{}/e/{}", self.settings.base_url, event.id),
            organizer_email: event.organizer_email.clone(),
            inbox_address: format!("invites@{}", self.settings.domain),
            occurrence,
        }
    }

    fn render(&self, message: &OutboxMessage) -> Result<(String, String, String), askama::Error> {
        let v = &self.view(message);
        Ok(match message.notice {
            Notice::EventCreated => (
                CreatedSubject { v }.render()?,
                CreatedText { v }.render()?,
                CreatedHtml { v }.render()?,
            ),
            Notice::EventUpdated { .. } | Notice::OccurrenceUpdated { .. } => (
                UpdatedSubject { v }.render()?,
                UpdatedText { v }.render()?,
                UpdatedHtml { v }.render()?,
            ),
            Notice::EventCancelled | Notice::OccurrenceCancelled { .. } => (
                CancelledSubject { v }.render()?,
                CancelledText { v }.render()?,
                CancelledHtml { v }.render()?,
            ),
        })
    }
}

impl Composer for MailComposer {
    fn compose(&self, message: &OutboxMessage) -> Result<ComposedMail, String> {
        let (subject, text, html) = self.render(message).map_err(|e| e.to_string())?;
        let from = format!("invites@{}", self.settings.domain);
        // Our own Message-ID, derived from the outbox id: a retried send carries the same id
        // (receivers de-duplicate), and provider events can be joined back to this message.
        let message_id = format!("{}@{}", message.id, self.settings.domain);
        let to_name = message
            .to
            .name
            .as_deref()
            .map(header_safe)
            .unwrap_or_default();
        let raw = MessageBuilder::new()
            .from(("Rollcall", from.as_str()))
            .to((to_name.as_str(), message.to.email.as_str()))
            .subject(header_safe(&subject))
            .message_id(message_id.as_str())
            .header("Auto-Submitted", Raw::new("auto-generated"))
            .text_body(text)
            .html_body(html)
            .write_to_vec()
            .map_err(|e| e.to_string())?;
        Ok(ComposedMail {
            outbox_id: message.id.clone(),
            from,
            to: message.to.email.clone(),
            message_id,
            raw,
        })
    }
}
