//! A deployment in the emulator, driven the way AWS drives the functions: mail lands in S3
//! and its notification goes SNS → SQS; the handlers run on what SQS hands out; the api runs
//! behind lambda_http's API Gateway adapter; SES's sends are read back from moto.

#![allow(dead_code)]

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service};
use rollcall_aws::queue::{JobQueue, Received};
use rollcall_aws::testbed::{Testbed, moto_data, strings_containing};
use rollcall_functions::config::{self, Config};
use rollcall_functions::{api, boot};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const BASE_URL: &str = "https://rsvp.example.org";

pub struct World {
    pub bed: Testbed,
    pub config: Config,
}

impl World {
    pub async fn new() -> World {
        let domain = format!(
            "{}.rollcall.test",
            rollcall_aws::dynamo::emulator::unique_table_name()
        )
        .replace("rollcall-test-", "r");
        let bed = Testbed::new(&domain).await;
        let vars: HashMap<&str, String> = HashMap::from([
            (config::DOMAIN, bed.domain.clone()),
            (config::BASE_URL, BASE_URL.to_string()),
            (config::TABLE, bed.table.clone()),
            (config::SENDER, format!("rollcall@{}", bed.domain)),
            (config::JOBS_QUEUE_URL, bed.jobs_queue.url.clone()),
            (config::RAW_MAIL_BUCKET, bed.bucket.clone()),
            (config::EVENTS_TOPIC_ARN, bed.stream_topic.clone()),
            (config::ALARM_TOPIC_ARN, bed.alarm_topic.clone()),
            (config::CONFIGURATION_SET, bed.configuration_set.clone()),
            (config::SECRET_PARAMETER, bed.secret_parameter.clone()),
            (config::SEND_RATE, "50".to_string()),
            // The tests' webhook receivers listen on loopback, over plain http.
            (config::WEBHOOK_ALLOW_PRIVATE, "true".to_string()),
            (config::WEBHOOK_ALLOW_HTTP, "true".to_string()),
        ]);
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("config");
        World { bed, config }
    }

    pub fn invites(&self) -> String {
        format!("invites@{}", self.bed.domain)
    }

    /// Mail arriving at SES for `recipients`: stored in S3, notified through SNS. Returns
    /// SES's message id (the object key's last part).
    pub async fn mail_arrives(&self, raw: &[u8], recipients: &[&str], dmarc: &str) -> String {
        let id = format!(
            "ses{}",
            rollcall_aws::dynamo::emulator::unique_table_name().replace('-', "")
        );
        let key = format!("inbound/{id}");
        self.bed.put_raw_mail(&key, raw).await;
        self.bed
            .notify_inbound(&receipt(&id, &self.bed.bucket, &key, recipients, dmarc))
            .await;
        id
    }

    pub async fn inbound(&self) -> rollcall_functions::inbound::Inbound {
        boot::inbound(&self.config, &self.bed.services)
            .await
            .expect("inbound boots")
    }

    pub async fn worker(&self) -> rollcall_functions::worker::Worker {
        boot::worker(&self.config, &self.bed.services)
            .await
            .expect("worker boots")
    }

    pub fn events(&self) -> rollcall_functions::events::Events {
        boot::events(&self.config, &self.bed.services)
    }

    /// One HTTP request through the api function as API Gateway would send it; the API
    /// Gateway response as JSON (`statusCode`, `headers`, `body`).
    pub async fn http(&self, method: &str, path: &str, form: Option<&str>) -> Value {
        self.http_as(method, path, form, None).await
    }

    /// [`World::http`] with the browser's cookie (`name=value`), as API Gateway passes it.
    pub async fn http_as(
        &self,
        method: &str,
        path: &str,
        form: Option<&str>,
        cookie: Option<&str>,
    ) -> Value {
        let state = boot::api(&self.config, &self.bed.services)
            .await
            .expect("api boots");
        let mut adapter = Adapter::from(api::app(state));
        let (raw_path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut headers = json!({"host": "rsvp.example.org", "user-agent": "loop-test"});
        if form.is_some() {
            headers["content-type"] = json!("application/x-www-form-urlencoded");
            headers["origin"] = json!(BASE_URL);
        }
        let event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": raw_path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "api",
                "domainName": "rsvp.example.org",
                "domainPrefix": "rsvp",
                "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                         "sourceIp": "203.0.113.9", "userAgent": "loop-test"},
                "requestId": "req-1",
                "routeKey": "$default",
                "stage": "$default",
                "time": "23/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1_795_428_000_000u64
            },
            "cookies": cookie.map(|c| vec![c.to_string()]),
            "body": form,
            "isBase64Encoded": false
        });
        let request: LambdaRequest =
            serde_json::from_value(event).expect("an API Gateway v2 event");
        let response = adapter
            .call(LambdaEvent::new(request, Context::default()))
            .await
            .expect("the adapter answers");
        serde_json::to_value(response).expect("a serializable response")
    }

    /// Every raw message SES sent (moto's record) that contains all of `needles`.
    pub fn sent_containing(&self, needles: &[&str]) -> Vec<String> {
        let data = moto_data();
        let mut found = Vec::new();
        strings_containing(&data, &self.bed.domain, &mut found);
        let mut out: Vec<String> = found
            .into_iter()
            .filter(|s| s.contains("MIME-Version") && needles.iter().all(|n| s.contains(n)))
            .map(|s| s.replace("\r\n", "\n"))
            .collect();
        out.dedup();
        out
    }
}

