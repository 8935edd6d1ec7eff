//! What organizers do with their webhook endpoints (the API and the dashboard): register one,
//! change it, rotate its secret, send it a test, resend a failed delivery. Each endpoint is
//! its organizer's alone: another organizer's id is "not found", like one that never was.

use crate::change::{ChangeData, ChangeRecord, ChangeType, derived_id};
use crate::event::Event;
use crate::imip::Mailbox;
use crate::notice::{Notice, OutboxMessage};
use crate::ports::{Commit, Lookup, Store, StoreError};
use crate::usecase::deliver::webhooks::delivery_id;
use crate::webhook::endpoint::{Endpoint, MAX_ENDPOINTS, rotation_overlap};
use crate::webhook::signature::Secret;
use crate::webhook::target::{Policy, check_url};
use chrono::{DateTime, Utc};
use rand::RngCore;

/// The longest description kept.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// The URL, a type or the description is not acceptable; the text says why.
    #[error("{0}")]
    Invalid(String),
    #[error("an organizer may register at most {MAX_ENDPOINTS} webhook endpoints")]
    TooMany,
    #[error("there is no such webhook endpoint")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an organizer may set on an endpoint; `None` keeps what it has.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub types: Option<Vec<ChangeType>>,
    pub description: Option<String>,
    /// `true` enables a disabled endpoint again (its failed deliveries can then be resent).
    pub enabled: Option<bool>,
}

/// The operator's rules for endpoint URLs, and how their hosts resolve.
#[derive(Clone, Copy)]
#[allow(missing_debug_implementations)] // holds a resolver, which has nothing to show
pub struct UrlRules<'a> {
    pub policy: Policy,
    pub lookup: &'a dyn Lookup,
}

fn new_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ep_{hex}")
}

