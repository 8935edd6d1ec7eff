//! Rollcall's outgoing mail: askama templates from `templates/` (one folder per message, with
//! subject, text and HTML) and the MIME builder every transport uses.

mod headers;
mod invitation;
mod notices;

pub use headers::header_safe;
pub use invitation::{
    AnsweredOccurrence, Exceptions, InvitationMethod, PersonalInvitation, build_invitation,
    write_icalendar, write_public_calendar,
};
pub use notices::{MailComposer, MailSettings};
