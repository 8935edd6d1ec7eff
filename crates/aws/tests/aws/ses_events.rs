//! SES event publishing records: every fixture parses in both forms, maps as specified, and
//! drives the core use case to the same end state in any order.

use chrono::{DateTime, TimeZone, Utc};
use rollcall_aws::ses::events::{BounceType, EventDetail};
use rollcall_aws::ses::{
    EventMessage, MAX_BODY_BYTES, Mapped, SesError, SesEvent, parse_event, provider_action,
};
use rollcall_core::status::{Channel, SignalKind};
use rollcall_core::usecase::provider::ProviderAction;
use rollcall_testkit::{fixture_path, read_fixture};
use serde_json::{Value, json};

const OURS: &str = "inv-k7q2m4x6r3t5v2wa-1@rollcall.example";
const SES_ID: &str = "0102018e0f7a3b21-6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f-000000";

fn fixture(name: &str) -> String {
    String::from_utf8(read_fixture(format!("ses/{name}"))).expect("fixtures are UTF-8")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .expect("a test time")
}

fn event(name: &str) -> SesEvent {
    match parse_event(&fixture(name)) {
        Ok(EventMessage::Event(event)) => event,
        other => panic!("{name}: expected an event, got {other:?}"),
    }
}

/// What the mapping asks for, in short: ("apply"|"record", kind) or ("ignored", reason).
fn mapped(name: &str) -> (&'static str, String) {
    match provider_action(&event(name), now()) {
        Mapped::Invitee { message_id, action } => {
            assert_eq!(message_id, OURS, "{name}");
            match action {
                ProviderAction::Apply(s) => ("apply", s.kind.name().to_string()),
                ProviderAction::Record(s) => ("record", s.kind.name().to_string()),
            }
        }
        Mapped::Ignored { reason } => ("ignored", reason),
    }
}

#[test]
fn every_fixture_parses_the_same_with_or_without_the_sns_envelope() {
    let dir = std::fs::read_dir(fixture_path("ses")).expect("the ses fixtures");
    let mut seen = 0;
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.starts_with("event-") {
            continue;
        }
        let body = fixture(&name);
        let parsed = parse_event(&body);
        assert!(parsed.is_ok(), "{name}: {parsed:?}");
        let value: Value = serde_json::from_str(&body).expect("JSON");
        if let Some(message) = value.get("Message").and_then(Value::as_str) {
            assert_eq!(parse_event(message), parsed, "{name}");
        } else {
            let envelope = json!({"Type": "Notification", "Message": body}).to_string();
            assert_eq!(parse_event(&envelope), parsed, "{name}");
        }
        seen += 1;
    }
    assert!(seen >= 15, "only {seen} event fixtures");
}

#[test]
fn every_event_type_maps_as_specified() {
    let apply = |kind: &str| ("apply", kind.to_string());
    let record = ("record", "bounced".to_string());
    assert_eq!(mapped("event-send.json"), apply("sent"));
    assert_eq!(mapped("event-delivery.json"), apply("delivered"));
    assert_eq!(mapped("event-open.json"), apply("opened"));
    assert_eq!(mapped("event-click.json"), apply("clicked"));
    assert_eq!(mapped("event-bounce-permanent.json"), apply("bounced"));
    assert_eq!(mapped("event-bounce-transient.json"), record);
    assert_eq!(mapped("event-bounce-undetermined.json"), record);
    assert_eq!(mapped("event-complaint.json"), apply("complained"));
    assert_eq!(mapped("event-reject.json"), record);
    assert_eq!(mapped("event-rendering-failure.json"), record);
    assert_eq!(mapped("event-subscription.json"), apply("unsubscribed"));
    let (what, reason) = mapped("event-delivery-delay.json");
    assert_eq!(what, "ignored");
    assert!(reason.contains("TransientCommunicationFailure"), "{reason}");
}

