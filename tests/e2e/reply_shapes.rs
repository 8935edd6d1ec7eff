//! Real clients' REPLY messages (from the corpus) mailed to an invitee's reply address: the
//! key says who answers, whatever the ATTENDEE line says.

use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::{invitations_to, rsvp};
use rollcall_tests::server::{Server, event_id, queue_id};
use rollcall_tests::{project_corpus, shared_corpus};

fn with_an_invitee() -> (Server, String, String) {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    rsvp(&server, &event, "Ann", "ann@example.org", "maybe");
    let reply_to = invitations_to(&server, "ann@example.org", 1)[0].reply_address();
    (server, event, reply_to)
}

fn outcome(server: &Server, reply_to: &str, raw: &[u8]) -> String {
    let reply = server
        .send("someone@example.com", &[reply_to], raw)
        .expect("accepted");
    server.outcome_of(&queue_id(&reply))
}

#[test]
fn apple_mails_reply_counts_for_the_keys_invitee_though_its_attendee_differs() {
    let (server, event, reply_to) = with_an_invitee();
    let raw = std::fs::read(project_corpus().join("apple/ccs-calendarserver__good_reply.eml"))
        .expect("fixture");
    assert_eq!(
        outcome(&server, &reply_to, &raw),
        format!("reply from ann@example.org for {event}: accepted")
    );
}

#[test]
fn a_reply_without_an_attendee_is_recorded_with_its_reason() {
    let (server, _, reply_to) = with_an_invitee();
    let raw = std::fs::read(
        project_corpus().join("apple/ccs-calendarserver__reply_missing_organizer.eml"),
    )
    .expect("fixture");
    assert_eq!(
        outcome(&server, &reply_to, &raw),
        "ignored: REPLY without an ATTENDEE answer (PARTSTAT)"
    );
}

#[test]
fn google_calendar_replies_count_when_the_shared_corpus_is_present() {
    let Some(corpus) = shared_corpus() else {
        eprintln!(
            "../shared/corpus is absent; Google's REPLY shapes (AGPL) are read only from there"
        );
        return;
    };
    let (server, event, reply_to) = with_an_invitee();
    for (file, answer) in [
        ("google/nylas__invite_w_rsvps2.ics", "tentative"),
        ("google/nylas__invite_w_rsvps3.ics", "accepted"),
    ] {
        let ics = std::fs::read_to_string(corpus.join(file)).expect("fixture");
        // Gmail sends the REPLY as a text/calendar part of a multipart/alternative message.
        let raw = format!(
            "From: guest@gmail.com\r\nTo: {reply_to}\r\nSubject: Invitation reply\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/alternative; boundary=g\r\n\r\n--g\r\nContent-Type: text/plain\r\n\r\nreply\r\n\
             --g\r\nContent-Type: text/calendar; charset=UTF-8; method=REPLY\r\n\r\n{ics}\r\n--g--\r\n"
        );
        assert_eq!(
            outcome(&server, &reply_to, raw.as_bytes()),
            format!("reply from ann@example.org for {event}: {answer}"),
            "{file}"
        );
    }
}

#[test]
fn a_counter_is_recorded_as_a_proposal_and_a_forged_key_changes_nothing() {
    let (server, event, reply_to) = with_an_invitee();
    let counter = "From: ann@example.org\r\nSubject: New time proposed\r\nContent-Type: text/calendar; method=COUNTER\r\n\r\n\
        BEGIN:VCALENDAR\r\nMETHOD:COUNTER\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20270101T000000Z\r\n\
        DTSTART:20370305T150000Z\r\nDTEND:20370305T160000Z\r\nCOMMENT:Afternoon suits me better\r\n\
        ATTENDEE;PARTSTAT=TENTATIVE:mailto:ann@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(
        outcome(&server, &reply_to, counter.as_bytes()),
        format!("reply from ann@example.org for {event}: proposed a new time")
    );
    let (local, domain) = reply_to.split_once('@').expect("address");
    let mut forged = local.to_string();
    let last = forged
        .pop()
        .map_or('a', |c| if c == 'a' { 'b' } else { 'a' });
    forged.push(last);
    let forged = format!("{forged}@{domain}");
    assert_eq!(
        outcome(&server, &forged, counter.as_bytes()),
        "ignored: reply address does not belong to any invitee"
    );
}
