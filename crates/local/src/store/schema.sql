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