#[test]
fn signals_carry_the_provider_channel_the_events_own_time_our_message_id_and_a_note() {
    let Mapped::Invitee { action, .. } =
        provider_action(&event("event-bounce-permanent.json"), now())
    else {
        panic!("a permanent bounce is applied");
    };
    let signal = action.signal();
    assert_eq!(signal.channel, Channel::Provider);
    assert_eq!(signal.occurred_at, time("2026-03-02T09:15:04.332Z"));
    assert_eq!(signal.received_at, now());
    assert_eq!(signal.provenance.message_id.as_deref(), Some(OURS));
    assert_eq!(
        signal.dedupe_key,
        format!("ses:bounce:{SES_ID}:2026-03-02T09:15:04.332Z")
    );
    let note = signal.provenance.note.clone().unwrap_or_default();
    assert!(
        note.starts_with("permanent bounce (General): 5.1.1 smtp; 550"),
        "{note}"
    );

    let transient = provider_action(&event("event-bounce-transient.json"), now());
    let Mapped::Invitee { action, .. } = transient else {
        panic!("a transient bounce is recorded");
    };
    let note = action.signal().provenance.note.clone().unwrap_or_default();
    assert!(
        note.contains("transient bounce (MailboxFull): 4.2.2"),
        "{note}"
    );
    assert!(note.contains("stays reachable"), "{note}");
}

#[test]
fn events_without_a_time_of_their_own_take_the_send_time() {
    for name in [
        "event-send.json",
        "event-reject.json",
        "event-rendering-failure.json",
    ] {
        let event = event(name);
        assert_eq!(
            event.occurred_at,
            time("2026-03-02T09:15:01.204Z"),
            "{name}"
        );
        assert_eq!(event.occurred_at, event.sent_at);
    }
    assert_eq!(
        event("event-rendering-failure.json").slug(),
        "rendering-failure"
    );
    let delivery = event("event-delivery.json");
    assert_eq!(delivery.occurred_at, time("2026-03-02T09:15:03.871Z"));
    assert!(matches!(delivery.detail, EventDetail::Delivery { .. }));
}

#[test]
fn the_message_id_is_ours_from_the_headers_or_the_common_headers() {
    assert_eq!(event("event-open.json").message_id.as_deref(), Some(OURS));
    let truncated = event("event-open-common-headers.json");
    assert_eq!(truncated.message_id.as_deref(), Some(OURS));
    let update = event("event-delivery-raw.json");
    assert_eq!(
        update.message_id.as_deref(),
        Some("msg-4c1f9e-0-k7q2m4x6r3t5v2wa@rollcall.example")
    );
}

#[test]
fn a_redelivered_event_has_the_same_key_and_different_events_do_not() {
    let body = fixture("event-open.json");
    let once = provider_action(&event("event-open.json"), now());
    let twice = match parse_event(&body) {
        Ok(EventMessage::Event(e)) => provider_action(&e, now()),
        other => panic!("{other:?}"),
    };
    assert_eq!(once, twice);
    let keys: std::collections::BTreeSet<String> = [
        "event-send.json",
        "event-delivery.json",
        "event-open.json",
        "event-open-common-headers.json",
        "event-click.json",
        "event-bounce-permanent.json",
    ]
    .into_iter()
    .map(|name| event(name).dedupe_key())
    .collect();
    assert_eq!(keys.len(), 6);
}

#[test]
fn unknown_event_types_and_the_topic_check_are_tolerated() {
    let unknown = event("event-unknown.json");
    assert_eq!(unknown.detail, EventDetail::Unknown);
    assert_eq!(unknown.slug(), "teleport");
    let (what, reason) = mapped("event-unknown.json");
    assert_eq!(what, "ignored");
    assert!(reason.contains("Teleport"), "{reason}");
    assert_eq!(
        parse_event(&fixture("event-setup.json")),
        Ok(EventMessage::SetupNotification)
    );
    // A record without event publishing (identity feedback) names its type notificationType.
    let feedback = json!({"notificationType": "Bounce", "bounce": {"bounceType": "Transient"},
        "mail": {"timestamp": "2026-03-02T09:15:01Z", "messageId": SES_ID}});
    let parsed = parse_event(&feedback.to_string());
    assert!(
        matches!(
            &parsed,
            Ok(EventMessage::Event(SesEvent {
                detail: EventDetail::Bounce {
                    bounce_type: BounceType::Transient,
                    ..
                },
                ..
            }))
        ),
        "{parsed:?}"
    );
}

