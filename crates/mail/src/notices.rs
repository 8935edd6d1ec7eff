//! The organizer's notices: acknowledgement of a new event, and short notes for updates and
//! cancellations.

use crate::headers::{header_safe, mailbox};
use crate::invitation::{
    AnsweredOccurrence, Exceptions, InvitationMethod, PersonalInvitation, build_invitation,
};
use askama::Template;
use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use rollcall_core::ical::TimeValue;
use rollcall_core::invitee::Invitee;
use rollcall_core::notice::{InvitationCause, InvitationKind, Notice, OutboxMessage};
use rollcall_core::outcome::PendingChange;
use rollcall_core::ports::{ComposedMail, Composer};
use rollcall_core::present::{series_text, when_text};
use rollcall_core::status::Channel;
use rollcall_core::tokens::{Purpose, TokenKey};
use rollcall_core::usecase::deliver::{occurrence_partstats, partstat};

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Public base URL, without a trailing slash: `https://rollcall.example`.
    pub base_url: String,
    /// Mail domain: `invites@<domain>` is the inbox, and Message-IDs end in it.
    pub domain: String,
    /// Derives each invitee's reply address, personal link and unsubscribe link.
    pub tokens: TokenKey,
    /// From of the organizer's notices (acknowledgements, confirmations); `invites@<domain>`
    /// when unset. Personal invitations always come from the invitee's reply address.
    pub sender: Option<String>,
}

/// What every notice template may show. Built from the outbox message; every field is
/// untrusted text from the organizer's mail except the URLs and addresses we make.
#[derive(Debug)]
struct NoticeView {
    title: String,
    when: String,
    /// How a series repeats, and its coming cancelled or moved dates.
    repeats: Option<String>,
    changes: Vec<String>,
    location: Option<String>,
    public_url: String,
    organizer_email: String,
    inbox_address: String,
    occurrence: Option<String>,
    /// The organizer's dashboard sign-in link (acknowledgements and requested sign-ins).
    sign_in_url: Option<String>,
    sign_in_expires: Option<String>,
    /// The page that mails a new sign-in link, for when this one has been used or expired.
    sign_in_page: String,
    /// The embeddable RSVP button (HTML, shown as text in the mail).
    button_html: String,
    /// An invitee's own page and unsubscribe link (the mail with their link).
    personal_url: Option<String>,
    unsubscribe_url: Option<String>,
}

/// The confirmation mail to the ORGANIZER of a message that needs their word (unauthenticated,
/// or from a delegate they have not allowed). Everything but the link, the inbox address and
/// the expiry comes from that message.
#[derive(Debug)]
struct ConfirmView {
    title: String,
    /// The organizer: the address the mail goes to and the message claims to act for.
    claimed_from: String,
    reason: String,
    /// The SENT-BY delegate who sent it, if one did.
    delegate: Option<String>,
    changes: Vec<ChangeView>,
    confirm_url: String,
    expires: String,
    inbox_address: String,
}

/// The mail to an organizer whose webhook endpoint was disabled.
#[derive(Debug)]
struct EndpointOffView {
    url: String,
    reason: String,
    endpoint_url: String,
    changes_url: String,
    organizer_email: String,
}

#[derive(Template)]
#[template(path = "webhook_disabled/subject.txt")]
struct EndpointOffSubject<'a> {
    v: &'a EndpointOffView,
}

#[derive(Template)]
#[template(path = "webhook_disabled/body.txt")]
struct EndpointOffText<'a> {
    v: &'a EndpointOffView,
}

#[derive(Template)]
#[template(path = "webhook_disabled/body.html")]
struct EndpointOffHtml<'a> {
    v: &'a EndpointOffView,
}

#[derive(Debug)]
struct ChangeView {
    /// Capitalized: `Create a new event`.
    would: String,
    title: String,
    when: String,
}

#[derive(Template)]
#[template(path = "confirm_sender/subject.txt")]
struct ConfirmSubject<'a> {
    v: &'a ConfirmView,
}

#[derive(Template)]
#[template(path = "confirm_sender/body.txt")]
struct ConfirmText<'a> {
    v: &'a ConfirmView,
}

