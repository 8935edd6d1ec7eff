//! iTIP (RFC 5546) scenarios, `tests/itip/*.txt`, replayed against the pure `itip::{decide,
//! apply}` as a store would. The format is described in `tests/itip/README.md`.

use chrono::{DateTime, Utc};
use rollcall_core::Limits;
use rollcall_core::event::{Event, EventId, normalize_email};
use rollcall_core::ical::{CalendarEvent, CalendarObject, read_calendars};
use rollcall_core::itip::{Acting, Action, Sender, apply, decide};
use rollcall_core::usecase::delegation::{Delegation, DelegationScope};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

const HEADER: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rollcall//scenarios//EN\r\n";

/// (lower-cased organizer address, UID), as `ingest` keys events.
type Key = (String, String);

#[derive(Default)]
struct Runner {
    file: String,
    sender: Option<String>,
    store: BTreeMap<Key, Event>,
    /// What organizers have allowed (`> allow-delegate`, `> revoke-delegate`).
    delegations: Vec<Delegation>,
    ids: u8,
    /// The send being collected: its line and the calendar text so far.
    send: Option<(usize, String)>,
    /// Results of the last send not yet matched by `> expect`: (send line, rendering, key).
    pending: VecDeque<(usize, String, Key)>,
    last_key: Option<Key>,
    checks: usize,
    failures: Vec<String>,
}

fn now() -> DateTime<Utc> {
    "2026-03-01T12:00:00Z".parse().expect("a valid instant")
}

fn render(action: &Action) -> String {
    match action {
        Action::Create => "created".to_string(),
        Action::Update { from, to } => format!("updated {from} -> {to}"),
        Action::UpdateOccurrence { recurrence_id: r } => format!("updated occurrence {r}"),
        Action::Cancel => "cancelled".to_string(),
        Action::CancelOccurrence { recurrence_id: r } => format!("cancelled occurrence {r}"),
        Action::RememberCancel => "remembered cancellation".to_string(),
    }
}

fn rid(event: &CalendarEvent) -> String {
    let rid = event.recurrence_id.as_ref();
    rid.map(|r| r.to_contract_string()).unwrap_or_default()
}

/// The fields `expect-state` can check, rendered as a scenario writes them.
fn field(e: &Event, name: &str) -> Option<String> {
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    Some(match name {
        "state" => e.state.as_str().to_string(),
        "sequence" => e.sequence.to_string(),
        "dtstamp" => text(&e.dtstamp.map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())),
        "summary" => text(&e.details.summary),
        "organizer" => e.organizer_email.clone(),
        "name" => text(&e.organizer_name),
        "start" => text(&e.details.start.as_ref().map(|t| t.to_contract_string())),
        "rrule" => text(&e.details.rrule),
        "recurrence-id" => rid(&e.details),
        "overrides" => e.overrides.iter().map(rid).collect::<Vec<_>>().join(","),
        "cancelled-occurrences" => e
            .cancelled_occurrences
            .iter()
            .map(|c| c.recurrence_id.as_str())
            .collect::<Vec<_>>()
            .join(","),
        "producer" => text(&e.producer),
        "placeholder" => e.placeholder.to_string(),
        "version" => e.version.to_string(),
        other => {
            let at = other.strip_prefix("summary@")?;
            let found = e.overrides.iter().find(|o| rid(o) == at);
            found.map_or_else(|| "(no override)".into(), |o| text(&o.summary))
        }
    })
}

/// Splits on spaces, keeping `key="a b"` together and dropping the quotes.
fn tokens(text: &str) -> Vec<String> {
    let (mut out, mut current, mut quoted) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out.retain(|t| !t.is_empty());
    out
}

impl Runner {
    fn fail(&mut self, line: usize, message: impl std::fmt::Display) {
        let file = &self.file;
        self.failures.push(format!("{file}:{line}: {message}"));
    }

    fn run(file: &str, text: &str) -> Runner {
        let mut runner = Runner::default();
        runner.replay(file, text);
        runner
    }

