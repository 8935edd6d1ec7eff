//! Untrusted text on pages. Everything an event carries came from someone's mail: it is
//! cleaned of characters that can disguise text, escaped, and only plain `http(s)://` URLs in
//! a description become links.

use std::fmt::Write as _;

/// Characters that reorder or hide what is around them: bidirectional embeddings, overrides
/// and isolates (U+202E turns `gpj.exe` into what looks like `exe.jpg`).
fn is_disguising(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Drops disguising and control characters (line breaks and tabs stay).
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| !is_disguising(c) && (!c.is_control() || c == '\n' || c == '\t'))
        .collect()
}

/// [`clean`], trimmed, `None` when nothing is left.
pub fn clean_opt(text: Option<&str>) -> Option<String> {
    text.map(clean)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Truncates to at most `max` characters, marking the cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Characters that end a URL in running text.
fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_disguising(c)
        || matches!(
            c,
            '<' | '>' | '"' | '\'' | '`' | '{' | '}' | '|' | '\\' | '^'
        )
}

/// Where the next `http://` or `https://` starts at or after `from`, and its scheme's
/// length. `lower` is the text in ASCII lower case (same byte offsets).
fn next_url_start(lower: &str, from: usize) -> Option<(usize, usize)> {
    let mut search = from;
    while let Some(found) = lower[search..].find("http") {
        let at = search + found;
        let rest = &lower[at..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            0
        };
        // A scheme glued to a word (`xhttp://`) is not the start of a URL.
        let glued = lower[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric());
        if scheme > 0 && !glued {
            return Some((at, scheme));
        }
        search = at + 4;
    }
    None
}

/// The length of the URL starting at the beginning of `text`, without trailing punctuation
/// that belongs to the sentence (`see https://x.org/a.`), nor an unbalanced `)`.
fn url_len(text: &str) -> usize {
    let mut end = text.find(ends_url).unwrap_or(text.len());
    loop {
        let url = &text[..end];
        let Some(last) = url.chars().next_back() else {
            return 0;
        };
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '*' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            _ => false,
        };
        if !strip {
            return end;
        }
        end -= last.len_utf8();
    }
}

/// The description as HTML: all text escaped, and each `http(s)://` URL wrapped in a link that
/// passes neither referrer nor opener and carries no endorsement. Nothing else becomes a link:
/// `javascript:` or `data:` text stays text.
pub fn linkify(text: &str) -> String {
    let text = clean(text);
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut at = 0;
    while let Some((start, scheme_len)) = next_url_start(&lower, at) {
        let len = url_len(&text[start..]);
        if len <= scheme_len {
            // A bare scheme: text.
            escape_html(&text[at..start + scheme_len], &mut out);
            at = start + scheme_len;
            continue;
        }
        escape_html(&text[at..start], &mut out);
        let url = &text[start..start + len];
        out.push_str("<a href=\"");
        escape_html(url, &mut out);
        out.push_str("\" rel=\"nofollow noopener noreferrer\">");
        escape_html(url, &mut out);
        out.push_str("</a>");
        at = start + len;
    }
    escape_html(&text[at..], &mut out);
    out
}

/// Percent-encodes a query value: everything but RFC 3986 unreserved characters, as UTF-8.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_only_web_urls_become_links() {
        let html = linkify("<b>hi</b> javascript:alert(1) see https://example.org/a?b=1&c=2.");
        assert_eq!(
            html,
            "&lt;b&gt;hi&lt;/b&gt; javascript:alert(1) see <a href=\"https://example.org/a?b=1&amp;c=2\" \
             rel=\"nofollow noopener noreferrer\">https://example.org/a?b=1&amp;c=2</a>."
        );
    }

    #[test]
    fn a_url_cannot_break_out_of_its_attribute() {
        let html = linkify("http://x.org/\"onmouseover=alert(1)");
        assert!(html.starts_with("<a href=\"http://x.org/\" "), "{html}");
        assert!(html.contains("&quot;onmouseover"), "{html}");
    }

    #[test]
    fn parentheses_and_bare_schemes() {
        assert!(linkify("(see http://x.org/a_(b))").contains(">http://x.org/a_(b)</a>)"));
        assert_eq!(linkify("https:// nothing"), "https:// nothing");
        assert_eq!(linkify("xhttp://x.org"), "xhttp://x.org");
        assert!(linkify("HTTPS://X.ORG").contains("href=\"HTTPS://X.ORG\""));
    }

    #[test]
    fn disguising_characters_are_dropped() {
        assert_eq!(
            clean("a\u{202E}gpj.exe\u{2066}b\u{0007}\nc"),
            "agpj.exeb\nc"
        );
    }

    #[test]
    fn query_values_are_fully_encoded() {
        assert_eq!(encode_query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("ééé", 2), "é…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
