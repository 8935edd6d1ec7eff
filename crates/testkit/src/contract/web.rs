//! Cases that drive what invitees do on the web (`rsvp`, `unsubscribe`) and the fan-out of
//! an organizer's change (`deliver_due`) through the store, end to end.

use super::{OLGA, at, counters, counts, event, insert};
use crate::SequentialIds;
use chrono::{DateTime, Utc};
use rollcall_core::event::Event;
use rollcall_core::imip::Mailbox;
use rollcall_core::invitee::{Invitee, InviteeId, personal_uid};
use rollcall_core::notice::{InvitationKind, Notice, OutboxMessage};
use rollcall_core::ports::{Commit, Committed, InviteeStore, OutboxStore, Store};
use rollcall_core::status::{Answer, Channel};
use rollcall_core::usecase::rsvp::{
    RsvpError, RsvpRequest, RsvpSettings, Rsvped, UnsubscribeScope, rsvp, unsubscribe,
};

const DOMAIN: &str = "rollcall.test";

pub(super) async fn open_event<S: Store>(store: &S) -> Event {
    let planning = event(1, OLGA, "uid-1");
    let commit = Commit {
        events: vec![insert(&planning)],
        ..Commit::default()
    };
    let result = store.commit(&commit).await;
    assert!(matches!(result, Ok(Committed::Applied)), "{result:?}");
    planning
}

/// One submit of the public page's form, `seconds` into the case.
pub(super) struct Form<'a> {
    pub(super) name: &'a str,
    pub(super) email: &'a str,
    pub(super) answer: Answer,
    pub(super) nonce: &'a str,
    pub(super) seconds: i64,
}

pub(super) async fn submit<S: Store>(
    store: &S,
    ids: &SequentialIds,
    event: &Event,
    form: Form<'_>,
) -> InviteeId {
    match try_submit(store, ids, event, form).await {
        Ok(Rsvped::Invited(id) | Rsvped::AlreadyInvited(id)) => id,
        Err(error) => panic!("the RSVP is not taken: {error}"),
    }
}

async fn try_submit<S: Store>(
    store: &S,
    ids: &SequentialIds,
    event: &Event,
    form: Form<'_>,
) -> Result<Rsvped, RsvpError> {
    let request = RsvpRequest {
        event_id: &event.id,
        name: form.name,
        email: form.email,
        answer: form.answer,
        nonce: form.nonce,
    };
    let settings = RsvpSettings::new(DOMAIN);
    rsvp(&request, &settings, store, ids, at(form.seconds)).await
}

pub(super) async fn read<S: InviteeStore>(store: &S, id: &InviteeId) -> Invitee {
    let invitee = store.invitee(id).await.expect("read invitee");
    invitee.expect("the invitee exists")
}

pub(super) fn values(invitee: &Invitee) -> [Option<&'static str>; 3] {
    ["delivery", "response", "reachability"].map(|track| invitee.status.value(track))
}

/// Every pending outbox message due by the end of the day.
pub(super) async fn pending<S: OutboxStore>(store: &S) -> Vec<OutboxMessage> {
    let due = store.due_outbox(at(86_400), 100).await.expect("due_outbox");
    due.into_iter().map(|d| d.message).collect()
}

pub(super) fn invitation(
    invitee: &Invitee,
    id: String,
    event: &Event,
    created_at: DateTime<Utc>,
) -> OutboxMessage {
    OutboxMessage {
        id,
        to: Mailbox {
            email: invitee.email.clone(),
            name: invitee.name.clone(),
        },
        notice: Notice::Invitation {
            invitee: Box::new(invitee.clone()),
            method: InvitationKind::Request,
            recurrence_id: None,
            sequence: invitee.sequence,
            cause: rollcall_core::notice::InvitationCause::Organizer,
        },
        event: event.clone(),
        created_at,
    }
}

