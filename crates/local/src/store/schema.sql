-- Rollcall's local database. Applied at every start; every statement is idempotent.

-- Inbound messages as the SMTP listener stored them: the durable queue the worker drains.
-- The raw bytes live in <data>/inbox/<id>.eml, written and fsynced before this row commits.
CREATE TABLE IF NOT EXISTS inbox (
    id              TEXT PRIMARY KEY,
    received_at     TEXT NOT NULL,
    peer            TEXT NOT NULL,
    helo            TEXT NOT NULL,
    mail_from       TEXT NOT NULL,
    rcpt_to         TEXT NOT NULL,  -- JSON array
    size            INTEGER NOT NULL,
    path            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS inbox_due ON inbox (state, next_attempt_at);

-- The recorded outcome of each processed message (the store port's MessageRecord).
CREATE TABLE IF NOT EXISTS message_outcomes (
    message_id     TEXT PRIMARY KEY,
    from_email     TEXT,
    from_name      TEXT,
    subject        TEXT,
    status         TEXT NOT NULL,
    outcome        TEXT NOT NULL,  -- the sentence users read
    outcome_json   TEXT NOT NULL,
    processed_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    id               TEXT PRIMARY KEY,
    organizer_email  TEXT NOT NULL,
    uid              TEXT NOT NULL,
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    data             TEXT NOT NULL,  -- JSON of rollcall_core::event::Event
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (organizer_email, uid)
);

-- Mail owed to someone, written in the same transaction as the change that caused it.
CREATE TABLE IF NOT EXISTS outbox (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    sent_at         TEXT,
    data            TEXT NOT NULL   -- JSON of rollcall_core::notice::OutboxMessage
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);

-- When an operator last re-queued a failed outbox message (`rollcall outbox retry`): its
-- lifetime counts from then instead of from `outbox.created_at`. A table of its own because
-- the schema has no migrations, and adding a column to `outbox` would not be idempotent.
CREATE TABLE IF NOT EXISTS outbox_requeued (
    id           TEXT PRIMARY KEY REFERENCES outbox (id),
    requeued_at  TEXT NOT NULL
);

-- The outbox's pause, when the transport refuses everything: at most one row.
CREATE TABLE IF NOT EXISTS outbox_pause (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    since          TEXT NOT NULL,
    next_probe_at  TEXT NOT NULL,
    probes         INTEGER NOT NULL,
    reason         TEXT NOT NULL
);

-- One row per invitee of an event; the JSON is the whole invitee, the columns are its keys.
-- `(event_id, email)` is fixed by the first write (addresses are normalized by the caller).
CREATE TABLE IF NOT EXISTS invitees (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL,
    email       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,  -- JSON of rollcall_core::invitee::Invitee
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (event_id, email)
);
CREATE INDEX IF NOT EXISTS invitees_by_event ON invitees (event_id, id);

-- Every signal recorded for an invitee, once per (invitee, dedupe key); `seq` keeps the
-- commit order among signals received at the same time.
CREATE TABLE IF NOT EXISTS signals (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    invitee_id   TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    data         TEXT NOT NULL,  -- JSON of rollcall_core::ports::SignalRecord
    UNIQUE (invitee_id, dedupe_key)
);
CREATE INDEX IF NOT EXISTS signals_history ON signals (invitee_id, received_at, seq);

-- Per-event counts of invitees per track value, moved in the same transaction as statuses.
CREATE TABLE IF NOT EXISTS counters (
    event_id  TEXT NOT NULL,
    track     TEXT NOT NULL,
    value     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (event_id, track, value)
) WITHOUT ROWID;

-- Positive counter deltas per UTC hour (`hour` is to_db of the hour's start): the dashboard's
-- time series, written in the same transaction as the counters.
CREATE TABLE IF NOT EXISTS series (
    event_id  TEXT NOT NULL,
    track     TEXT NOT NULL,
    hour      TEXT NOT NULL,
    value     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (event_id, track, hour, value)
) WITHOUT ROWID;

-- Sign-in links, sessions and API tokens: only the SHA-256 of each secret is kept.
CREATE TABLE IF NOT EXISTS credentials (
    hash          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    organizer     TEXT NOT NULL,
    label         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT
);
CREATE INDEX IF NOT EXISTS credentials_by_organizer ON credentials (organizer, kind, created_at);

-- Delegates an organizer allowed to send their invitations (SENT-BY), for one event's UID
-- (`scope` = 'uid:<uid>') or all of them ('*').
CREATE TABLE IF NOT EXISTS delegations (
    organizer   TEXT NOT NULL,
    delegate    TEXT NOT NULL,
    scope       TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (organizer, delegate, scope)
) WITHOUT ROWID;

-- Addresses mailed no more for any event (a hard bounce, a complaint, "unsubscribe from
-- everything"): the JSON of a rollcall_core::suppression::Suppression, by address.
CREATE TABLE IF NOT EXISTS suppressions (
    address  TEXT PRIMARY KEY,
    data     TEXT NOT NULL
) WITHOUT ROWID;

-- Daily quota counters: what was taken of `quota_key` in the window from `window_start`.
CREATE TABLE IF NOT EXISTS quotas (
    quota_key     TEXT NOT NULL,
    window_start  TEXT NOT NULL,
    taken         INTEGER NOT NULL,
    PRIMARY KEY (quota_key, window_start)
) WITHOUT ROWID;

-- The organizers' change streams (/api/v1/changes): the JSON of a
-- rollcall_core::change::ChangeRecord per row, in commit order. `seq` is the place a consumer
-- resumes after: SQLite has one writer at a time, so a later commit always gets a greater
-- one; AUTOINCREMENT so that a place is never handed out twice.
CREATE TABLE IF NOT EXISTS changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    organizer  TEXT NOT NULL,
    type       TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_organizer ON changes (organizer, seq);

-- Webhook endpoints: the JSON of a rollcall_core::webhook::endpoint::Endpoint, by id.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id          TEXT PRIMARY KEY,
    organizer   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    data        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS webhook_endpoints_by_organizer
    ON webhook_endpoints (organizer, created_at, id);

-- Each endpoint's delivery log: the JSON of a DeliveryAttempt, newest read first.
CREATE TABLE IF NOT EXISTS webhook_attempts (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint  TEXT NOT NULL,
    at        TEXT NOT NULL,
    data      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_by_endpoint ON webhook_attempts (endpoint, at, seq);
