//! The SES v2 mailer: [`SesMailer`] sends the raw MIME built by `rollcall-mail` with
//! `SendEmail` (`EmailContent::Raw`), under the configuration set that publishes delivery events.
//!
//! # Errors
//!
//! SES errors map onto the core's three kinds of [`SendError`] so:
//!
//! - throttling (`TooManyRequestsException`, `Throttling`, "Maximum sending rate exceeded"):
//!   `Transient`, the message backs off (with jitter) and is retried;
//! - the daily quota reached ("Daily message quota exceeded", `LimitExceededException`):
//!   `Unavailable`, nothing more goes today, so the outbox pauses and probes;
//! - sending paused (`SendingPausedException`, `AccountSuspendedException`, and the configuration
//!   set missing), or SES not reachable at all: `Unavailable`; the outbox pauses (the worker
//!   alerts a human when it begins) and probes, one message at a time, until it sends again;
//! - the message itself refused (`MessageRejected`, `MailFromDomainNotVerifiedException`,
//!   `BadRequestException`): `Permanent` for that message, recorded;
//! - anything else (5xx, an unreadable answer, unknown codes): `Transient`.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use rollcall_core::ports::{ComposedMail, Mailer, SendError};

/// What an SES error means for the message that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Sending too fast: retry this message later, with backoff.
    Throttled,
    /// The day's quota is used up: nothing sends until it renews; pause.
    Quota,
    /// The account cannot send at all until an operator acts (or SES cannot be reached):
    /// pause and alert.
    Paused,
    /// This message will never be accepted.
    Permanent,
    /// Anything else: retry later.
    Transient,
}

/// Classifies an SES error by its code and message (a pure function, for the SDK's typed
/// errors and for codes the SDK does not know).
pub fn classify(code: &str, message: &str) -> Class {
    let lower = message.to_ascii_lowercase();
    if lower.contains("daily message quota") {
        return Class::Quota;
    }
    if lower.contains("maximum sending rate exceeded") {
        return Class::Throttled;
    }
    match code {
        "TooManyRequestsException" | "Throttling" | "ThrottlingException" => Class::Throttled,
        "LimitExceededException" => Class::Quota,
        "SendingPausedException"
        | "AccountSuspendedException"
        | "AccountSendingPausedException"
        | "ConfigurationSetSendingPausedException"
        | "NotFoundException"
        | "ConfigurationSetDoesNotExist" => Class::Paused,
        "MessageRejected"
        | "MailFromDomainNotVerifiedException"
        | "MailFromDomainNotVerified"
        | "BadRequestException"
        | "InvalidParameterValue" => Class::Permanent,
        _ => Class::Transient,
    }
}

/// Classifies a typed `SendEmail` error.
pub fn classify_send_error(error: &SendEmailError) -> Class {
    match error {
        // By the message too: the quota's words may come with either code.
        SendEmailError::TooManyRequestsException(_) => {
            classify("TooManyRequestsException", error.message().unwrap_or(""))
        }
        SendEmailError::LimitExceededException(_) => {
            classify("LimitExceededException", error.message().unwrap_or(""))
        }
        SendEmailError::SendingPausedException(_)
        | SendEmailError::AccountSuspendedException(_)
        | SendEmailError::NotFoundException(_) => Class::Paused,
        SendEmailError::MessageRejected(_)
        | SendEmailError::MailFromDomainNotVerifiedException(_)
        | SendEmailError::BadRequestException(_) => {
            classify("MessageRejected", error.message().unwrap_or(""))
        }
        other => classify(other.code().unwrap_or(""), other.message().unwrap_or("")),
    }
}

/// The core's [`SendError`] for a class and a description.
pub fn send_error(class: Class, description: &str) -> SendError {
    match class {
        Class::Throttled => SendError::Transient(format!("SES throttled: {description}")),
        Class::Quota => SendError::Unavailable(format!("SES daily quota reached: {description}")),
        Class::Paused => SendError::Unavailable(format!("SES is not sending: {description}")),
        Class::Permanent => SendError::Permanent(format!("SES refused: {description}")),
        Class::Transient => SendError::Transient(format!("SES: {description}")),
    }
}

fn from_sdk<R>(error: SdkError<SendEmailError, R>) -> SendError
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let class = match &error {
        SdkError::ServiceError(context) => classify_send_error(context.err()),
        // SES could not be reached at all (after the SDK's own retries): no message would go.
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Class::Paused,
        // Sent but the answer was unreadable: nothing says the message was refused.
        _ => Class::Transient,
    };
    send_error(class, &DisplayErrorContext(&error).to_string())
}

