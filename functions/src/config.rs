//! The functions' configuration: environment variables only, as `infra/template.yaml` sets
//! them (the same for every function; each reads what it needs and fails at start-up, naming
//! the variable, if it is missing).

use rollcall_core::Limits;
use rollcall_core::quota::QuotaSettings;
use rollcall_core::usecase::access::AccessSettings;
use std::collections::HashMap;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {why}")]
    Invalid { name: &'static str, why: String },
}

/// Every variable of the template's function environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `ROLLCALL_DOMAIN`: `invites@<domain>`, `rsvp+<key>@<domain>`.
    pub domain: String,
    /// `ROLLCALL_BASE_URL`, without a trailing slash.
    pub base_url: String,
    /// `ROLLCALL_TABLE`.
    pub table: String,
    vars: HashMap<&'static str, String>,
}

pub const DOMAIN: &str = "ROLLCALL_DOMAIN";
pub const BASE_URL: &str = "ROLLCALL_BASE_URL";
pub const TABLE: &str = "ROLLCALL_TABLE";
pub const SENDER: &str = "ROLLCALL_SENDER";
pub const JOBS_QUEUE_URL: &str = "ROLLCALL_JOBS_QUEUE_URL";
pub const RAW_MAIL_BUCKET: &str = "ROLLCALL_RAW_MAIL_BUCKET";
pub const EVENTS_TOPIC_ARN: &str = "ROLLCALL_EVENTS_TOPIC_ARN";
pub const ALARM_TOPIC_ARN: &str = "ROLLCALL_ALARM_TOPIC_ARN";
pub const CONFIGURATION_SET: &str = "ROLLCALL_CONFIGURATION_SET";
pub const SECRET_PARAMETER: &str = "ROLLCALL_SECRET_PARAMETER";
pub const SEND_RATE: &str = "ROLLCALL_SEND_RATE";
pub const MAX_MESSAGE_BYTES: &str = "ROLLCALL_MAX_MESSAGE_BYTES";
/// Dashboard domain admins, comma-separated addresses.
pub const ADMINS: &str = "ROLLCALL_ADMINS";
/// Minutes a dashboard sign-in link works (default 15).
pub const LINK_TTL: &str = "ROLLCALL_LINK_TTL";
/// Daily quotas per organizer (0: no limit), as `rollcall serve`'s flags of the same names.
pub const QUOTA_EVENTS: &str = "ROLLCALL_QUOTA_EVENTS";
pub const QUOTA_INVITATIONS: &str = "ROLLCALL_QUOTA_INVITATIONS";
pub const QUOTA_CONFIRMATIONS: &str = "ROLLCALL_QUOTA_CONFIRMATIONS";
/// How long mail that keeps failing temporarily is retried (`5d`, `12h`; default 5 days).
pub const OUTBOX_LIFETIME: &str = "ROLLCALL_OUTBOX_LIFETIME";
/// `true` lets webhook endpoints be at private addresses / be plain `http`, as
/// `rollcall serve`'s flags of the same names (for tests; off in the template).
pub const WEBHOOK_ALLOW_PRIVATE: &str = "ROLLCALL_WEBHOOK_ALLOW_PRIVATE";
pub const WEBHOOK_ALLOW_HTTP: &str = "ROLLCALL_WEBHOOK_ALLOW_HTTP";

