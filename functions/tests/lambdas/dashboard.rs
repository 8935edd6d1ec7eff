//! The dashboard on AWS: the acknowledgement that SES sent carries a sign-in link; the `api`
//! function (the same router) signs the organizer in and answers the report from DynamoDB.

use crate::support::{World, form_token, header, invitation, run_batch};
use mail_parser::MessageParser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_acknowledgement_signs_the_organizer_in_to_the_report_on_dynamodb() {
    let world = World::new().await;
    let uid = format!("dash-{}@google.com", world.bed.table);
    world
        .mail_arrives(
            &invitation(&world, &uid, "Board dinner"),
            &[&world.invites()],
            "PASS",
        )
        .await;
    let inbound = std::sync::Arc::new(world.inbound().await);
    run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;
    let worker = std::sync::Arc::new(world.worker().await);
    run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;

    let acks = world.sent_containing(&["grace@example.com", "Board dinner"]);
    assert_eq!(acks.len(), 1, "one acknowledgement");
    let ack = MessageParser::new()
        .parse(acks[0].as_bytes())
        .expect("a readable acknowledgement");
    let text = ack.body_text(0).expect("a text part").to_string();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/o/"))
        .expect("a sign-in link in the acknowledgement");
    let path = &link[link.find("/o/").expect("path")..];

    let page = world.http("GET", path, None).await;
    assert_eq!(page["statusCode"], 200, "{page}");
    let html = page["body"].as_str().expect("html");
    assert!(html.contains("Continue to your dashboard"), "{html}");
    let posted = world
        .http(
            "POST",
            path,
            Some(&format!("form_token={}", form_token(html))),
        )
        .await;
    assert_eq!(posted["statusCode"], 303, "{posted}");
    assert_eq!(header(&posted, "location"), Some("/app/"));
    // API Gateway v2 answers cookies in their own list.
    let set_cookie = posted["cookies"][0]
        .as_str()
        .map(str::to_string)
        .or_else(|| header(&posted, "set-cookie").map(str::to_string))
        .expect("a session cookie");
    assert!(
        set_cookie.starts_with("__Host-rollcall_session="),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap_or_default();

    let events = world
        .http_as("GET", "/api/v1/events", None, Some(cookie))
        .await;
    assert_eq!(events["statusCode"], 200, "{events}");
    let body: serde_json::Value =
        serde_json::from_str(events["body"].as_str().expect("json")).expect("json");
    assert_eq!(body["total"], 1, "{body}");
    let event_id = body["events"][0]["id"].as_str().expect("id").to_string();
    assert_eq!(body["events"][0]["title"], "Board dinner");

    let report = world
        .http_as(
            "GET",
            &format!("/api/v1/events/{event_id}/report"),
            None,
            Some(cookie),
        )
        .await;
    assert_eq!(report["statusCode"], 200, "{report}");
    let report: serde_json::Value =
        serde_json::from_str(report["body"].as_str().expect("json")).expect("json");
    // The organizer's own guest (alan, tentative) was recorded by the attendee job.
    assert_eq!(report["counts"]["response"]["tentative"], 1, "{report}");

    // The link worked once.
    let again = world
        .http(
            "POST",
            path,
            Some(&format!("form_token={}", form_token(html))),
        )
        .await;
    assert_eq!(again["statusCode"], 410, "{again}");
}
