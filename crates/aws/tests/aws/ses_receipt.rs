//! SES receipt notifications, from the SQS body to the object location, recipients and verdicts.

use rollcall_aws::ses::{
    MAX_BODY_BYTES, ReceiptMessage, SesError, Verdict, Verdicts, parse_receipt,
};
use rollcall_testkit::read_fixture;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    String::from_utf8(read_fixture(format!("ses/{name}"))).expect("fixtures are UTF-8")
}

/// The SES JSON an SNS envelope carries: what SQS delivers with raw message delivery on.
fn unwrapped(envelope: &str) -> String {
    let value: Value = serde_json::from_str(envelope).expect("an envelope");
    value["Message"].as_str().expect("a Message").to_string()
}

fn received(body: &str) -> rollcall_aws::ses::Receipt {
    match parse_receipt(body) {
        Ok(ReceiptMessage::Received(receipt)) => receipt,
        other => panic!("expected a receipt, got {other:?}"),
    }
}

fn verdicts(spf: &str, dkim: &str, dmarc: &str, spam: &str, virus: &str) -> Verdicts {
    Verdicts {
        spf: Verdict::parse(spf),
        dkim: Verdict::parse(dkim),
        dmarc: Verdict::parse(dmarc),
        spam: Verdict::parse(spam),
        virus: Verdict::parse(virus),
    }
}

#[test]
fn a_receipt_in_an_sns_envelope_gives_the_object_location_recipients_and_verdicts() {
    let receipt = received(&fixture("receipt-sns.json"));
    assert_eq!(receipt.bucket, "rollcall-raw-mail-123456789012");
    assert_eq!(
        receipt.key,
        "inbound/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1"
    );
    assert_eq!(receipt.recipients, vec!["invites@rollcall.example"]);
    assert_eq!(
        receipt.ses_message_id,
        "o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1"
    );
    assert_eq!(receipt.source, "olga@organizer.example");
    assert_eq!(
        receipt.verdicts,
        verdicts("PASS", "PASS", "PASS", "PASS", "PASS")
    );
    assert!(receipt.verdicts.sender_trusted());
    assert_eq!(
        receipt.verdicts.summary(),
        "spf=PASS dkim=PASS dmarc=PASS spam=PASS virus=PASS"
    );
}

#[test]
fn the_raw_notification_without_the_envelope_reads_the_same() {
    let body = fixture("receipt-sns.json");
    assert_eq!(parse_receipt(&unwrapped(&body)), parse_receipt(&body));
}

#[test]
fn a_spoofed_organizer_fails_dmarc_and_is_not_trusted() {
    let receipt = received(&fixture("receipt-raw-dmarc-fail.json"));
    assert_eq!(
        receipt.verdicts,
        verdicts("FAIL", "FAIL", "FAIL", "GRAY", "PASS")
    );
    assert_eq!(receipt.source, "bounce@spoofer.example");
    assert!(!receipt.verdicts.sender_trusted());
}

#[test]
fn a_virus_is_never_trusted_even_with_dmarc_passing() {
    let receipt = received(&fixture("receipt-raw-virus.json"));
    assert_eq!(receipt.verdicts.dmarc, Verdict::Pass);
    assert_eq!(receipt.verdicts.virus, Verdict::Fail);
    assert!(!receipt.verdicts.sender_trusted());
    assert_eq!(
        receipt.recipients,
        vec!["rsvp+k7q2m4x6r3t5v2waq3xk7m2pwd5rt4vz6nb2hy7ja4@rollcall.example"]
    );
}

#[test]
fn trust_needs_dmarc_pass_and_no_failed_spam_or_virus_scan() {
    for (spam, virus, trusted) in [
        ("PASS", "PASS", true),
        ("GRAY", "PASS", true),
        ("DISABLED", "DISABLED", true),
        ("PROCESSING_FAILED", "PASS", true),
        ("FAIL", "PASS", false),
        ("PASS", "FAIL", false),
    ] {
        let v = verdicts("PASS", "PASS", "PASS", spam, virus);
        assert_eq!(v.sender_trusted(), trusted, "spam={spam} virus={virus}");
    }
    for dmarc in [
        "FAIL",
        "GRAY",
        "PROCESSING_FAILED",
        "DISABLED",
        "SOMETHING_NEW",
    ] {
        let v = verdicts("PASS", "PASS", dmarc, "PASS", "PASS");
        assert!(!v.sender_trusted(), "dmarc={dmarc}");
    }
}

