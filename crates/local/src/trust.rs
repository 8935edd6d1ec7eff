//! Who sent a queued message, as far as the receiving side can tell (DESIGN §6): a client on a
//! trusted network is trusted; anyone else (the SMTP listener's open mode) is trusted only
//! when DMARC passes for the message's From domain, verified here with `mail-auth` (DKIM
//! signatures, SPF for the envelope sender, and their alignment with the From domain).
//!
//! DNS lookups are bounded: each by the resolver's timeout, all of one message together by
//! [`SenderCheck::budget`]. A message whose lookups fail or time out is judged untrusted
//! (`dmarc=temperror`): its organizer is asked to confirm, which is safe, rather than the
//! message being held back.

use crate::smtp::IpNet;
use crate::store::InboxEntry;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::hickory_resolver::config::ResolverOpts;
use mail_auth::hickory_resolver::system_conf::read_system_conf;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    AuthenticatedMessage, DkimOutput, DkimResult, DmarcResult, MX, MessageAuthenticator,
    Parameters, RecordSet, ResolverCache, SpfResult, Txt,
};
use rollcall_core::usecase::ingest::SenderTrust;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Each DNS query gives up after this long, and is not retried.
pub const DNS_QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// All lookups for one message together stop after this long.
pub const DNS_BUDGET: Duration = Duration::from_secs(10);
/// Cached answers kept per record type; beyond that the cache starts again empty.
const CACHE_ENTRIES: usize = 4096;

mod front;

/// A mail server in front of Rollcall whose verdicts are taken (`--trust-authentication-results`).
#[derive(Debug, Clone)]
pub struct FrontServer {
    /// The authserv-id its `Authentication-Results` headers carry.
    pub authserv_id: String,
    /// Where it connects from: its headers count only on mail it delivered.
    pub networks: Vec<IpNet>,
}

/// Decides [`SenderTrust`] for queued messages.
#[derive(Debug)]
pub struct SenderCheck {
    pub trusted_networks: Vec<IpNet>,
    /// The front server whose DMARC result, spam and virus flags count, if there is one.
    pub front: Option<FrontServer>,
    /// `None` when no DNS resolver could be set up: untrusted peers are then never trusted.
    pub dmarc: Option<DmarcVerifier>,
    /// Longest time spent on one message's DNS lookups.
    pub budget: Duration,
}

impl SenderCheck {
    /// With the system's DNS resolver (`/etc/resolv.conf`), if there is one.
    pub fn new(trusted_networks: Vec<IpNet>, host_domain: &str) -> SenderCheck {
        let dmarc = match DmarcVerifier::system(host_domain) {
            Ok(verifier) => Some(verifier),
            Err(error) => {
                tracing::warn!(%error, "no DNS resolver: mail from untrusted networks will always need the organizer's confirmation");
                None
            }
        };
        SenderCheck {
            trusted_networks,
            front: None,
            dmarc,
            budget: DNS_BUDGET,
        }
    }

    /// How far the sender of `entry` (whose raw bytes are `raw`) is authenticated.
    pub async fn judge(&self, entry: &InboxEntry, raw: &[u8]) -> SenderTrust {
        let Ok(peer) = entry.peer.parse::<SocketAddr>() else {
            return SenderTrust::Untrusted(format!("unknown SMTP client {:?}", entry.peer));
        };
        let ip = peer.ip().to_canonical();
        if self.trusted_networks.iter().any(|net| net.contains(ip)) {
            return SenderTrust::Trusted(format!("trusted network {ip}"));
        }
        if let Some(front) = &self.front
            && front.networks.iter().any(|net| net.contains(ip))
        {
            let headers = front::header_fields(raw);
            if let Some(why) = front::filter_verdict(&headers) {
                return SenderTrust::Dropped(why);
            }
            let id = &front.authserv_id;
            match front::dmarc_result(&headers, id) {
                Some(result) if result == "pass" => {
                    return SenderTrust::Trusted(format!(
                        "dmarc=pass (Authentication-Results of {id})"
                    ));
                }
                Some(result) => {
                    return SenderTrust::Untrusted(format!(
                        "dmarc={result} (Authentication-Results of {id})"
                    ));
                }
                // The front server said nothing about DMARC: Rollcall checks it itself.
                None => {}
            }
        }
        let Some(dmarc) = &self.dmarc else {
            return SenderTrust::Untrusted("dmarc=temperror (no DNS resolver)".to_string());
        };
        let envelope = Envelope {
            ip,
            helo: &entry.helo,
            mail_from: &entry.mail_from,
        };
        match tokio::time::timeout(self.budget, dmarc.verify(raw, envelope)).await {
            Ok(verdict) => verdict.trust(),
            Err(_) => SenderTrust::Untrusted(format!(
                "dmarc=temperror (DNS lookups took longer than {} s)",
                self.budget.as_secs()
            )),
        }
    }
}