    fn replay(&mut self, file: &str, text: &str) {
        self.file = file.to_string();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match (line.strip_prefix('>'), self.send.as_mut()) {
                (Some(directive), _) => self.directive(n + 1, directive.trim()),
                (None, Some((_, calendar))) => *calendar += &format!("{line}\r\n"),
                (None, None) => self.fail(n + 1, format!("calendar line outside a send: {line}")),
            }
        }
        self.flush();
        self.check_all_expected();
        if self.checks == 0 {
            self.fail(0, "the scenario checks nothing");
        }
    }

    fn directive(&mut self, line: usize, text: &str) {
        let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
        let rest = rest.trim();
        if word == "vevent" {
            return match self.send.as_mut() {
                Some((_, calendar)) => *calendar += "END:VEVENT\r\nBEGIN:VEVENT\r\n",
                None => self.fail(line, "`> vevent` outside a send"),
            };
        }
        self.flush();
        match word {
            "from" => self.sender = (rest != "none").then(|| rest.to_string()),
            "allow-delegate" | "revoke-delegate" => {
                let words = tokens(rest);
                let scope = match words.get(2) {
                    Some(uid) => DelegationScope::Event { uid: uid.clone() },
                    None => DelegationScope::AllEvents,
                };
                let (Some(organizer), Some(delegate)) = (words.first(), words.get(1)) else {
                    return self.fail(
                        line,
                        format!("`> {word}` needs <organizer> <delegate> [uid]"),
                    );
                };
                let delegation = Delegation::new(organizer, delegate, scope, now());
                self.delegations.retain(|d| {
                    (&d.organizer, &d.delegate, &d.scope)
                        != (
                            &delegation.organizer,
                            &delegation.delegate,
                            &delegation.scope,
                        )
                });
                if word == "allow-delegate" {
                    self.delegations.push(delegation);
                }
            }
            "send" => {
                self.check_all_expected();
                let mut calendar = HEADER.to_string();
                if !rest.is_empty() {
                    calendar += &format!("METHOD:{rest}\r\n");
                }
                self.send = Some((line, calendar + "BEGIN:VEVENT\r\n"));
            }
            "expect" => {
                self.checks += 1;
                let Some((_, actual, key)) = self.pending.pop_front() else {
                    return self.fail(line, format!("expected `{rest}`, but no result is left"));
                };
                let id = self.store.get(&key).map(|e| e.id.to_string());
                let expected = rest.replace("$id", &id.unwrap_or_default());
                if actual != expected {
                    self.fail(line, format!("expected `{expected}`, got `{actual}`"));
                }
            }
            "expect-state" => self.check_state(line, rest),
            "expect-events" => {
                self.checks += 1;
                let actual = self.store.len().to_string();
                if actual != rest {
                    self.fail(line, format!("expected {rest} stored events, got {actual}"));
                }
            }
            other => self.fail(line, format!("unknown directive `> {other}`")),
        }
    }

    fn check_all_expected(&mut self) {
        while let Some((line, actual, _)) = self.pending.pop_front() {
            self.fail(line, format!("result `{actual}` has no `> expect`"));
        }
    }

    /// Reads the collected send, then decides and applies each VEVENT in document order.
    fn flush(&mut self) {
        let Some((line, calendar)) = self.send.take() else {
            return;
        };
        let calendar = calendar + "END:VEVENT\r\nEND:VCALENDAR\r\n";
        let objects = match read_calendars(calendar.as_bytes(), &Limits::default()) {
            Ok(objects) => objects,
            Err(err) => return self.fail(line, format!("the reader refused the send: {err}")),
        };
        for object in &objects {
            for incoming in &object.events {
                let (key, result) = self.step(object, incoming);
                self.pending.push_back((line, result, key.clone()));
                self.last_key = Some(key);
            }
        }
    }

    /// One VEVENT through `decide` and, if accepted, `apply`, against the stored event.
    fn step(&mut self, object: &CalendarObject, incoming: &CalendarEvent) -> (Key, String) {
        let organizer = incoming.organizer.as_ref().and_then(|o| o.email.as_deref());
        let uid = incoming.uid.clone().unwrap_or_default();
        let key = (organizer.map(normalize_email).unwrap_or_default(), uid);
        let stored = self.store.get(&key).cloned();
        let (method, email) = (object.method.as_ref(), self.sender.as_deref());
        let sender = Sender {
            email,
            delegations: &self.delegations,
        };
        let decision = match decide(stored.as_ref(), method, incoming, sender) {
            Ok(decision) => decision,
            Err(err) => return (key, format!("ignored: {err}")),
        };
        let action = decision.action;
        // A delegate the organizer has not allowed: the message waits for the organizer's
        // word, and the store is not touched (as `ingest` commits nothing of it).
        let by = match &decision.acting {
            Acting::Organizer => String::new(),
            Acting::Delegate {
                address,
                allowed: false,
            } => {
                return (
                    key,
                    format!("awaiting the organizer: delegate {address} is not allowed"),
                );
            }
            Acting::Delegate {
                address,
                allowed: true,
            } => format!(" by delegate {address}"),
        };
        let ids = &mut self.ids;
        let new_id = || {
            *ids += 1;
            EventId::from_random([*ids; EventId::LEN])
        };
        let producer = object.producer.as_deref();
        let next = apply(stored, &action, incoming, producer, new_id, now());
        self.store.insert(key.clone(), next);
        (key, format!("{}{by}", render(&action)))
    }

    fn check_state(&mut self, line: usize, rest: &str) {
        self.checks += 1;
        let mut words = tokens(rest);
        let first = words.first().filter(|w| !w.contains('='));
        let selector = first.and_then(|w| w.split_once('/'));
        let key = match (selector, &self.last_key) {
            (Some((organizer, uid)), _) => (normalize_email(organizer), uid.to_string()),
            (None, Some(key)) => key.clone(),
            (None, None) => return self.fail(line, "expect-state before any send"),
        };
        if selector.is_some() {
            words.remove(0);
        }
        let Some(event) = self.store.get(&key).cloned() else {
            if words.iter().any(|w| w != "absent") {
                self.fail(line, format!("no stored event for {}/{}", key.0, key.1));
            }
            return;
        };
        for word in words {
            let (name, expected) = word.split_once('=').unwrap_or(("state", &word));
            match field(&event, name) {
                None => self.fail(line, format!("unknown field `{name}`")),
                Some(actual) if actual != expected => {
                    let got = format!("got `{actual}` ({}/{})", key.0, key.1);
                    self.fail(line, format!("{name}: expected `{expected}`, {got}"));
                }
                Some(_) => {}
            }
        }
    }
}