#[test]
fn verdicts_read_case_insensitively_and_keep_unknown_or_missing_statuses() {
    assert_eq!(Verdict::parse("pass"), Verdict::Pass);
    assert_eq!(
        Verdict::parse(" Processing_Failed "),
        Verdict::ProcessingFailed
    );
    assert_eq!(
        Verdict::parse("TEMPERROR"),
        Verdict::Other("TEMPERROR".into())
    );
    let mut value: Value =
        serde_json::from_str(&fixture("receipt-raw-dmarc-fail.json")).expect("JSON");
    if let Some(receipt) = value["receipt"].as_object_mut() {
        receipt.remove("dmarcVerdict");
    }
    let receipt = received(&value.to_string());
    assert_eq!(receipt.verdicts.dmarc, Verdict::Other("MISSING".into()));
    assert!(!receipt.verdicts.sender_trusted());
}

#[test]
fn the_setup_notification_is_a_no_op_in_both_forms() {
    let body = fixture("receipt-setup.json");
    assert_eq!(parse_receipt(&body), Ok(ReceiptMessage::SetupNotification));
    assert_eq!(
        parse_receipt(&unwrapped(&body)),
        Ok(ReceiptMessage::SetupNotification)
    );
}

#[test]
fn a_receipt_without_an_s3_action_is_refused_clearly() {
    let error = parse_receipt(&fixture("receipt-sns-action.json"));
    assert_eq!(error, Err(SesError::NotS3Action("SNS".into())));
    let text = error.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(text.contains("not S3"), "{text}");
}

#[test]
fn an_oversized_body_is_refused_before_parsing() {
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(MAX_BODY_BYTES));
    assert_eq!(
        parse_receipt(&body),
        Err(SesError::TooLarge {
            size: body.len(),
            limit: MAX_BODY_BYTES
        })
    );
}

#[test]
fn malformed_and_wrong_type_bodies_give_clear_errors() {
    let envelope = |message: Value| {
        json!({"Type": "Notification", "MessageId": "m", "Message": message}).to_string()
    };
    let event = unwrapped(&fixture("event-delivery.json"));
    let cases: Vec<(String, SesError)> = vec![
        (String::new(), SesError::Empty),
        ("  \n".into(), SesError::Empty),
        ("[1, 2]".into(), SesError::NotObject("an array")),
        ("\"hello\"".into(), SesError::NotObject("a string")),
        (
            json!({"Type": "SubscriptionConfirmation", "Message": "confirm"}).to_string(),
            SesError::SnsType("SubscriptionConfirmation".into()),
        ),
        (
            json!({"Type": "Notification"}).to_string(),
            SesError::MissingField("Message"),
        ),
        (
            envelope(json!({"notificationType": "Received"})),
            SesError::InvalidField {
                field: "Message",
                reason: "not a string".into(),
            },
        ),
        (event, SesError::NotReceipt("Delivery".into())),
        (
            json!({"notificationType": "Bounce"}).to_string(),
            SesError::NotReceipt("Bounce".into()),
        ),
        (
            json!({"mail": {}}).to_string(),
            SesError::MissingField("notificationType"),
        ),
        (
            json!({"notificationType": "Received", "mail": {"messageId": "x"}}).to_string(),
            SesError::MissingField("receipt"),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(parse_receipt(&body), Err(expected), "{body}");
    }

    let text = |body: &str| parse_receipt(body).err().map(|e| e.to_string());
    let not_json = text("{not json").unwrap_or_default();
    assert!(
        not_json.starts_with("message body is not JSON"),
        "{not_json}"
    );
    let inner = text(&envelope(json!("{\"notificationType\": "))).unwrap_or_default();
    assert!(inner.contains("SNS Message"), "{inner}");
    let prose = text(&envelope(json!("hello there"))).unwrap_or_default();
    assert!(prose.contains("not a receipt notification"), "{prose}");

    let mut value: Value = serde_json::from_str(&fixture("receipt-raw-virus.json")).expect("JSON");
    value["receipt"]["recipients"] = json!("invites@rollcall.example");
    let wrong_type = text(&value.to_string()).unwrap_or_default();
    assert!(
        wrong_type.starts_with("malformed SES receipt notification"),
        "{wrong_type}"
    );
    value["receipt"]["recipients"] = json!([]);
    assert!(matches!(
        parse_receipt(&value.to_string()),
        Err(SesError::InvalidField {
            field: "receipt.recipients",
            ..
        })
    ));
    value["receipt"]["recipients"] = json!(["invites@rollcall.example"]);
    value["mail"]
        .as_object_mut()
        .map(|mail| mail.remove("messageId"));
    assert_eq!(
        parse_receipt(&value.to_string()),
        Err(SesError::MissingField("mail.messageId"))
    );
}
