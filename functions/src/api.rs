//! The `api` function: `rollcall serve`'s own axum router (pages, forms, assets), run by
//! lambda_http behind the API Gateway HTTP API. Only two things differ from the local server,
//! and both are layers or adapters, not routes: the client's address comes from API Gateway's
//! request context (`requestContext.http.sourceIp`) instead of the socket, and the store is
//! DynamoDB wrapped in [`crate::effects::Effects`].

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use lambda_http::request::RequestContext;
use rollcall_http::{AppState, router};
use std::net::{IpAddr, SocketAddr};

/// The shared router, with the client address taken from API Gateway.
pub fn app(state: AppState) -> Router {
    router(state).layer(middleware::from_fn(client_address))
}

/// Rate limits key on `ConnectInfo<SocketAddr>`; under Lambda there is no socket, so the
/// address API Gateway saw is put there (port 0). API Gateway sets it itself; a client cannot.
async fn client_address(mut request: Request, next: Next) -> Response {
    if let Some(ip) = source_ip(&request) {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 0)));
    }
    next.run(request).await
}

fn source_ip(request: &Request) -> Option<IpAddr> {
    match request.extensions().get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref()?.parse().ok(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
