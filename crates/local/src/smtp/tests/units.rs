//! Unit tests of the DATA decoder and `IpNet`, without sockets.

use std::net::IpAddr;

use super::super::IpNet;
use super::super::data::DotDecoder;

/// Feeds `input` in pieces of `chunk` bytes; returns (body, bytes consumed).
fn decode(input: &[u8], chunk: usize, limit: usize) -> (Option<Vec<u8>>, usize) {
    let mut decoder = DotDecoder::new(limit);
    let mut used = 0;
    for piece in input.chunks(chunk) {
        let n = decoder.feed(piece);
        used += n;
        if decoder.is_done() {
            return (decoder.into_body(), used);
        }
        assert_eq!(n, piece.len(), "bytes left over before the end");
    }
    panic!("no end of data in {input:?}");
}

#[test]
fn end_of_data_is_found_whatever_the_chunking() {
    let input = b"a\r\n..b\r\n.\r\nNEXT\r\n";
    for chunk in 1..=input.len() {
        let (body, used) = decode(input, chunk, 100);
        assert_eq!(body.as_deref(), Some(&b"a\r\n.b\r\n"[..]), "chunk {chunk}");
        assert_eq!(used, input.len() - b"NEXT\r\n".len(), "chunk {chunk}");
    }
}

#[test]
fn an_empty_body_ends_at_the_first_line() {
    assert_eq!(decode(b".\r\n", 1, 100), (Some(Vec::new()), 3));
}

#[test]
fn bare_cr_and_lf_never_end_data() {
    for fake_end in [
        "\n.\n",
        "\n.\r\n",
        "\r.\r\n",
        "\r\n.\n",
        "\r\n.\r\r\n",
        "\r\n. \r\n",
    ] {
        let input = format!("x{fake_end}y\r\n.\r\n");
        for chunk in [1, 2, input.len()] {
            let (body, used) = decode(input.as_bytes(), chunk, 100);
            assert_eq!(used, input.len(), "{fake_end:?} chunk {chunk}");
            let body = body.expect("within limit");
            assert!(
                body.starts_with(b"x") && body.ends_with(b"y\r\n"),
                "{fake_end:?}: {body:?}"
            );
        }
    }
}

#[test]
fn bytes_past_the_limit_are_read_but_not_kept() {
    let input = format!("{}\r\n.\r\n", "z".repeat(50));
    assert_eq!(
        decode(input.as_bytes(), 7, 52).0,
        Some(format!("{}\r\n", "z".repeat(50)).into_bytes())
    );
    assert_eq!(decode(input.as_bytes(), 7, 51), (None, input.len()));
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("valid address")
}

#[test]
fn ip_networks_parse_and_match() {
    let lo: IpNet = "127.0.0.0/8".parse().expect("valid");
    assert!(lo.contains(ip("127.1.2.3")) && !lo.contains(ip("128.0.0.1")));
    assert!(
        lo.contains(ip("::ffff:127.0.0.1")),
        "v4-mapped peers count as v4"
    );
    assert!(!lo.contains(ip("::1")));
    let v6: IpNet = "::1/128".parse().expect("valid");
    assert!(v6.contains(ip("::1")) && !v6.contains(ip("::2")) && !v6.contains(ip("127.0.0.1")));
    let all: IpNet = "0.0.0.0/0".parse().expect("valid");
    assert!(all.contains(ip("203.0.113.9")));
    let host: IpNet = "10.1.2.3".parse().expect("valid");
    assert_eq!(
        (host.to_string().as_str(), host.prefix_len()),
        ("10.1.2.3/32", 32)
    );
    let net: IpNet = "fd00::/8".parse().expect("valid");
    assert!(net.contains(ip("fd12::1")) && !net.contains(ip("fe80::1")));
    assert!(
        IpNet::loopback()
            .iter()
            .all(|n| n.contains(ip("127.0.0.1")) || n.contains(ip("::1")))
    );
}

#[test]
fn bad_ip_networks_are_rejected() {
    for bad in [
        "",
        "abc",
        "10.0.0.0/33",
        "::/129",
        "1.2.3.4/",
        "1.2.3.4/-1",
        "1.2.3/8",
        "1.2.3.4/8/8",
    ] {
        assert!(bad.parse::<IpNet>().is_err(), "{bad:?} parsed");
    }
}
