//! Rollcall's HTTP surface: one axum Router for the local server and the API Lambda.
//!
//! No GET or HEAD changes anything: mail link scanners open every link they see. Writes are
//! POSTs with a form token (or, for one-click unsubscribe, the capability token in the URL).

mod api;
mod app;
mod calendar_links;
mod client_addr;
mod forms;
mod lookup;
pub use lookup::SystemLookup;
mod page_cache;

pub use page_cache::PageCache;
mod pages;
mod rate_limit;
mod security;
mod session;
mod text;

pub use app::WebAssets;

pub use rate_limit::{Limiter, RateLimits, client_key};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use rollcall_core::Limits;
use rollcall_core::ipnet::IpNet;
use rollcall_core::ports::{IdSource, RawMailSource, Store};
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::access::AccessSettings;
use rollcall_core::usecase::ingest::IngestSettings;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Public base URL without a trailing slash (`https://rsvp.example.org`). Its origin is
    /// the only `Origin` a form may be posted from.
    pub base_url: String,
    /// Mail domain: invitees' personal calendar UIDs end in it.
    pub domain: String,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub ids: Arc<dyn IdSource>,
    /// Signs page, unsubscribe and form tokens.
    pub tokens: TokenKey,
    pub settings: Arc<HttpSettings>,
    /// Per-client and per-event limits on the writing forms, in this process's memory.
    pub limits: Arc<RateLimits>,
    /// Rendered public event pages, for a second.
    pub pages: Arc<page_cache::PageCache>,
    /// Reads stored inbound mail back, to apply a message its claimed organizer confirms
    /// (`/c/<token>`). Without one, confirmation answers 503.
    pub raw_mail: Option<Arc<dyn RawMailSource>>,
    /// How a confirmed message is ingested (limits, domain, confirmation expiry): the same
    /// settings the inbound worker uses.
    pub ingest: Arc<IngestSettings>,
    /// Sign-in links, sessions and domain admins of the dashboard.
    pub access: Arc<AccessSettings>,
    /// The dashboard app's files.
    pub web: Arc<WebAssets>,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client for the rate
    /// limits; empty: the TCP peer is the client.
    pub trusted_proxies: Arc<[IpNet]>,
    /// Which webhook URLs the operator allows, and how their hosts are resolved when an
    /// endpoint is saved.
    pub webhooks: WebhookSettings,
}

/// The operator's webhook policy, as the API applies it when an endpoint is saved.
#[derive(Clone)]
pub struct WebhookSettings {
    pub policy: rollcall_core::webhook::target::Policy,
    pub lookup: Arc<dyn rollcall_core::ports::Lookup>,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Default for WebhookSettings {
    /// Public `https` endpoints only, resolved by the system.
    fn default() -> Self {
        WebhookSettings {
            policy: rollcall_core::webhook::target::Policy::default(),
            lookup: Arc::new(SystemLookup),
        }
    }
}

impl AppState {
    /// With the default rate limits (10 RSVPs a minute per client, 120 per event).
    pub fn new(
        store: Arc<dyn Store>,
        ids: Arc<dyn IdSource>,
        tokens: TokenKey,
        settings: HttpSettings,
    ) -> AppState {
        let ingest =
            IngestSettings::new(Limits::default(), settings.domain.clone(), tokens.clone());
        AppState {
            store,
            ids,
            tokens,
            settings: Arc::new(settings),
            limits: Arc::new(RateLimits::default()),
            pages: Arc::new(page_cache::PageCache::default()),
            raw_mail: None,
            ingest: Arc::new(ingest),
            access: Arc::new(AccessSettings::default()),
            web: Arc::new(WebAssets::default()),
            trusted_proxies: Arc::new([]),
            webhooks: WebhookSettings::default(),
        }
    }

    /// Saves webhook endpoints under this policy (and resolver) instead of the default.
    pub fn with_webhooks(mut self, webhooks: WebhookSettings) -> AppState {
        self.webhooks = webhooks;
        self
    }

    /// Believes `Forwarded` / `X-Forwarded-For` from peers in these networks (the reverse
    /// proxies in front of this server), so each visitor behind them gets their own bucket.
    pub fn with_trusted_proxies(mut self, networks: Vec<IpNet>) -> AppState {
        self.trusted_proxies = networks.into();
        self
    }

    /// Signs organizers in with these settings (link and session lifetimes, domain admins).
    pub fn with_access(mut self, settings: AccessSettings) -> AppState {
        self.access = Arc::new(settings);
        self
    }

    /// Serves the dashboard app from `assets` instead of the files built into the binary.
    pub fn with_web(mut self, assets: WebAssets) -> AppState {
        self.web = Arc::new(assets);
        self
    }

    /// Lets `/c/<token>` confirm messages: reads their stored raw mail through `source`.
    pub fn with_raw_mail(mut self, source: Arc<dyn RawMailSource>) -> AppState {
        self.raw_mail = Some(source);
        self
    }

    /// Ingests confirmed messages with these settings (the inbound worker's: its limits and
    /// confirmation expiry) instead of the defaults.
    pub fn with_ingest_settings(mut self, settings: IngestSettings) -> AppState {
        self.ingest = Arc::new(settings);
        self
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

pub fn router(state: AppState) -> Router {
    // Pages whose URL is a capability: no referrer, no caching, no indexing, on every answer.
    let token_pages = Router::new()
        .route(
            "/r/{token}",
            get(pages::invitee::show).post(pages::invitee::change),
        )
        .route("/r/{token}/resubscribe", post(pages::invitee::resubscribe))
        .route(
            "/u/{token}",
            get(pages::unsubscribe::confirm).post(pages::unsubscribe::unsubscribe),
        )
        .route(
            "/c/{token}",
            get(pages::confirm::show).post(pages::confirm::confirm),
        )
        .route(
            "/o/{token}",
            get(pages::sign_in::show).post(pages::sign_in::sign_in),
        )
        .route("/o/{token}/renew", post(pages::sign_in::renew))
        .route_layer(axum::middleware::from_fn(security::token_page));
    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(pages::healthz))
        // Browsers ask for /favicon.ico by themselves; pages name the SVG.
        .route("/favicon.ico", get(pages::favicon))
        .route("/assets/favicon.svg", get(pages::favicon))
        .route("/assets/site.css", get(pages::stylesheet))
        .route("/assets/local-time.js", get(pages::local_time_script))
        .route("/e/{event_id}", get(pages::event::show))
        .route("/e/{event_id}/rsvp", post(pages::rsvp_form::submit))
        .route(
            "/signin",
            get(pages::sign_in::ask).post(pages::sign_in::request),
        )
        .route("/app", get(app::root))
        .route("/app/", get(app::root))
        .route("/app/{*path}", get(app::path))
        .merge(token_pages)
        .merge(api::router())
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(forms::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}
