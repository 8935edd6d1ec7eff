//! Decoding of the DATA body: end-of-data detection, dot-unstuffing and the
//! size cap, as one small state machine fed with whatever bytes arrived.
//!
//! Why not smtp-proto's `DataReceiver`? In 0.2.5 it does keep `\n.\n`,
//! `\n.\r\n` and `\r.\r\n` inside the message, but it also ends the message
//! on `\r\n.\r\r\n` (extra CRs between the dot and CR LF), so one DATA could
//! still become two messages (smuggling). Its state also starts empty, so a
//! first body line of `.` does not end the data and a first line `..x` is not
//! unstuffed; and it has no size cap of its own. Here the rules are explicit:
//!
//! * A line starts only after CR LF (or at the start of the body). Bare LF and
//!   bare CR are ordinary bytes: they neither start a line nor end the data, and
//!   are kept verbatim inside this one message. So `\n.\n`, `\n.\r\n`,
//!   `\r.\r\n` and `\r\n.\n` can never split a DATA into two messages
//!   (SMTP smuggling), whatever the chunking of the input.
//! * The end of data is exactly a line consisting of `.` followed by CR LF.
//! * A line starting with `.` has that dot removed (RFC 5321 §4.5.2).
//! * At most `limit` decoded bytes are kept; past that the rest is scanned
//!   and discarded so the reply can still come after the terminator.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line (after CR LF, or the start of the body).
    LineStart,
    /// Inside a line, the previous byte was not a pending CR.
    Middle,
    /// Inside a line, a CR was seen and not yet emitted.
    Cr,
    /// A `.` was seen at the start of a line, not yet emitted.
    Dot,
    /// `.` then CR at the start of a line; one LF away from the end.
    DotCr,
}

/// Incremental decoder for one DATA body.
#[derive(Debug)]
pub(super) struct DotDecoder {
    state: State,
    body: Vec<u8>,
    limit: usize,
    overflowed: bool,
    done: bool,
}

impl DotDecoder {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            state: State::LineStart,
            body: Vec::new(),
            limit,
            overflowed: false,
            done: false,
        }
    }

    /// Consumes bytes from `input` up to and including the end-of-data line.
    /// Returns how many bytes were consumed; anything after the terminator is
    /// left to the caller (pipelined commands).
    pub(super) fn feed(&mut self, input: &[u8]) -> usize {
        let mut i = 0;
        while i < input.len() && !self.done {
            // Fast path: copy a run of ordinary bytes in one go.
            if self.state == State::Middle {
                let run = input[i..]
                    .iter()
                    .position(|&b| b == b'\r')
                    .unwrap_or(input.len() - i);
                if run > 0 {
                    self.emit(&input[i..i + run]);
                    i += run;
                    continue;
                }
            }
            self.step(input[i]);
            i += 1;
        }
        i
    }

    /// Whether the end-of-data line has been seen.
    pub(super) fn is_done(&self) -> bool {
        self.done
    }

    /// The decoded body (ending with the CR LF before the final dot), or
    /// `None` if it exceeded the limit.
    pub(super) fn into_body(self) -> Option<Vec<u8>> {
        (!self.overflowed).then_some(self.body)
    }

    fn step(&mut self, byte: u8) {
        self.state = match (self.state, byte) {
            (State::LineStart, b'.') => State::Dot,
            (State::LineStart | State::Middle, b'\r') => State::Cr,
            (State::Cr, b'\n') => {
                self.emit(b"\r\n");
                State::LineStart
            }
            (State::Cr, b'\r') => {
                self.emit(b"\r");
                State::Cr
            }
            (State::Cr, other) => {
                self.emit(&[b'\r', other]);
                State::Middle
            }
            // The stuffed dot is dropped; the byte after it is ordinary.
            (State::Dot, b'\r') => State::DotCr,
            (State::DotCr, b'\n') => {
                self.done = true;
                State::LineStart
            }
            // `.` CR then something other than LF: not the end. The dot is
            // still a leading dot (dropped); the CR is pending again or emitted.
            (State::DotCr, b'\r') => {
                self.emit(b"\r");
                State::Cr
            }
            (State::DotCr, other) => {
                self.emit(&[b'\r', other]);
                State::Middle
            }
            (State::LineStart | State::Middle | State::Dot, other) => {
                self.emit(&[other]);
                State::Middle
            }
        };
    }

    fn emit(&mut self, bytes: &[u8]) {
        if self.overflowed {
            return;
        }
        if self.body.len().saturating_add(bytes.len()) > self.limit {
            // Free what we held: an oversized message is never stored.
            self.overflowed = true;
            self.body = Vec::new();
        } else {
            self.body.extend_from_slice(bytes);
        }
    }
}