fn clean_description(text: &str) -> Result<String, EndpointError> {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(EndpointError::Invalid(format!(
            "a description holds at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(cleaned)
}

async fn checked_url(url: &str, rules: UrlRules<'_>) -> Result<String, EndpointError> {
    let target = (check_url(url.trim(), rules.policy, rules.lookup).await)
        .map_err(EndpointError::Invalid)?;
    Ok(target.url().to_string())
}

/// Registers an endpoint for `organizer` (normalized); it is shown its secret once.
pub async fn register(
    store: &dyn Store,
    rules: UrlRules<'_>,
    organizer: &str,
    changes: EndpointChanges,
    now: DateTime<Utc>,
) -> Result<Endpoint, EndpointError> {
    let url = changes
        .url
        .as_deref()
        .ok_or_else(|| EndpointError::Invalid("a webhook endpoint needs a url".into()))?;
    let url = checked_url(url, rules).await?;
    if store.endpoints_of(organizer).await?.len() >= MAX_ENDPOINTS {
        return Err(EndpointError::TooMany);
    }
    let endpoint = Endpoint {
        id: new_id(),
        organizer: organizer.to_string(),
        url,
        types: changes.types.unwrap_or_default(),
        description: clean_description(changes.description.as_deref().unwrap_or(""))?,
        secret: Secret::generate(),
        previous: None,
        disabled: None,
        created_at: now,
    };
    store.put_endpoint(&endpoint).await?;
    Ok(endpoint)
}

/// `organizer`'s endpoint `id`.
pub async fn owned(
    store: &dyn Store,
    organizer: &str,
    id: &str,
) -> Result<Endpoint, EndpointError> {
    match store.endpoint(id).await? {
        Some(endpoint) if endpoint.organizer == organizer => Ok(endpoint),
        _ => Err(EndpointError::NotFound),
    }
}

/// Applies `changes` to `organizer`'s endpoint `id`.
pub async fn update(
    store: &dyn Store,
    rules: UrlRules<'_>,
    organizer: &str,
    id: &str,
    changes: EndpointChanges,
) -> Result<Endpoint, EndpointError> {
    let mut endpoint = owned(store, organizer, id).await?;
    if let Some(url) = &changes.url {
        endpoint.url = checked_url(url, rules).await?;
    }
    if let Some(types) = changes.types {
        endpoint.types = types;
    }
    if let Some(description) = &changes.description {
        endpoint.description = clean_description(description)?;
    }
    match changes.enabled {
        Some(true) => endpoint.disabled = None,
        Some(false) => endpoint.disabled = Some("disabled by the organizer".into()),
        None => {}
    }
    store.put_endpoint(&endpoint).await?;
    Ok(endpoint)
}

/// A new secret for `organizer`'s endpoint `id`; the old one keeps signing beside it for a
/// day, so a receiver can switch without missing a delivery.
pub async fn rotate(
    store: &dyn Store,
    organizer: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Endpoint, EndpointError> {
    let mut endpoint = owned(store, organizer, id).await?;
    let old = std::mem::replace(&mut endpoint.secret, Secret::generate());
    endpoint.previous = Some((old, now + rotation_overlap()));
    store.put_endpoint(&endpoint).await?;
    Ok(endpoint)
}

/// Queues a `webhook.test` delivery to `organizer`'s endpoint `id`; its delivery id.
pub async fn send_test(
    store: &dyn Store,
    organizer: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<String, EndpointError> {
    let endpoint = owned(store, organizer, id).await?;
    let mut nonce = [0u8; 8];
    rand::rng().fill_bytes(&mut nonce);
    let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let none = Event::none(now);
    let change = ChangeRecord {
        id: derived_id(&[&endpoint.id, "test", &nonce]),
        kind: ChangeType::WebhookTest,
        at: now,
        organizer: organizer.to_string(),
        data: ChangeData {
            event_title: "A test event from Rollcall".into(),
            ..ChangeData::about(&none)
        },
    };
    let delivery = delivery_id(&endpoint.id, &change.id);
    let commit = Commit {
        outbox: vec![OutboxMessage {
            id: delivery.clone(),
            to: Mailbox {
                email: organizer.to_string(),
                name: None,
            },
            notice: Notice::Webhook {
                endpoint: endpoint.id.clone(),
                change: Box::new(change),
            },
            event: none,
            created_at: now,
        }],
        ..Commit::default()
    };
    store.commit(&commit).await?;
    Ok(delivery)
}

/// Sends failed delivery `delivery` of `organizer`'s endpoint `id` again (same id, a fresh
/// schedule); `false` if it has not failed (it is pending, or was delivered).
pub async fn resend(
    store: &dyn Store,
    organizer: &str,
    id: &str,
    delivery: &str,
    now: DateTime<Utc>,
) -> Result<bool, EndpointError> {
    let endpoint = owned(store, organizer, id).await?;
    if !delivery.starts_with(&format!("wh-{}-", endpoint.id)) {
        return Err(EndpointError::NotFound);
    }
    Ok(store.requeue_failed(delivery, now).await?)
}

/// Failed deliveries one "resend everything failed" sends again, at most.
pub const MAX_RESEND: usize = 1000;

/// Sends every failed delivery of `organizer`'s endpoint `id` again (same ids, fresh
/// schedules), at most [`MAX_RESEND`]; how many. Deliveries are found by their ids, which
/// begin with the endpoint's, so the failed list is read from there and no further.
pub async fn resend_failed(
    store: &dyn Store,
    organizer: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<usize, EndpointError> {
    let endpoint = owned(store, organizer, id).await?;
    let prefix = format!(
        "{}{}-",
        crate::usecase::deliver::webhooks::DELIVERY_PREFIX,
        endpoint.id
    );
    let mut after = prefix.clone();
    let mut resent = 0;
    'pages: while resent < MAX_RESEND {
        let page = store.failed_outbox(Some(&after), 100).await?;
        if page.is_empty() {
            break;
        }
        for failed in &page {
            if !failed.starts_with(&prefix) || resent >= MAX_RESEND {
                break 'pages;
            }
            if store.requeue_failed(failed, now).await? {
                resent += 1;
            }
        }
        after = page.last().cloned().unwrap_or_default();
    }
    Ok(resent)
}
