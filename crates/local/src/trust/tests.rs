//! The DMARC decision, with every DNS answer preloaded into the resolver's caches and a
//! resolver that has no name servers: nothing is asked of the network, and a lookup the test
//! forgot to preload shows up as `temperror` instead of a hang.

use super::*;
use mail_auth::common::crypto::Ed25519Key;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dkim::DkimSigner;
use mail_auth::dmarc::Dmarc;
use mail_auth::hickory_resolver::config::ResolverConfig;
use mail_auth::spf::Spf;
use mail_parser::decoders::base64::base64_decode;

// The Ed25519 key pair of RFC 8463's example (appendix A), published for testing.
const SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

const ORGANIZER_DOMAIN: &str = "football.example.com";
/// The organizer domain's mail server, the only one its SPF record allows.
const ITS_SERVER: &str = "192.0.2.25";
const ELSEWHERE: &str = "198.51.100.7";

fn invitation(from: &str) -> String {
    format!(
        "From: Joe Organizer <{from}>\r\nTo: invites@rollcall.test\r\nSubject: Invitation: Team lunch\r\n\
         Date: Fri, 5 Mar 2027 10:00:00 +0000\r\nMessage-ID: <lunch-1@{ORGANIZER_DOMAIN}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n\
         BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:lunch-1\r\n\
         DTSTART:20270305T120000Z\r\nSUMMARY:Team lunch\r\nORGANIZER:mailto:{from}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// `message` with a DKIM-Signature of `domain` (selector `brisbane`) prepended.
fn signed(message: &str, domain: &str) -> Vec<u8> {
    let seed = base64_decode(SEED.as_bytes()).unwrap_or_default();
    let public = base64_decode(PUBLIC.as_bytes()).unwrap_or_default();
    let key = Ed25519Key::from_seed_and_public_key(&seed, &public).expect("the RFC 8463 key");
    let signature = DkimSigner::from_key(key)
        .domain(domain)
        .selector("brisbane")
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(message.as_bytes())
        .expect("signs");
    let mut raw = signature.to_header().into_bytes();
    raw.extend_from_slice(message.as_bytes());
    raw
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

fn txt(verifier: &DmarcVerifier, name: &str, value: impl Into<Txt>) {
    verifier
        .caches
        .txt
        .insert(format!("{name}.").into_boxed_str(), value.into(), far());
}

/// "No such name", as a cached answer.
fn nxdomain(verifier: &DmarcVerifier, name: &str) {
    let missing = mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(
        mail_auth::hickory_resolver::proto::op::ResponseCode::NXDomain,
    ));
    txt(verifier, name, Txt::Error(missing));
}

/// A verifier whose resolver has no name servers, with the organizer domain's DKIM key, SPF
/// and DMARC records (and `bank.example`'s DMARC record) in its cache.
fn verifier() -> DmarcVerifier {
    let config = ResolverConfig::from_parts(None, vec![], vec![]);
    let authenticator =
        MessageAuthenticator::new(config, ResolverOpts::default()).expect("a resolver");
    let verifier = DmarcVerifier::with_authenticator(authenticator, "rollcall.test");
    let key = format!("v=DKIM1; k=ed25519; p={PUBLIC}");
    txt(
        &verifier,
        &format!("brisbane._domainkey.{ORGANIZER_DOMAIN}"),
        DomainKey::parse(key.as_bytes()).expect("key record"),
    );
    let spf = format!("v=spf1 ip4:{ITS_SERVER} -all");
    txt(
        &verifier,
        ORGANIZER_DOMAIN,
        Spf::parse(spf.as_bytes()).expect("SPF record"),
    );
    for domain in [ORGANIZER_DOMAIN, "bank.example"] {
        txt(
            &verifier,
            &format!("_dmarc.{domain}"),
            Dmarc::parse(b"v=DMARC1; p=reject").expect("DMARC record"),
        );
    }
    // DMARC's tree walk (RFC 9989) also asks every parent domain.
    for parent in ["example.com", "com", "example"] {
        nxdomain(&verifier, &format!("_dmarc.{parent}"));
    }
    verifier
}

fn envelope(ip: &str) -> Envelope<'static> {
    Envelope {
        ip: ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
        helo: "mail.football.example.com",
        mail_from: "joe@football.example.com",
    }
}

#[tokio::test]
async fn a_dkim_signed_invitation_passes_dmarc_from_any_network() {
    let raw = signed(&invitation("joe@football.example.com"), ORGANIZER_DOMAIN);
    let verdict = verifier().verify(&raw, envelope(ELSEWHERE)).await;
    assert_eq!(
        verdict,
        Verdict {
            pass: true,
            summary: "dmarc=pass (dkim=pass spf=fail) header.from=football.example.com".into()
        }
    );
    assert!(matches!(verdict.trust(), SenderTrust::Trusted(how) if how.starts_with("dmarc=pass")));
}

#[tokio::test]
async fn an_unsigned_invitation_passes_through_aligned_spf() {
    let raw = invitation("joe@football.example.com");
    let verdict = verifier()
        .verify(raw.as_bytes(), envelope(ITS_SERVER))
        .await;
    assert!(verdict.pass, "{verdict:?}");
    assert!(verdict.summary.contains("spf=pass"), "{verdict:?}");
}

#[tokio::test]
async fn a_changed_message_from_elsewhere_fails_dmarc() {
    let raw = signed(&invitation("joe@football.example.com"), ORGANIZER_DOMAIN);
    let tampered = String::from_utf8_lossy(&raw).replace("Team lunch", "Team dinner");
    let verdict = verifier()
        .verify(tampered.as_bytes(), envelope(ELSEWHERE))
        .await;
    assert_eq!(
        verdict,
        Verdict {
            pass: false,
            summary: "dmarc=fail (dkim=neutral spf=fail) header.from=football.example.com".into()
        }
    );
    assert!(
        matches!(verdict.trust(), SenderTrust::Untrusted(why) if why.starts_with("dmarc=fail"))
    );
}

#[tokio::test]
async fn a_valid_signature_of_another_domain_does_not_vouch_for_the_from_address() {
    // Signed and sent by football.example.com, but claiming to be from bank.example.
    let raw = signed(&invitation("ceo@bank.example"), ORGANIZER_DOMAIN);
    let verdict = verifier().verify(&raw, envelope(ITS_SERVER)).await;
    assert!(!verdict.pass, "{verdict:?}");
    assert!(
        verdict
            .summary
            .starts_with("dmarc=fail (dkim=pass spf=pass) header.from=bank.example"),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_trusted_network_needs_no_dns_and_others_are_judged_by_dmarc() {
    let raw = invitation("joe@football.example.com");
    let entry = |peer: &str| InboxEntry {
        id: "1".into(),
        path: String::new(),
        rcpt_to: vec!["invites@rollcall.test".into()],
        attempts: 0,
        peer: peer.into(),
        helo: "mail.football.example.com".into(),
        mail_from: "joe@football.example.com".into(),
    };
    let check = SenderCheck {
        trusted_networks: IpNet::loopback(),
        front: None,
        dmarc: Some(verifier()),
        budget: Duration::from_secs(5),
    };
    assert_eq!(
        check.judge(&entry("127.0.0.1:4000"), raw.as_bytes()).await,
        SenderTrust::Trusted("trusted network 127.0.0.1".into())
    );
    assert_eq!(
        check
            .judge(&entry("[::ffff:127.0.0.1]:4000"), raw.as_bytes())
            .await,
        SenderTrust::Trusted("trusted network 127.0.0.1".into())
    );
    assert!(matches!(
        check.judge(&entry(&format!("{ITS_SERVER}:4000")), raw.as_bytes()).await,
        SenderTrust::Trusted(how) if how.starts_with("dmarc=pass")
    ));
    assert!(matches!(
        check.judge(&entry(&format!("{ELSEWHERE}:4000")), raw.as_bytes()).await,
        SenderTrust::Untrusted(why) if why.starts_with("dmarc=fail")
    ));
    let no_dns = SenderCheck {
        dmarc: None,
        ..check
    };
    assert!(matches!(
        no_dns.judge(&entry(&format!("{ITS_SERVER}:4000")), raw.as_bytes()).await,
        SenderTrust::Untrusted(why) if why.contains("temperror")
    ));
}

#[tokio::test]
async fn a_from_domain_without_a_dmarc_policy_is_not_trusted() {
    let verifier = verifier();
    nxdomain(&verifier, "_dmarc.plain.example");
    txt(
        &verifier,
        "plain.example",
        Spf::parse(format!("v=spf1 ip4:{ITS_SERVER} -all").as_bytes()).expect("SPF record"),
    );
    let raw = invitation("someone@plain.example");
    let verdict = verifier
        .verify(
            raw.as_bytes(),
            Envelope {
                mail_from: "someone@plain.example",
                ..envelope(ITS_SERVER)
            },
        )
        .await;
    assert_eq!(
        verdict,
        Verdict {
            pass: false,
            summary: "dmarc=none (dkim=none spf=pass) header.from=plain.example".into()
        }
    );
}

#[tokio::test]
async fn a_lookup_nobody_answers_is_a_temporary_error_not_a_pass() {
    // No records at all for this domain, and no name servers to ask.
    let raw = invitation("someone@unknown.example");
    let verdict = verifier()
        .verify(
            raw.as_bytes(),
            Envelope {
                mail_from: "someone@unknown.example",
                ..envelope(ELSEWHERE)
            },
        )
        .await;
    assert!(!verdict.pass, "{verdict:?}");
    assert!(
        verdict.summary.starts_with("dmarc=temperror"),
        "{verdict:?}"
    );
}

/// A server in front of Rollcall (open mode, loopback not trusted) vouches through its
/// Authentication-Results header: only its own authserv-id counts, only the topmost such
/// header, only on mail it delivered; its spam and virus flags drop the message.
#[tokio::test]
async fn a_named_front_server_vouches_through_its_topmost_authentication_results() {
    let entry = |peer: &str| InboxEntry {
        id: "1".into(),
        path: String::new(),
        rcpt_to: vec!["invites".into()],
        attempts: 0,
        peer: peer.into(),
        helo: "front.example.org".into(),
        mail_from: "joe@football.example.com".into(),
    };
    let check = SenderCheck {
        trusted_networks: Vec::new(),
        front: Some(FrontServer {
            authserv_id: "front.example.org".into(),
            networks: IpNet::loopback(),
        }),
        // No DNS: without the front server's word, nothing passes.
        dmarc: None,
        budget: Duration::from_secs(5),
    };
    let with = |headers: &str| format!("{headers}{}", invitation("joe@football.example.com"));
    let front = entry("127.0.0.1:4000");
    let passed = with(
        "Authentication-Results: front.example.org; dmarc=pass header.from=football.example.com\r\n",
    );
    assert_eq!(
        check.judge(&front, passed.as_bytes()).await,
        SenderTrust::Trusted("dmarc=pass (Authentication-Results of front.example.org)".into())
    );
    // The front server's own verdict says fail; a forged pass below it changes nothing.
    let forged = with(concat!(
        "Authentication-Results: front.example.org; dmarc=fail header.from=football.example.com\r\n",
        "Authentication-Results: front.example.org; dmarc=pass header.from=football.example.com\r\n",
    ));
    assert_eq!(
        check.judge(&front, forged.as_bytes()).await,
        SenderTrust::Untrusted("dmarc=fail (Authentication-Results of front.example.org)".into())
    );
    // Another server's header is not the front server's word.
    let other = with("Authentication-Results: mx.attacker.example; dmarc=pass\r\n");
    assert!(matches!(
        check.judge(&front, other.as_bytes()).await,
        SenderTrust::Untrusted(why) if why.contains("temperror")
    ));
    // The right header on mail from elsewhere (a client talking to Rollcall directly): not
    // the front server's, so not trusted.
    assert!(matches!(
        check
            .judge(&entry(&format!("{ELSEWHERE}:4000")), passed.as_bytes())
            .await,
        SenderTrust::Untrusted(_)
    ));
    // Loopback itself is not trusted any more in this setup.
    assert!(matches!(
        check
            .judge(&front, invitation("joe@football.example.com").as_bytes())
            .await,
        SenderTrust::Untrusted(_)
    ));
    // Spam and viruses, as the front server's filters flag them, are dropped.
    let spam =
        with("X-Spam-Flag: YES\r\nAuthentication-Results: front.example.org; dmarc=pass\r\n");
    assert!(matches!(
        check.judge(&front, spam.as_bytes()).await,
        SenderTrust::Dropped(why) if why.contains("spam")
    ));
    let virus = with("X-Virus-Status: Infected (Eicar)\r\n");
    assert!(matches!(
        check.judge(&front, virus.as_bytes()).await,
        SenderTrust::Dropped(why) if why.contains("virus")
    ));
}
