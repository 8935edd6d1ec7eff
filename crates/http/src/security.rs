//! Headers every response carries. Pages load nothing from other origins; the only script is
//! our own `/assets/local-time.js`, and no inline script or style runs.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // The dashboard app sets its own (it calls the API and draws charts).
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A page that chose its own policy (token pages: `no-referrer`) keeps it.
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}

/// For pages whose URL carries a capability token (`/r/…`, `/u/…`, `/c/…`), whatever they answer:
/// the token must not leak through `Referer`, a shared cache, or a search index.
///
/// `no-referrer` also makes browsers send `Origin: null` with the page's own form posts, so
/// here (and only here) that header is dropped before the form checks: these forms are
/// guarded by form tokens scoped to the capability in the URL, which no other site has.
pub async fn token_page(mut request: Request, next: Next) -> Response {
    if request
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|origin| origin.as_bytes() == b"null")
    {
        request.headers_mut().remove(header::ORIGIN);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    response
}
