//! Event and invitee ids from a CSPRNG (rand's thread generator: ChaCha seeded from the OS).
//! The one adapter the core carries itself: every runtime needs exactly this one.

use crate::event::EventId;
use crate::invitee::InviteeId;
use crate::ports::IdSource;
use rand::RngCore;

#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn event_id(&self) -> EventId {
        let mut bytes = [0u8; EventId::LEN];
        rand::rng().fill_bytes(&mut bytes);
        EventId::from_random(bytes)
    }

    fn invitee_id(&self) -> InviteeId {
        let mut bytes = [0u8; InviteeId::LEN];
        rand::rng().fill_bytes(&mut bytes);
        InviteeId::from_random(bytes)
    }
}
