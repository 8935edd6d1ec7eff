//! What SES sends Rollcall: receipt notifications and event publishing records.
