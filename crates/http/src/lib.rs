//! Rollcall's HTTP surface: one axum Router for the local server and the API Lambda.

mod pages;
mod security;

use axum::Router;
use axum::routing::get;
use rollcall_core::ports::EventStore;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Public base URL without a trailing slash.
    pub base_url: String,
}

#[derive(Clone)]
pub struct AppState {
    pub events: Arc<dyn EventStore>,
    pub settings: Arc<HttpSettings>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(pages::healthz))
        .route("/assets/site.css", get(pages::stylesheet))
        .route("/e/{event_id}", get(pages::event_page))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}
