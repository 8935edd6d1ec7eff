//! Start-up: each function's handler built from the [`Config`] and the AWS [`Services`]. The
//! binaries call these once per cold start; the tests call the same ones against the emulator,
//! so what is tested is how the functions are really put together.

use crate::config::{
    ALARM_TOPIC_ARN, CONFIGURATION_SET, Config, ConfigError, EVENTS_TOPIC_ARN, JOBS_QUEUE_URL,
    RAW_MAIL_BUCKET, SECRET_PARAMETER, SENDER,
};
use crate::effects::Effects;
use crate::events::Events;
use crate::inbound::Inbound;
use crate::worker::{DEFAULT_BUDGET, Worker};
use rollcall_aws::archive::InboundMail;
use rollcall_aws::services::{SecretError, Services};
use rollcall_core::Limits;
use rollcall_core::ids::RandomIds;
use rollcall_core::ports::Store;
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::deliver::DeliverySettings;
use rollcall_core::usecase::dispatch::Dispatching;
use rollcall_core::usecase::ingest::IngestSettings;
use rollcall_http::{AppState, HttpSettings};
use rollcall_mail::{MailComposer, MailSettings};
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum BootError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// The table, wrapped so commits queue the dispatch of their change records (outermost, so
/// the doorbell hears of it too) and ring the doorbell (`ring`).
fn store(config: &Config, services: &Services, ring: bool) -> Arc<dyn Store> {
    let doorbell = ring
        .then(|| config.optional(JOBS_QUEUE_URL))
        .flatten()
        .map(|url| services.queue(url));
    let table = Arc::new(services.store(&config.table));
    Arc::new(Dispatching::new(Arc::new(Effects::new(table, doorbell))))
}

async fn token_key(config: &Config, services: &Services) -> Result<TokenKey, BootError> {
    Ok(services
        .token_key(config.require(SECRET_PARAMETER)?)
        .await?)
}

/// The web pages; with the raw-mail bucket, also the confirmation page that applies an
/// unauthenticated organizer's message once they confirm it.
pub async fn api(config: &Config, services: &Services) -> Result<AppState, BootError> {
    let tokens = token_key(config, services).await?;
    let limits = config.limits()?;
    let state = AppState::new(
        store(config, services, true),
        Arc::new(RandomIds),
        tokens.clone(),
        HttpSettings {
            base_url: config.base_url.clone(),
            domain: config.domain.clone(),
        },
    )
    .with_ingest_settings(ingest_settings(config, limits, tokens)?)
    .with_access(config.access()?)
    .with_webhooks(rollcall_http::WebhookSettings {
        policy: config.webhook_policy()?,
        lookup: Arc::new(rollcall_http::SystemLookup),
    });
    Ok(match config.optional(RAW_MAIL_BUCKET) {
        Some(bucket) => state.with_raw_mail(Arc::new(InboundMail {
            archive: services
                .archive(bucket)
                .with_max_bytes(limits.max_message_bytes as u64),
        })),
        None => state,
    })
}

pub async fn inbound(config: &Config, services: &Services) -> Result<Inbound, BootError> {
    let limits = config.limits()?;
    let archive = services
        .archive(config.require(RAW_MAIL_BUCKET)?)
        .with_max_bytes(limits.max_message_bytes as u64);
    Ok(Inbound {
        store: store(config, services, true),
        archive,
        settings: ingest_settings(config, limits, token_key(config, services).await?)?,
    })
}

/// How mail is ingested, by the inbound function and by a confirmation through the api: the
/// notices' sender address is one of Rollcall's own, like every address of its domain.
fn ingest_settings(
    config: &Config,
    limits: Limits,
    tokens: TokenKey,
) -> Result<IngestSettings, BootError> {
    Ok(IngestSettings {
        own_addresses: config
            .optional(SENDER)
            .map(str::to_string)
            .into_iter()
            .collect(),
        quotas: config.quotas()?,
        ..IngestSettings::new(limits, config.domain.clone(), tokens)
    })
}

pub async fn worker(config: &Config, services: &Services) -> Result<Worker, BootError> {
    let tokens = token_key(config, services).await?;
    let mailer = Arc::new(services.mailer(config.require(CONFIGURATION_SET)?));
    let alarms = config
        .optional(ALARM_TOPIC_ARN)
        .map(|arn| services.topic(arn));
    Ok(Worker {
        // The worker keeps going until the outbox is empty: its own commits need no doorbell.
        store: store(config, services, false),
        composer: Arc::new(MailComposer::new(MailSettings {
            sender: config.optional(SENDER).map(str::to_string),
            base_url: config.base_url.clone(),
            domain: config.domain.clone(),
            tokens,
        })),
        mailer,
        // Five pages of 200 invitees a run keep one fan-out run well inside the invocation's
        // time; the rest of a long guest list continues as a new job.
        settings: DeliverySettings {
            fan_out_pages_per_run: 5,
            sign_in_link_ttl: config.access()?.link_ttl,
            lifetime: config.outbox_lifetime()?,
            quotas: config.quotas()?,
            ..DeliverySettings::default()
        },
        rate: config.send_rate()?,
        budget: DEFAULT_BUDGET,
        alarms,
        stream: config
            .optional(EVENTS_TOPIC_ARN)
            .map(|arn| services.topic(arn)),
        webhooks: Arc::new(
            rollcall_webhooks::HttpsSender::new(
                config.webhook_policy()?,
                Arc::new(rollcall_http::SystemLookup),
            )
            .map_err(|why| ConfigError::Invalid {
                name: crate::config::WEBHOOK_ALLOW_PRIVATE,
                why,
            })?,
        ),
        doorbell: config
            .optional(JOBS_QUEUE_URL)
            .map(|url| services.queue(url)),
    })
}

pub fn events(config: &Config, services: &Services) -> Events {
    Events {
        store: store(config, services, false),
        domain: config.domain.clone(),
    }
}
