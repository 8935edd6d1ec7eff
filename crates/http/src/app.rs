//! The dashboard app (`web/`, Vue) under `/app/`: files from `web/dist`, embedded at build
//! time or read from a folder given at start (`--web-dir`, for developing and for tests that
//! build the app after the binary). Fingerprinted files under `assets/` are cached forever;
//! `index.html` is revalidated every time; any other path under `/app/` is the app's own
//! route and gets `index.html`.

use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::path::PathBuf;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// Where the app's files come from.
#[derive(Debug, Clone, Default)]
pub enum WebAssets {
    /// Built into the binary (empty when `web/dist` was not built).
    #[default]
    Embedded,
    /// Read from this folder on each request.
    Folder(PathBuf),
}

/// Largest file served from a folder.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The app is allowed to call its own API and draw its charts; nothing else.
const APP_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                       img-src 'self' data:; font-src 'self'; connect-src 'self'; \
                       frame-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                       base-uri 'none'";

impl WebAssets {
    fn get(&self, name: &str) -> Option<Cow<'static, [u8]>> {
        if name
            .split('/')
            .any(|part| part.is_empty() || part == ".." || part.starts_with('.'))
        {
            return None;
        }
        match self {
            WebAssets::Embedded => embedded::ASSETS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, bytes)| Cow::Borrowed(*bytes)),
            WebAssets::Folder(dir) => {
                let path = dir.join(name);
                let size = std::fs::metadata(&path).ok()?.len();
                (size <= MAX_FILE_BYTES)
                    .then(|| std::fs::read(&path).ok())
                    .flatten()
                    .map(Cow::Owned)
            }
        }
    }

    /// Whether the app was built at all.
    pub fn present(&self) -> bool {
        self.get("index.html").is_some()
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file(name: &str, bytes: Cow<'static, [u8]>, cache: &'static str) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type(name)),
            (header::CACHE_CONTROL, cache),
        ],
        bytes.into_owned(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(APP_CSP),
    );
    response
}

fn index(state: &AppState) -> Response {
    match state.web.get("index.html") {
        Some(bytes) => file("index.html", bytes, "no-cache"),
        None => crate::pages::message(
            StatusCode::SERVICE_UNAVAILABLE,
            "The dashboard is not built",
            "This Rollcall was built without its dashboard. Build it with `npm ci && npm run \
             build` in the web/ folder, then rebuild Rollcall (or start it with --web-dir \
             web/dist).",
        ),
    }
}

/// `GET /app` and `/app/`.
pub async fn root(State(state): State<AppState>) -> Response {
    index(&state)
}

/// `GET /app/{*path}`: a file of the app, or the app itself for its own routes.
pub async fn path(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    if let Some(bytes) = state.web.get(&path) {
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return file(&path, bytes, cache);
    }
    // A missing file is a 404; a path without a file extension is one of the app's routes.
    let last = path.rsplit('/').next().unwrap_or_default();
    if path.starts_with("assets/") || last.contains('.') {
        return crate::pages::not_found().await;
    }
    index(&state)
}
