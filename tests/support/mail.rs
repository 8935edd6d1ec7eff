//! Builders for the inbound mail the tests send.

/// One VEVENT's worth of changeable fields.
#[derive(Debug, Clone)]
pub struct Invite<'a> {
    pub method: &'a str,
    pub uid: &'a str,
    pub sequence: i64,
    pub dtstamp: &'a str,
    pub summary: &'a str,
    pub organizer: &'a str,
    pub from: &'a str,
    pub start: &'a str,
    /// `ORGANIZER;SENT-BY=`: who sends on the organizer's behalf.
    pub sent_by: Option<&'a str>,
    /// `RRULE:` of a series.
    pub rrule: Option<&'a str>,
    /// `RECURRENCE-ID` (Berlin wall time): the message is about this one occurrence.
    pub recurrence_id: Option<&'a str>,
}

impl Default for Invite<'_> {
    fn default() -> Self {
        Invite {
            method: "REQUEST",
            uid: "e2e-1@example.com",
            sequence: 0,
            dtstamp: "20270101T100000Z",
            summary: "Team lunch",
            organizer: "organizer@example.com",
            from: "organizer@example.com",
            start: "20370305T120000",
            sent_by: None,
            rrule: None,
            recurrence_id: None,
        }
    }
}

impl Invite<'_> {
    /// A single-part iMIP message, as Google sends updates and cancellations.
    pub fn to_mail(&self) -> Vec<u8> {
        let status = if self.method == "CANCEL" {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        format!(
            "From: Organizer <{from}>\r\nTo: invites@rollcall.test\r\nSubject: {method}: {summary}\r\n\
             Message-ID: <{uid}-{sequence}@example.com>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/calendar; charset=utf-8; method={method}\r\n\r\n\
             BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rollcall tests//EN\r\nMETHOD:{method}\r\n\
             BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:{sequence}\r\nDTSTAMP:{dtstamp}\r\n\
             DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT1H\r\n{recurrence}SUMMARY:{summary}\r\n\
             STATUS:{status}\r\nORGANIZER;CN=Organizer{sent_by}:mailto:{organizer}\r\n\
             ATTENDEE;RSVP=TRUE:mailto:invites@rollcall.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            from = self.from,
            method = self.method,
            summary = self.summary,
            uid = self.uid,
            sequence = self.sequence,
            dtstamp = self.dtstamp,
            start = self.start,
            organizer = self.organizer,
            recurrence = self
                .rrule
                .map(|r| format!("RRULE:{r}\r\n"))
                .into_iter()
                .chain(
                    self.recurrence_id
                        .map(|r| format!("RECURRENCE-ID;TZID=Europe/Berlin:{r}\r\n")),
                )
                .collect::<String>(),
            sent_by = self
                .sent_by
                .map(|s| format!(";SENT-BY=\"mailto:{s}\""))
                .unwrap_or_default(),
        )
        .into_bytes()
    }
}

/// What a receiving server sends back to the envelope sender (a personal invitation's reply
/// address) when `recipient` does not exist: a permanent failure, 5.1.1.
pub fn hard_bounce(reply_to: &str, recipient: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\nTo: {reply_to}\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n\
         --r\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: Invitation\r\n--r--\r\n"
    )
}
