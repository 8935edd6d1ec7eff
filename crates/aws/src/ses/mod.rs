//! What SES sends Rollcall: receipt notifications and event publishing records.
//!
//! Both arrive as SQS message bodies, either as an SNS envelope (`{"Type":"Notification",
//! "Message":"<json>",...}`) or, with raw message delivery enabled on the subscription, as the
//! SES JSON itself; both forms are accepted everywhere. Bodies over [`MAX_BODY_BYTES`] are
//! refused before parsing. Parsing never panics, and every [`SesError`] is permanent: the same
//! body gives the same error, so the caller reports it as a failed (poison) message rather
//! than retrying it.
//!
//! - [`receipt`]: `notificationType: "Received"` with an S3 action → where the raw mail is, who
//!   it was for, and the SPF/DKIM/DMARC/spam/virus verdicts.
//! - [`events`]: configuration-set event records (Send, Delivery, Bounce, ...) → a
//!   [`rollcall_core::usecase::provider::ProviderAction`] for the invitee named by our Message-ID.

mod body;
mod error;
pub mod events;
pub mod receipt;

pub use body::MAX_BODY_BYTES;
pub use error::SesError;
pub use events::{EventDetail, EventMessage, Mapped, SesEvent, parse_event, provider_action};
pub use receipt::{Receipt, ReceiptMessage, Verdict, Verdicts, parse_receipt};
