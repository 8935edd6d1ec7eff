//! The public event page `/e/{event_id}`: what it shows, and what it never shows.

mod common;

use axum::http::{StatusCode, header};
use common::{ics, ics_with_times, site, site_with, unescape};
use rollcall_core::event::EventState;

#[tokio::test]
async fn the_page_shows_the_event_the_form_and_the_counts() {
    let site = site().await;
    let empty = site.get(&site.event_page()).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No answers yet."), "{}", empty.body);
    for (name, email, answer) in [
        ("Ann", "ann@example.com", "yes"),
        ("Bob", "bob@example.com", "yes"),
        ("Cy", "cy@example.com", "maybe"),
        ("Di", "di@example.com", "no"),
    ] {
        let reply = site.rsvp(name, email, answer).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    let page = site.get(&site.event_page()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.body;
    assert!(
        html.contains("<h1 dir=\"auto\">Spring party</h1>"),
        "{html}"
    );
    assert!(
        unescape(html).contains("2 going · 1 maybe · 1 can't go"),
        "{html}"
    );
    assert!(
        html.contains("Thursday 5 March 2037, 18:00–21:00 (Europe/Berlin)"),
        "{html}"
    );
    assert!(
        html.contains("<time datetime=\"2037-03-05T17:00:00Z\" data-end=\"2037-03-05T20:00:00Z\">"),
        "{html}"
    );
    assert!(html.contains("Community hall"));
    assert!(html.contains("Olga Organizer"));
    assert!(
        !html.contains("olga@example.org"),
        "the organizer's address is never published"
    );
    assert!(html.contains(&format!("action=\"/e/{}/rsvp\"", site.event)));
    assert!(html.contains("name=\"form_token\""));
    assert!(html.contains("<legend>Your answer</legend>"));
    assert!(html.contains("<label for=\"rsvp-email\">"));
    assert!(html.contains("<script src=\"/assets/local-time.js\" defer></script>"));
    assert_eq!(page.header(header::CACHE_CONTROL), "no-store");
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
}

#[tokio::test]
async fn each_view_hands_out_a_fresh_form_token() {
    let site = site().await;
    let first = common::hidden_token(&site.get(&site.event_page()).await.body);
    let second = common::hidden_token(&site.get(&site.event_page()).await.body);
    assert_ne!(first, second);
}

#[tokio::test]
async fn the_page_links_to_web_calendars_and_the_ics_file() {
    let site = site().await;
    let html = unescape(&site.get(&site.event_page()).await.body);
    assert!(
        html.contains(
            "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Spring%20party\
         &dates=20370305T170000Z%2F20370305T200000Z&details=Bring%20snacks."
        ),
        "{html}"
    );
    assert!(html.contains("https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent&subject=Spring%20party&startdt=2037-03-05T17%3A00%3A00Z&enddt=2037-03-05T20%3A00%3A00Z"), "{html}");
    assert!(html.contains("https://outlook.office.com/calendar/0/deeplink/compose?"));
    assert!(html.contains("https://calendar.yahoo.com/?v=60&title=Spring%20party&st=20370305T170000Z&et=20370305T200000Z"), "{html}");
    assert!(html.contains("location=Community%20hall"));
    assert!(html.contains(&format!("href=\"/e/{}.ics\"", site.event)));
}

#[tokio::test]
async fn all_day_and_floating_events_get_date_and_wall_clock_links() {
    let all_day = ics_with_times(
        "Retreat",
        "",
        "Lake",
        "DTSTART;VALUE=DATE:20370305\r\nDTEND;VALUE=DATE:20370307",
    );
    let html = site_with(&all_day, EventState::Active).await;
    let html = unescape(&html.get(&html.event_page()).await.body);
    assert!(html.contains("dates=20370305%2F20370307"), "{html}");
    assert!(
        html.contains("startdt=2037-03-05&enddt=2037-03-07"),
        "{html}"
    );
    assert!(html.contains("allday=true"));
    assert!(html.contains("st=20370305&et=20370306"), "{html}");
    assert!(
        !html.contains("<time datetime"),
        "a date is the same day everywhere"
    );

    let floating = ics_with_times(
        "Call",
        "",
        "Phone",
        "DTSTART:20370305T180000\r\nDTEND:20370305T190000",
    );
    let site = site_with(&floating, EventState::Active).await;
    let html = unescape(&site.get(&site.event_page()).await.body);
    assert!(
        html.contains("dates=20370305T180000%2F20370305T190000&"),
        "{html}"
    );
    assert!(html.contains("same clock time"), "{html}");
    assert!(!html.contains("<time datetime"), "no instant to convert");
}

#[tokio::test]
async fn a_cancelled_event_shows_no_form_and_refuses_answers_with_409() {
    let site = site_with(&ics("Spring party", "", "Hall"), EventState::Cancelled).await;
    let page = site.get(&site.event_page()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This event has been cancelled"));
    assert!(!page.body.contains("<form"), "{}", page.body);
    assert!(!page.body.contains("calendar.google.com"));

    let body = common::form(&[
        ("name", "Ann"),
        ("email", "ann@example.com"),
        ("answer", "yes"),
        ("form_token", &site.rsvp_token(chrono::Duration::minutes(1))),
    ]);
    let reply = site.post(&site.rsvp_action(), &body).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body.contains("cancelled"));
    assert!(site.snapshot().await.invitees.is_empty());
}

#[tokio::test]
async fn a_past_event_says_it_is_over_shows_no_form_and_refuses_answers_with_409() {
    // Its last (and only) occurrence ended in 2020.
    let past = ics_with_times(
        "Spring party",
        "",
        "Hall",
        "DTSTART:20200305T170000Z\r\nDTEND:20200305T200000Z",
    );
    let site = site_with(&past, EventState::Active).await;
    let page = site.get(&site.event_page()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("This event is over; it takes no more answers."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<dd class=\"status\">Over</dd>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<form"), "{}", page.body);

    let body = common::form(&[
        ("name", "Ann"),
        ("email", "ann@example.com"),
        ("answer", "yes"),
        ("form_token", &site.rsvp_token(chrono::Duration::minutes(1))),
    ]);
    let reply = site.post(&site.rsvp_action(), &body).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.body.contains("This event is over"), "{}", reply.body);
    assert!(site.snapshot().await.invitees.is_empty());

    // A weekly series that ends in 2037 still takes answers today.
    let series = ics_with_times(
        "Spring party",
        "",
        "Hall",
        "DTSTART:20200305T170000Z\r\nDTEND:20200305T200000Z\r\nRRULE:FREQ=WEEKLY;UNTIL=20370305T170000Z",
    );
    let site = site_with(&series, EventState::Active).await;
    let page = site.get(&site.event_page()).await;
    assert!(page.body.contains("<form"), "{}", page.body);
    assert!(!page.body.contains("This event is over"), "{}", page.body);
}

#[tokio::test]
async fn the_meeting_link_and_free_busy_are_on_the_page() {
    let calendar = ics_with_times(
        "Spring party",
        "",
        "Hall",
        "DTSTART;TZID=Europe/Berlin:20370305T180000\r\nDTEND;TZID=Europe/Berlin:20370305T210000\r\n\
         TRANSP:TRANSPARENT\r\nX-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij?a=1&b=2",
    );
    let site = site_with(&calendar, EventState::Active).await;
    let page = site.get(&site.event_page()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "<dt>Online</dt><dd><a class=\"meeting-link\" href=\"https://meet.google.com/abc-defg-hij?a=1&#38;b=2\" rel=\"nofollow noopener noreferrer\">"
        ) || page.body.contains(
            "<dt>Online</dt><dd><a class=\"meeting-link\" href=\"https://meet.google.com/abc-defg-hij?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("Shown as free"), "{}", page.body);
}

#[tokio::test]
async fn hostile_event_text_is_escaped_and_neutralized() {
    let calendar = ics(
        "<script>alert(1)</script>\u{202E}gpj.exe",
        "Click javascript:alert(2) or <a href=\"javascript:alert(3)\">here</a>\\nReal: https://example.org/ok?a=1&b=2.",
        "<img src=x onerror=alert(4)>",
    );
    let site = site_with(&calendar, EventState::Active).await;
    let page = site.get(&site.event_page()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.body;
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only our own script: {html}"
    );
    assert!(
        unescape(html).contains("<script>alert(1)</script>gpj.exe"),
        "shown as text"
    );
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<a href=\"javascript"), "{html}");
    assert!(!html.contains("href=\"javascript"), "{html}");
    assert!(!html.contains('\u{202E}'), "the override is removed");
    assert!(
        html.contains(
            "<a href=\"https://example.org/ok?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">"
        ),
        "{html}"
    );
    assert!(html.contains("javascript:alert(2)"), "kept as text");
}

