//! One SMTP conversation: greeting, command dispatch and the per-transaction
//! state (MAIL, RCPT*; DATA is in [`delivery`]). All I/O goes through [`Conn`], which bounds
//! line length, buffering and idle time.

use std::net::SocketAddr;

use smtp_proto::{
    Error as ParseError, MAIL_BODY_BINARYMIME, MAIL_SMTPUTF8, MailFrom, RcptTo, Request,
};
use tracing::{debug, warn};

use super::conn::{Closed, Conn, Line};
use super::{Intake, SmtpConfig};

mod delivery;

/// Protocol errors (bad syntax, bad sequence, overlong lines) tolerated per
/// connection before we hang up, like Postfix's hard error limit: a client
/// this confused is broken or probing.
const MAX_ERRORS: u32 = 20;

/// The mail transaction being built (RFC 5321 §3.3).
#[derive(Debug, Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    smtputf8: bool,
}

/// What the command loop should do after a command.
enum Next {
    Continue,
    Hangup,
}

pub(super) struct Session<'a, I> {
    conn: Conn,
    config: &'a SmtpConfig,
    intake: &'a I,
    peer: SocketAddr,
    /// From a trusted network; otherwise (open mode) only our own domain is served.
    trusted: bool,
    helo: Option<(String, bool /* EHLO */)>,
    tx: Transaction,
    errors: u32,
}

impl<'a, I: Intake> Session<'a, I> {
    pub(super) fn new(
        conn: Conn,
        config: &'a SmtpConfig,
        intake: &'a I,
        peer: SocketAddr,
        trusted: bool,
    ) -> Self {
        Self {
            conn,
            config,
            intake,
            peer,
            trusted,
            helo: None,
            tx: Transaction::default(),
            errors: 0,
        }
    }

    /// Gives the connection back, e.g. to send a final 421 and close it.
    pub(super) fn into_conn(self) -> Conn {
        self.conn
    }

    /// Runs the conversation until QUIT, the error limit, or `Closed`.
    pub(super) async fn run(&mut self) -> Result<(), Closed> {
        let host = &self.config.hostname;
        self.conn.reply(220, &[&format!("{host} Rollcall ESMTP")]);
        loop {
            if self.errors >= MAX_ERRORS {
                warn!(peer = %self.peer, "too many protocol errors, closing");
                self.conn
                    .reply(421, &["4.7.0 too many errors, closing connection"]);
                return Ok(());
            }
            let line = match self.conn.next_line(self.config.max_line_length).await? {
                Line::Complete(line) => line,
                Line::TooLong => {
                    let max = self.config.max_line_length;
                    self.error(500, &format!("5.5.2 line too long (at most {max} bytes)"));
                    continue;
                }
            };
            let next = match Request::parse(&mut line.iter()) {
                Ok(request) => self.handle(request.into_owned()).await?,
                Err(e) => {
                    self.parse_error(e);
                    Next::Continue
                }
            };
            if let Next::Hangup = next {
                return Ok(());
            }
        }
    }

    async fn handle(&mut self, request: Request<String>) -> Result<Next, Closed> {
        match request {
            Request::Ehlo { host } => self.hello(host, true),
            Request::Helo { host } => self.hello(host, false),
            Request::Mail { from } => self.mail(from),
            Request::Rcpt { to } => self.rcpt(to),
            Request::Data => return self.data().await,
            Request::Rset => {
                self.tx = Transaction::default();
                self.conn.reply(250, &["2.0.0 Ok"]);
            }
            Request::Noop { .. } => self.conn.reply(250, &["2.0.0 Ok"]),
            Request::Vrfy { .. } => self.conn.reply(
                252,
                &["2.5.0 cannot VRFY user, but will accept message and attempt delivery"],
            ),
            Request::Help { .. } => self.conn.reply(
                214,
                &[
                    "2.0.0 Rollcall accepts mail for its invitation addresses",
                    "2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT",
                ],
            ),
            Request::Quit => {
                let host = &self.config.hostname;
                self.conn
                    .reply(221, &[&format!("2.0.0 {host} closing connection")]);
                return Ok(Next::Hangup);
            }
            // The chunk that follows BDAT would otherwise be read as commands.
            Request::Bdat { .. } => {
                self.conn
                    .reply(502, &["5.5.1 BDAT not supported (CHUNKING is not offered)"]);
                return Ok(Next::Hangup);
            }
            Request::Lhlo { .. } => self.error(500, "5.5.1 command not recognized"),
            Request::Auth { .. }
            | Request::StartTls
            | Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => self.error(502, "5.5.1 command not implemented"),
        }
        Ok(Next::Continue)
    }