const OPTIONAL: [&str; 17] = [
    WEBHOOK_ALLOW_PRIVATE,
    WEBHOOK_ALLOW_HTTP,
    OUTBOX_LIFETIME,
    QUOTA_EVENTS,
    QUOTA_INVITATIONS,
    QUOTA_CONFIRMATIONS,
    ADMINS,
    LINK_TTL,
    SENDER,
    JOBS_QUEUE_URL,
    RAW_MAIL_BUCKET,
    EVENTS_TOPIC_ARN,
    ALARM_TOPIC_ARN,
    CONFIGURATION_SET,
    SECRET_PARAMETER,
    SEND_RATE,
    MAX_MESSAGE_BYTES,
];

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any lookup (tests pass a map). Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let need = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
        let base_url = need(BASE_URL)?.trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                name: BASE_URL,
                why: format!("{base_url:?} is not an http(s) URL"),
            });
        }
        let config = Config {
            domain: need(DOMAIN)?.to_ascii_lowercase(),
            base_url,
            table: need(TABLE)?,
            vars: OPTIONAL
                .iter()
                .filter_map(|name| get(name).map(|value| (*name, value)))
                .collect(),
        };
        config.send_rate()?;
        config.limits()?;
        config.access()?;
        config.outbox_lifetime()?;
        config.quotas()?;
        config.webhook_policy()?;
        Ok(config)
    }

    /// Which webhook URLs and addresses endpoints may use: public `https` unless allowed.
    pub fn webhook_policy(&self) -> Result<rollcall_core::webhook::target::Policy, ConfigError> {
        let flag = |name: &'static str| match self.optional(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ConfigError::Invalid {
                name,
                why: format!("{other:?} is not true or false"),
            }),
        };
        Ok(rollcall_core::webhook::target::Policy {
            allow_http: flag(WEBHOOK_ALLOW_HTTP)?,
            allow_private: flag(WEBHOOK_ALLOW_PRIVATE)?,
        })
    }

    /// A variable only some functions need: an error naming it if it is missing.
    pub fn require(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn optional(&self, name: &'static str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Messages per second one worker sends at most (`ROLLCALL_SEND_RATE`, default 1: the SES
    /// sandbox rate).
    pub fn send_rate(&self) -> Result<u32, ConfigError> {
        positive(self, SEND_RATE, 1)
    }

    /// How long the outbox retries a message that keeps failing temporarily.
    pub fn outbox_lifetime(&self) -> Result<chrono::Duration, ConfigError> {
        match self.optional(OUTBOX_LIFETIME) {
            None => Ok(chrono::Duration::days(
                rollcall_core::usecase::deliver::DEFAULT_LIFETIME_DAYS,
            )),
            Some(text) => rollcall_core::usecase::deliver::parse_span(text).map_err(|why| {
                ConfigError::Invalid {
                    name: OUTBOX_LIFETIME,
                    why,
                }
            }),
        }
    }

    /// The core's input limits; `ROLLCALL_MAX_MESSAGE_BYTES` overrides the message size.
    pub fn limits(&self) -> Result<Limits, ConfigError> {
        let mut limits = Limits::DEFAULT;
        let default = u32::try_from(limits.max_message_bytes).unwrap_or(u32::MAX);
        let max = positive(self, MAX_MESSAGE_BYTES, default)?;
        limits.max_message_bytes = max as usize;
        Ok(limits)
    }
}

impl Config {
    /// The dashboard's sign-in settings: `ROLLCALL_LINK_TTL` minutes, `ROLLCALL_ADMINS`.
    pub fn access(&self) -> Result<AccessSettings, ConfigError> {
        let ttl = positive(self, LINK_TTL, 15)?;
        let mut admins = Vec::new();
        for address in self.optional(ADMINS).unwrap_or_default().split(',') {
            if address.trim().is_empty() {
                continue;
            }
            admins.push(rollcall_core::invitee::parse_email(address).ok_or_else(|| {
                ConfigError::Invalid {
                    name: ADMINS,
                    why: format!("{address:?} is not an email address"),
                }
            })?);
        }
        Ok(AccessSettings {
            link_ttl: chrono::Duration::minutes(i64::from(ttl.min(24 * 60))),
            admins,
            ..AccessSettings::default()
        })
    }
}

impl Config {
    /// The daily quotas: the defaults, or `ROLLCALL_QUOTA_*` (0 for no limit).
    pub fn quotas(&self) -> Result<QuotaSettings, ConfigError> {
        let defaults = QuotaSettings::default();
        let limit = |name: &'static str, default: Option<u64>| match self.optional(name) {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(n)),
                Err(_) => Err(ConfigError::Invalid {
                    name,
                    why: format!("{text:?} is not a whole number"),
                }),
            },
        };
        Ok(QuotaSettings {
            events_per_day: limit(QUOTA_EVENTS, defaults.events_per_day)?,
            invitations_per_day: limit(QUOTA_INVITATIONS, defaults.invitations_per_day)?,
            confirmations_per_day: limit(QUOTA_CONFIRMATIONS, defaults.confirmations_per_day)?,
        })
    }
}

