//! Outbound transports. Both take the same composed MIME from `rollcall-mail`.

mod file;
mod relay;

pub use file::FileMailer;
pub use relay::RelayMailer;
