//! The SES mailer, S3 archive, SQS queue and SNS event stream against moto.

use rollcall_aws::archive::{ArchiveError, RawMailArchive};
use rollcall_aws::dynamo::emulator::{emulator, unique_table_name};
use rollcall_aws::mailer::SesMailer;
use rollcall_aws::queue::{JobQueue, Received};
use rollcall_aws::stream::{EventStream, StreamError};
use rollcall_aws::testbed::{moto_data, strings_containing};
use rollcall_core::ports::{ComposedMail, Mailer, SendError};

/// A name no other test uses (lower case, for buckets).
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", unique_table_name()).to_ascii_lowercase()
}

fn composed(from: &str, to: &str, message_id: &str, subject: &str) -> ComposedMail {
    let raw = format!(
        "From: Rollcall <{from}>\r\n\
         To: {to}\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{message_id}>\r\n\
         Date: Wed, 04 Mar 2026 12:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         You are invited.\r\n"
    );
    ComposedMail {
        outbox_id: "outbox-1".into(),
        from: from.into(),
        to: to.into(),
        message_id: message_id.into(),
        raw: raw.into_bytes(),
    }
}

#[tokio::test]
async fn the_ses_mailer_sends_the_raw_mime_that_moto_records_unchanged() {
    let client = aws_sdk_sesv2::Client::new(&emulator().sdk_config());
    let tag = unique("mail");
    let from = format!("{tag}@rollcall.example");
    client
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .expect("verify the sender identity in moto");
    let configuration_set = unique("events");
    client
        .create_configuration_set()
        .configuration_set_name(&configuration_set)
        .send()
        .await
        .expect("create the configuration set in moto");
    let mailer = SesMailer::new(client, configuration_set);
    let message_id = format!("{tag}.invite@rollcall.example");
    let mail = composed(
        &from,
        "ann@example.org",
        &message_id,
        "Invitation: Spring picnic",
    );

    let ses_id = mailer.send_raw(&mail).await.expect("SES accepts the mail");
    assert!(!ses_id.is_empty(), "SES answers with a message id");
    Mailer::send(&mailer, &mail)
        .await
        .expect("the port sends it too");

    let data = moto_data();
    let mut found = Vec::new();
    strings_containing(&data, &message_id, &mut found);
    assert_eq!(found.len(), 2, "both sends recorded by moto: {found:?}");
    let raw = String::from_utf8(mail.raw.clone()).expect("UTF-8 mail");
    for recorded in found {
        let recorded = recorded.replace("\r\n", "\n");
        assert!(
            recorded.contains(&format!("From: Rollcall <{from}>")),
            "{recorded}"
        );
        assert!(recorded.contains("To: ann@example.org"), "{recorded}");
        assert!(
            recorded.contains("Subject: Invitation: Spring picnic"),
            "{recorded}"
        );
        assert!(
            recorded.contains(&format!("Message-ID: <{message_id}>")),
            "{recorded}"
        );
        assert_eq!(
            recorded,
            raw.replace("\r\n", "\n"),
            "the raw MIME round-trips"
        );
    }
}