/// Runs every `*.txt` under `tests/<dir>` (or `$ITIP_SCENARIOS`) and lists all failures.
fn run_scenarios(dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path =
        std::env::var_os("ITIP_SCENARIOS").map_or(root.join("tests").join(dir), PathBuf::from);
    let mut files = vec![path.clone()];
    if path.is_dir() {
        let entries = std::fs::read_dir(&path).expect("a readable scenario directory");
        files = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        files.retain(|p| p.extension().is_some_and(|x| x == "txt"));
        files.sort();
    }
    assert!(!files.is_empty(), "no scenario files in {}", path.display());
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        let name = path.strip_prefix(root).unwrap_or(&path).display();
        let runner = Runner::run(&name.to_string(), &text);
        let (file, checks, failed) = (&runner.file, runner.checks, runner.failures.len());
        println!("{file}: {checks} checks, {failed} failed");
        failures.extend(runner.failures);
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n"));
}

#[test]
fn itip_scenarios() {
    run_scenarios("itip");
}

#[test]
fn a_wrong_expectation_fails_with_file_and_line() {
    let runner = Runner::run(
        "inline.txt",
        concat!(
            "> from alice@example.com\n> send REQUEST\nUID:u1\nDTSTAMP:20260301T100000Z\n",
            "ORGANIZER:mailto:alice@example.com\n> expect updated 0 -> 1\n",
            "> expect-state cancelled sequence=2\n> send CANCEL\nUID:u1\n",
        ),
    );
    let unexpected = "result `ignored: calendar event has no ORGANIZER with a mail address`";
    assert_eq!(
        runner.failures,
        [
            "inline.txt:6: expected `updated 0 -> 1`, got `created`".to_string(),
            "inline.txt:7: state: expected `cancelled`, got `active` (alice@example.com/u1)".into(),
            "inline.txt:7: sequence: expected `2`, got `0` (alice@example.com/u1)".into(),
            format!("inline.txt:8: {unexpected} has no `> expect`"),
        ]
    );
}