#[derive(Template)]
#[template(path = "confirm_sender/body.html")]
struct ConfirmHtml<'a> {
    v: &'a ConfirmView,
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
    SignInSubject => "sign_in/subject.txt",
    SignInText => "sign_in/body.txt",
    SignInHtml => "sign_in/body.html",
    OwnLinkSubject => "own_link/subject.txt",
    OwnLinkText => "own_link/body.txt",
    OwnLinkHtml => "own_link/body.html",
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
        let sign_in = match &message.notice {
            Notice::EventCreated { sign_in } | Notice::SignIn { sign_in } => sign_in.as_ref(),
            _ => None,
        };
        let public_url = format!("{}/e/{}", self.settings.base_url, event.id);
        let series = series_text(&event.details, Exceptions::of(event), message.created_at);
        let (personal_url, unsubscribe_url) = match &message.notice {
            Notice::OwnLink { invitee } => {
                let (tokens, base) = (&self.settings.tokens, &self.settings.base_url);
                (
                    Some(format!(
                        "{base}/r/{}",
                        tokens.token(Purpose::Page, &invitee.id)
                    )),
                    Some(format!(
                        "{base}/u/{}",
                        tokens.token(Purpose::Unsubscribe, &invitee.id)
                    )),
                )
            }
            _ => (None, None),
        };
        NoticeView {
            personal_url,
            unsubscribe_url,
            sign_in_url: sign_in.map(|l| format!("{}/o/{}", self.settings.base_url, l.token)),
            sign_in_expires: sign_in
                .map(|l| l.expires_at.format("%H:%M UTC on %-d %B %Y").to_string()),
            sign_in_page: format!("{}/signin", self.settings.base_url),
            button_html: rollcall_core::present::rsvp_button_html(&public_url, event.title()),
            title: event.title().to_string(),
            when: when_text(event.details.start.as_ref(), event.details.end.as_ref()),
            repeats: series.as_ref().map(|s| s.repeats.clone()),
            changes: series.map(|s| s.changes).unwrap_or_default(),
            location: event.details.location.clone(),
            public_url,
            organizer_email: event.organizer_email.clone(),
            inbox_address: format!("invites@{}", self.settings.domain),
            occurrence,
        }
    }

    fn confirm_view(
        &self,
        message: &OutboxMessage,
        message_id: &str,
        (reason, delegate): (&str, Option<&str>),
        changes: &[PendingChange],
        expires_at: DateTime<Utc>,
    ) -> ConfirmView {
        let capitalized = |text: &str| {
            let mut chars = text.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        };
        ConfirmView {
            title: changes
                .first()
                .map_or_else(|| message.event.title().to_string(), |c| c.title.clone()),
            claimed_from: message.to.email.clone(),
            reason: reason.to_string(),
            delegate: delegate.map(str::to_string),
            changes: changes
                .iter()
                .map(|c| ChangeView {
                    would: capitalized(&c.would),
                    title: c.title.clone(),
                    when: c.when.clone(),
                })
                .collect(),
            confirm_url: format!(
                "{}/c/{}",
                self.settings.base_url,
                self.settings.tokens.confirm_token(message_id)
            ),
            expires: expires_at.format("%A %-d %B %Y, %H:%M UTC").to_string(),
            inbox_address: format!("invites@{}", self.settings.domain),
        }
    }

    fn render(&self, message: &OutboxMessage) -> Result<(String, String, String), askama::Error> {
        if let Notice::ConfirmSender {
            message_id,
            reason,
            delegate,
            changes,
            expires_at,
        } = &message.notice
        {
            let why = (reason.as_str(), delegate.as_deref());
            let v = &self.confirm_view(message, message_id, why, changes, *expires_at);
            return Ok((
                ConfirmSubject { v }.render()?,
                ConfirmText { v }.render()?,
                ConfirmHtml { v }.render()?,
            ));
        }
        if let Notice::WebhookDisabled {
            endpoint,
            url,
            reason,
        } = &message.notice
        {
            let base = &self.settings.base_url;
            let v = &EndpointOffView {
                url: url.clone(),
                reason: reason.clone(),
                endpoint_url: format!("{base}/api/v1/webhooks/{endpoint}"),
                changes_url: format!("{base}/api/v1/changes"),
                organizer_email: message.to.email.clone(),
            };
            return Ok((
                EndpointOffSubject { v }.render()?,
                EndpointOffText { v }.render()?,
                EndpointOffHtml { v }.render()?,
            ));
        }
        let v = &self.view(message);
        Ok(match message.notice {
            Notice::EventCreated { .. } => (
                CreatedSubject { v }.render()?,
                CreatedText { v }.render()?,
                CreatedHtml { v }.render()?,
            ),
            Notice::SignIn { .. } => (
                SignInSubject { v }.render()?,
                SignInText { v }.render()?,
                SignInHtml { v }.render()?,
            ),
            Notice::OwnLink { .. } => (
                OwnLinkSubject { v }.render()?,
                OwnLinkText { v }.render()?,
                OwnLinkHtml { v }.render()?,
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
            // Composed by `compose_invitation` and `confirm_view`; fan-out, attendee and
            // sign-in request jobs are never mail.
            Notice::Invitation { .. }
            | Notice::FanOut(_)
            | Notice::FanOutFrom { .. }
            | Notice::RecordAttendees(_)
            | Notice::SignInRequest { .. }
            | Notice::Dispatch { .. }
            | Notice::Webhook { .. }
            | Notice::WebhookDisabled { .. }
            | Notice::ConfirmSender { .. } => {
                return Err(askama::Error::Custom("not an organizer notice".into()));
            }
        })
    }
}

