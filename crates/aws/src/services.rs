//! One SDK configuration for every adapter a function uses: loaded once at start-up (reading
//! the environment and the function's role costs time on every cold start), then shared.

use crate::archive::RawMailArchive;
use crate::dynamo::DynamoStore;
use crate::mailer::SesMailer;
use crate::queue::JobQueue;
use crate::stream::EventStream;
use aws_config::{BehaviorVersion, SdkConfig};
use rollcall_core::tokens::TokenKey;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The shortest token secret accepted: `head -c 32 /dev/urandom | base64` gives 44 characters.
pub const MIN_SECRET_CHARS: usize = 32;

#[derive(Debug, Error)]
pub enum SecretError {
    #[error("cannot read the token secret from SSM parameter {name}: {reason}")]
    Unavailable { name: String, reason: String },
    #[error(
        "the token secret in SSM parameter {name} is too short ({chars} characters; at least {MIN_SECRET_CHARS})"
    )]
    TooShort { name: String, chars: usize },
}

/// The AWS services of one function, on one SDK configuration.
#[derive(Debug, Clone)]
pub struct Services {
    config: SdkConfig,
}

impl Services {
    /// From the environment (on Lambda: the region and the function's role).
    pub async fn from_env() -> Services {
        Services::new(aws_config::load_defaults(BehaviorVersion::latest()).await)
    }

    /// From a given configuration (tests: the emulator's).
    pub fn new(config: SdkConfig) -> Services {
        Services { config }
    }

    pub fn store(&self, table: &str) -> DynamoStore {
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.config), table)
    }

    pub fn mailer(&self, configuration_set: &str) -> SesMailer {
        SesMailer::new(aws_sdk_sesv2::Client::new(&self.config), configuration_set)
    }

    pub fn archive(&self, bucket: &str) -> RawMailArchive {
        RawMailArchive::new(aws_sdk_s3::Client::new(&self.config), bucket)
    }

    pub fn queue(&self, url: &str) -> JobQueue {
        JobQueue::new(aws_sdk_sqs::Client::new(&self.config), url)
    }

    pub fn topic(&self, arn: &str) -> EventStream {
        EventStream::new(aws_sdk_sns::Client::new(&self.config), arn)
    }

    /// The key every invitee link and reply address is signed with, from the SecureString
    /// parameter `name`. The key is the SHA-256 of the parameter's text, so any long random
    /// text works (the deploy guide suggests 32 random bytes in base64).
    pub async fn token_key(&self, name: &str) -> Result<TokenKey, SecretError> {
        let output = aws_sdk_ssm::Client::new(&self.config)
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| SecretError::Unavailable {
                name: name.to_string(),
                reason: aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
            })?;
        let value = output.parameter.and_then(|p| p.value).unwrap_or_default();
        token_key_from_text(name, value.trim())
    }
}

fn token_key_from_text(name: &str, text: &str) -> Result<TokenKey, SecretError> {
    let chars = text.chars().count();
    if chars < MIN_SECRET_CHARS {
        return Err(SecretError::TooShort {
            name: name.to_string(),
            chars,
        });
    }
    Ok(TokenKey::from_bytes(Sha256::digest(text.as_bytes()).into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::invitee::InviteeId;
    use rollcall_core::tokens::Purpose;

    #[test]
    fn a_short_secret_is_refused_and_a_long_one_keys_tokens() {
        assert!(matches!(
            token_key_from_text("/p", "short"),
            Err(SecretError::TooShort { chars: 5, .. })
        ));
        let id = InviteeId::from_random([7; InviteeId::LEN]);
        let a = token_key_from_text("/p", &"a".repeat(44)).expect("long enough");
        let b = token_key_from_text("/p", &"b".repeat(44)).expect("long enough");
        assert_ne!(a.token(Purpose::Page, &id), b.token(Purpose::Page, &id));
    }
}
