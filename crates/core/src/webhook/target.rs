//! Where a webhook may be delivered. An endpoint URL is anyone's text, and a server that posts
//! to whatever it is given can be made to reach its own loopback services, the cloud's
//! metadata address or the operator's private network (SSRF). Two checks, both here:
//!
//! - [`Target::parse`], at save time and again at send time: `https` (or `http` when the
//!   operator allows it), no user name or password, a host. The URL is read the way browsers
//!   and HTTP clients read it (WHATWG, the `url` crate), so `http://2130706433/`,
//!   `http://0x7f.1/` and `http://127.1/` are the loopback address they mean, not names.
//! - [`check_address`], for every address the host resolves to, at save time and at send
//!   time: the sender connects only to an address that passed, so a DNS answer that changes
//!   between the check and the connection (rebinding) cannot move the request.

use crate::ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// What the operator allows beyond public `https` endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Plain `http` URLs.
    pub allow_http: bool,
    /// Loopback, private and every other non-public address (`--webhook-allow-private`):
    /// for endpoints inside the operator's own network, and for tests.
    pub allow_private: bool,
}

/// A checked endpoint URL, with what the sender needs to resolve and connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    url: Url,
    host: TargetHost,
    port: u16,
}

/// The endpoint's host: a name to resolve, or an address written in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetHost {
    Name(String),
    Address(IpAddr),
}

/// Why a URL or an address may not receive webhooks. The text is for the organizer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("not a URL")]
    NotAUrl,
    #[error("webhooks are sent to https URLs only, not {0}:")]
    Scheme(String),
    #[error("a webhook URL may not hold a user name or password")]
    Credentials,
    #[error("a webhook URL needs a host")]
    NoHost,
    #[error("webhooks are not sent to {0}")]
    LocalName(String),
    #[error("webhooks are not sent to {0}: it is not a public internet address")]
    NotPublic(IpAddr),
}

impl Target {
    pub fn parse(text: &str, policy: Policy) -> Result<Target, TargetError> {
        let url = Url::parse(text.trim()).map_err(|_| TargetError::NotAUrl)?;
        match url.scheme() {
            "https" => {}
            "http" if policy.allow_http => {}
            other => return Err(TargetError::Scheme(other.to_string())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Credentials);
        }
        let host = match url.host() {
            None => return Err(TargetError::NoHost),
            Some(Host::Ipv4(v4)) => TargetHost::Address(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => TargetHost::Address(IpAddr::V6(v6)),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                // RFC 6761: `localhost` and its subdomains are loopback whatever DNS says.
                if (name == "localhost" || name.ends_with(".localhost")) && !policy.allow_private {
                    return Err(TargetError::LocalName(name));
                }
                TargetHost::Name(name)
            }
        };
        if let TargetHost::Address(address) = host {
            check_address(address, policy)?;
        }
        let port = url.port_or_known_default().ok_or(TargetError::NoHost)?;
        Ok(Target { url, host, port })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn host(&self) -> &TargetHost {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Whether every address `host` resolved to may be connected to; the first that may not,
/// in words, if one may not.
pub fn check_resolved(host: &str, found: &[IpAddr], policy: Policy) -> Result<(), String> {
    if found.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    for address in found {
        if let Err(why) = check_address(*address, policy) {
            return Err(format!("{host} resolves to {address}: {why}"));
        }
    }
    Ok(())
}

/// Checks `url` as the sender will: the URL rules, and every address its host resolves to
/// now. For saving an endpoint; the sender checks again at every connection.
pub async fn check_url(
    url: &str,
    policy: Policy,
    lookup: &dyn crate::ports::Lookup,
) -> Result<Target, String> {
    let target = Target::parse(url, policy).map_err(|e| e.to_string())?;
    match target.host() {
        TargetHost::Address(address) => {
            check_address(*address, policy).map_err(|e| e.to_string())?;
        }
        TargetHost::Name(name) => {
            let found =
                (lookup.lookup(name).await).map_err(|e| format!("{name} does not resolve: {e}"))?;
            check_resolved(name, &found, policy)?;
        }
    }
    Ok(target)
}

/// Whether the sender may connect to `address` (one the endpoint's host resolved to).
pub fn check_address(address: IpAddr, policy: Policy) -> Result<(), TargetError> {
    if policy.allow_private || is_public(address) {
        Ok(())
    } else {
        Err(TargetError::NotPublic(address))
    }
}

/// Whether `address` is a public unicast internet address: not unspecified, loopback,
/// private, shared (CGNAT), link-local (the cloud metadata address 169.254.169.254 among
/// them), documentation, benchmarking, multicast, reserved or broadcast, and for IPv6 also not
/// unique-local (AWS's fd00:ec2::254), site-local, discard-only or IETF-reserved. An
/// IPv4-mapped address is judged by the IPv4 address it carries; the other forms that embed
/// one (compatible, NAT64, 6to4) are refused, rather than trusted to be translated somewhere
/// public.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => !NON_PUBLIC_V6.iter().any(|(addr, len)| {
                IpNet::new(IpAddr::V6(Ipv6Addr::from(*addr)), *len)
                    .is_some_and(|net| net.contains(IpAddr::V6(v6)))
            }),
        },
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    !NON_PUBLIC_V4.iter().any(|(addr, len)| {
        IpNet::new(IpAddr::V4(Ipv4Addr::from(*addr)), *len)
            .is_some_and(|net| net.contains(IpAddr::V4(v4)))
    })
}

