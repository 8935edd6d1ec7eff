//! Who the client is, for the rate limits: the TCP peer, or behind a trusted reverse proxy
//! the address that proxy says it forwarded for (`Forwarded: for=`, RFC 7239, or
//! `X-Forwarded-For`).
//!
//! Only a peer inside `--trusted-proxies` is believed at all: anyone else can write either
//! header. The headers are read from the right, where each trusted proxy appended the hop it
//! saw; addresses that are themselves trusted proxies are skipped, and the first other one is
//! the client. Whatever a client put further left is never reached, so it cannot choose its
//! own bucket. Anything unreadable on the way (`unknown`, an obfuscated name, garbage) means
//! the proxies did not say who the client is, and the peer is used. Written by hand: it is a
//! split on commas and semicolons plus `IpAddr` parsing, and the trust rules are the point.

use axum::http::HeaderMap;
use axum::http::header::{FORWARDED, HeaderName};
use rollcall_core::ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client's address: `peer`, unless `peer` is a trusted proxy whose headers name one.
///
/// A request carrying both headers whose answers differ is ambiguous (a proxy writes one of
/// them; the client may have written the other), so it gets the peer: a client can at most
/// move itself into the proxy's own bucket, never into someone else's.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded = header_list(headers, &FORWARDED)
        .map(|list| walk(list.split(',').rev().map(forwarded_for), &is_trusted));
    let x_forwarded_for = header_list(headers, &X_FORWARDED_FOR)
        .map(|list| walk(list.split(',').rev().map(node), &is_trusted));
    match (forwarded, x_forwarded_for) {
        (Some(Some(a)), Some(Some(b))) if a == b => a,
        (Some(_), Some(_)) | (None, None) => peer,
        (Some(one), None) | (None, Some(one)) => one.unwrap_or(peer),
    }
}

/// All lines of a header as one comma-separated list, in order (RFC 9110 §5.3); `None` when
/// the header is absent, `Some("")` when a line is not visible ASCII (which then reads as
/// malformed).
fn header_list(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let mut lines = headers.get_all(name).iter().peekable();
    lines.peek()?;
    let mut list = Vec::new();
    for line in lines {
        let Ok(text) = line.to_str() else {
            return Some(String::new());
        };
        list.push(text);
    }
    Some(list.join(","))
}

/// Hops from the nearest (rightmost) to the farthest: the first untrusted one, or if every
/// hop is a trusted proxy the farthest (it was written by a trusted proxy too); `None` if an
/// unreadable hop comes first.
fn walk(
    hops_from_right: impl Iterator<Item = Option<IpAddr>>,
    is_trusted: &impl Fn(IpAddr) -> bool,
) -> Option<IpAddr> {
    let mut farthest = None;
    for hop in hops_from_right {
        let ip = hop?;
        if !is_trusted(ip) {
            return Some(ip);
        }
        farthest = Some(ip);
    }
    farthest
}

/// The `for=` node of one `Forwarded` element (`for=192.0.2.60;proto=http;by=203.0.113.43`).
/// An element with no `for`, or two, says nothing usable.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let mut found = None;
    for pair in element.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            if pair.trim().is_empty() {
                continue;
            }
            return None;
        };
        if name.trim().eq_ignore_ascii_case("for") {
            if found.is_some() {
                return None;
            }
            let value = value.trim();
            // A quoted-string (needed for IPv6 and ports); escapes never occur in an address.
            let value = match value.strip_prefix('"') {
                Some(rest) => rest.strip_suffix('"')?,
                None => value,
            };
            found = Some(node(value)?);
        }
    }
    found
}