pub async fn a_web_rsvp_creates_an_invitee_with_its_invitation_and_counters<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let form = Form {
        name: " Ann  Example ",
        email: " Ann@Example.org ",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let id = submit(store, &source, &planning, form).await;
    assert_eq!(id, SequentialIds::nth_invitee(0));

    let ann = read(store, &id).await;
    let by_email = store
        .invitee_by_email(&planning.id, "ann@example.org")
        .await;
    assert_eq!(by_email.expect("read by email"), Some(ann.clone()));
    assert_eq!(
        (ann.email.as_str(), ann.name.as_deref(), ann.joined_via),
        ("ann@example.org", Some("Ann Example"), Channel::Web)
    );
    assert_eq!((ann.sequence, ann.version), (1, 1));
    assert_eq!(ann.uid, personal_uid(&id, DOMAIN));
    assert_eq!(values(&ann), [Some("queued"), Some("accepted"), Some("ok")]);

    // The personal invitation is queued in the same commit, at SEQUENCE 1.
    let expected = invitation(&ann, format!("inv-{id}-1"), &planning, at(10));
    assert_eq!(pending(store).await, vec![expected]);
    assert_eq!(
        counters(store, &planning.id).await,
        counts(&[
            ("delivery", "queued", 1),
            ("response", "accepted", 1),
            ("reachability", "ok", 1),
        ])
    );

    let history = store.signals_of(&id).await.expect("history");
    let keys: Vec<&str> = history
        .iter()
        .map(|r| r.signal.dedupe_key.as_str())
        .collect();
    assert_eq!(keys, ["listed", "web:n1", &format!("queued:inv-{id}-1")]);
    assert!(
        history
            .iter()
            .all(|r| r.invitee_id == id && r.event_id == planning.id)
    );
    assert!(
        history[1].effect.contains("accepted"),
        "{}",
        history[1].effect
    );
}

/// DESIGN §2.4: the public form is no credential — anyone can type anyone's address. A web
/// RSVP for an address already on the list changes nothing about that invitee (not the name,
/// not the answer) and mails the address its own link instead, at most once an hour.
pub async fn a_web_rsvp_for_a_known_address_changes_nothing_and_mails_its_link<S: Store>(
    store: &S,
) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let first = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let outcome = try_submit(store, &source, &planning, first).await;
    let id = SequentialIds::nth_invitee(0);
    assert_eq!(outcome.expect("taken"), Rsvped::Invited(id.clone()));
    let ann = read(store, &id).await;
    let invited = pending(store).await;
    let history = store.signals_of(&id).await.expect("history");
    let answered = counts(&[
        ("delivery", "queued", 1),
        ("response", "accepted", 1),
        ("reachability", "ok", 1),
    ]);

    // Someone else types Ann's address, another name and another answer.
    let second = Form {
        name: "Mallory",
        email: "ANN@Example.ORG",
        answer: Answer::Declined,
        nonce: "n2",
        seconds: 20,
    };
    let outcome = try_submit(store, &source, &planning, second).await;
    assert_eq!(outcome.expect("taken"), Rsvped::AlreadyInvited(id.clone()));
    assert_eq!(read(store, &id).await, ann, "the invitee is untouched");
    assert_eq!(store.signals_of(&id).await.expect("history"), history);
    assert_eq!(counters(store, &planning.id).await, answered);
    let everyone = store.invitees_of(&planning.id, None, 100).await;
    assert_eq!(everyone.expect("invitees_of"), vec![ann.clone()]);
    assert_eq!(source.invitees_issued(), 1);
    // Ann's own mailbox gets her link; nobody else gets anything.
    let link = OutboxMessage {
        id: format!("link-{id}-{}", at(20).format("%Y%m%d%H")),
        to: Mailbox {
            email: "ann@example.org".into(),
            name: Some("Ann".into()),
        },
        notice: Notice::OwnLink {
            invitee: Box::new(ann.clone()),
        },
        event: planning.clone(),
        created_at: at(20),
    };
    let mut expected = invited.clone();
    expected.push(link);
    assert_eq!(pending(store).await, expected);

    // Again within the hour: still nothing changes, and no second mail.
    let again = Form {
        name: "",
        email: "ann@example.org",
        answer: Answer::Tentative,
        nonce: "n3",
        seconds: 30,
    };
    let outcome = try_submit(store, &source, &planning, again).await;
    assert_eq!(outcome.expect("taken"), Rsvped::AlreadyInvited(id.clone()));
    assert_eq!(pending(store).await, expected);
    assert_eq!(read(store, &id).await, ann);

    // The same form submitted twice by Ann herself is applied once (and is then the known
    // address case: nothing more).
    let twice = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 40,
    };
    assert_eq!(submit(store, &source, &planning, twice).await, id);
    assert_eq!(store.signals_of(&id).await.expect("history"), history);
    assert_eq!(counters(store, &planning.id).await, answered);
}

