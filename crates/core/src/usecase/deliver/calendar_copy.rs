//! What an invitee's calendar copy says they answered, for the series and for each date.

use super::*;

/// The PARTSTAT an invitee's calendar copy carries: their current answer.
pub fn partstat(invitee: &Invitee) -> String {
    invitee
        .status
        .value("response")
        .and_then(Answer::parse)
        .unwrap_or(Answer::NeedsAction)
        .as_str()
        .to_ascii_uppercase()
}

/// The occurrences an invitee answered on their own, each at its RECURRENCE-ID with the
/// PARTSTAT their copy carries for it, in series order; cancelled ones are left out (the
/// copy leaves the date out).
pub fn occurrence_partstats(
    invitee: &Invitee,
    event: &crate::event::Event,
) -> Vec<(crate::ical::TimeValue, String)> {
    let own: Vec<_> = invitee.status.own_occurrence_answers().collect();
    if own.is_empty() {
        return Vec::new();
    }
    crate::recurrence::expand(&event.details, crate::event::Exceptions::of(event))
        .into_iter()
        .filter(|o| o.state != crate::recurrence::OccurrenceState::Cancelled)
        .filter_map(|o| {
            let (_, answer) = own.iter().find(|(id, _)| *id == o.id)?;
            Some((o.planned, answer.answer.as_str().to_ascii_uppercase()))
        })
        .collect()
}
