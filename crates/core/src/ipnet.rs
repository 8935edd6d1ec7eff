//! A minimal IP network (address + prefix length) for the allow-lists: the SMTP
//! listener's trusted networks and the web site's trusted proxies. Only what they
//! need: parse, display and `contains`. Kept in-house because one comparison does
//! not justify another dependency; pure data, so it lives in the core.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network such as `127.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix_len: u8,
}

/// Why a string is not a valid `IpNet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid IP network {input:?}: {reason}")]
pub struct IpNetParseError {
    input: String,
    reason: &'static str,
}

impl IpNet {
    /// Builds a network; fails if the prefix is longer than the address
    /// (32 bits for IPv4, 128 for IPv6). Host bits need not be zero.
    pub fn new(addr: IpAddr, prefix_len: u8) -> Option<Self> {
        (prefix_len <= max_prefix(addr)).then_some(Self { addr, prefix_len })
    }

    /// `127.0.0.0/8` and `::1/128`: the default trusted set.
    pub fn loopback() -> Vec<Self> {
        vec![
            Self {
                addr: IpAddr::from([127, 0, 0, 0]),
                prefix_len: 8,
            },
            Self {
                addr: IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
                prefix_len: 128,
            },
        ]
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// Whether `ip` lies inside this network. IPv4-mapped IPv6 peers
    /// (`::ffff:127.0.0.1`, seen on dual-stack sockets) count as IPv4, so a
    /// listener bound to `[::]` still matches `127.0.0.0/8`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = mask_u32(self.prefix_len);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = mask_u128(self.prefix_len);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() { 32 } else { 128 }
}

fn mask_u32(prefix_len: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix_len.min(32)))
        .unwrap_or(0)
}

fn mask_u128(prefix_len: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix_len.min(128)))
        .unwrap_or(0)
}

impl FromStr for IpNet {
    type Err = IpNetParseError;

    /// Accepts `addr/prefix`, or a bare address meaning a single host.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |reason| IpNetParseError {
            input: input.to_owned(),
            reason,
        };
        let (addr, prefix) = match input.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (input.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| error("not an IP address"))?;
        let prefix_len = match prefix {
            None => max_prefix(addr),
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| error("prefix length is not a number"))?,
        };
        Self::new(addr, prefix_len).ok_or_else(|| error("prefix length too long for address"))
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}
