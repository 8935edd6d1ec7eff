//! The webhook sender both runtimes use: [`HttpsSender`] posts a signed delivery with reqwest,
//! after the checks the core's [`rollcall_core::webhook::target`] rules ask for.
//!
//! - The URL is read and checked again at send time (an endpoint saved before the operator
//!   tightened the policy is held to the new one).
//! - The host is resolved by [`CheckedResolver`], reqwest's only resolver: every address the
//!   name resolves to must pass [`check_address`], or the delivery is refused without a
//!   connection; reqwest connects only to the addresses the resolver returned, so a DNS answer
//!   that changes between the check and the connection cannot slip an internal address in.
//!   An address written in the URL is checked before reqwest sees it.
//! - No redirect is followed (a `302` to loopback is how an SSRF check is walked around); a
//!   redirect is an answer like any other non-2xx. No proxy is read from the environment.
//! - One timeout ([`TIMEOUT`] by default) covers connecting, sending and the answer's head, so
//!   a slow endpoint costs its own delivery that long and no more.

use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rollcall_core::ports::{Lookup, WebhookAnswer, WebhookPost, WebhookSender};
use rollcall_core::webhook::attempts::{Answer, TIMEOUT};
use rollcall_core::webhook::target::{Policy, Target, TargetHost, check_address, check_resolved};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// reqwest's resolver: resolves with a [`Lookup`], then lets through only an answer whose
/// every address the policy allows.
#[derive(Clone)]
pub struct CheckedResolver {
    lookup: Arc<dyn Lookup>,
    policy: Policy,
}

impl std::fmt::Debug for CheckedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedResolver")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (lookup, policy) = (self.lookup.clone(), self.policy);
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found = lookup.lookup(&host).await?;
            check_resolved(&host, &found, policy).map_err(std::io::Error::other)?;
            // The port is reqwest's to set, from the URL.
            let addrs: Addrs = Box::new(found.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// Posts webhook deliveries (see the crate's documentation for what it checks).
#[derive(Clone)]
pub struct HttpsSender {
    client: reqwest::Client,
    policy: Policy,
}

impl std::fmt::Debug for HttpsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsSender")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl HttpsSender {
    /// A sender resolving names with `lookup`, giving up after [`TIMEOUT`].
    pub fn new(policy: Policy, lookup: Arc<dyn Lookup>) -> Result<HttpsSender, String> {
        HttpsSender::with(policy, lookup, TIMEOUT)
    }

    /// A sender resolving with `lookup` and giving up after `timeout`.
    pub fn with(
        policy: Policy,
        lookup: Arc<dyn Lookup>,
        timeout: Duration,
    ) -> Result<HttpsSender, String> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver { lookup, policy }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .user_agent("Rollcall-Webhooks/1")
            .build()
            .map_err(|e| format!("the webhook client could not be built: {e}"))?;
        Ok(HttpsSender { client, policy })
    }

    async fn send(&self, post: &WebhookPost) -> Result<Answer, String> {
        let target = Target::parse(&post.url, self.policy).map_err(|e| e.to_string())?;
        if let TargetHost::Address(address) = target.host() {
            check_address(*address, self.policy).map_err(|e| e.to_string())?;
        }
        let mut request = self.client.post(target.url().as_str());
        for (name, value) in &post.headers {
            request = request.header(name, value);
        }
        let response = (request.body(post.body.clone()).send().await).map_err(|e| words(&e))?;
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|seconds| *seconds >= 0)
            .map(chrono::Duration::seconds);
        Ok(Answer::Status {
            code: response.status().as_u16(),
            retry_after,
        })
    }
}

/// A reqwest error with its causes, for the delivery log.
fn words(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[async_trait]
impl WebhookSender for HttpsSender {
    async fn post(&self, post: &WebhookPost) -> WebhookAnswer {
        let started = Instant::now();
        let (answer, detail) = match self.send(post).await {
            Ok(answer) => (answer, String::new()),
            Err(detail) => (Answer::NoAnswer, detail),
        };
        WebhookAnswer {
            answer,
            detail,
            duration: started.elapsed(),
        }
    }
}
