//! `rollcall parse FILE...`: what Rollcall reads out of each file, one JSON line per VEVENT.

use mail_parser::mailbox::mbox::MessageIterator;
use rollcall_core::Limits;
use rollcall_core::imip::{ReadError, read_message, report};
use std::io::Write;
use std::path::Path;

/// Prints the lines for every file to `out`; returns whether every file was read.
pub fn run(files: &[impl AsRef<Path>], out: &mut impl Write) -> std::io::Result<bool> {
    let limits = Limits::default();
    let mut all_ok = true;
    for path in files {
        let path = path.as_ref();
        let name = path.display().to_string();
        let messages = match read_file(path, &limits) {
            Ok(raw) => split_mbox(&name, raw),
            Err(err) => vec![(name, Err(err))],
        };
        for (name, raw) in messages {
            match raw.and_then(|raw| read_message(&raw, &limits).map_err(FileError::Read)) {
                Ok(read) => {
                    for line in report::event_lines(&name, &read) {
                        serde_json::to_writer(&mut *out, &line)?;
                        out.write_all(b"\n")?;
                    }
                }
                Err(err) => {
                    all_ok = false;
                    serde_json::to_writer(&mut *out, &report::error_line(&name, &err))?;
                    out.write_all(b"\n")?;
                }
            }
        }
    }
    out.flush()?;
    Ok(all_ok)
}

fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, FileError> {
    let metadata = std::fs::metadata(path).map_err(FileError::Io)?;
    // Checked before reading, so a huge file is refused without loading it.
    if metadata.len() > limits.max_message_bytes as u64 {
        return Err(FileError::Read(ReadError::MessageTooLarge {
            size: usize::try_from(metadata.len()).unwrap_or(usize::MAX),
            limit: limits.max_message_bytes,
        }));
    }
    std::fs::read(path).map_err(FileError::Io)
}

/// An mbox file (several messages, each after a `From ` line) is read message by message and
/// its lines are labelled `file#1`, `file#2` ...; anything else is one message.
fn split_mbox(name: &str, raw: Vec<u8>) -> Vec<(String, Result<Vec<u8>, FileError>)> {
    if !raw.starts_with(b"From ") {
        return vec![(name.to_string(), Ok(raw))];
    }
    MessageIterator::new(raw.as_slice())
        .enumerate()
        .map(|(i, message)| {
            let label = format!("{name}#{}", i + 1);
            let raw = message
                .map(|m| m.unwrap_contents())
                .map_err(|_| FileError::Read(ReadError::NotMail));
            (label, raw)
        })
        .collect()
}

#[derive(Debug)]
enum FileError {
    Io(std::io::Error),
    Read(ReadError),
}

impl report::AsErrorLine for FileError {
    fn kind(&self) -> &'static str {
        match self {
            FileError::Io(_) => "io",
            FileError::Read(err) => err.kind(),
        }
    }
    fn reason(&self) -> String {
        match self {
            FileError::Io(err) => err.to_string(),
            FileError::Read(err) => err.to_string(),
        }
    }
}