/// One node: `192.0.2.43`, `192.0.2.43:47011`, `[2001:db8::17]`, `[2001:db8::17]:4711`, or a
/// bare IPv6 address as `X-Forwarded-For` writes it. `unknown` and obfuscated names
/// (`_hidden`) are not addresses.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("a network")).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    const PROXY: &str = "10.0.0.5";

    fn client(pairs: &[(&'static str, &'static str)]) -> IpAddr {
        client_ip(
            ip(PROXY),
            &headers(pairs),
            &nets(&["10.0.0.0/8", "fd00::/8"]),
        )
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_writes() {
        let spoofed = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.7"),
        ]);
        let peer = ip("203.0.113.9");
        assert_eq!(client_ip(peer, &spoofed, &nets(&["10.0.0.0/8"])), peer);
        assert_eq!(client_ip(peer, &spoofed, &[]), peer, "no trusted proxies");
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        assert_eq!(client(&[]), ip(PROXY), "no header: the proxy itself");
        assert_eq!(
            client(&[("x-forwarded-for", "203.0.113.9")]),
            ip("203.0.113.9")
        );
        assert_eq!(
            client(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.1.1.1")]),
            ip("203.0.113.9"),
            "what the client wrote on the left is never reached; trusted hops are skipped"
        );
        assert_eq!(
            client(&[
                ("x-forwarded-for", "198.51.100.1"),
                ("x-forwarded-for", "203.0.113.9"),
            ]),
            ip("203.0.113.9"),
            "several header lines are one list, in order"
        );
        assert_eq!(
            client(&[("x-forwarded-for", "10.2.2.2, 10.1.1.1")]),
            ip("10.2.2.2"),
            "a client inside the trusted network: the farthest hop"
        );
        assert_eq!(
            client(&[("x-forwarded-for", "2001:db8::1")]),
            ip("2001:db8::1")
        );
        assert_eq!(
            client(&[("x-forwarded-for", "203.0.113.9:51234")]),
            ip("203.0.113.9"),
            "a port is dropped"
        );
        assert_eq!(
            client(&[("x-forwarded-for", "[2001:db8::1]:443")]),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn forwarded_elements_are_read_like_rfc_7239_says() {
        assert_eq!(
            client(&[("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")]),
            ip("192.0.2.60")
        );
        assert_eq!(
            client(&[("forwarded", "For=\"[2001:db8:cafe::17]:4711\"")]),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            client(&[(
                "forwarded",
                "for=198.51.100.1, for=192.0.2.43;proto=https, for=10.3.3.3"
            )]),
            ip("192.0.2.43")
        );
        assert_eq!(
            client(&[("forwarded", "for=\"192.0.2.43:47011\"")]),
            ip("192.0.2.43")
        );
    }

    #[test]
    fn anything_unreadable_before_the_client_falls_back_to_the_peer() {
        for value in [
            "unknown",
            "203.0.113.9, garbage",
            "",
            "203.0.113.9,",
            "203.0.113.9, _hidden",
        ] {
            let map = {
                let mut map = HeaderMap::new();
                map.insert(
                    X_FORWARDED_FOR,
                    HeaderValue::from_str(value).expect("a header value"),
                );
                map
            };
            let nets = nets(&["10.0.0.0/8"]);
            assert_eq!(client_ip(ip(PROXY), &map, &nets), ip(PROXY), "{value:?}");
        }
        for value in [
            "for=unknown",
            "for=_hidden",
            "proto=https",
            "for=192.0.2.1;for=192.0.2.2",
            "for=\"192.0.2.1",
            "for",
        ] {
            let mut map = HeaderMap::new();
            map.insert(FORWARDED, HeaderValue::from_str(value).expect("a value"));
            let nets = nets(&["10.0.0.0/8"]);
            assert_eq!(client_ip(ip(PROXY), &map, &nets), ip(PROXY), "{value:?}");
        }
        assert_eq!(
            client(&[("x-forwarded-for", "garbage, 203.0.113.9")]),
            ip("203.0.113.9"),
            "garbage the client wrote further left is never read"
        );
    }

    #[test]
    fn both_headers_must_agree() {
        assert_eq!(
            client(&[
                ("x-forwarded-for", "203.0.113.9"),
                ("forwarded", "for=203.0.113.9"),
            ]),
            ip("203.0.113.9")
        );
        assert_eq!(
            client(&[
                ("x-forwarded-for", "203.0.113.9"),
                ("forwarded", "for=198.51.100.7"),
            ]),
            ip(PROXY),
            "which one did the proxy write? Neither is believed"
        );
    }
}
