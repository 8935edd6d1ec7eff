//! Walking an event's invitees page by page, in id order: the one loop the lists, the exports
//! and the fan-out read invitees through, bounded in memory by the page size.

use crate::event::EventId;
use crate::invitee::{Invitee, InviteeId};
use crate::ports::{InviteeStore, StoreError};

/// Where a walk over one event's invitees stands.
#[derive(Debug, Clone)]
pub struct InviteePages {
    event: EventId,
    after: Option<InviteeId>,
    size: usize,
    done: bool,
}

impl InviteePages {
    /// From the first invitee, `size` (at least 1) at a time.
    pub fn new(event: EventId, size: usize) -> InviteePages {
        InviteePages::after(event, None, size)
    }

    /// From the invitee after `after` (a walk resumed where an earlier one stopped).
    pub fn after(event: EventId, after: Option<InviteeId>, size: usize) -> InviteePages {
        InviteePages {
            event,
            after,
            size: size.max(1),
            done: false,
        }
    }

    /// The last invitee read so far (or the one the walk resumed after).
    pub fn last(&self) -> Option<&InviteeId> {
        self.after.as_ref()
    }

    /// The next page, or `None` once every invitee was read. A page that does not move past
    /// the last one read would loop forever: a store bug, reported rather than spun on.
    pub async fn next(
        &mut self,
        store: &dyn InviteeStore,
    ) -> Result<Option<Vec<Invitee>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = store
            .invitees_of(&self.event, self.after.as_ref(), self.size)
            .await?;
        let Some(last) = page.last() else {
            self.done = true;
            return Ok(None);
        };
        if self.after.as_ref().is_some_and(|after| &last.id <= after) {
            self.done = true;
            return Err(StoreError::Unavailable(
                "invitee paging did not advance".into(),
            ));
        }
        self.after = Some(last.id.clone());
        self.done = page.len() < self.size;
        Ok(Some(page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SignalRecord;
    use crate::test_support::block;
    use async_trait::async_trait;

    /// Invitees 1..=n of one event; `stuck` answers every read with the first page.
    struct Fake {
        invitees: Vec<Invitee>,
        stuck: bool,
    }

    fn invitee(n: u8) -> Invitee {
        let mut json = serde_json::json!({
            "id": InviteeId::from_random([n; InviteeId::LEN]),
            "event_id": EventId::NONE, "email": format!("guest{n}@example.org"), "name": null,
            "joined_via": "web", "uid": "u", "sequence": 1,
            "created_at": "2027-01-01T00:00:00Z", "updated_at": "2027-01-01T00:00:00Z",
            "version": 1,
        });
        json["status"] = serde_json::to_value(crate::status::InviteeStatus::initial(
            &crate::status::INVITEE_MODEL,
        ))
        .unwrap_or_default();
        serde_json::from_value(json).expect("an invitee")
    }

    #[async_trait]
    impl InviteeStore for Fake {
        async fn invitee(&self, _: &InviteeId) -> Result<Option<Invitee>, StoreError> {
            Ok(None)
        }
        async fn invitee_by_email(
            &self,
            _: &EventId,
            _: &str,
        ) -> Result<Option<Invitee>, StoreError> {
            Ok(None)
        }
        async fn invitees_of(
            &self,
            _: &EventId,
            after: Option<&InviteeId>,
            limit: usize,
        ) -> Result<Vec<Invitee>, StoreError> {
            let after = after.filter(|_| !self.stuck);
            Ok(self
                .invitees
                .iter()
                .filter(|i| after.is_none_or(|a| &i.id > a))
                .take(limit)
                .cloned()
                .collect())
        }
        async fn signals_of(&self, _: &InviteeId) -> Result<Vec<SignalRecord>, StoreError> {
            Ok(Vec::new())
        }
        async fn counters(&self, _: &EventId) -> Result<Vec<(String, String, i64)>, StoreError> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn a_walk_reads_every_invitee_once_and_stops_a_store_that_does_not_advance() {
        let store = Fake {
            invitees: (1..=5).map(invitee).collect(),
            stuck: false,
        };
        let mut pages = InviteePages::new(EventId::NONE, 2);
        let mut sizes = Vec::new();
        while let Some(page) = block(pages.next(&store)).expect("reads") {
            sizes.push(page.len());
        }
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(pages.last(), Some(&store.invitees[4].id));

        let stuck = Fake {
            stuck: true,
            ..store
        };
        let mut pages = InviteePages::new(EventId::NONE, 2);
        assert!(block(pages.next(&stuck)).expect("first page").is_some());
        assert!(matches!(
            block(pages.next(&stuck)),
            Err(StoreError::Unavailable(_))
        ));
        assert!(block(pages.next(&stuck)).expect("ended").is_none());
    }
}