#[tokio::test]
async fn a_send_from_an_unverified_sender_is_a_permanent_failure() {
    let client = aws_sdk_sesv2::Client::new(&emulator().sdk_config());
    let mailer = SesMailer::new(client, "");
    let tag = unique("unverified");
    let mail = composed(
        &format!("{tag}@not-verified.example"),
        "ann@example.org",
        &format!("{tag}@rollcall.example"),
        "Hello",
    );
    match mailer.send(&mail).await {
        Err(SendError::Permanent(_)) => {}
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

async fn fresh_archive() -> RawMailArchive {
    let client = aws_sdk_s3::Client::new(&emulator().sdk_config());
    let bucket = unique("raw-mail");
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create the bucket in moto");
    RawMailArchive::new(client, bucket)
}

#[tokio::test]
async fn the_archive_returns_the_raw_mail_put_at_a_key() {
    let archive = fresh_archive().await;
    let raw = b"From: org@example.org\r\nSubject: Picnic\r\n\r\nBody\r\n".to_vec();
    archive
        .put("inbound/abc123", raw.clone())
        .await
        .expect("put the raw mail");
    let got = archive.get("inbound/abc123").await.expect("get it back");
    assert_eq!(got, raw);
}

#[tokio::test]
async fn the_archive_refuses_objects_larger_than_its_bound() {
    let archive = fresh_archive().await.with_max_bytes(100);
    archive
        .put("inbound/big", vec![b'x'; 101])
        .await
        .expect("put a large object");
    archive
        .put("inbound/fits", vec![b'y'; 100])
        .await
        .expect("put an object at the bound");
    match archive.get("inbound/big").await {
        Err(ArchiveError::TooLarge { size, max, .. }) => {
            assert_eq!((size, max), (101, 100));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let fits = archive
        .get("inbound/fits")
        .await
        .expect("an object at the bound is read");
    assert_eq!(fits.len(), 100);
}

#[tokio::test]
async fn a_missing_object_is_not_found_and_not_retryable() {
    let archive = fresh_archive().await;
    match archive.get("inbound/never-written").await {
        Err(error @ ArchiveError::NotFound { .. }) => assert!(!error.is_retryable()),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn fresh_queue() -> JobQueue {
    let client = aws_sdk_sqs::Client::new(&emulator().sdk_config());
    JobQueue::create(client, &unique("jobs"))
        .await
        .expect("create the queue in moto")
}

/// Receives until `count` messages arrived (or a few empty polls), deleting each.
async fn receive_all(queue: &JobQueue, count: usize) -> Vec<Received> {
    let mut all = Vec::new();
    let mut empty_polls = 0;
    while all.len() < count && empty_polls < 3 {
        let batch = queue.receive(10, 1).await.expect("receive");
        if batch.is_empty() {
            empty_polls += 1;
        }
        for message in batch {
            queue
                .delete(&message.receipt_handle)
                .await
                .expect("delete a received message");
            all.push(message);
        }
    }
    all
}

#[tokio::test]
async fn a_job_sent_to_the_queue_is_received_once_and_deleted() {
    let queue = fresh_queue().await;
    let id = queue
        .send(r#"{"job":"send","outbox":"o1"}"#)
        .await
        .expect("send a job");
    let received = receive_all(&queue, 1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id, id);
    assert_eq!(received[0].body, r#"{"job":"send","outbox":"o1"}"#);
    assert!(
        queue
            .receive(10, 0)
            .await
            .expect("receive again")
            .is_empty(),
        "a deleted message is gone"
    );
}

#[tokio::test]
async fn a_batch_of_more_than_ten_jobs_is_sent_in_full() {
    let queue = fresh_queue().await;
    let bodies: Vec<String> = (0..23)
        .map(|i| format!(r#"{{"job":"fanout","n":{i}}}"#))
        .collect();
    queue.send_batch(&bodies).await.expect("send the batch");
    let mut received: Vec<String> = receive_all(&queue, bodies.len())
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    received.sort();
    let mut expected = bodies.clone();
    expected.sort();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn an_event_published_to_the_stream_arrives_in_a_subscribed_queue_with_its_type() {
    let sns = aws_sdk_sns::Client::new(&emulator().sdk_config());
    let topic = sns
        .create_topic()
        .name(unique("status-events"))
        .send()
        .await
        .expect("create the topic in moto");
    let topic_arn = topic.topic_arn().expect("a topic ARN").to_owned();
    let queue = fresh_queue().await;
    let queue_arn = queue.arn().await.expect("the queue's ARN");
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .send()
        .await
        .expect("subscribe the queue to the topic");

    let stream = EventStream::new(sns, topic_arn.clone());
    let event = serde_json::json!({
        "type": "invitee.status",
        "event_id": "ev-1",
        "invitee_id": "k7q2m4x6r3t5v2wa",
        "response": "accepted",
    });
    let sns_id = stream.publish(&event).await.expect("publish the event");

    let received = receive_all(&queue, 1).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let envelope: serde_json::Value =
        serde_json::from_str(&received[0].body).expect("an SNS envelope in JSON");
    assert_eq!(envelope["Type"], "Notification");
    assert_eq!(envelope["TopicArn"], topic_arn.as_str());
    assert_eq!(envelope["MessageId"], sns_id.as_str());
    let message: serde_json::Value = serde_json::from_str(
        envelope["Message"]
            .as_str()
            .expect("the message as a string"),
    )
    .expect("the event as JSON");
    assert_eq!(message, event);
    assert_eq!(envelope["MessageAttributes"]["type"]["Type"], "String");
    assert_eq!(
        envelope["MessageAttributes"]["type"]["Value"],
        "invitee.status"
    );
}

#[tokio::test]
async fn an_event_without_a_type_is_refused_before_publishing() {
    let sns = aws_sdk_sns::Client::new(&emulator().sdk_config());
    let stream = EventStream::new(sns, "arn:aws:sns:us-east-1:123456789012:nowhere");
    let refused = stream
        .publish(&serde_json::json!({"response": "accepted"}))
        .await;
    assert!(
        matches!(refused, Err(StreamError::Invalid(_))),
        "{refused:?}"
    );
}