/// Rollcall's own addresses (its domain, any local part) and address literals never become
/// invitees: a personal invitation to `invites@` would come back in as organizer mail.
pub async fn a_web_rsvp_refuses_rollcalls_own_addresses_and_address_literals<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    for (email, refused) in [
        ("invites@rollcall.test", "own"),
        ("rsvp+abc@Rollcall.Test", "own"),
        ("postmaster@rollcall.test", "own"),
        ("a@mail.rollcall.test", "own"),
        ("a@[127.0.0.1]", "invalid"),
        ("a@localhost", "invalid"),
    ] {
        let form = Form {
            name: "",
            email,
            answer: Answer::Accepted,
            nonce: "n",
            seconds: 10,
        };
        let outcome = try_submit(store, &source, &planning, form).await;
        let matches = match refused {
            "own" => matches!(outcome, Err(RsvpError::OwnAddress)),
            _ => matches!(outcome, Err(RsvpError::InvalidEmail)),
        };
        assert!(matches, "{email}: {outcome:?}");
    }
    let everyone = store.invitees_of(&planning.id, None, 100).await;
    assert_eq!(everyone.expect("invitees_of"), vec![]);
    assert_eq!(pending(store).await, vec![]);
}

pub async fn unsubscribing_makes_an_invitee_unreachable_once<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let form = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let id = submit(store, &source, &planning, form).await;

    let left = unsubscribe(&id, UnsubscribeScope::ThisEvent, store, at(40))
        .await
        .expect("unsubscribe");
    assert_eq!(
        values(&left),
        [Some("queued"), Some("accepted"), Some("unsubscribed")]
    );
    assert!(!left.reachable());
    assert_eq!(read(store, &id).await, left);
    let unsubscribed = counts(&[
        ("delivery", "queued", 1),
        ("response", "accepted", 1),
        ("reachability", "unsubscribed", 1),
    ]);
    assert_eq!(counters(store, &planning.id).await, unsubscribed);

    // A second click (or a mail client's one-click POST after the button) changes nothing.
    let again = unsubscribe(&id, UnsubscribeScope::ThisEvent, store, at(50))
        .await
        .expect("unsubscribe");
    assert_eq!(again, left);
    assert_eq!(read(store, &id).await, left);
    assert_eq!(counters(store, &planning.id).await, unsubscribed);
    let history = store.signals_of(&id).await.expect("history");
    let unsubscribes = history
        .iter()
        .filter(|r| r.signal.dedupe_key == "unsubscribe");
    assert_eq!(unsubscribes.count(), 1);
}