/// [`Mailer`] on SES v2.
#[derive(Debug, Clone)]
pub struct SesMailer {
    pub client: Client,
    /// The configuration set whose event destination publishes delivery events.
    pub configuration_set: String,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: impl Into<String>) -> SesMailer {
        SesMailer {
            client,
            configuration_set: configuration_set.into(),
        }
    }

    /// A mailer with the SDK configured from the environment (on Lambda, the function's role).
    pub async fn from_env(configuration_set: impl Into<String>) -> SesMailer {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        SesMailer::new(Client::new(&config), configuration_set)
    }

    /// Sends one message; the SES message id on success.
    pub async fn send_raw(&self, mail: &ComposedMail) -> Result<String, SendError> {
        let raw = RawMessage::builder()
            .data(Blob::new(mail.raw.clone()))
            .build()
            .map_err(|e| SendError::Permanent(format!("SES request not built: {e}")))?;
        let mut request = self
            .client
            .send_email()
            .from_email_address(&mail.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(EmailContent::builder().raw(raw).build());
        if !self.configuration_set.is_empty() {
            request = request.configuration_set_name(&self.configuration_set);
        }
        let output = request.send().await.map_err(from_sdk)?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        self.send_raw(mail).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sesv2::types::error::{
        AccountSuspendedException, BadRequestException, LimitExceededException,
        MailFromDomainNotVerifiedException, MessageRejected, SendingPausedException,
        TooManyRequestsException,
    };

    #[test]
    fn throttling_is_throttled_and_the_daily_quota_pauses() {
        assert_eq!(
            classify("TooManyRequestsException", "Too many requests"),
            Class::Throttled
        );
        assert_eq!(
            classify("Throttling", "Maximum sending rate exceeded."),
            Class::Throttled
        );
        assert_eq!(
            classify("SomethingNew", "Maximum sending rate exceeded."),
            Class::Throttled
        );
        assert_eq!(
            classify("LimitExceededException", "Daily message quota exceeded."),
            Class::Quota
        );
        assert_eq!(
            classify("Throttling", "Daily message quota exceeded."),
            Class::Quota
        );
        assert!(matches!(
            send_error(Class::Throttled, "slow down"),
            SendError::Transient(_)
        ));
        assert!(matches!(
            send_error(Class::Quota, "tomorrow"),
            SendError::Unavailable(_)
        ));
    }

    #[test]
    fn paused_and_suspended_accounts_pause_sending() {
        assert_eq!(classify("SendingPausedException", ""), Class::Paused);
        assert_eq!(classify("AccountSuspendedException", ""), Class::Paused);
        let error = send_error(Class::Paused, "account paused");
        assert!(matches!(error, SendError::Unavailable(_)), "{error}");
        assert!(matches!(
            send_error(Class::Permanent, "no"),
            SendError::Permanent(_)
        ));
    }

    #[test]
    fn refused_messages_are_permanent() {
        assert_eq!(
            classify("MessageRejected", "Email address is not verified."),
            Class::Permanent
        );
        assert_eq!(
            classify("MailFromDomainNotVerifiedException", ""),
            Class::Permanent
        );
        assert_eq!(classify("BadRequestException", ""), Class::Permanent);
        assert!(matches!(
            send_error(Class::Permanent, "rejected"),
            SendError::Permanent(_)
        ));
    }

    #[test]
    fn unknown_codes_and_server_errors_are_transient() {
        assert_eq!(
            classify("InternalFailure", "internal error"),
            Class::Transient
        );
        assert_eq!(classify("", ""), Class::Transient);
        assert!(matches!(
            send_error(Class::Transient, "503"),
            SendError::Transient(_)
        ));
    }

    #[test]
    fn typed_sdk_errors_are_classified_by_their_code() {
        let cases = [
            (
                SendEmailError::TooManyRequestsException(
                    TooManyRequestsException::builder()
                        .message("Too many requests")
                        .build(),
                ),
                Class::Throttled,
            ),
            (
                SendEmailError::LimitExceededException(
                    LimitExceededException::builder()
                        .message("Daily message quota exceeded.")
                        .build(),
                ),
                Class::Quota,
            ),
            (
                SendEmailError::SendingPausedException(
                    SendingPausedException::builder()
                        .message("Sending paused for this account")
                        .build(),
                ),
                Class::Paused,
            ),
            (
                SendEmailError::AccountSuspendedException(
                    AccountSuspendedException::builder().build(),
                ),
                Class::Paused,
            ),
            (
                SendEmailError::MessageRejected(
                    MessageRejected::builder()
                        .message("Email address is not verified.")
                        .build(),
                ),
                Class::Permanent,
            ),
            (
                SendEmailError::MailFromDomainNotVerifiedException(
                    MailFromDomainNotVerifiedException::builder().build(),
                ),
                Class::Permanent,
            ),
            (
                SendEmailError::BadRequestException(BadRequestException::builder().build()),
                Class::Permanent,
            ),
        ];
        for (error, class) in cases {
            assert_eq!(classify_send_error(&error), class, "{error:?}");
        }
    }
}
