//! Event and invitee ids from a CSPRNG (rand's thread generator: ChaCha seeded from the OS).

use rand::RngCore;
use rollcall_core::event::EventId;
use rollcall_core::invitee::InviteeId;
use rollcall_core::ports::IdSource;

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
