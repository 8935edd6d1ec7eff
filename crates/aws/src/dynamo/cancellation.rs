//! What a cancelled `TransactWriteItems` means for a commit. DynamoDB gives one reason per
//! action, in order; each action's role decides what its failed condition says: a failed
//! record (message or signal) means the step was already committed, whatever else failed.

use aws_sdk_dynamodb::types::CancellationReason;

/// What an action of the transaction is for: decides what its failed condition means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The message record or a signal: failing means "already recorded".
    Recorded,
    /// An event or invitee (version or absence) or one of their unique keys.
    Versioned,
    Counter,
    Outbox,
    /// A change record, its id marker or its stream's head: failing means another commit
    /// took the place, or stored the id, meanwhile.
    Stream,
}

/// What a cancelled transaction means.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    AlreadyRecorded,
    /// A version or uniqueness condition failed (unless it turns out to be a redelivery).
    Conflict,
    /// Only outbox inserts failed: another commit queued one of the ids meanwhile.
    OutboxTaken,
    /// A stream's head moved (or a change id was stored) meanwhile: read them again.
    StreamMoved,
    /// Another transaction was writing one of the items: try again.
    Busy,
    Unavailable(String),
}

/// Reads the cancellation reasons (one per action, in order; `None` or code `None` for an
/// action that did not fail).
pub(super) fn classify(roles: &[Role], codes: &[Option<&str>]) -> Verdict {
    if codes.len() != roles.len() {
        return Verdict::Unavailable(format!(
            "DynamoDB cancelled the transaction with {} reasons for {} actions: {codes:?}",
            codes.len(),
            roles.len()
        ));
    }
    let failed = |wanted: &dyn Fn(Role) -> bool, code: &str| {
        roles
            .iter()
            .zip(codes)
            .any(|(role, c)| wanted(*role) && *c == Some(code))
    };
    const CONDITION: &str = "ConditionalCheckFailed";
    if failed(&|r| r == Role::Recorded, CONDITION) {
        return Verdict::AlreadyRecorded;
    }
    if failed(&|r| r == Role::Versioned, CONDITION) {
        return Verdict::Conflict;
    }
    let other: Vec<&str> = codes
        .iter()
        .flatten()
        .copied()
        .filter(|c| !matches!(*c, "None" | CONDITION | "TransactionConflict"))
        .collect();
    if !other.is_empty() {
        return Verdict::Unavailable(format!(
            "DynamoDB cancelled the transaction: {}",
            other.join(", ")
        ));
    }
    // The head of an organizer's stream is written by every commit with a record for them,
    // so it is where concurrent commits meet: a conflict on it is a moved head too.
    if failed(&|r| r == Role::Stream, CONDITION)
        || failed(&|r| r == Role::Stream, "TransactionConflict")
    {
        return Verdict::StreamMoved;
    }
    if failed(&|r| r == Role::Outbox, CONDITION) {
        return Verdict::OutboxTaken;
    }
    if failed(&|_| true, "TransactionConflict") {
        return Verdict::Busy;
    }
    Verdict::Unavailable(format!(
        "DynamoDB cancelled the transaction for no reason it gave: {codes:?}"
    ))
}

pub(super) fn codes(reasons: &[CancellationReason]) -> Vec<Option<&str>> {
    reasons.iter().map(|r| r.code()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CCF: Option<&str> = Some("ConditionalCheckFailed");
    const NONE: Option<&str> = Some("None");
    const BUSY: Option<&str> = Some("TransactionConflict");
    use Role::{Counter, Outbox, Recorded, Stream, Versioned};

    #[test]
    fn a_recorded_marker_wins_over_every_other_failure() {
        let roles = [Recorded, Recorded, Versioned, Counter, Outbox];
        let verdict = classify(&roles, &[NONE, CCF, CCF, NONE, CCF]);
        assert_eq!(verdict, Verdict::AlreadyRecorded);
        let verdict = classify(&roles, &[CCF, NONE, None, Some("ThrottlingError"), NONE]);
        assert_eq!(verdict, Verdict::AlreadyRecorded);
    }

    #[test]
    fn versions_and_keys_conflict_and_outbox_inserts_retry() {
        let roles = [Recorded, Versioned, Outbox];
        assert_eq!(classify(&roles, &[NONE, CCF, CCF]), Verdict::Conflict);
        assert_eq!(classify(&roles, &[NONE, NONE, CCF]), Verdict::OutboxTaken);
        assert_eq!(classify(&roles, &[None, None, CCF]), Verdict::OutboxTaken);
        assert_eq!(classify(&roles, &[BUSY, NONE, NONE]), Verdict::Busy);
        assert_eq!(classify(&roles, &[BUSY, NONE, CCF]), Verdict::OutboxTaken);
    }

    #[test]
    fn a_moved_stream_head_is_read_again_unless_the_step_is_done_or_conflicts() {
        let roles = [Recorded, Versioned, Stream, Stream, Outbox];
        let moved = classify(&roles, &[NONE, NONE, NONE, CCF, CCF]);
        assert_eq!(moved, Verdict::StreamMoved);
        let busy = classify(&roles, &[NONE, NONE, NONE, BUSY, NONE]);
        assert_eq!(busy, Verdict::StreamMoved);
        let done = classify(&roles, &[CCF, NONE, NONE, CCF, NONE]);
        assert_eq!(done, Verdict::AlreadyRecorded);
        let conflict = classify(&roles, &[NONE, CCF, NONE, CCF, NONE]);
        assert_eq!(conflict, Verdict::Conflict);
    }

    #[test]
    fn anything_else_is_unavailable() {
        let roles = [Recorded, Counter];
        let verdict = classify(&roles, &[NONE, Some("ValidationError")]);
        assert!(matches!(verdict, Verdict::Unavailable(m) if m.contains("ValidationError")));
        assert!(matches!(classify(&roles, &[CCF]), Verdict::Unavailable(_)));
        assert!(matches!(
            classify(&roles, &[NONE, NONE]),
            Verdict::Unavailable(_)
        ));
    }
}
