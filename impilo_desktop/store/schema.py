"""The database schema and its forward migrations.

`PRAGMA user_version` holds the schema version. `MIGRATIONS[n]` upgrades a version-n file to
n+1; each runs in its own transaction, so an interrupted upgrade leaves the file at a
consistent version. Never edit a released step: add a new one. A file with a version higher
than `SCHEMA_VERSION` (written by a newer app) is refused, never downgraded.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

# Version 1: the first release.
V1 = """
CREATE TABLE drafts (
    draft_id   TEXT PRIMARY KEY,
    body       TEXT NOT NULL,              -- the whole OrderDraft as JSON
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Small key/value facts: the current draft, the outbox pause reason.
CREATE TABLE app_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE outbox (
    entry_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_reference TEXT NOT NULL UNIQUE,  -- generated once, sent in externalOrderIds
    draft_id         TEXT NOT NULL,
    body             TEXT NOT NULL,         -- the draft as JSON, kept intact for the user
    state            TEXT NOT NULL CHECK (state IN
                        ('queued', 'sending', 'in_doubt', 'sent', 'rejected', 'held')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  REAL,                  -- epoch seconds; NULL = as soon as possible
    last_error       TEXT,
    server_message   TEXT,
    order_id         INTEGER,
    age_confirmed    INTEGER NOT NULL DEFAULT 0,  -- the user released it after a hold
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL
);
CREATE INDEX outbox_state ON outbox (state, next_attempt_at);

CREATE TABLE outbox_attempts (
    attempt_id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id   INTEGER NOT NULL REFERENCES outbox (entry_id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_entry ON outbox_attempts (entry_id);

CREATE TABLE reference_cache (
    kind TEXT NOT NULL,                     -- patient, site, item, kit
    id   INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,                     -- the API object as JSON
    PRIMARY KEY (kind, id)
);

CREATE TABLE reference_fetched (
    kind       TEXT PRIMARY KEY,
    fetched_at REAL NOT NULL
);

CREATE TABLE order_cache (
    order_id  INTEGER PRIMARY KEY,
    body      TEXT NOT NULL,
    cached_at REAL NOT NULL
);

-- One row per lock name; see SenderLock in store.outbox.
CREATE TABLE sender_lock (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    hostname    TEXT NOT NULL,
    acquired_at REAL NOT NULL,
    expires_at  REAL NOT NULL
);
"""

# Version 2: patient pickers filter by site and search by name/identifier without parsing
# every JSON body, so the cache gets a site column and a precomputed lower-case search key.
V2 = """
ALTER TABLE reference_cache ADD COLUMN site_id INTEGER;
ALTER TABLE reference_cache ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
UPDATE reference_cache SET
    site_id = CASE WHEN kind = 'patient' THEN json_extract(body, '$.site.id') END,
    search_key = lower(
        coalesce(json_extract(body, '$.firstName'), '') || ' ' ||
        coalesce(json_extract(body, '$.lastName'), '') || ' ' ||
        coalesce(json_extract(body, '$.externalIdentifier'), '') || ' ' ||
        coalesce(json_extract(body, '$.name'), '') || ' ' ||
        coalesce(json_extract(body, '$.sku'), ''));
CREATE INDEX reference_cache_site ON reference_cache (kind, site_id);
"""

# Version 3: every entry records the server it was queued for (the profile's normalised base
# URL), and the sender sends it nowhere else. `held_for` says why a held entry waits ('age':
# too old to send unasked; 'server': its server is not the profile's any more, or unknown),
# `last_sent_at` when its latest create started (an in-doubt entry is looked up only once
# that request can no longer be creating the order; see docs/architecture.md).
# Entries waiting from before this version never recorded their server: they are held for
# the coordinator, who sends them to the profile's server or keeps them waiting.
V3 = """
ALTER TABLE outbox ADD COLUMN server TEXT;
ALTER TABLE outbox ADD COLUMN held_for TEXT CHECK (held_for IN ('age', 'server'));
ALTER TABLE outbox ADD COLUMN last_sent_at REAL;
UPDATE outbox SET held_for = 'age' WHERE state = 'held';
INSERT INTO outbox_attempts (entry_id, at, outcome, detail)
    SELECT entry_id, (julianday('now') - 2440587.5) * 86400.0, 'held', 'server not recorded'
    FROM outbox WHERE state IN ('queued', 'sending', 'in_doubt');
UPDATE outbox SET
    state = 'held',
    held_for = 'server',
    next_attempt_at = NULL,
    last_sent_at = CASE WHEN attempts > 0 THEN updated_at END,
    last_error = 'Queued by an earlier version of Impilo Desktop, which did not record the'
        || ' server it was meant for. Send it to this profile''s server, or keep it waiting.'
    WHERE state IN ('queued', 'sending', 'in_doubt');
"""

# Version 4: the patient cache keeps what the pickers show and an order needs, nothing more
# (docs/decisions.md "Patient data at rest"): phone numbers, street addresses, sex, enrolment
# and the full site are taken out of the patients cached by earlier versions. Refreshes
# write the slim form from now on (store/cache.py, `patient_body`).
V4 = """
UPDATE reference_cache SET body = json_remove(body,
        '$.phoneNumber', '$.sex', '$.enrolled',
        '$.address.lineOne', '$.address.lineTwo', '$.address.lineThree', '$.address.state',
        '$.address.zipCode', '$.address.country', '$.address.note',
        '$.site.phoneNumber', '$.site.address', '$.site.active')
    WHERE kind = 'patient';
"""

# Version 5: whether an entry's retry time is the app's own wait for the network to come back
# (the last try found no connection at all) rather than a wait the server asked for or one
# that spares a server in trouble. When Impilo answers again, entries waiting only for the
# network are sent at once; the others keep their time (sync/sender.py).
V5 = """
ALTER TABLE outbox ADD COLUMN waits_for_network INTEGER NOT NULL DEFAULT 0;
"""

# Version 6: the order cache leaves out the patient's phone number and street, as the
# patient cache does since version 4 (store/cache.py, `order_body`, writes them so from now
# on; docs/decisions.md "Patient data at rest").
V6 = """
UPDATE order_cache SET body = json_remove(body,
        '$.patient.phoneNumber',
        '$.patient.address.lineOne', '$.patient.address.lineTwo', '$.patient.address.lineThree',
        '$.patient.address.zipCode', '$.patient.address.note')
    WHERE json_valid(body);
"""

# Version 7: corrections of a patient's address or phone (`PATCH /patient/{id}`) go through
# an outbox of their own, with the outbox's states (store/patient_changes.py). The change
# carries `before` (as read from Impilo) and `after`; `found` is what Impilo held instead when
# a change is held for having been changed meanwhile (held_for 'changed').
V7 = """
CREATE TABLE patient_changes (
    change_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_reference  TEXT NOT NULL UNIQUE,  -- generated once, kept locally
    patient_id        INTEGER NOT NULL,
    body              TEXT NOT NULL,         -- the PatientChange as JSON
    server            TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN
                         ('queued', 'sending', 'in_doubt', 'sent', 'rejected', 'held')),
    held_for          TEXT CHECK (held_for IN ('server', 'changed')),
    found             TEXT,                  -- PatientContact JSON found in Impilo instead
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   REAL,
    waits_for_network INTEGER NOT NULL DEFAULT 0,
    last_sent_at      REAL,
    last_error        TEXT,
    server_message    TEXT,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);
CREATE INDEX patient_changes_state ON patient_changes (state, next_attempt_at);

CREATE TABLE patient_change_attempts (
    attempt_id INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  INTEGER NOT NULL REFERENCES patient_changes (change_id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX patient_change_attempts_change ON patient_change_attempts (change_id);
"""


# Version 8: a new patient's order can be held because Impilo already has a patient like the
# new one (`held_for` 'patient_match', sync/patient_check.py). `patient_matches` keeps who
# matched and how (JSON, domain/patient_match.py) for the coordinator's answer;
# `new_patient_confirmed` records "create a new patient anyway", so the check is not run
# again for that entry. SQLite cannot change a CHECK constraint in place, so the outbox is
# rebuilt with the wider one and every row copied. Its attempts are copied aside and back:
# with foreign keys on (they are, and a migration's transaction cannot turn them off),
# dropping the old outbox would otherwise delete them by cascade. The AUTOINCREMENT counters
# are carried over, so no entry number is ever given twice.
V8 = """
CREATE TABLE outbox_attempts_v7 AS SELECT * FROM outbox_attempts;
CREATE TABLE outbox_sequence_v7 AS
    SELECT name, seq FROM sqlite_sequence WHERE name IN ('outbox', 'outbox_attempts');
CREATE TABLE outbox_v8 (
    entry_id              INTEGER PRIMARY KEY AUTOINCREMENT,
    client_reference      TEXT NOT NULL UNIQUE,
    draft_id              TEXT NOT NULL,
    body                  TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN
                             ('queued', 'sending', 'in_doubt', 'sent', 'rejected', 'held')),
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       REAL,
    last_error            TEXT,
    server_message        TEXT,
    order_id              INTEGER,
    age_confirmed         INTEGER NOT NULL DEFAULT 0,
    created_at            REAL NOT NULL,
    updated_at            REAL NOT NULL,
    server                TEXT,
    held_for              TEXT CHECK (held_for IN ('age', 'server', 'patient_match')),
    last_sent_at          REAL,
    waits_for_network     INTEGER NOT NULL DEFAULT 0,
    patient_matches       TEXT,
    new_patient_confirmed INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_v8 (entry_id, client_reference, draft_id, body, state, attempts,
        next_attempt_at, last_error, server_message, order_id, age_confirmed, created_at,
        updated_at, server, held_for, last_sent_at, waits_for_network)
    SELECT entry_id, client_reference, draft_id, body, state, attempts, next_attempt_at,
        last_error, server_message, order_id, age_confirmed, created_at, updated_at, server,
        held_for, last_sent_at, waits_for_network
    FROM outbox;
DROP TABLE outbox_attempts;
DROP TABLE outbox;
ALTER TABLE outbox_v8 RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, next_attempt_at);
CREATE TABLE outbox_attempts (
    attempt_id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id   INTEGER NOT NULL REFERENCES outbox (entry_id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_attempts (attempt_id, entry_id, at, outcome, detail)
    SELECT attempt_id, entry_id, at, outcome, detail FROM outbox_attempts_v7;
DROP TABLE outbox_attempts_v7;
CREATE INDEX outbox_attempts_entry ON outbox_attempts (entry_id);
DELETE FROM sqlite_sequence WHERE name IN (SELECT name FROM outbox_sequence_v7);
INSERT INTO sqlite_sequence (name, seq) SELECT name, seq FROM outbox_sequence_v7;
DROP TABLE outbox_sequence_v7;
"""

# Version 9: order templates (domain/templates.py), one row each. `name_key` is the name as
# names clash (case and spacing ignored, computed in Python: SQLite's lower() knows ASCII
# only), so no two templates of a profile share a name.
V9 = """
CREATE TABLE order_templates (
    template_id TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,             -- the OrderTemplate as JSON
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
"""

# Version 10: the spreadsheet import (issue 15). A file names patients by their MRN, so the
# patient cache gets an index on the trimmed external identifier: a 1,000-row file is matched
# with a few `IN (…)` look-ups instead of loading 100,000 cached patients. Each import queues
# its orders as one batch (`import_batches`; `outbox.import_batch` says which batch an entry
# came from), so the window shows what became of the last import even after a restart.
V10 = """
CREATE INDEX reference_cache_patient_mrn
    ON reference_cache (kind, trim(json_extract(body, '$.externalIdentifier')));
CREATE TABLE import_batches (
    batch_id   TEXT PRIMARY KEY,
    file_name  TEXT NOT NULL,
    server     TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX import_batches_created ON import_batches (created_at);
ALTER TABLE outbox ADD COLUMN import_batch TEXT REFERENCES import_batches (batch_id);
CREATE INDEX outbox_import_batch ON outbox (import_batch) WHERE import_batch IS NOT NULL;
"""

# Version 11: the sender's order_ref check (issue 15, second review). A lookup that fails
# counts toward the entry's backoff (`check_failures`: `attempts` counts creates only, and a
# held entry with attempts is reconciled on release), so a failing lookup is not repeated
# every few seconds for ever. An entry found already on Impilo by its order_ref, and so not
# sent, is marked (`already_placed`): the coordinator is told it was not sent again.
V11 = """
ALTER TABLE outbox ADD COLUMN check_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN already_placed INTEGER NOT NULL DEFAULT 0;
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        # Statement by statement: executescript() would COMMIT the enclosing transaction.
        for statement in _split(sql):
            conn.execute(statement)

    return run


def _split(sql: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


# MIGRATIONS[n] upgrades version n to n + 1; version 0 is an empty file.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _script(V1),
    1: _script(V2),
    2: _script(V3),
    3: _script(V4),
    4: _script(V5),
    5: _script(V6),
    6: _script(V7),
    7: _script(V8),
    8: _script(V9),
    9: _script(V10),
    10: _script(V11),
}
SCHEMA_VERSION = max(MIGRATIONS) + 1