/// Everything waiting in `queue`, received (not deleted) as the event source mapping would.
pub async fn drain(queue: &JobQueue) -> (SqsEvent, Vec<Received>) {
    let mut received = Vec::new();
    loop {
        let batch = queue.receive(10, 0).await.expect("receive");
        if batch.is_empty() {
            break;
        }
        received.extend(batch);
    }
    (sqs_event(&received), received)
}

pub fn sqs_event(received: &[Received]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = received
        .iter()
        .map(|r| {
            let mut message = SqsMessage::default();
            message.message_id = Some(r.message_id.clone());
            message.receipt_handle = Some(r.receipt_handle.clone());
            message.body = Some(r.body.clone());
            message
        })
        .collect();
    event
}

/// What Lambda does with a queue: hands everything waiting in it to `handler` as one batch,
/// checks the batch had no failures, and deletes the messages. Returns what was handled.
pub async fn run_batch<F, Fut>(queue: &JobQueue, handler: F) -> Vec<Received>
where
    F: FnOnce(SqsEvent) -> Fut,
    Fut: std::future::Future<Output = rollcall_functions::batch::BatchOutcome>,
{
    let (batch, received) = drain(queue).await;
    let outcome = handler(batch).await;
    assert!(
        outcome.response().batch_item_failures.is_empty(),
        "{outcome:?}"
    );
    ack(queue, &received, &[]).await;
    received
}

/// Acknowledges what a handler reported as done (Lambda deletes those for us).
pub async fn ack(queue: &JobQueue, received: &[Received], failed: &[String]) {
    for message in received {
        if !failed.contains(&message.message_id) {
            queue.delete(&message.receipt_handle).await.expect("delete");
        }
    }
}

/// An SES receipt notification for a message stored at `bucket`/`key`.
pub fn receipt(id: &str, bucket: &str, key: &str, recipients: &[&str], dmarc: &str) -> Value {
    json!({
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-11-23T10:00:00.000Z",
            "source": "organizer@example.com",
            "messageId": id,
            "destination": recipients,
            "headersTruncated": false,
            "headers": [],
            "commonHeaders": {}
        },
        "receipt": {
            "timestamp": "2026-11-23T10:00:01.000Z",
            "processingTimeMillis": 300,
            "recipients": recipients,
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "PASS"},
            "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": dmarc},
            "action": {"type": "S3", "topicArn": "arn:aws:sns:us-east-1:123456789012:inbound",
                       "bucketName": bucket, "objectKey": key}
        }
    })
}

/// An SES event publishing record about the message with our `message_id`.
pub fn ses_event(kind: &str, message_id: &str, to: &str, at: &str) -> Value {
    let mut event = json!({
        "eventType": kind,
        "mail": {
            "timestamp": "2026-11-23T10:00:00.000Z",
            "source": "rsvp@rollcall.test",
            "messageId": format!("ses-{}", message_id.replace(['@', '.'], "-")),
            "destination": [to],
            "headersTruncated": false,
            "headers": [{"name": "Message-ID", "value": format!("<{message_id}>")}],
            "commonHeaders": {"messageId": format!("<{message_id}>")}
        }
    });
    match kind {
        "Delivery" => {
            event["delivery"] = json!({"timestamp": at, "recipients": [to],
                "smtpResponse": "250 2.0.0 OK", "processingTimeMillis": 500})
        }
        "Bounce" => {
            event["bounce"] = json!({"bounceType": "Permanent", "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": to, "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown"}],
                "timestamp": at, "feedbackId": "f-1"})
        }
        "Complaint" => {
            event["complaint"] = json!({"complainedRecipients": [{"emailAddress": to}],
                "timestamp": at, "feedbackId": "f-2", "complaintFeedbackType": "abuse"})
        }
        _ => {}
    }
    event
}

/// An organizer's invitation from Google Calendar's shape, to `invites@`, with two guests.
pub fn invitation(world: &World, uid: &str, title: &str) -> Vec<u8> {
    format!(
        "From: Grace Hopper <grace@example.com>\r\nTo: {invites}\r\nSubject: Invitation: {title}\r\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{uid}.msg@google.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/calendar; charset=\"UTF-8\"; method=REQUEST\r\n\r\n\
         BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n\
         BEGIN:VEVENT\r\nDTSTART:20370304T160000Z\r\nDTEND:20370304T170000Z\r\nDTSTAMP:20261123T090000Z\r\n\
         ORGANIZER;CN=Grace Hopper:mailto:grace@example.com\r\nUID:{uid}\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED;CN=Grace Hopper:mailto:grace@example.com\r\n\
         ATTENDEE;PARTSTAT=NEEDS-ACTION;CN={invites}:mailto:{invites}\r\n\
         ATTENDEE;PARTSTAT=TENTATIVE;CN=Alan Turing:mailto:alan@example.net\r\n\
         SEQUENCE:0\r\nSUMMARY:{title}\r\nLOCATION:Room 1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        invites = world.invites(),
    )
    .into_bytes()
}

/// The hidden form token in a page.
pub fn form_token(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("page has a form token") + marker.len();
    let end = html[start..].find('"').expect("token ends") + start;
    html[start..end].to_string()
}

pub fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    response["headers"][name].as_str()
}
