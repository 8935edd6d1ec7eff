//! A whole Rollcall AWS deployment inside the emulator, for tests (feature `emulator`): the
//! table, the raw-mail bucket, the queues with the SNS topics that feed them the way
//! `infra/template.yaml` wires them, the token secret in SSM, and SES's sending identity and
//! configuration set. Every name is unique, so tests share one moto server without meeting.

use crate::dynamo::emulator::{emulator, unique_table_name};
use crate::dynamo::{DynamoStore, create_table};
use crate::queue::JobQueue;
use crate::services::Services;
use std::io::{Read, Write};
use std::net::TcpStream;

/// One deployment's resources.
#[derive(Debug, Clone)]
pub struct Testbed {
    pub services: Services,
    pub domain: String,
    pub table: String,
    pub bucket: String,
    /// SES receipt notifications: topic → `inbound_queue` (what the inbound function reads).
    pub inbound_topic: String,
    pub inbound_queue: JobQueue,
    /// SES event publishing: topic → `events_queue`.
    pub ses_events_topic: String,
    pub events_queue: JobQueue,
    /// Rollcall's jobs (doorbell and sweep) for the worker.
    pub jobs_queue: JobQueue,
    /// Rollcall's event stream, with a queue subscribed to read what was published.
    pub stream_topic: String,
    pub stream_queue: JobQueue,
    /// Rollcall's alarms, with a queue subscribed to read what was published.
    pub alarm_topic: String,
    pub alarm_queue: JobQueue,
    pub configuration_set: String,
    pub secret_parameter: String,
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", unique_table_name()).to_ascii_lowercase()
}

impl Testbed {
    /// Creates everything for mail domain `domain`. Panics if the emulator refuses: a test
    /// cannot go on without it.
    pub async fn new(domain: &str) -> Testbed {
        let config = emulator().sdk_config();
        let services = Services::new(config.clone());
        let table = unique_table_name();
        create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
            .await
            .unwrap_or_else(|e| panic!("create table: {e}"));

        let bucket = unique("raw-mail");
        aws_sdk_s3::Client::new(&config)
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create bucket: {e:?}"));

        let sqs = aws_sdk_sqs::Client::new(&config);
        let queue = |name: &'static str| {
            let sqs = sqs.clone();
            async move {
                JobQueue::create(sqs, &unique(name))
                    .await
                    .unwrap_or_else(|e| panic!("create queue {name}: {e}"))
            }
        };
        let inbound_queue = queue("inbound").await;
        let events_queue = queue("ses-events").await;
        let jobs_queue = queue("jobs").await;
        let stream_queue = queue("stream").await;
        let alarm_queue = queue("alarms").await;

        let sns = aws_sdk_sns::Client::new(&config);
        let topic = |name: &'static str| {
            let sns = sns.clone();
            async move {
                sns.create_topic()
                    .name(unique(name))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("create topic {name}: {e:?}"))
                    .topic_arn
                    .unwrap_or_else(|| panic!("topic {name} has no ARN"))
            }
        };
        let inbound_topic = topic("inbound").await;
        let ses_events_topic = topic("ses-events").await;
        let stream_topic = topic("stream").await;
        let alarm_topic = topic("alarms").await;
        for (topic, queue) in [
            (&inbound_topic, &inbound_queue),
            (&ses_events_topic, &events_queue),
            (&stream_topic, &stream_queue),
            (&alarm_topic, &alarm_queue),
        ] {
            let arn = queue
                .arn()
                .await
                .unwrap_or_else(|e| panic!("queue ARN: {e}"));
            sns.subscribe()
                .topic_arn(topic)
                .protocol("sqs")
                .endpoint(arn)
                .send()
                .await
                .unwrap_or_else(|e| panic!("subscribe the queue to its topic: {e:?}"));
        }

        let secret_parameter = format!("/{}/token-secret", unique("rollcall"));
        aws_sdk_ssm::Client::new(&config)
            .put_parameter()
            .name(&secret_parameter)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .value("dGVzdCBzZWNyZXQgZm9yIHRoZSBlbXVsYXRvciBvbmx5IQ==")
            .send()
            .await
            .unwrap_or_else(|e| panic!("put the token secret: {e:?}"));

        let ses = aws_sdk_sesv2::Client::new(&config);
        ses.create_email_identity()
            .email_identity(domain)
            .send()
            .await
            .unwrap_or_else(|e| panic!("verify the domain in SES: {e:?}"));
        let configuration_set = unique("events");
        ses.create_configuration_set()
            .configuration_set_name(&configuration_set)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create the configuration set: {e:?}"));

        Testbed {
            services,
            domain: domain.to_string(),
            table,
            bucket,
            inbound_topic,
            inbound_queue,
            ses_events_topic,
            events_queue,
            jobs_queue,
            stream_topic,
            stream_queue,
            alarm_topic,
            alarm_queue,
            configuration_set,
            secret_parameter,
        }
    }

    /// The table, unwrapped (for assertions).
    pub fn store(&self) -> DynamoStore {
        self.services.store(&self.table)
    }

    /// What SES's S3 action does: stores a received message.
    pub async fn put_raw_mail(&self, key: &str, raw: &[u8]) {
        self.services
            .archive(&self.bucket)
            .put(key, raw.to_vec())
            .await
            .unwrap_or_else(|e| panic!("put s3://{}/{key}: {e}", self.bucket));
    }

    /// What SES's notification does: publishes `message` (SES JSON) on the inbound topic.
    pub async fn notify_inbound(&self, message: &serde_json::Value) {
        self.publish(&self.inbound_topic, message).await;
    }

    /// What SES event publishing does: publishes `message` on the SES events topic.
    pub async fn notify_ses_event(&self, message: &serde_json::Value) {
        self.publish(&self.ses_events_topic, message).await;
    }

    async fn publish(&self, topic: &str, message: &serde_json::Value) {
        aws_sdk_sns::Client::new(&emulator().sdk_config())
            .publish()
            .topic_arn(topic)
            .message(message.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("publish to {topic}: {e:?}"));
    }
}

/// moto's record of everything it holds: `GET /moto-api/data.json`.
pub fn moto_data() -> serde_json::Value {
    let endpoint = emulator().endpoint();
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap_or_else(|e| panic!("connect to moto: {e}"));
    write!(
        stream,
        "GET /moto-api/data.json HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("send the request: {e}"));
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .unwrap_or_else(|e| panic!("read the response: {e}"));
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:.200}"));
    assert!(
        head.starts_with("HTTP/1.") && head.contains(" 200 "),
        "{head}"
    );
    serde_json::from_str(body).unwrap_or_else(|e| panic!("data.json is not JSON: {e}"))
}

/// Every string in `value` that contains `needle` (moto's raw SES sends are such strings).
pub fn strings_containing<'a>(value: &'a serde_json::Value, needle: &str, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(s) if s.contains(needle) => out.push(s),
        serde_json::Value::Array(items) => {
            for item in items {
                strings_containing(item, needle, out);
            }
        }
        serde_json::Value::Object(map) => {
            for item in map.values() {
                strings_containing(item, needle, out);
            }
        }
        _ => {}
    }
}
