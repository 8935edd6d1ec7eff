//! What a trusted front mail server says about a message (RFC 8601 `Authentication-Results`,
//! and the spam and virus flags filters add), for a Rollcall that receives mail through one.
//!
//! Only the server the operator named can vouch: its `authserv-id` must match, and the
//! message must have come from one of the front server's networks. Only the topmost matching
//! header counts — the front server adds its own above everything else, and RFC 8601 §5 has
//! it remove any earlier header claiming its id; copies below it are the sender's, forged.

/// The DMARC result of the topmost `Authentication-Results` header of `authserv_id`, if the
/// message has one: `pass`, `fail`, `none`, `temperror`, `permerror`, ... (lower-cased).
/// Headers of any other authserv-id are ignored.
pub fn dmarc_result(headers: &[(String, String)], authserv_id: &str) -> Option<String> {
    let header = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
        .map(|(_, value)| uncomment(value))
        .find(|value| authserv_of(value).is_some_and(|id| id.eq_ignore_ascii_case(authserv_id)))?;
    // Everything after the authserv-id (and its optional version) is `;`-separated results.
    let results = header.split_once(';').map_or("", |(_, rest)| rest);
    results.split(';').find_map(|result| {
        let result = result.trim();
        let (method, value) = result.split_once('=')?;
        let method = method.trim();
        // `dmarc=pass` or `dmarc/1=pass`.
        let method = method.split('/').next().unwrap_or(method);
        method.eq_ignore_ascii_case("dmarc").then(|| {
            value
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
    })
}

/// The authserv-id a header value starts with.
fn authserv_of(value: &str) -> Option<&str> {
    let first = value.split(';').next()?.split_whitespace().next()?;
    (!first.is_empty()).then_some(first)
}

/// The header value without RFC 5322 comments (parenthesized, possibly nested), so that
/// `(dmarc=pass)` in a comment is not read as a result.
fn uncomment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    let mut escaped = false;
    for c in value.chars() {
        match (c, depth, escaped) {
            (_, d, true) if d > 0 => escaped = false,
            ('\\', d, false) if d > 0 => escaped = true,
            ('(', _, _) => depth += 1,
            (')', d, _) if d > 0 => depth -= 1,
            (c, 0, _) => out.push(if c == '\r' || c == '\n' { ' ' } else { c }),
            _ => {}
        }
    }
    out
}

/// Why the front server's filters say to drop the message: a spam flag
/// (`X-Spam-Flag: YES`, `X-Spam-Status: Yes, …`) or a virus flag (`X-Virus-Status:
/// Infected`). A sender forging such a header only gets its own mail dropped.
pub fn filter_verdict(headers: &[(String, String)]) -> Option<String> {
    headers.iter().find_map(|(name, value)| {
        let value = value.trim();
        let yes = |v: &str| {
            v.split([',', ' ', ';'])
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("yes"))
        };
        if name.eq_ignore_ascii_case("X-Spam-Flag") && yes(value)
            || name.eq_ignore_ascii_case("X-Spam-Status") && yes(value)
        {
            Some(format!(
                "front server spam verdict FAIL ({name}: {value:.60})"
            ))
        } else if name.eq_ignore_ascii_case("X-Virus-Status")
            && value.to_ascii_lowercase().starts_with("infected")
        {
            Some(format!(
                "front server virus verdict FAIL ({name}: {value:.60})"
            ))
        } else {
            None
        }
    })
}

/// The header fields of a raw message, in order, unfolded; stops at the blank line. Bounded
/// by the message's size, which the listener already capped.
pub fn header_fields(raw: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(raw);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(String, String)> {
        header_fields(text.as_bytes())
    }

    #[test]
    fn the_topmost_header_of_the_named_server_decides() {
        let headers = fields(concat!(
            "Received: from mx.example.org\r\n",
            "Authentication-Results: mx.example.org;\r\n",
            "\tdkim=pass header.d=example.com;\r\n",
            "\tdmarc=fail (p=reject) header.from=example.com\r\n",
            "Authentication-Results: mx.example.org; dmarc=pass header.from=example.com\r\n",
            "Authentication-Results: other.example; dmarc=pass\r\n",
            "From: a@example.com\r\n",
            "\r\n",
            "Authentication-Results: mx.example.org; dmarc=pass\r\n",
        ));
        assert_eq!(
            dmarc_result(&headers, "mx.example.org").as_deref(),
            Some("fail"),
            "the forged pass below the first is ignored"
        );
        assert_eq!(
            dmarc_result(&headers, "other.example").as_deref(),
            Some("pass")
        );
        assert_eq!(
            dmarc_result(&headers, "MX.example.ORG").as_deref(),
            Some("fail")
        );
        assert_eq!(dmarc_result(&headers, "unknown.example"), None);
    }

    #[test]
    fn comments_versions_and_missing_results_are_read_right() {
        let headers = fields(
            "Authentication-Results: mx.example.org 1; spf=pass (dmarc=pass in a comment)\r\n\r\n",
        );
        assert_eq!(dmarc_result(&headers, "mx.example.org"), None);
        let headers = fields(
            "Authentication-Results: (the front) mx.example.org; dmarc/1=PASS header.from=x\r\n\r\n",
        );
        assert_eq!(
            dmarc_result(&headers, "mx.example.org").as_deref(),
            Some("pass")
        );
        let headers = fields("Authentication-Results: mx.example.org; none\r\n\r\n");
        assert_eq!(dmarc_result(&headers, "mx.example.org"), None);
    }

    #[test]
    fn spam_and_virus_flags_drop_the_message() {
        for (header, dropped) in [
            ("X-Spam-Flag: YES", true),
            ("X-Spam-Flag: NO", false),
            ("X-Spam-Status: Yes, score=12.1 required=5.0", true),
            ("X-Spam-Status: No, score=0.1", false),
            ("X-Virus-Status: Infected (Eicar-Test-Signature)", true),
            ("X-Virus-Status: Clean", false),
        ] {
            let headers = fields(&format!("{header}\r\n\r\n"));
            assert_eq!(filter_verdict(&headers).is_some(), dropped, "{header}");
        }
    }
}