/// What the SMTP conversation said about the sender.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub ip: IpAddr,
    pub helo: &'a str,
    /// The reverse-path; empty for `<>`.
    pub mail_from: &'a str,
}

/// The DMARC evaluation of one message, in the words recorded with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub pass: bool,
    /// `dmarc=pass (dkim=pass spf=fail) header.from=example.com`
    pub summary: String,
}

impl Verdict {
    pub fn trust(self) -> SenderTrust {
        if self.pass {
            SenderTrust::Trusted(self.summary)
        } else {
            SenderTrust::Untrusted(self.summary)
        }
    }
}

/// DKIM, SPF and DMARC through one resolver, with caches shared by all messages.
pub struct DmarcVerifier {
    authenticator: MessageAuthenticator,
    /// Our own name, which SPF macros may ask for.
    host_domain: String,
    pub caches: DnsCaches,
}

impl std::fmt::Debug for DmarcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DmarcVerifier")
            .field("host_domain", &self.host_domain)
            .finish_non_exhaustive()
    }
}

impl DmarcVerifier {
    /// With the system's resolver configuration, one try per query, [`DNS_QUERY_TIMEOUT`] each.
    pub fn system(host_domain: &str) -> Result<DmarcVerifier, String> {
        let (config, mut options) = read_system_conf().map_err(|e| e.to_string())?;
        bound(&mut options);
        let authenticator =
            MessageAuthenticator::new(config, options).map_err(|e| e.to_string())?;
        Ok(DmarcVerifier {
            authenticator,
            host_domain: host_domain.to_string(),
            caches: DnsCaches::default(),
        })
    }

    /// With a given resolver (tests: one whose caches are preloaded, so nothing is asked).
    pub fn with_authenticator(
        authenticator: MessageAuthenticator,
        host_domain: &str,
    ) -> DmarcVerifier {
        DmarcVerifier {
            authenticator,
            host_domain: host_domain.to_string(),
            caches: DnsCaches::default(),
        }
    }

    /// Verifies DKIM, SPF (MAIL FROM, or the EHLO name for `<>`) and DMARC for `raw`.
    pub async fn verify(&self, raw: &[u8], envelope: Envelope<'_>) -> Verdict {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return Verdict {
                pass: false,
                summary: "dmarc=permerror (the message could not be parsed)".to_string(),
            };
        };
        let from_domain = message
            .from()
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        let caches = &self.caches;
        let auth = &self.authenticator;
        let dkim = auth.verify_dkim(caches.params(&message)).await;
        let helo = envelope.helo.trim();
        let spf = if envelope.mail_from.is_empty() {
            auth.verify_spf(caches.params(SpfParameters::verify_ehlo(
                envelope.ip,
                helo,
                &self.host_domain,
            )))
            .await
        } else {
            auth.verify_spf(caches.params(SpfParameters::verify_mail_from(
                envelope.ip,
                helo,
                &self.host_domain,
                envelope.mail_from,
            )))
            .await
        };
        let mail_from_domain = envelope.mail_from.rsplit_once('@').map_or(helo, |(_, d)| d);
        let dmarc = auth
            .verify_dmarc(caches.params(DmarcParameters::new(
                &message,
                &dkim,
                mail_from_domain,
                &spf,
            )))
            .await;
        let pass = matches!(dmarc.dkim_result(), DmarcResult::Pass)
            || matches!(dmarc.spf_result(), DmarcResult::Pass);
        let result = if pass {
            "pass"
        } else {
            match (dmarc.dkim_result(), dmarc.spf_result()) {
                (DmarcResult::TempError(_), _) | (_, DmarcResult::TempError(_)) => "temperror",
                (DmarcResult::PermError(_), _) | (_, DmarcResult::PermError(_)) => "permerror",
                // The From domain publishes no DMARC policy: nothing vouches for it.
                _ if dmarc.dmarc_record().is_none() => "none",
                _ => "fail",
            }
        };
        Verdict {
            pass,
            summary: format!(
                "dmarc={result} (dkim={} spf={}) header.from={}",
                dkim_words(&dkim),
                spf_words(spf.result()),
                if from_domain.is_empty() {
                    "(none)"
                } else {
                    &from_domain
                }
            ),
        }
    }
}

