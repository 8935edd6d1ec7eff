//! Helpers for the RSVP loop: answering on the web page, reading personal invitations from
//! the outbox, and building calendar-client replies.

use crate::server::{Server, header};
use rollcall_core::Limits;
use rollcall_core::ical::CalendarEvent;
use rollcall_core::imip::{ReadMessage, read_message};

/// The hidden form token in a page.
pub fn form_token(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("page has a form token") + marker.len();
    let end = html[start..].find('"').expect("token ends") + start;
    html[start..end].to_string()
}

/// Answers on the public page like a browser: load it, post the form. Returns the response,
/// which never names the invitee's own page.
pub fn post_rsvp(
    server: &Server,
    event_id: &str,
    name: &str,
    email: &str,
    answer: &str,
) -> crate::server::Response {
    let page = server.get(&format!("/e/{event_id}")).expect("event page");
    assert_eq!(page.0, 200, "{}", page.2);
    let token = form_token(&page.2);
    server
        .post_form(
            &format!("/e/{event_id}/rsvp"),
            &[
                ("form_token", &token),
                ("name", name),
                ("email", email),
                ("answer", answer),
            ],
        )
        .expect("rsvp post")
}

/// A new address answers on the public page: the page says "check your email", and the
/// personal invitation that arrives carries the invitee's own page. Returns that page's path.
pub fn rsvp(server: &Server, event_id: &str, name: &str, email: &str, answer: &str) -> String {
    let reply = post_rsvp(server, event_id, name, email, answer);
    assert_eq!(reply.0, 200, "{}", reply.2);
    assert!(reply.2.contains("Check your email"), "{}", reply.2);
    assert!(header(&reply, "location").is_none(), "no redirect");
    let invitation = invitations_to(server, email, 1);
    let first = invitation.first().expect("the personal invitation arrives");
    personal_page(&first.raw).expect("the invitation links the invitee's page")
}

/// The `/r/<token>` path in a message's text.
pub fn personal_page(raw: &[u8]) -> Option<String> {
    let mail = mail_parser::MessageParser::new().parse(raw)?;
    let text = mail.body_text(0)?;
    let start = text.find("/r/")?;
    let token: String = text[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-' || *c == '_')
        .collect();
    Some(format!("/r/{token}"))
}

/// A personal invitation (or update, or cancellation) from the outbox, read back.
#[derive(Debug)]
pub struct Received {
    pub file: String,
    pub raw: Vec<u8>,
    pub read: ReadMessage,
}

impl Received {
    pub fn event(&self) -> &CalendarEvent {
        self.read
            .events()
            .next()
            .map(|(_, e)| e)
            .expect("one event")
    }

    pub fn method(&self) -> &str {
        self.read
            .events()
            .next()
            .and_then(|(m, _)| m)
            .map_or("", |m| m.as_str())
    }

    /// `rsvp+<key>@<domain>`: where the invitee's calendar will reply.
    pub fn reply_address(&self) -> String {
        self.event()
            .organizer
            .as_ref()
            .and_then(|o| o.email.clone())
            .expect("organizer address")
    }

    pub fn partstat(&self) -> String {
        self.event().attendees[0]
            .partstat
            .clone()
            .unwrap_or_default()
    }
}

/// Every outbox message addressed to `to` that carries a calendar, in outbox order.
pub fn invitations_to(server: &Server, to: &str, at_least: usize) -> Vec<Received> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let found: Vec<Received> = server
            .outbox(0)
            .into_iter()
            .filter_map(|(file, raw)| {
                let read = read_message(&raw, &Limits::default()).ok()?;
                let addressed = mail_parser::MessageParser::new()
                    .parse(&raw)?
                    .to()?
                    .first()?
                    .address()?
                    .eq_ignore_ascii_case(to);
                addressed.then_some(Received { file, raw, read })
            })
            .collect();
        if found.len() >= at_least || std::time::Instant::now() > deadline {
            let mut found = found;
            found.sort_by_key(|r| r.event().sequence);
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// An iTIP REPLY as Outlook sends it: single text/calendar part, one ATTENDEE with the answer.
pub fn outlook_reply(invitation: &Received, from: &str, partstat: &str, dtstamp: &str) -> Vec<u8> {
    reply_to_version(
        invitation,
        from,
        partstat,
        dtstamp,
        invitation.event().sequence,
        None,
    )
}

/// The same REPLY for a chosen version (SEQUENCE) and, with `recurrence_id` (a Berlin wall
/// time, `20370317T100000`), for one occurrence only: Outlook's "this event only".
pub fn reply_to_version(
    invitation: &Received,
    from: &str,
    partstat: &str,
    dtstamp: &str,
    sequence: i64,
    recurrence_id: Option<&str>,
) -> Vec<u8> {
    let event = invitation.event();
    let uid = event.uid.clone().unwrap_or_default();
    format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {word}: invitation\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n\r\n\
         BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n\
         BEGIN:VEVENT\r\nATTENDEE;PARTSTAT={partstat};CN=Guest:mailto:{from}\r\nUID:{uid}\r\n\
         {occurrence}SEQUENCE:{sequence}\r\nDTSTAMP:{dtstamp}\r\nCOMMENT:Sent from my calendar\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        to = invitation.reply_address(),
        word = if partstat == "ACCEPTED" { "Accepted" } else { "Declined" },
        occurrence = recurrence_id
            .map(|r| format!("RECURRENCE-ID;TZID=Europe/Berlin:{r}\r\n"))
            .unwrap_or_default(),
    )
    .into_bytes()
}