#[test]
fn an_event_without_a_message_id_is_ignored_with_its_reason() {
    let mut value: Value =
        serde_json::from_str(&fixture("event-bounce-undetermined.json")).expect("JSON");
    value["mail"]["headers"] = json!([]);
    value["mail"]["commonHeaders"] = json!({});
    let Ok(EventMessage::Event(event)) = parse_event(&value.to_string()) else {
        panic!("parses without a Message-ID");
    };
    let Mapped::Ignored { reason } = provider_action(&event, now()) else {
        panic!("nothing to join on");
    };
    assert!(reason.contains("carries no Message-ID"), "{reason}");
}

#[test]
fn malformed_oversized_and_wrong_type_bodies_give_clear_errors() {
    let mail = json!({"timestamp": "2026-03-02T09:15:01Z", "messageId": SES_ID});
    let cases = [
        (json!({"eventType": "Open"}), SesError::MissingField("mail")),
        (
            json!({"mail": mail}),
            SesError::MissingField("eventType (or notificationType)"),
        ),
        (
            json!({"eventType": "Bounce", "mail": mail}),
            SesError::MissingField("bounce"),
        ),
        (
            json!({"eventType": "Send", "mail": {"timestamp": "2026-03-02T09:15:01Z"}}),
            SesError::MissingField("mail.messageId"),
        ),
        (
            json!({"eventType": "Send", "mail": {"messageId": SES_ID}}),
            SesError::MissingField("mail.timestamp"),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(parse_event(&body.to_string()), Err(expected), "{body}");
    }
    let bad_time = json!({"eventType": "Open", "mail": mail, "open": {"timestamp": "yesterday"}});
    let error = parse_event(&bad_time.to_string())
        .err()
        .map(|e| e.to_string());
    let error = error.unwrap_or_default();
    assert!(
        error.contains("open.timestamp") && error.contains("yesterday"),
        "{error}"
    );
    let wrong = json!({"eventType": "Delivery", "mail": mail, "delivery": {"recipients": 7}});
    let error = parse_event(&wrong.to_string()).err().map(|e| e.to_string());
    assert!(
        error
            .unwrap_or_default()
            .starts_with("malformed SES event record")
    );

    let huge = "x".repeat(MAX_BODY_BYTES + 1);
    assert!(matches!(parse_event(&huge), Err(SesError::TooLarge { .. })));
    assert_eq!(parse_event("42"), Err(SesError::NotObject("a number")));
    let confirmation = json!({"Type": "UnsubscribeConfirmation", "Message": "bye"});
    assert_eq!(
        parse_event(&confirmation.to_string()),
        Err(SesError::SnsType("UnsubscribeConfirmation".into()))
    );
    let prose = json!({"Type": "Notification", "Message": "hello"}).to_string();
    assert!(matches!(parse_event(&prose), Err(SesError::NotJson(_))));
}

#[test]
fn record_only_events_never_ask_for_a_status_change_and_kinds_stay_provider_signals() {
    for name in ["event-reject.json", "event-rendering-failure.json"] {
        let Mapped::Invitee { action, .. } = provider_action(&event(name), now()) else {
            panic!("{name} is recorded");
        };
        assert!(matches!(action, ProviderAction::Record(_)), "{name}");
        let note = action.signal().provenance.note.clone().unwrap_or_default();
        assert!(note.contains("never sent"), "{note}");
        assert_eq!(action.signal().kind, SignalKind::Bounced);
    }
}
