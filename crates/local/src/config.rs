//! `rollcall serve` settings: flags, each with a `ROLLCALL_*` environment variable.

use crate::smtp::IpNet;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Folder for the database, stored mail and the outbox.
    #[arg(long, env = "ROLLCALL_DATA_DIR", default_value = "./rollcall-data")]
    pub data_dir: PathBuf,
    /// Address of the web site and API.
    #[arg(long, env = "ROLLCALL_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    pub http_addr: SocketAddr,
    /// Address of the SMTP inbox.
    #[arg(long, env = "ROLLCALL_SMTP_ADDR", default_value = "127.0.0.1:2525")]
    pub smtp_addr: SocketAddr,
    /// Mail domain: Rollcall receives invites@<domain> and rsvp+<key>@<domain>.
    #[arg(long, env = "ROLLCALL_DOMAIN", default_value = "rollcall.localhost")]
    pub domain: String,
    /// Public base URL used in links [default: http://<http-addr>].
    #[arg(long, env = "ROLLCALL_BASE_URL")]
    pub base_url: Option<String>,
    /// Outbound mail: `file` writes .eml files to <data-dir>/outbox/; `smtp://host:port`
    /// relays through an SMTP server (plain SMTP, no authentication).
    #[arg(long, env = "ROLLCALL_OUTBOUND", default_value = "file")]
    pub outbound: Outbound,
    /// Networks whose SMTP clients are trusted: their mail acts as its From says
    /// (comma-separated CIDRs) [default: 127.0.0.0/8,::1/128, or none with --smtp-open].
    #[arg(long, env = "ROLLCALL_TRUSTED_NETWORKS", value_delimiter = ',')]
    pub trusted_networks: Option<Vec<IpNet>>,
    /// Open SMTP mode: clients outside the trusted networks may deliver too, but only to
    /// this domain's addresses. Their organizer mail acts only when DMARC passes; otherwise
    /// the claimed organizer is mailed a confirmation link.
    #[arg(long, env = "ROLLCALL_SMTP_OPEN")]
    pub smtp_open: bool,
    /// Take the DMARC result (and spam and virus flags) of the mail server in front of
    /// Rollcall: the authserv-id of its Authentication-Results headers (RFC 8601). Only the
    /// topmost such header counts, and only on mail from --front-networks.
    #[arg(long, env = "ROLLCALL_TRUST_AUTHENTICATION_RESULTS")]
    pub trust_authentication_results: Option<String>,
    /// Where that front mail server connects from (comma-separated CIDRs).
    #[arg(
        long,
        env = "ROLLCALL_FRONT_NETWORKS",
        default_value = "127.0.0.0/8,::1/128",
        value_delimiter = ','
    )]
    pub front_networks: Vec<IpNet>,
    /// Longest time, in seconds, spent on the DNS lookups that verify one message's DMARC.
    #[arg(long, env = "ROLLCALL_DNS_TIMEOUT", default_value_t = 10)]
    pub dns_timeout: u64,
    /// Days the claimed organizer of an unauthenticated message has to confirm it.
    #[arg(long, env = "ROLLCALL_CONFIRM_DAYS", default_value_t = rollcall_core::usecase::ingest::DEFAULT_CONFIRM_EXPIRY_DAYS)]
    pub confirm_days: i64,
    /// Most new events one organizer may create a day (0: no limit).
    #[arg(long, env = "ROLLCALL_QUOTA_EVENTS", default_value_t = 50)]
    pub quota_events: u64,
    /// Most personal invitations, updates and cancellations queued for one organizer's events
    /// a day: the public form, the API's lists and the fan-out of changes together (the rest
    /// of a change goes the next day; 0: no limit).
    #[arg(long, env = "ROLLCALL_QUOTA_INVITATIONS", default_value_t = 5_000)]
    pub quota_invitations: u64,
    /// Most confirmation mails ("did you send this?") to one organizer a day (0: no limit).
    #[arg(long, env = "ROLLCALL_QUOTA_CONFIRMATIONS", default_value_t = 10)]
    pub quota_confirmations: u64,
    /// Largest inbound message in bytes.
    #[arg(long, env = "ROLLCALL_MAX_MESSAGE_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_message_bytes: usize,
    /// Most outbound messages sent per second.
    #[arg(long, env = "ROLLCALL_SEND_RATE", default_value_t = 10)]
    pub send_rate: u32,
    /// How long outbound mail that keeps failing temporarily is retried before it is marked
    /// failed (`rollcall outbox retry` re-queues it): a whole number and s, m, h or d.
    #[arg(long, env = "ROLLCALL_OUTBOX_LIFETIME", default_value = "5d", value_parser = rollcall_core::usecase::deliver::parse_span)]
    pub outbox_lifetime: chrono::Duration,
    /// Longest wait between two tries of one message (waits double from 5 s, with jitter).
    #[arg(long, env = "ROLLCALL_OUTBOX_MAX_BACKOFF", default_value = "1h", value_parser = rollcall_core::usecase::deliver::parse_span)]
    pub outbox_max_backoff: chrono::Duration,
    /// Longest wait between two probes of a paused outbox (when the relay refuses everything).
    #[arg(long, env = "ROLLCALL_OUTBOX_MAX_PROBE", default_value = "10m", value_parser = rollcall_core::usecase::deliver::parse_span)]
    pub outbox_max_probe: chrono::Duration,
    /// Minutes a dashboard sign-in link works after it is mailed.
    #[arg(long, env = "ROLLCALL_LINK_TTL", default_value_t = 15)]
    pub link_ttl: i64,
    /// Domain admins: addresses that also see every event of their own email domain
    /// (comma-separated).
    #[arg(long, env = "ROLLCALL_ADMINS", value_delimiter = ',')]
    pub admin: Vec<String>,
    /// Reverse proxies in front of the web site (comma-separated CIDRs): only from these
    /// peers is the client's address taken from `Forwarded` / `X-Forwarded-For`, for the
    /// rate limits. Empty (the default): the TCP peer is the client.
    #[arg(long, env = "ROLLCALL_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpNet>,
    /// Let webhook endpoints be at loopback, private and other non-public addresses (for
    /// endpoints inside your own network, and for tests). Off: public addresses only.
    #[arg(long, env = "ROLLCALL_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Let webhook endpoints be plain `http` URLs. Off: `https` only.
    #[arg(long, env = "ROLLCALL_WEBHOOK_ALLOW_HTTP")]
    pub webhook_allow_http: bool,
    /// Serve the dashboard app from this folder (a `web/dist` built by `npm run build`)
    /// instead of the copy built into the binary.
    #[arg(long, env = "ROLLCALL_WEB_DIR")]
    pub web_dir: Option<std::path::PathBuf>,
    /// Timeouts and connection caps for slow or greedy clients.
    #[command(flatten)]
    pub limits: crate::connection_limits::ConnectionLimits,
}

