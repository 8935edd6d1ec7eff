//! Sign-in links: minted as the mail leaves, used once to start a session, remembered a
//! while after use so an old acknowledgement still leads to a fresh one, and requested from
//! `/signin` without telling who organizes events.

use super::*;

/// Sign-in links an organizer may hold unexpired at once. A request for a link beyond this
/// mails nothing: the links already mailed keep working until one is used or they expire.
/// Without the cap, anyone could fill an organizer's inbox (the per-address rate limit lives
/// in one process's memory); without keeping older links valid, anyone asking for a link in
/// the organizer's name would void the one they were about to use.
pub const MAX_LIVE_SIGN_IN_LINKS: usize = 3;

/// How long a used or ended sign-in link is remembered, so that the acknowledgement an
/// organizer opens again days later still gets them a fresh link in one click.
pub const SPENT_LINK_MEMORY: Duration = Duration::days(14);

/// Makes the sign-in link a mail to `organizer` carries. Their other links stay valid (using
/// any one ends the rest, [`sign_in`]); expired ones are cleared away here.
pub async fn mint_sign_in_link(
    store: &dyn CredentialStore,
    organizer: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<SignInLink, StoreError> {
    let organizer = organizer.to_ascii_lowercase();
    for kind in [CredentialKind::SignInLink, CredentialKind::SpentSignInLink] {
        for expired in store
            .credentials_of(&organizer, kind)
            .await?
            .into_iter()
            .filter(|c| c.expires_at.is_some_and(|at| at <= now))
        {
            store.delete_credential(&expired.hash).await?;
        }
    }
    let token = new_secret();
    let expires_at = now + ttl;
    store
        .put_credential(&Credential {
            hash: hash_secret(&token),
            kind: CredentialKind::SignInLink,
            organizer,
            label: String::new(),
            created_at: now,
            expires_at: Some(expires_at),
            last_used_at: None,
        })
        .await?;
    Ok(SignInLink { token, expires_at })
}

/// How many of the organizer's sign-in links still work at `now`.
pub async fn live_sign_in_links(
    store: &dyn CredentialStore,
    organizer: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(store
        .credentials_of(&organizer.to_ascii_lowercase(), CredentialKind::SignInLink)
        .await?
        .iter()
        .filter(|c| c.expires_at.is_none_or(|at| at > now))
        .count())
}

/// Fills in the sign-in link of a notice that carries one, as it is about to be sent.
pub async fn with_sign_in_link(
    message: &OutboxMessage,
    store: &dyn CredentialStore,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Option<OutboxMessage>, StoreError> {
    let notice = match &message.notice {
        Notice::EventCreated { .. } => Notice::EventCreated {
            sign_in: Some(mint_sign_in_link(store, &message.to.email, ttl, now).await?),
        },
        Notice::SignIn { .. } => Notice::SignIn {
            sign_in: Some(mint_sign_in_link(store, &message.to.email, ttl, now).await?),
        },
        _ => return Ok(None),
    };
    Ok(Some(OutboxMessage {
        notice,
        ..message.clone()
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("this sign-in link is not valid: it or another of the organizer's was used already")]
    Unknown,
    #[error("this sign-in link has expired")]
    Expired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new session, as its cookie carries it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub viewer: Viewer,
    pub expires_at: DateTime<Utc>,
}

/// Uses up a sign-in link and starts a session (a new id every time). The organizer's other
/// sign-in links stop working too: once they are in, links still lying in their mailbox would
/// only be more ways in for whoever reads it next.
pub async fn sign_in(
    store: &dyn CredentialStore,
    link_token: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<NewSession, SignInError> {
    let hash = hash_secret(link_token);
    let link = match store.take_credential(&hash).await? {
        Some(link) if link.kind == CredentialKind::SignInLink => link,
        // Taking it used a remembered link up: remember it again.
        Some(spent) => {
            store.put_credential(&spent).await?;
            return Err(SignInError::Unknown);
        }
        None => return Err(SignInError::Unknown),
    };
    if link.expires_at.is_some_and(|at| at <= now) {
        store.put_credential(&spent(&link, now)).await?;
        return Err(SignInError::Expired);
    }
    store.put_credential(&spent(&link, now)).await?;
    for other in store
        .credentials_of(&link.organizer, CredentialKind::SignInLink)
        .await?
    {
        store.delete_credential(&other.hash).await?;
        store.put_credential(&spent(&other, now)).await?;
    }
    let secret = new_secret();
    let expires_at = now + settings.session_lifetime;
    store
        .put_credential(&Credential {
            hash: hash_secret(&secret),
            kind: CredentialKind::Session,
            organizer: link.organizer.clone(),
            label: String::new(),
            created_at: now,
            expires_at: Some(expires_at),
            last_used_at: Some(now),
        })
        .await?;
    Ok(NewSession {
        secret,
        viewer: settings.viewer(&link.organizer),
        expires_at,
    })
}

/// The marker a used or ended sign-in link leaves (same hash, another kind).
fn spent(link: &Credential, now: DateTime<Utc>) -> Credential {
    Credential {
        kind: CredentialKind::SpentSignInLink,
        expires_at: Some(now + SPENT_LINK_MEMORY),
        last_used_at: Some(now),
        ..link.clone()
    }
}

/// Whom a sign-in link that no longer works was for, while it is remembered (expired, or
/// used or ended within [`SPENT_LINK_MEMORY`]): its page offers to mail them a fresh link.
/// The address is only ever mailed, never shown to whoever holds the old link.
pub async fn renewal_address(
    store: &dyn CredentialStore,
    link_token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let found = store.credential(&hash_secret(link_token)).await?;
    Ok(found.and_then(|c| match c.kind {
        CredentialKind::SignInLink => Some(c.organizer),
        CredentialKind::SpentSignInLink if c.expires_at.is_none_or(|at| at > now) => {
            Some(c.organizer)
        }
        _ => None,
    }))
}

/// Queues a sign-in request for `email` (a [`Notice::SignInRequest`] job) and says whether
/// the address was well-formed. The same work for every address, organizer or not: one
/// commit and nothing read, so neither the answer nor its timing tells whether the address
/// has events. The sender answers the request ([`answer_sign_in_request`]).
pub async fn request_sign_in_link(
    store: &dyn Store,
    email: &str,
    settings: &AccessSettings,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(email) = crate::invitee::parse_email(email) else {
        return Ok(false);
    };
    let viewer = settings.viewer(&email);
    let message = OutboxMessage {
        // Random beside the time: two requests in one millisecond (a double click, an old
        // link renewed beside another) are two requests, not one recorded twice.
        id: format!(
            "signin-{}-{}-{:08x}",
            &hash_secret(&email)[..16],
            now.timestamp_millis(),
            rand::random::<u32>()
        ),
        to: crate::imip::Mailbox {
            email: email.clone(),
            name: None,
        },
        notice: Notice::SignInRequest {
            domain_admin: viewer.domain_admin,
        },
        event: Event::none(now),
        created_at: now,
    };
    store
        .commit(&Commit {
            outbox: vec![message],
            ..Commit::default()
        })
        .await?;
    Ok(true)
}

/// The sign-in mail that answers `request` (a [`Notice::SignInRequest`] job), its link
/// minted; `None` when none is due: the address has nothing to see (its own events, or for a
/// domain admin their domain's), or already holds [`MAX_LIVE_SIGN_IN_LINKS`] working links.
/// The mail is about the address's latest event and keeps the request's id.
pub async fn answer_sign_in_request(
    store: &dyn Store,
    request: &OutboxMessage,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Option<OutboxMessage>, StoreError> {
    let Notice::SignInRequest { domain_admin } = &request.notice else {
        return Ok(None);
    };
    let viewer = Viewer {
        organizer: request.to.email.to_ascii_lowercase(),
        domain_admin: domain_admin.clone(),
    };
    let events = visible_events(store, &viewer, viewer.domain_admin.is_some()).await?;
    let Some(latest) = events.into_iter().max_by_key(|e| e.updated_at) else {
        return Ok(None);
    };
    if live_sign_in_links(store, &viewer.organizer, now).await? >= MAX_LIVE_SIGN_IN_LINKS {
        return Ok(None);
    }
    let link = mint_sign_in_link(store, &viewer.organizer, ttl, now).await?;
    Ok(Some(OutboxMessage {
        notice: Notice::SignIn {
            sign_in: Some(link),
        },
        event: latest,
        ..request.clone()
    }))
}
