//! The sender's VTIMEZONE blocks as text, so the organizer's own definition can travel on in
//! the invitations Rollcall sends. Only properties a time zone may hold are kept.

use super::model::{CalendarEvent, TimeValue, VTimezone};

/// Properties allowed inside a VTIMEZONE and its STANDARD/DAYLIGHT children (RFC 5545 §3.6.5),
/// plus the two widespread vendor hints.
const ALLOWED: &[&str] = &[
    "BEGIN",
    "END",
    "TZID",
    "TZURL",
    "LAST-MODIFIED",
    "DTSTART",
    "TZOFFSETFROM",
    "TZOFFSETTO",
    "TZNAME",
    "RRULE",
    "RDATE",
    "COMMENT",
    "X-LIC-LOCATION",
    "X-MICROSOFT-CDO-TZID",
];
const ALLOWED_COMPONENTS: &[&str] = &["VTIMEZONE", "STANDARD", "DAYLIGHT"];
/// A real VTIMEZONE is a few dozen lines; more is not a time zone.
const MAX_LINES: usize = 400;

/// Every VTIMEZONE block in normalized (unfolded, LF) calendar text.
///
/// Every line of the calendar passes here, most of them ATTENDEEs outside any block: those
/// cost a look at the property name and no allocation.
pub fn extract(text: &str) -> Vec<VTimezone> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        let name = line.split([':', ';']).next().unwrap_or_default();
        let is = |wanted: &str| name.eq_ignore_ascii_case(wanted);
        if current.is_none() && !is("BEGIN") {
            continue;
        }
        let value = line
            .split_once(':')
            .map(|(_, v)| v.trim())
            .unwrap_or_default();
        match &mut current {
            None if value.eq_ignore_ascii_case("VTIMEZONE") => {
                current = Some(vec!["BEGIN:VTIMEZONE".to_string()]);
            }
            None => {}
            Some(lines) if is("END") && value.eq_ignore_ascii_case("VTIMEZONE") => {
                lines.push("END:VTIMEZONE".to_string());
                if let Some(block) = current.take().and_then(finish) {
                    blocks.push(block);
                }
            }
            Some(lines) if lines.len() < MAX_LINES && ALLOWED.iter().any(|a| is(a)) => {
                let component_ok = !(is("BEGIN") || is("END"))
                    || ALLOWED_COMPONENTS
                        .iter()
                        .any(|c| value.eq_ignore_ascii_case(c));
                if component_ok {
                    lines.push(line.to_string());
                }
            }
            Some(_) => {}
        }
    }
    blocks
}

fn finish(lines: Vec<String>) -> Option<VTimezone> {
    let tzid = lines.iter().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("TZID")
            .then(|| value.trim().to_string())
    })?;
    // BEGIN/END of the children must pair up, or the block would unbalance the calendar.
    let depth = lines.iter().try_fold(0i32, |depth, l| {
        let upper = l.to_ascii_uppercase();
        let depth = if upper.starts_with("BEGIN:") {
            depth + 1
        } else if upper.starts_with("END:") {
            depth - 1
        } else {
            depth
        };
        (depth >= 0).then_some(depth)
    });
    (depth == Some(0) && !tzid.is_empty()).then_some(VTimezone { tzid, lines })
}

/// The TZIDs an event's times were written with.
pub fn used_tzids(event: &CalendarEvent) -> Vec<&str> {
    let mut ids: Vec<&str> = [&event.start, &event.end, &event.recurrence_id]
        .into_iter()
        .flatten()
        .chain(event.rdates.iter())
        .chain(event.exdates.iter())
        .filter_map(|t| match t {
            TimeValue::Zoned {
                tzid, source_tzid, ..
            } => Some(source_tzid.as_deref().unwrap_or(tzid)),
            TimeValue::UnknownZone { tzid, .. } => Some(tzid.as_str()),
            TimeValue::Date(_) | TimeValue::Floating(_) => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn a_block_is_kept_with_only_time_zone_properties() {
        let text = "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Custom Zone\nX-EVIL:1\nBEGIN:STANDARD\nDTSTART:16010101T030000\n\
                    TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nBEGIN:VALARM\nEND:VALARM\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n";
        let blocks = extract(text);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].tzid, "Custom Zone");
        assert_eq!(
            blocks[0].lines,
            [
                "BEGIN:VTIMEZONE",
                "TZID:Custom Zone",
                "BEGIN:STANDARD",
                "DTSTART:16010101T030000",
                "TZOFFSETFROM:+0200",
                "TZOFFSETTO:+0100",
                "END:STANDARD",
                "END:VTIMEZONE"
            ]
        );
    }

    #[test]
    fn an_unbalanced_block_is_dropped() {
        assert!(extract("BEGIN:VTIMEZONE\nTZID:x\nBEGIN:STANDARD\nEND:VTIMEZONE\n").is_empty());
    }
}