#[tokio::test]
async fn unknown_or_malformed_event_ids_are_404() {
    let site = site().await;
    for path in ["/e/AAAAAAAAAAAA", "/e/short", "/e/%3Cscript%3E", "/nowhere"] {
        let reply = site.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.body.contains("Not found"));
    }
}

#[tokio::test]
async fn the_local_time_script_and_stylesheet_are_served_by_us() {
    let site = site().await;
    let script = site.get("/assets/local-time.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script
            .header(header::CONTENT_TYPE)
            .starts_with("text/javascript")
    );
    assert!(script.body.contains("Intl.DateTimeFormat"));
    assert!(script.body.contains("Your time:"));
    assert!(!script.body.contains("innerHTML"));
    let css = site.get("/assets/site.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.body.contains(":focus-visible"));
}

#[tokio::test]
async fn the_ics_file_is_a_publish_calendar_that_reads_back() {
    let site = site().await;
    let reply = site.get(&format!("{}.ics", site.event_page())).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header(header::CONTENT_TYPE)
            .starts_with("text/calendar")
    );
    let calendars = rollcall_core::ical::read_calendars(
        reply.body.as_bytes(),
        &rollcall_core::Limits::default(),
    )
    .expect("the download parses");
    let event = &calendars[0].events[0];
    assert_eq!(
        calendars[0].method.as_ref().map(|m| m.as_str()),
        Some("PUBLISH")
    );
    assert!(
        event.organizer.is_none() && event.attendees.is_empty(),
        "nothing to answer to"
    );
    assert!(
        event
            .url
            .as_deref()
            .is_some_and(|u| u.ends_with(&site.event_page())),
        "{:?}",
        event.url
    );
    assert_eq!(
        site.get("/e/AAAAAAAAAAAA.ics").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn text_that_imitates_the_token_slot_neither_gets_the_token_nor_breaks_the_form() {
    let site = site_with(
        &ics("<rollcall-form-token> party", "", ""),
        EventState::Active,
    )
    .await;
    for _ in 0..2 {
        // The second view comes from the page cache.
        let page = site.get(&site.event_page()).await;
        assert!(
            page.body.contains("&#60;rollcall-form-token&#62; party"),
            "{}",
            page.body
        );
        let token = common::hidden_token(&page.body);
        assert!(
            token.split('.').count() == 3,
            "a real form token in the form: {token}"
        );
        assert!(!page.body.contains("<rollcall-form-token>"));
    }
}
