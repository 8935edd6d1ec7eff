//! Deterministic event and invitee ids.

use rollcall_core::event::EventId;
use rollcall_core::invitee::InviteeId;
use rollcall_core::ports::IdSource;
use std::sync::atomic::{AtomicU64, Ordering};

/// An [`IdSource`] handing out [`SequentialIds::nth`]`(0)`, `nth(1)`, ... for events and
/// [`SequentialIds::nth_invitee`]`(0)`, `nth_invitee(1)`, ... for invitees, each in its own
/// call order. Every id is valid, no two are equal, and invitee ids sort in call order.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
    next_invitee: AtomicU64,
}

impl SequentialIds {
    pub fn new() -> SequentialIds {
        SequentialIds::default()
    }

    /// The event id the `n`-th call (counting from 0) returns, so tests can name ids in advance.
    pub fn nth(n: u64) -> EventId {
        // The counter's base-57 digits, one per character: 57^12 > 2^64, and digits below the
        // alphabet's length map to distinct characters, so distinct counters give distinct ids.
        let mut bytes = [0u8; EventId::LEN];
        let mut rest = n;
        for byte in bytes.iter_mut().rev() {
            *byte = (rest % 57) as u8;
            rest /= 57;
        }
        EventId::from_random(bytes)
    }

    /// The invitee id the `n`-th call (counting from 0) returns. `nth_invitee(a) <
    /// nth_invitee(b)` exactly when `a < b`, so tests know the order stores list them in.
    pub fn nth_invitee(n: u64) -> InviteeId {
        // The counter's base-32 digits (32^16 > 2^64), one per character. `from_random` maps a
        // byte to its alphabet `abc...z234567` by `byte & 31`; digit d picks the byte whose
        // letter is the d-th in byte order (`2` < ... < `7` < `a` < ... < `z`), so the ids
        // compare like the counters.
        let mut bytes = [0u8; InviteeId::LEN];
        let mut rest = n;
        for byte in bytes.iter_mut().rev() {
            let digit = (rest % 32) as u8;
            *byte = if digit < 6 { 26 + digit } else { digit - 6 };
            rest /= 32;
        }
        InviteeId::from_random(bytes)
    }

    /// How many event ids were handed out so far.
    pub fn issued(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    /// How many invitee ids were handed out so far.
    pub fn invitees_issued(&self) -> u64 {
        self.next_invitee.load(Ordering::SeqCst)
    }
}

impl IdSource for SequentialIds {
    fn event_id(&self) -> EventId {
        SequentialIds::nth(self.next.fetch_add(1, Ordering::SeqCst))
    }

    fn invitee_id(&self) -> InviteeId {
        SequentialIds::nth_invitee(self.next_invitee.fetch_add(1, Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_distinct_and_in_call_order() {
        let ids = SequentialIds::new();
        let first = ids.event_id();
        let second = ids.event_id();
        assert_eq!(first, SequentialIds::nth(0));
        assert_eq!(second, SequentialIds::nth(1));
        assert_ne!(first, second);
        assert_eq!(ids.issued(), 2);
        for n in [0, 1, 56, 57, 58, u64::MAX] {
            let id = SequentialIds::nth(n);
            assert_eq!(EventId::parse(id.as_str()), Some(id.clone()), "{n}");
        }
        assert_ne!(SequentialIds::nth(56), SequentialIds::nth(57 * 56));
    }

    #[test]
    fn invitee_ids_are_valid_distinct_and_sort_in_call_order() {
        let ids = SequentialIds::new();
        let _event = ids.event_id();
        assert_eq!(ids.invitee_id(), SequentialIds::nth_invitee(0));
        assert_eq!(ids.invitee_id(), SequentialIds::nth_invitee(1));
        assert_eq!((ids.issued(), ids.invitees_issued()), (1, 2));
        let counters = [
            0,
            1,
            5,
            6,
            25,
            26,
            31,
            32,
            33,
            1023,
            1024,
            u64::MAX - 1,
            u64::MAX,
        ];
        let made: Vec<InviteeId> = counters
            .iter()
            .map(|n| SequentialIds::nth_invitee(*n))
            .collect();
        for (n, id) in counters.iter().zip(&made) {
            assert_eq!(InviteeId::parse(id.as_str()), Some(id.clone()), "{n}");
        }
        for pair in made.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
    }
}