impl ServeConfig {
    /// The dashboard's sign-in settings from the flags.
    pub fn access(&self) -> rollcall_core::usecase::access::AccessSettings {
        rollcall_core::usecase::access::AccessSettings {
            link_ttl: chrono::Duration::minutes(self.link_ttl.clamp(1, 24 * 60)),
            admins: self
                .admin
                .iter()
                .filter_map(|a| rollcall_core::invitee::parse_email(a))
                .collect(),
            ..rollcall_core::usecase::access::AccessSettings::default()
        }
    }
}

impl ServeConfig {
    /// The trusted networks: as given, else loopback — except in open mode, where mail from
    /// anywhere arrives, often relayed by a server on this very machine, so that nothing is
    /// trusted for where it comes from unless the operator says so.
    /// Which webhook URLs and addresses endpoints may use.
    pub fn webhook_policy(&self) -> rollcall_core::webhook::target::Policy {
        rollcall_core::webhook::target::Policy {
            allow_http: self.webhook_allow_http,
            allow_private: self.webhook_allow_private,
        }
    }

    pub fn trusted_networks(&self) -> Vec<IpNet> {
        match &self.trusted_networks {
            Some(networks) => networks.clone(),
            None if self.smtp_open => Vec::new(),
            None => IpNet::loopback(),
        }
    }

    /// The daily quotas from the flags (0 is no limit).
    pub fn quotas(&self) -> rollcall_core::quota::QuotaSettings {
        let limit = |n: u64| (n > 0).then_some(n);
        rollcall_core::quota::QuotaSettings {
            events_per_day: limit(self.quota_events),
            invitations_per_day: limit(self.quota_invitations),
            confirmations_per_day: limit(self.quota_confirmations),
        }
    }

    /// The front mail server whose verdicts count, if one is named.
    pub fn front_server(&self) -> Option<crate::trust::FrontServer> {
        let authserv_id = self.trust_authentication_results.as_deref()?.trim();
        (!authserv_id.is_empty()).then(|| crate::trust::FrontServer {
            authserv_id: authserv_id.to_string(),
            networks: self.front_networks.clone(),
        })
    }

    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.http_addr),
        }
    }

    /// The settings `rollcall serve ARGS…` runs with (flags, then `ROLLCALL_*` variables, then
    /// defaults), for code that boots the server in-process ([`crate::app::App`]).
    pub fn from_args<I, T>(args: I) -> Result<ServeConfig, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            config: ServeConfig,
        }
        let args = std::iter::once("serve".into()).chain(args.into_iter().map(Into::into));
        <Serve as clap::Parser>::try_parse_from(args).map(|serve| serve.config)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    File,
    Smtp { host: String, port: u16 },
}

impl std::str::FromStr for Outbound {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "file" {
            return Ok(Outbound::File);
        }
        let rest = text
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("expected `file` or `smtp://host:port`, got `{text}`"))?;
        let (host, port) = rest.rsplit_once(':').unwrap_or((rest, "25"));
        let port = port
            .trim_end_matches('/')
            .parse()
            .map_err(|_| format!("bad port in `{text}`"))?;
        if host.is_empty() {
            return Err(format!("missing host in `{text}`"));
        }
        Ok(Outbound::Smtp {
            host: host.to_string(),
            port,
        })
    }
}