impl MailComposer {
    /// An invitee's personal calendar message, with their own reply address and links.
    fn compose_invitation(
        &self,
        message: &OutboxMessage,
        invitee: &Invitee,
        kind: InvitationKind,
        recurrence_id: Option<&TimeValue>,
        sequence: i64,
        cause: InvitationCause,
    ) -> ComposedMail {
        let tokens = &self.settings.tokens;
        let base = &self.settings.base_url;
        let reply_address = format!(
            "rsvp+{}@{}",
            tokens.token(Purpose::Reply, &invitee.id),
            self.settings.domain
        );
        let personal_url = format!("{base}/r/{}", tokens.token(Purpose::Page, &invitee.id));
        let unsubscribe_url = format!(
            "{base}/u/{}",
            tokens.token(Purpose::Unsubscribe, &invitee.id)
        );
        let message_id = format!("{}@{}", message.id, self.settings.domain);
        let event = &message.event;
        // An update of one occurrence carries the organizer's override for it, when there is one.
        let details = recurrence_id
            .map(TimeValue::to_contract_string)
            .and_then(|rid| {
                event.overrides.iter().find(|o| {
                    o.recurrence_id
                        .as_ref()
                        .map(TimeValue::to_contract_string)
                        .as_deref()
                        == Some(rid.as_str())
                })
            })
            .filter(|_| kind == InvitationKind::Request)
            .unwrap_or(&event.details);
        let partstat = partstat(invitee);
        let answered: Vec<AnsweredOccurrence> = occurrence_partstats(invitee, event)
            .into_iter()
            .map(|(recurrence_id, partstat)| AnsweredOccurrence {
                recurrence_id,
                partstat,
            })
            .collect();
        let invitation = PersonalInvitation {
            method: match kind {
                InvitationKind::Request => InvitationMethod::Request,
                InvitationKind::Cancel => InvitationMethod::Cancel,
            },
            uid: &invitee.uid,
            sequence,
            dtstamp: message.created_at,
            event: details,
            recurrence_id,
            exceptions: Exceptions::of(event),
            organizer_name: event
                .organizer_name
                .as_deref()
                .unwrap_or(&event.organizer_email),
            reply_address: &reply_address,
            invitee_email: &invitee.email,
            invitee_name: invitee.name.as_deref(),
            partstat: &partstat,
            answered: &answered,
            personal_url: &personal_url,
            unsubscribe_url: &unsubscribe_url,
            message_id: &message_id,
            added_by_organizer: invitee.joined_via == Channel::Api,
            answer_changed: cause == InvitationCause::AnswerChanged,
        };
        ComposedMail {
            outbox_id: message.id.clone(),
            raw: build_invitation(&invitation),
            from: reply_address,
            to: invitee.email.clone(),
            message_id,
        }
    }
}

impl Composer for MailComposer {
    fn compose(&self, message: &OutboxMessage) -> Result<ComposedMail, String> {
        match &message.notice {
            Notice::Invitation {
                invitee,
                method,
                recurrence_id,
                sequence,
                cause,
            } => {
                return Ok(self.compose_invitation(
                    message,
                    invitee,
                    *method,
                    recurrence_id.as_ref(),
                    *sequence,
                    *cause,
                ));
            }
            Notice::FanOut(_) | Notice::FanOutFrom { .. } => {
                return Err("a fan-out job is not mail".to_string());
            }
            Notice::RecordAttendees(_) => {
                return Err("an attendee job is not mail".to_string());
            }
            Notice::SignInRequest { .. } => {
                return Err("a sign-in request is not mail (its answer is)".to_string());
            }
            Notice::Dispatch { .. } | Notice::Webhook { .. } => {
                return Err("a dispatch of change records or a webhook is not mail".to_string());
            }
            _ => {}
        }
        let (subject, text, html) = self.render(message).map_err(|e| e.to_string())?;
        let from = self
            .settings
            .sender
            .clone()
            .unwrap_or_else(|| format!("invites@{}", self.settings.domain));
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
            .to(mailbox(&to_name, &message.to.email))
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
