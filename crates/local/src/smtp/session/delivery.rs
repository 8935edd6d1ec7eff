//! The DATA phase of a transaction: reading the body through the
//! smuggling-proof decoder, prepending the `Received:` trace header and
//! handing the message to the [`Intake`]. Replies `250` only once the intake
//! says the message is on disk.

use tracing::{info, warn};

use super::super::conn::{Closed, DataPace};
use super::super::data::DotDecoder;
use super::super::{Envelope, Intake};
use super::{Next, Session, sanitize};

impl<I: Intake> Session<'_, I> {
    /// DATA: reads the body, then stores it (or says why not). The
    /// transaction is over afterwards, whatever the outcome.
    pub(super) async fn data(&mut self) -> Result<Next, Closed> {
        let Some(mail_from) = self.tx.mail_from.clone() else {
            self.error(503, "5.5.1 bad sequence of commands: send MAIL first");
            return Ok(Next::Continue);
        };
        if self.tx.rcpt_to.is_empty() {
            self.error(
                503,
                "5.5.1 bad sequence of commands: no valid recipients, send RCPT first",
            );
            return Ok(Next::Continue);
        }
        self.conn.reply(354, &["End data with <CR><LF>.<CR><LF>"]);
        let mut decoder = DotDecoder::new(self.config.max_message_size);
        let pace = DataPace {
            deadline: self.config.data_timeout,
            min_rate: self.config.min_data_rate,
            grace: self.config.min_data_grace,
        };
        self.conn.read_data(&mut decoder, &pace).await?;
        let tx = std::mem::take(&mut self.tx);
        let Some(body) = decoder.into_body() else {
            let max = self.config.max_message_size;
            warn!(peer = %self.peer, max, "refused DATA: message too big, discarded");
            self.conn.reply(
                552,
                &[&format!(
                    "5.3.4 message size exceeds fixed maximum of {max} bytes"
                )],
            );
            return Ok(Next::Continue);
        };
        let (helo, extended) = self.helo.clone().unwrap_or_default();
        let trace_id = format!("{:016X}", rand::random::<u64>());
        let mut raw = self
            .received_header(&helo, extended, tx.smtputf8, &trace_id)
            .into_bytes();
        raw.extend_from_slice(&body);
        drop(body);
        let size = raw.len();
        let recipients = tx.rcpt_to.len();
        let envelope = Envelope {
            peer: self.peer,
            helo,
            mail_from,
            rcpt_to: tx.rcpt_to,
        };
        // Send the replies we owe (the 354 may still be queued if the body
        // arrived pipelined) before a store that may take a while.
        self.conn.flush().await?;
        match self.intake.store(envelope, raw).await {
            Ok(id) => {
                info!(peer = %self.peer, id = %id, trace_id, size, recipients, "accepted message");
                self.conn
                    .reply(250, &[&format!("2.0.0 Ok: queued as {id}")]);
            }
            Err(reason) => {
                warn!(peer = %self.peer, trace_id, size, reason = %reason, "store failed, answered 451");
                self.conn
                    .reply(451, &["4.3.0 temporary failure, please retry"]);
            }
        }
        Ok(Next::Continue)
    }

    /// `Received:` trace header (RFC 5321 §4.4), prepended to the stored bytes.
    fn received_header(&self, helo: &str, extended: bool, smtputf8: bool, id: &str) -> String {
        let protocol = match (extended, smtputf8) {
            (_, true) => "UTF8SMTP",
            (true, false) => "ESMTP",
            (false, false) => "SMTP",
        };
        format!(
            "Received: from {} ({})\r\n\tby {} with {protocol} id {id};\r\n\t{}\r\n",
            sanitize(helo),
            self.peer.ip().to_canonical(),
            sanitize(&self.config.hostname),
            chrono::Utc::now().to_rfc2822(),
        )
    }
}