    fn hello(&mut self, client: String, extended: bool) {
        self.tx = Transaction::default();
        let host = &self.config.hostname;
        let greeting = format!("{host} greets {}", sanitize(&client));
        if extended {
            let size = format!("SIZE {}", self.config.max_message_size);
            let lines = [
                &greeting,
                "PIPELINING",
                "8BITMIME",
                &size,
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8",
            ];
            self.conn.reply(250, &lines);
        } else {
            self.conn.reply(250, &[&greeting]);
        }
        self.helo = Some((client, extended));
    }

    fn mail(&mut self, from: MailFrom<String>) {
        let max = self.config.max_message_size;
        if self.helo.is_none() {
            self.error(
                503,
                "5.5.1 bad sequence of commands: send EHLO or HELO first",
            );
        } else if self.tx.mail_from.is_some() {
            self.error(503, "5.5.1 bad sequence of commands: nested MAIL command");
        } else if from.size > max {
            warn!(peer = %self.peer, declared = from.size, max, "refused MAIL: declared size too big");
            self.conn.reply(
                552,
                &[&format!(
                    "5.3.4 message size exceeds fixed maximum of {max} bytes"
                )],
            );
        } else if from.flags & MAIL_BODY_BINARYMIME != 0 {
            self.conn
                .reply(555, &["5.5.4 BODY=BINARYMIME is not supported"]);
        } else {
            self.tx.smtputf8 = from.flags & MAIL_SMTPUTF8 != 0;
            self.tx.mail_from = Some(from.address);
            self.conn.reply(250, &["2.1.0 Ok"]);
        }
    }

    fn rcpt(&mut self, to: RcptTo<String>) {
        // smtp-proto maps both `<>` and `<postmaster>` to "".
        let rcpt = if to.address.is_empty() {
            "postmaster".to_owned()
        } else {
            to.address.to_lowercase()
        };
        let max = self.config.max_recipients;
        if self.tx.mail_from.is_none() {
            self.error(503, "5.5.1 bad sequence of commands: send MAIL first");
        } else if self.tx.rcpt_to.len() >= max {
            warn!(peer = %self.peer, max, "refused RCPT: too many recipients");
            self.conn.reply(
                452,
                &[&format!(
                    "4.5.3 too many recipients (at most {max} per message)"
                )],
            );
        } else if !self.trusted && !in_domain(&rcpt, &self.config.domain) {
            warn!(peer = %self.peer, rcpt = %rcpt, "refused RCPT: relaying denied");
            let text = format!("5.7.1 <{}>: relaying denied", sanitize(&rcpt));
            self.conn.reply(550, &[&text]);
        } else if !self.intake.accepts_recipient(&rcpt) {
            warn!(peer = %self.peer, rcpt = %rcpt, "refused RCPT: no such mailbox");
            let text = format!(
                "5.1.1 <{rcpt}>: no such mailbox here (Rollcall only accepts its invitation and reply addresses)"
            );
            self.conn.reply(550, &[&text]);
        } else {
            if !self.tx.rcpt_to.contains(&rcpt) {
                self.tx.rcpt_to.push(rcpt);
            }
            self.conn.reply(250, &["2.1.5 Ok"]);
        }
    }

    fn parse_error(&mut self, error: ParseError) {
        debug!(peer = %self.peer, %error, "unparsable command");
        let code = if matches!(error, ParseError::UnknownCommand) {
            500
        } else {
            501
        };
        let text = match error {
            ParseError::UnknownCommand => "5.5.1 command not recognized".to_owned(),
            ParseError::InvalidSenderAddress => "5.1.7 bad sender address syntax".to_owned(),
            ParseError::InvalidRecipientAddress => "5.1.3 bad recipient address syntax".to_owned(),
            ParseError::SyntaxError { syntax } => format!("5.5.4 syntax: {syntax}"),
            ParseError::InvalidParameter { param } => format!("5.5.4 invalid parameter {param}"),
            ParseError::UnsupportedParameter { param } => {
                return self.error(
                    555,
                    &format!("5.5.4 unsupported parameter {}", sanitize(&param)),
                );
            }
            _ => "5.5.2 syntax error".to_owned(),
        };
        self.error(code, &text);
    }

    /// Replies with an error that counts toward [`MAX_ERRORS`].
    fn error(&mut self, code: u16, text: &str) {
        self.errors += 1;
        self.conn.reply(code, &[text]);
    }
}

/// Whether `rcpt` (lower-cased) is an address in `domain`.
fn in_domain(rcpt: &str, domain: &str) -> bool {
    rcpt.rsplit_once('@')
        .is_some_and(|(_, host)| host.eq_ignore_ascii_case(domain))
}

/// Client-supplied text going into a header or reply: printable ASCII only,
/// no parentheses (they would end the comment in `Received:`), bounded.
fn sanitize(text: &str) -> String {
    text.chars()
        .take(255)
        .map(|c| {
            if c.is_ascii_graphic() && c != '(' && c != ')' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