fn positive(config: &Config, name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match config.optional(name) {
        None => Ok(default),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid {
                name,
                why: format!("{text:?} is not a positive whole number"),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const BASE: [(&str, &str); 3] = [
        (DOMAIN, "Rollcall.Example.org"),
        (BASE_URL, "https://rsvp.example.org/"),
        (TABLE, "rollcall"),
    ];

    #[test]
    fn required_variables_are_named_when_missing() {
        assert_eq!(config(&BASE[1..]), Err(ConfigError::Missing(DOMAIN)));
        assert_eq!(config(&BASE[..2]), Err(ConfigError::Missing(TABLE)));
        let ok = config(&BASE).expect("complete");
        assert_eq!(ok.domain, "rollcall.example.org");
        assert_eq!(ok.base_url, "https://rsvp.example.org");
        assert_eq!(ok.require(SENDER), Err(ConfigError::Missing(SENDER)));
        assert_eq!(ok.send_rate(), Ok(1));
    }

    #[test]
    fn bad_values_are_refused_at_start_up() {
        let mut pairs = BASE.to_vec();
        pairs.push((SEND_RATE, "fast"));
        assert!(matches!(
            config(&pairs),
            Err(ConfigError::Invalid {
                name: SEND_RATE,
                ..
            })
        ));
        let mut pairs = BASE.to_vec();
        pairs[1] = (BASE_URL, "rsvp.example.org");
        assert!(matches!(
            config(&pairs),
            Err(ConfigError::Invalid { name: BASE_URL, .. })
        ));
        let mut pairs = BASE.to_vec();
        pairs.push((SEND_RATE, "14"));
        pairs.push((MAX_MESSAGE_BYTES, "1000"));
        let ok = config(&pairs).expect("valid");
        assert_eq!(ok.send_rate(), Ok(14));
        assert_eq!(ok.limits().map(|l| l.max_message_bytes), Ok(1000));
    }

    #[test]
    fn the_outbox_lifetime_is_five_days_unless_set() {
        let ok = config(&BASE).expect("complete");
        assert_eq!(ok.outbox_lifetime(), Ok(chrono::Duration::days(5)));
        let mut pairs = BASE.to_vec();
        pairs.push((OUTBOX_LIFETIME, "36h"));
        let ok = config(&pairs).expect("valid");
        assert_eq!(ok.outbox_lifetime(), Ok(chrono::Duration::hours(36)));
        let mut pairs = BASE.to_vec();
        pairs.push((OUTBOX_LIFETIME, "5"));
        assert!(matches!(
            config(&pairs),
            Err(ConfigError::Invalid {
                name: OUTBOX_LIFETIME,
                ..
            })
        ));
    }

    #[test]
    fn quotas_are_read_from_the_environment() {
        let ok = config(&BASE).expect("complete");
        assert_eq!(ok.quotas(), Ok(QuotaSettings::default()));
        let mut pairs = BASE.to_vec();
        pairs.push((QUOTA_EVENTS, "3"));
        pairs.push((QUOTA_INVITATIONS, "0"));
        pairs.push((QUOTA_CONFIRMATIONS, "7"));
        let set = config(&pairs)
            .expect("valid")
            .quotas()
            .expect("valid quotas");
        assert_eq!(set.events_per_day, Some(3));
        assert_eq!(set.invitations_per_day, None, "0 means no limit");
        assert_eq!(set.confirmations_per_day, Some(7));
        let mut pairs = BASE.to_vec();
        pairs.push((QUOTA_EVENTS, "many"));
        assert!(matches!(
            config(&pairs),
            Err(ConfigError::Invalid {
                name: QUOTA_EVENTS,
                ..
            })
        ));
    }
}