/// One try per query, [`DNS_QUERY_TIMEOUT`] each.
fn bound(options: &mut ResolverOpts) {
    options.timeout = DNS_QUERY_TIMEOUT;
    options.attempts = 1;
}

fn dkim_words(outputs: &[DkimOutput<'_>]) -> &'static str {
    let results: Vec<&DkimResult> = outputs.iter().map(DkimOutput::result).collect();
    if results.iter().any(|r| matches!(r, DkimResult::Pass)) {
        return "pass";
    }
    match results.first() {
        None => "none",
        Some(DkimResult::Pass) => "pass",
        Some(DkimResult::Fail(_)) => "fail",
        Some(DkimResult::Neutral(_)) => "neutral",
        Some(DkimResult::PermError(_)) => "permerror",
        Some(DkimResult::TempError(_)) => "temperror",
        Some(DkimResult::None) => "none",
    }
}

fn spf_words(result: SpfResult) -> &'static str {
    match result {
        SpfResult::Pass => "pass",
        SpfResult::Fail => "fail",
        SpfResult::SoftFail => "softfail",
        SpfResult::Neutral => "neutral",
        SpfResult::TempError => "temperror",
        SpfResult::PermError => "permerror",
        SpfResult::None => "none",
    }
}

/// The resolver caches mail-auth reads before asking DNS, one per record type.
#[derive(Default, Debug)]
pub struct DnsCaches {
    pub txt: DnsCache<Box<str>, Txt>,
    pub mx: DnsCache<Box<str>, RecordSet<MX>>,
    pub ipv4: DnsCache<Box<str>, RecordSet<Ipv4Addr>>,
    pub ipv6: DnsCache<Box<str>, RecordSet<Ipv6Addr>>,
    pub ptr: DnsCache<IpAddr, RecordSet<Box<str>>>,
}

type CachedParameters<'x, P> = Parameters<
    'x,
    P,
    DnsCache<Box<str>, Txt>,
    DnsCache<Box<str>, RecordSet<MX>>,
    DnsCache<Box<str>, RecordSet<Ipv4Addr>>,
    DnsCache<Box<str>, RecordSet<Ipv6Addr>>,
    DnsCache<IpAddr, RecordSet<Box<str>>>,
>;

impl DnsCaches {
    fn params<'x, P>(&'x self, params: P) -> CachedParameters<'x, P> {
        Parameters::new(params)
            .with_txt_cache(&self.txt)
            .with_mx_cache(&self.mx)
            .with_ipv4_cache(&self.ipv4)
            .with_ipv6_cache(&self.ipv6)
            .with_ptr_cache(&self.ptr)
    }
}

/// A bounded map of DNS answers that honours their expiry.
pub struct DnsCache<K, V>(Mutex<HashMap<K, (V, Instant)>>);

impl<K, V> std::fmt::Debug for DnsCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.0.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("DnsCache")
            .field("entries", &entries)
            .finish()
    }
}

impl<K, V> Default for DnsCache<K, V> {
    fn default() -> Self {
        DnsCache(Mutex::new(HashMap::new()))
    }
}

impl<K: Hash + Eq, V: Clone> ResolverCache<K, V> for DnsCache<K, V> {
    fn get<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let map = self.0.lock().ok()?;
        map.get(name)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(value, _)| value.clone())
    }

    fn remove<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.remove(name).map(|(value, _)| value)
    }

    fn insert(&self, key: K, value: V, valid_until: Instant) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CACHE_ENTRIES {
                map.clear();
            }
            map.insert(key, (value, valid_until));
        }
    }
}

#[cfg(test)]
mod tests;
