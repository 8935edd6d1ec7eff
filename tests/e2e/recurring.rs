//! A weekly series end to end: the organizer cancels one occurrence and moves another, then a
//! guest answers late. Their calendar copy, the public `.ics` and the page must all show the
//! series as the organizer's calendar does; replies count for the version they answer.

use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::{Received, invitations_to, reply_to_version, rsvp};
use rollcall_tests::server::{Server, event_id, queue_id};

/// Mails a REPLY from Ann's calendar for `sequence` (and one occurrence) and returns the outcome.
fn ann_replies(
    server: &Server,
    copy: &Received,
    partstat: &str,
    sequence: i64,
    occurrence: Option<&str>,
) -> String {
    let raw = reply_to_version(
        copy,
        "ann@example.org",
        partstat,
        "20370102T100000Z",
        sequence,
        occurrence,
    );
    let reply = server
        .send("ann@example.org", &[&copy.reply_address()], &raw)
        .expect("accepted");
    server.outcome_of(&queue_id(&reply))
}

/// Tuesdays at 10:00 Berlin time, six times from 3 March 2037.
fn weekly<'a>() -> Invite<'a> {
    Invite {
        uid: "weekly-1@example.com",
        summary: "Weekly sync",
        start: "20370303T100000",
        rrule: Some("FREQ=WEEKLY;COUNT=6;BYDAY=TU"),
        ..Invite::default()
    }
}

#[test]
fn a_late_rsvp_gets_the_series_with_its_cancelled_and_moved_occurrences() {
    let server = Server::start();
    let event = event_id(&server.deliver(&weekly().to_mail()));

    // Ann answers before anything changes; her copy is the plain series.
    rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let ann = invitations_to(&server, "ann@example.org", 1);
    assert_eq!(ann[0].read.events().count(), 1);

    // The organizer cancels 10 March and moves 17 March to Wednesday 18 March, 15:00.
    let cancel = Invite {
        method: "CANCEL",
        sequence: 1,
        dtstamp: "20370101T100000Z",
        start: "20370310T100000",
        rrule: None,
        recurrence_id: Some("20370310T100000"),
        ..weekly()
    };
    assert!(
        server.deliver(&cancel.to_mail()).contains("cancelled"),
        "{:?}",
        server.inbox()
    );
    let moved = Invite {
        sequence: 1,
        dtstamp: "20370101T110000Z",
        start: "20370318T150000",
        rrule: None,
        recurrence_id: Some("20370317T100000"),
        ..weekly()
    };
    server.deliver(&moved.to_mail());
    // Ann's calendar hears of both, one occurrence at a time.
    let ann = invitations_to(&server, "ann@example.org", 3);
    assert_eq!(
        ann.len(),
        3,
        "the invitation, the cancellation and the move"
    );

    // Bob answers late: his one copy already leaves 10 March out and has 17 March moved.
    rsvp(&server, &event, "Bob", "bob@example.org", "yes");
    let bob = invitations_to(&server, "bob@example.org", 1);
    assert_eq!(bob.len(), 1);
    let events: Vec<_> = bob[0].read.events().map(|(_, e)| e.clone()).collect();
    assert_eq!(events.len(), 2, "the series and one override: {events:?}");
    let series = &events[0];
    assert_eq!(
        series.rrule.as_deref(),
        Some("FREQ=WEEKLY;COUNT=6;BYDAY=TU")
    );
    let exdates: Vec<String> = series
        .exdates
        .iter()
        .map(|t| t.to_contract_string())
        .collect();
    assert_eq!(exdates, ["2037-03-10T09:00:00Z"]);
    let override_ = &events[1];
    assert_eq!(
        override_
            .recurrence_id
            .as_ref()
            .map(|t| t.to_contract_string()),
        Some("2037-03-17T09:00:00Z".to_string())
    );
    assert_eq!(
        override_.start.as_ref().map(|t| t.to_contract_string()),
        Some("2037-03-18T14:00:00Z".to_string())
    );
    assert_eq!(override_.uid, series.uid);
    let text = String::from_utf8_lossy(&bob[0].raw).replace("=\r\n", "");
    assert!(
        text.contains("every Tuesday, 6 times, from Tuesday 3 March 2037"),
        "{text}"
    );

    // The public .ics says the same.
    let (status, _, ics) = server.get(&format!("/e/{event}.ics")).expect("ics");
    assert_eq!(status, 200);
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("EXDATE;TZID=Europe/Berlin:20370310T100000"),
        "{ics}"
    );
    assert!(
        unfolded.contains("RECURRENCE-ID;TZID=Europe/Berlin:20370317T100000"),
        "{ics}"
    );

    // And the page lists the coming dates with the changes marked.
    let page = server.page_containing(&format!("/e/{event}"), "moved to");
    assert!(page.contains("every Tuesday, 6 times"), "{page}");
    assert!(page.contains("Tuesday 10 March 2037: cancelled"), "{page}");
    assert!(
        page.contains("Tuesday 17 March 2037: moved to Wednesday 18 March 2037, 15:00–16:00"),
        "{page}"
    );
    assert!(
        page.contains("recur=RRULE"),
        "the Google link carries the rule"
    );
}

