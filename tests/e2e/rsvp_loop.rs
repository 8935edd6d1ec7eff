//! The RSVP loop end to end: web RSVP → personal invitation → the invitee's calendar replies →
//! the organizer changes and cancels → every invitee's calendar follows; unsubscribed
//! addresses get nothing further.

use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::{invitations_to, outlook_reply, rsvp};
use rollcall_tests::server::{Server, event_id, queue_id};

#[test]
fn an_rsvp_becomes_an_invitation_whose_reply_and_the_organizers_changes_go_round() {
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));

    // Ann answers on the web and gets her own calendar invitation.
    let ann_page = rsvp(&server, &event, "Ann", "Ann@Example.org", "yes");
    let first = invitations_to(&server, "ann@example.org", 1);
    assert_eq!(first.len(), 1);
    let invitation = &first[0];
    assert_eq!(invitation.method(), "REQUEST");
    assert_eq!(invitation.event().sequence, 1);
    assert_eq!(invitation.partstat(), "ACCEPTED");
    let uid = invitation.event().uid.clone().expect("uid");
    let reply_to = invitation.reply_address();
    assert!(
        reply_to.starts_with("rsvp+") && reply_to.ends_with("@rollcall.test"),
        "{reply_to}"
    );
    let from = invitation.read.from.as_ref().map(|m| m.email.clone());
    assert_eq!(
        from.as_deref(),
        Some(reply_to.as_str()),
        "From must equal ORGANIZER for Gmail"
    );
    let page = server.get(&ann_page).expect("page").2;
    assert!(page.contains("Ann"), "{page}");

    // Her calendar declines: the REPLY to her reply address becomes her answer.
    let declined = outlook_reply(
        invitation,
        "ann@example.org",
        "DECLINED",
        "20991231T000000Z",
    );
    let reply = server
        .send("ann@example.org", &[&reply_to], &declined)
        .expect("accepted");
    let outcome = server.outcome_of(&queue_id(&reply));
    assert_eq!(
        outcome,
        format!("reply from ann@example.org for {event}: declined")
    );
    let page = server.get(&ann_page).expect("page").2;
    assert!(
        page.contains("your calendar") && page.contains("answered no"),
        "history shows the reply: {page}"
    );

    // Bob answers too, then unsubscribes with the one-click POST from the mail header.
    let _bob_page = rsvp(&server, &event, "Bob", "bob@example.org", "maybe");
    let bob = invitations_to(&server, "bob@example.org", 1);
    let unsubscribe = list_unsubscribe(&bob[0].raw);
    let path = unsubscribe
        .split_once("/u/")
        .map(|(_, t)| format!("/u/{t}"))
        .expect("unsubscribe path");
    let done = server
        .post_form(&path, &[("List-Unsubscribe", "One-Click")])
        .expect("one-click");
    assert_eq!(done.0, 200, "{}", done.2);

    // The organizer moves the meeting: Ann's calendar gets her update, asking her to confirm.
    let moved = Invite {
        sequence: 1,
        dtstamp: "20270102T100000Z",
        start: "20370306T150000",
        ..Invite::default()
    };
    assert_eq!(
        server.deliver(&moved.to_mail()),
        format!("updated {event} to sequence 1")
    );
    let ann = invitations_to(&server, "ann@example.org", 2);
    assert_eq!(ann.len(), 2, "one invitation and one update");
    let update = &ann[1];
    assert_eq!(
        (
            update.method(),
            update.event().uid.as_deref(),
            update.event().sequence
        ),
        ("REQUEST", Some(uid.as_str()), 2)
    );
    assert_eq!(
        update.partstat(),
        "NEEDS-ACTION",
        "a new time asks for a new answer"
    );
    assert_eq!(
        update
            .event()
            .start
            .as_ref()
            .map(|s| s.to_contract_string())
            .as_deref(),
        Some("2037-03-06T14:00:00Z")
    );

    // The organizer cancels: Ann's calendar gets a CANCEL with a higher SEQUENCE; Bob nothing.
    let cancel = Invite {
        method: "CANCEL",
        sequence: 2,
        dtstamp: "20270103T100000Z",
        ..Invite::default()
    };
    assert_eq!(
        server.deliver(&cancel.to_mail()),
        format!("cancelled {event}")
    );
    let ann = invitations_to(&server, "ann@example.org", 3);
    let last = ann.last().expect("cancellation");
    assert_eq!(
        (
            last.method(),
            last.event().uid.as_deref(),
            last.event().sequence
        ),
        ("CANCEL", Some(uid.as_str()), 3)
    );
    assert_eq!(last.event().status.as_deref(), Some("CANCELLED"));
    assert_eq!(
        invitations_to(&server, "bob@example.org", 1).len(),
        1,
        "unsubscribed: nothing after the first"
    );

    // A reply after the cancellation changes nothing, with its reason.
    let late = outlook_reply(
        invitation,
        "ann@example.org",
        "ACCEPTED",
        "21000101T000000Z",
    );
    let reply = server
        .send("ann@example.org", &[&reply_to], &late)
        .expect("accepted");
    assert_eq!(
        server.outcome_of(&queue_id(&reply)),
        format!("ignored: event {event} is cancelled; the reply changes nothing")
    );
}

fn list_unsubscribe(raw: &[u8]) -> String {
    let message = mail_parser::MessageParser::new().parse(raw).expect("mail");
    let value = message
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe header");
    assert_eq!(
        message.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    value
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_string()
}