/// IANA's IPv4 special-purpose registry, the ranges not globally reachable, plus multicast.
const NON_PUBLIC_V4: [([u8; 4], u8); 16] = [
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, the metadata address among them
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast (deprecated)
    ([192, 168, 0, 0], 16),  // private
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and the broadcast address
    ([255, 255, 255, 255], 32),
];

/// IANA's IPv6 special-purpose registry, the ranges not globally reachable, plus multicast
/// and the forms that embed an IPv4 address.
const NON_PUBLIC_V6: [([u16; 8], u8); 13] = [
    ([0, 0, 0, 0, 0, 0, 0, 0], 128),         // unspecified
    ([0, 0, 0, 0, 0, 0, 0, 1], 128),         // loopback
    ([0, 0, 0, 0, 0, 0, 0, 0], 96),          // IPv4-compatible (deprecated)
    ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96),  // NAT64
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),  // local-use NAT64
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64),      // discard-only
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),     // IETF protocol assignments (Teredo among them)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16),     // 6to4
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),      // unique local (AWS metadata fd00:ec2::254)
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10),     // link-local
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),     // site-local (deprecated)
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),      // multicast
];

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: Policy = Policy {
        allow_http: false,
        allow_private: false,
    };

    fn refused(url: &str) -> TargetError {
        Target::parse(url, PUBLIC).expect_err(url)
    }

    #[test]
    fn every_address_form_of_the_reliability_checklist_is_refused() {
        let loopback = IpAddr::from([127, 0, 0, 1]);
        for url in [
            "https://127.0.0.1/hook",
            "https://127.1/hook",
            "https://2130706433/hook",
            "https://0x7f.1/hook",
            "https://0177.0.0.1/hook",
        ] {
            assert_eq!(refused(url), TargetError::NotPublic(loopback), "{url}");
        }
        assert_eq!(
            refused("https://[::1]/"),
            TargetError::NotPublic("::1".parse().expect("IPv6"))
        );
        assert_eq!(
            refused("https://[::ffff:127.0.0.1]/"),
            TargetError::NotPublic("::ffff:7f00:1".parse().expect("IPv6"))
        );
        assert_eq!(
            refused("https://169.254.169.254/latest/meta-data/"),
            TargetError::NotPublic(IpAddr::from([169, 254, 169, 254]))
        );
        assert_eq!(refused("https://user@10.0.0.1/"), TargetError::Credentials);
        assert_eq!(
            refused("https://user:pw@example.com/"),
            TargetError::Credentials
        );
        assert_eq!(
            refused("https://localhost/"),
            TargetError::LocalName("localhost".into())
        );
        assert_eq!(
            refused("https://api.localhost./"),
            TargetError::LocalName("api.localhost".into())
        );
        assert_eq!(
            refused("file:///etc/passwd"),
            TargetError::Scheme("file".into())
        );
        assert_eq!(
            refused("gopher://example.com:70/"),
            TargetError::Scheme("gopher".into())
        );
        assert_eq!(
            refused("http://example.com/"),
            TargetError::Scheme("http".into())
        );
        assert_eq!(refused("not a url"), TargetError::NotAUrl);
    }

    #[test]
    fn a_public_https_url_is_kept_with_its_host_and_port() {
        let target = Target::parse("https://Hooks.Example.COM/rollcall?x=1", PUBLIC).expect("ok");
        assert_eq!(target.host(), &TargetHost::Name("hooks.example.com".into()));
        assert_eq!(target.port(), 443);
        assert_eq!(
            target.url().as_str(),
            "https://hooks.example.com/rollcall?x=1"
        );
        let target = Target::parse("https://93.184.215.14:8443/", PUBLIC).expect("ok");
        assert_eq!(
            target.host(),
            &TargetHost::Address(IpAddr::from([93, 184, 215, 14]))
        );
        assert_eq!(target.port(), 8443);
    }

    #[test]
    fn the_operator_may_allow_http_and_private_targets() {
        let tests = Policy {
            allow_http: true,
            allow_private: true,
        };
        let target = Target::parse("http://127.0.0.1:8025/hook", tests).expect("allowed");
        assert_eq!(target.port(), 8025);
        assert!(Target::parse("http://localhost:9/", tests).is_ok());
        assert_eq!(check_address(IpAddr::from([10, 1, 2, 3]), tests), Ok(()));
        // Allowing http allows no private address, and credentials stay refused.
        let http_only = Policy {
            allow_http: true,
            allow_private: false,
        };
        assert!(Target::parse("http://example.com/", http_only).is_ok());
        assert!(Target::parse("http://10.0.0.1/", http_only).is_err());
        assert_eq!(
            Target::parse("http://u@127.0.0.1/", tests),
            Err(TargetError::Credentials)
        );
    }

    #[test]
    fn resolved_addresses_are_checked_one_by_one() {
        let not_public = [
            "0.0.0.0",
            "10.255.0.1",
            "100.64.0.1",
            "127.5.5.5",
            "169.254.169.254",
            "172.31.255.255",
            "192.0.2.10",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
        ];
        for text in not_public {
            let address: IpAddr = text.parse().expect(text);
            assert!(!is_public(address), "{text} is not public");
            assert_eq!(
                check_address(address, PUBLIC),
                Err(TargetError::NotPublic(address))
            );
        }
        for text in [
            "93.184.215.14",
            "1.1.1.1",
            "172.32.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            let address: IpAddr = text.parse().expect(text);
            assert!(is_public(address), "{text} is public");
        }
    }
}
