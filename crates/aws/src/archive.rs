//! The raw-mail archive: the S3 bucket SES's receipt rule writes inbound mail to.
//! [`RawMailArchive::get`] reads one object, refusing anything larger than its bound (checked
//! with `HeadObject` before downloading, and again while reading, in case the object changed).

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::primitives::ByteStream;
use thiserror::Error;

/// SES receives messages of at most 40 MB (after base64 of attachments); a bound a little above.
pub const DEFAULT_MAX_BYTES: u64 = 41 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ArchiveError {
    /// No such object (deleted by the lifecycle rule, or a wrong notification): permanent.
    #[error("no raw mail at s3://{bucket}/{key}")]
    NotFound { bucket: String, key: String },
    /// Larger than the archive's bound: permanent, never downloaded.
    #[error("raw mail s3://{bucket}/{key} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        bucket: String,
        key: String,
        size: u64,
        max: u64,
    },
    /// S3 could not be reached or failed: retry later.
    #[error("S3 unavailable: {0}")]
    Unavailable(String),
}

impl ArchiveError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ArchiveError::Unavailable(_))
    }
}

/// Raw mail in one S3 bucket.
#[derive(Debug, Clone)]
pub struct RawMailArchive {
    pub client: Client,
    pub bucket: String,
    /// Objects larger than this are refused.
    pub max_bytes: u64,
}

impl RawMailArchive {
    /// An archive on `bucket` with the [`DEFAULT_MAX_BYTES`] bound.
    pub fn new(client: Client, bucket: impl Into<String>) -> RawMailArchive {
        RawMailArchive {
            client,
            bucket: bucket.into(),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The same archive with another size bound.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> RawMailArchive {
        self.max_bytes = max_bytes;
        self
    }

    /// An archive with the SDK configured from the environment (on Lambda, the function's role).
    pub async fn from_env(bucket: impl Into<String>) -> RawMailArchive {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        RawMailArchive::new(Client::new(&config), bucket)
    }

    fn not_found(&self, key: &str) -> ArchiveError {
        ArchiveError::NotFound {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
        }
    }

    fn too_large(&self, key: &str, size: u64) -> ArchiveError {
        ArchiveError::TooLarge {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            size,
            max: self.max_bytes,
        }
    }

    /// The object's bytes, if it is at most `max_bytes` long.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, ArchiveError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| match &e {
                SdkError::ServiceError(c) if matches!(c.err(), HeadObjectError::NotFound(_)) => {
                    self.not_found(key)
                }
                SdkError::ServiceError(c) if c.raw().status().as_u16() == 404 => {
                    self.not_found(key)
                }
                _ => unavailable("HeadObject", e),
            })?;
        let size = u64::try_from(head.content_length().unwrap_or(0)).unwrap_or(0);
        if size > self.max_bytes {
            return Err(self.too_large(key, size));
        }
        let mut request = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some(etag) = head.e_tag() {
            // The object the size was checked on, not one written since.
            request = request.if_match(etag);
        }
        let output = request.send().await.map_err(|e| match &e {
            SdkError::ServiceError(c)
                if matches!(c.err(), GetObjectError::NoSuchKey(_))
                    || c.err().code() == Some("NoSuchKey") =>
            {
                self.not_found(key)
            }
            SdkError::ServiceError(c) if c.raw().status().as_u16() == 412 => {
                ArchiveError::Unavailable(format!(
                    "s3://{}/{key} changed while being read",
                    self.bucket
                ))
            }
            _ => unavailable("GetObject", e),
        })?;
        let mut body = output.body;
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        while let Some(chunk) = body.try_next().await.map_err(|e| {
            ArchiveError::Unavailable(format!("reading s3://{}/{key}: {e}", self.bucket))
        })? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > self.max_bytes {
                return Err(self.too_large(key, bytes.len() as u64));
            }
        }
        Ok(bytes)
    }

    /// Stores `bytes` at `key` (tests; SES writes the real objects).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), ArchiveError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("message/rfc822")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| unavailable("PutObject", e))?;
        Ok(())
    }
}

fn unavailable<E, R>(operation: &str, error: SdkError<E, R>) -> ArchiveError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    ArchiveError::Unavailable(format!("S3 {operation}: {}", DisplayErrorContext(&error)))
}

/// Where SES's receipt rule stores inbound mail (`infra/template.yaml`: `ObjectKeyPrefix`);
/// the object is `<prefix><SES message id>`, and the SES message id is the inbound message's
/// id in the store.
pub const INBOUND_PREFIX: &str = "inbound/";

/// The raw inbound mail by the id the store knows it under: what the confirmation page needs
/// to apply an organizer's message once they confirm it.
#[derive(Debug, Clone)]
pub struct InboundMail {
    pub archive: RawMailArchive,
}

#[async_trait::async_trait]
impl rollcall_core::ports::RawMailSource for InboundMail {
    async fn raw_message(
        &self,
        message_id: &str,
    ) -> Result<Option<Vec<u8>>, rollcall_core::ports::StoreError> {
        // SES message ids are letters and digits; anything else is not one of ours.
        if message_id.is_empty() || !message_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(None);
        }
        match self
            .archive
            .get(&format!("{INBOUND_PREFIX}{message_id}"))
            .await
        {
            Ok(raw) => Ok(Some(raw)),
            Err(ArchiveError::NotFound { .. }) => Ok(None),
            Err(error) => Err(rollcall_core::ports::StoreError::Unavailable(
                error.to_string(),
            )),
        }
    }
}
