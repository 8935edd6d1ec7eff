//! The ports the use cases drive. Shaped by what DynamoDB can do atomically (conditional
//! writes, bounded transactions, key lookups), so every adapter can honour them exactly.

use crate::change::{ChangeQuery, ChangeRecord, StoredChange};
use crate::event::{Event, EventId};
use crate::imip::Mailbox;
use crate::invitee::{Invitee, InviteeId};
use crate::notice::OutboxMessage;
use crate::outcome::Outcome;
use crate::status::Signal;
use crate::suppression::Suppression;
use crate::usecase::delegation::{Delegation, DelegationScope};
use crate::webhook::attempts::Answer;
use crate::webhook::endpoint::{DeliveryAttempt, Endpoint};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

mod commit;
mod layer;
mod outbox;
mod stores;

pub use commit::*;
pub use layer::*;
pub use outbox::*;
pub use stores::*;