#[test]
fn an_accept_of_the_old_time_after_a_move_does_not_count_for_the_new_one() {
    let server = Server::start();
    let event = event_id(&server.deliver(&weekly().to_mail()));
    rsvp(&server, &event, "Ann", "ann@example.org", "maybe");
    let first = invitations_to(&server, "ann@example.org", 1).remove(0);
    let moved = Invite {
        sequence: 1,
        dtstamp: "20370101T100000Z",
        start: "20370303T160000",
        ..weekly()
    };
    server.deliver(&moved.to_mail());
    let copies = invitations_to(&server, "ann@example.org", 2);
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[1].event().sequence, 2);

    // Her calendar answers the copy it had: SEQUENCE 1, the old time.
    assert_eq!(
        ann_replies(&server, &first, "ACCEPTED", 1, None),
        format!(
            "reply from ann@example.org for {event}: accepted (an earlier version; not counted)"
        )
    );
    let path = format!("/r/{}", personal_token(&copies[1]));
    let page = server.page_containing(&path, "answered an earlier version");
    assert!(page.contains("answered an earlier version"), "{page}");
    assert!(page.contains("Please answer again."), "still asked: {page}");
    // The move is the organizer's calendar's doing, and its mail is an update, not a no-op.
    let page = server.page_containing(&path, "update sent");
    assert!(
        page.contains("calendar</td><td>the organizer changed the time</td>"),
        "{page}"
    );
    assert!(
        page.contains("<td>update sent</td><td>recorded</td>"),
        "{page}"
    );
    assert!(!page.contains("the API"), "{page}");
    // The answer to the new version counts.
    assert_eq!(
        ann_replies(&server, &copies[1], "ACCEPTED", 2, None),
        format!("reply from ann@example.org for {event}: accepted")
    );
}

