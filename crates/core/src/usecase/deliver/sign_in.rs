//! Works off a sign-in request job ([`Notice::SignInRequest`]): the look-up the web request
//! left out (does the address have anything to see, does it hold enough links already), and
//! if a link is due, the sign-in mail, sent right here with its link minted as it leaves.

use crate::notice::{Notice, OutboxMessage};
use crate::ports::{Composer, Mailer, SendError, Store};
use crate::usecase::access::{self, hash_secret};
use chrono::{DateTime, Duration, Utc};

/// `Ok` when the request is answered: mailed, or nothing was due (then no mail at all).
pub(super) async fn answer_request(
    job: &OutboxMessage,
    store: &dyn Store,
    composer: &dyn Composer,
    mailer: &dyn Mailer,
    link_ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    let transient = |error: crate::ports::StoreError| SendError::Transient(error.to_string());
    let Some(mail) = access::answer_sign_in_request(store, job, link_ttl, now)
        .await
        .map_err(transient)?
    else {
        return Ok(());
    };
    let sent = match composer.compose(&mail) {
        Ok(composed) => mailer.send(&composed).await,
        Err(reason) => Err(SendError::Permanent(format!("could not compose: {reason}"))),
    };
    if sent.is_err()
        && let Notice::SignIn {
            sign_in: Some(link),
        } = &mail.notice
    {
        // Nobody received this link: it must not count against the organizer's few (a retry
        // mints its own). If removing it fails too, it expires with its TTL.
        let _ = store.delete_credential(&hash_secret(&link.token)).await;
    }
    sent
}