pub async fn a_past_event_takes_no_more_answers_or_guests_but_still_lets_people_leave<S: Store>(
    store: &S,
) {
    // The case's event is all day on 10 March 2026: over everywhere at 11 March, 12:00 UTC.
    let planning = open_event(store).await;
    let over = (rollcall_core::schedule::over_at(&planning.details, &[]).expect("an end") - at(0))
        .num_seconds();
    let source = SequentialIds::new();
    let answer = |email: &'static str, nonce: &'static str, seconds: i64| Form {
        name: "",
        email,
        answer: Answer::Accepted,
        nonce,
        seconds,
    };
    let ann = submit(
        store,
        &source,
        &planning,
        answer("ann@example.org", "n1", over - 1),
    )
    .await;

    let late = try_submit(
        store,
        &source,
        &planning,
        answer("bob@example.org", "n2", over),
    )
    .await;
    assert!(matches!(late, Err(RsvpError::Over)), "{late:?}");
    assert!(
        store
            .invitee_by_email(&planning.id, "bob@example.org")
            .await
            .expect("read")
            .is_none(),
        "nobody new on the list"
    );
    let changed =
        rollcall_core::usecase::rsvp::change_answer(&ann, Answer::Declined, "n3", store, at(over))
            .await;
    assert!(matches!(changed, Err(RsvpError::Over)), "{changed:?}");
    assert_eq!(
        read(store, &ann).await.status.value("response"),
        Some("accepted")
    );
    let lines =
        rollcall_core::usecase::report::pasted::read_pasted("cy@example.org").expect("short");
    let added = rollcall_core::usecase::invite::add_invitees(
        &planning.id,
        lines,
        &RsvpSettings::new(DOMAIN),
        store,
        &source,
        at(over),
    )
    .await;
    assert!(matches!(added, Err(RsvpError::Over)), "{added:?}");

    // Leaving is always possible.
    unsubscribe(&ann, UnsubscribeScope::ThisEvent, store, at(over))
        .await
        .expect("unsubscribe");
    assert_eq!(
        read(store, &ann).await.status.value("reachability"),
        Some("unsubscribed")
    );
}

pub async fn a_changed_answer_updates_the_invitees_calendar_copy_once<S: Store>(store: &S) {
    let planning = open_event(store).await;
    let source = SequentialIds::new();
    let form = Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce: "n1",
        seconds: 10,
    };
    let ann = submit(store, &source, &planning, form).await;
    let change = |answer, nonce: &'static str, seconds| {
        rollcall_core::usecase::rsvp::change_answer(&ann, answer, nonce, store, at(seconds))
    };
    change(Answer::Declined, "n2", 20).await.expect("changed");
    change(Answer::Declined, "n2", 21)
        .await
        .expect("the same form twice");
    change(Answer::Declined, "n3", 22)
        .await
        .expect("the same answer again");

    use rollcall_core::notice::InvitationCause;
    type Seen = (String, i64, Option<String>, InvitationCause);
    let invitations: Vec<Seen> = store
        .due_outbox(at(30), 100)
        .await
        .expect("due")
        .into_iter()
        .filter_map(|due| match due.message.notice {
            Notice::Invitation {
                invitee,
                method: InvitationKind::Request,
                sequence,
                cause,
                ..
            } => Some((
                due.message.id,
                sequence,
                invitee.status.value("response").map(str::to_string),
                cause,
            )),
            _ => None,
        })
        .collect();
    let answer = |s: &str| Some(s.to_string());
    assert_eq!(
        invitations,
        [
            (
                format!("inv-{ann}-1"),
                1,
                answer("accepted"),
                InvitationCause::Organizer
            ),
            (
                format!("inv-{ann}-2"),
                2,
                answer("declined"),
                InvitationCause::AnswerChanged
            ),
        ],
        "the first invitation, then one update with the new answer"
    );
    let ann_now = read(store, &ann).await;
    assert_eq!(ann_now.sequence, 2);
    assert_eq!(ann_now.status.value("delivery"), Some("queued"));

    // Someone who unsubscribed gets no mail for their answer.
    unsubscribe(&ann, UnsubscribeScope::ThisEvent, store, at(40))
        .await
        .expect("unsubscribe");
    change(Answer::Accepted, "n4", 41).await.expect("changed");
    assert_eq!(read(store, &ann).await.sequence, 2, "no update queued");
}