#[test]
fn an_answer_for_one_date_counts_for_that_date_and_every_copy_shows_both_answers() {
    let server = Server::start();
    let event = event_id(&server.deliver(&weekly().to_mail()));
    rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    rsvp(&server, &event, "Bob", "bob@example.org", "yes");
    let first = invitations_to(&server, "ann@example.org", 1).remove(0);

    // Outlook's "this event only": Ann declines 10 March from her calendar.
    let tenth = "2037-03-10T09:00:00Z";
    assert_eq!(
        ann_replies(&server, &first, "DECLINED", 1, Some("20370310T100000")),
        format!("reply from ann@example.org for {event}: declined (for {tenth} only)")
    );
    // A date the series does not have is kept in the history and counts nowhere.
    assert!(
        ann_replies(&server, &first, "DECLINED", 1, Some("20370311T100000"))
            .contains("(one occurrence; not counted)")
    );

    // The organizer's numbers: the series still has two yeses, 10 March one yes and one no.
    let token = server.api_token(rollcall_tests::mail::Invite::default().organizer);
    let report =
        |query: &str| server.api_get(&token, &format!("/api/v1/events/{event}/report{query}"));
    let series = report("");
    assert_eq!(series["counts"]["response"]["accepted"], 2, "{series}");
    assert_eq!(series["counts"]["response"]["declined"], 0);
    let that_day = report(&format!("?occurrence={tenth}"));
    assert_eq!(that_day["occurrence"], tenth);
    assert_eq!(that_day["counts"]["response"]["accepted"], 1, "{that_day}");
    assert_eq!(that_day["counts"]["response"]["declined"], 1);
    let answered = that_day["funnel"]
        .as_array()
        .and_then(|f| f.iter().find(|s| s["stage"] == "answered"))
        .map(|s| s["count"].clone());
    assert_eq!(answered, Some(2.into()));
    let by_channel = &that_day["by_channel"];
    assert_eq!(by_channel.as_array().map(Vec::len), Some(2), "{by_channel}");
    let invitees = server.api_get(
        &token,
        &format!("/api/v1/events/{event}/invitees?occurrence={tenth}&response=declined"),
    );
    assert_eq!(invitees["total"], 1, "{invitees}");
    assert_eq!(invitees["invitees"][0]["email"], "ann@example.org");
    assert_eq!(invitees["invitees"][0]["status"]["response"], "accepted");
    assert_eq!(invitees["invitees"][0]["occurrence"]["own"], true);
    let auth = format!("Bearer {token}");
    let (status, _, csv) = server
        .request(
            "GET",
            &format!("/api/v1/events/{event}/export/invitees.csv?occurrence={tenth}"),
            &[],
            &[("Authorization", &auth)],
        )
        .expect("export");
    assert_eq!(status, 200);
    let ann_row = csv.lines().find(|l| l.contains("ann@example.org"));
    assert!(ann_row.is_some_and(|r| r.contains(",declined,")), "{csv}");
    let (status, _, refused) = server
        .request(
            "GET",
            &format!("/api/v1/events/{event}/report?occurrence=2037-03-11T09:00:00Z"),
            &[],
            &[("Authorization", &auth)],
        )
        .expect("report");
    assert_eq!(status, 400, "{refused}");

    // Her page shows each date's answer and answers one date on its own.
    let path = format!("/r/{}", personal_token(&first));
    let page = server.page_containing(&path, "Your answer for each date");
    assert!(page.contains("You said yes: you are going."), "{page}");
    assert!(page.contains("You said no for this date"), "{page}");
    let seventeenth = "2037-03-17T09:00:00Z";
    let marker = format!("data-occurrence=\"{seventeenth}\"");
    let row = &page[page.find(&marker).expect("17 March is listed")..];
    let form_token = rollcall_tests::rsvp::form_token(row);
    let (status, _, body) = server
        .post_form(
            &path,
            &[
                ("form_token", &form_token),
                ("answer", "maybe"),
                ("occurrence", seventeenth),
            ],
        )
        .expect("posted");
    assert_eq!(status, 303, "{body}");

    // Her calendar copy follows: the series (yes) with both dates' own answers as overrides.
    let copies = invitations_to(&server, "ann@example.org", 2);
    let copy = copies.last().expect("a fresh copy");
    let answers: Vec<(String, String)> = copy
        .read
        .events()
        .map(|(_, e)| {
            (
                e.recurrence_id
                    .as_ref()
                    .map(|r| r.to_contract_string())
                    .unwrap_or_default(),
                e.attendees[0].partstat.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            (String::new(), "ACCEPTED".to_string()),
            (tenth.to_string(), "DECLINED".to_string()),
            (seventeenth.to_string(), "TENTATIVE".to_string()),
        ]
    );
    assert!(copy.event().sequence > first.event().sequence);

    // A date that is not one of the series' is refused with a page that says why.
    let page = server.page_containing(&path, "Your answer for each date");
    let form_token = rollcall_tests::rsvp::form_token(&page);
    let (status, _, body) = server
        .post_form(
            &path,
            &[
                ("form_token", &form_token),
                ("answer", "no"),
                ("occurrence", "2037-03-11T09:00:00Z"),
            ],
        )
        .expect("posted");
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("That date cannot be answered"), "{body}");
}

fn personal_token(copy: &Received) -> String {
    rollcall_tests::rsvp::personal_page(&copy.raw)
        .and_then(|p| p.strip_prefix("/r/").map(str::to_string))
        .expect("a personal page link")
}
