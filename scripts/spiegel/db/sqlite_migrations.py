"""The SQLite migrations: frozen text, one entry per migration (see migrate() in sqlite.py)."""

from __future__ import annotations

# Each entry is one migration; never edit an applied one, append a new one. The PostgreSQL
# migrations in postgres_migrations.py mirror these on purpose as separate text: an applied
# migration is frozen per dialect, so they are not generated from one template.
SQLITE_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE submissions (
        id TEXT PRIMARY KEY,
        form_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist', 'received')),
        capacity_key TEXT,
        unique_key TEXT,
        payload TEXT NOT NULL
    );
    CREATE INDEX submissions_form ON submissions (form_id, created_at);
    CREATE INDEX submissions_capacity ON submissions (form_id, capacity_key, status);
    CREATE UNIQUE INDEX submissions_unique ON submissions (form_id, unique_key)
        WHERE unique_key IS NOT NULL;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        form_id TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
    # 2: issued invitation codes (only their keyed hash), bound to an evaluation and a group;
    # a submission keeps no link to its code, only the code is marked used
    """
    CREATE TABLE invitations (
        code_key TEXT PRIMARY KEY,
        evaluation TEXT NOT NULL,
        respondent_group TEXT NOT NULL,
        created_at TEXT NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX invitations_evaluation ON invitations (evaluation, respondent_group);
    """,
    # 3: cancelling, moving up from the waiting list, one seat per person, the outbox
    """
    CREATE TABLE submissions_new (
        id TEXT PRIMARY KEY,
        form_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist', 'received', 'cancelled')),
        capacity_key TEXT,
        unique_key TEXT,
        payload TEXT NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        may_promote INTEGER NOT NULL DEFAULT 0,
        cancelled_at TEXT
    );
    INSERT INTO submissions_new (id, form_id, created_at, status, capacity_key, unique_key, payload, seq)
        SELECT id, form_id, created_at, status, capacity_key, unique_key, payload, rowid
        FROM submissions;
    DROP TABLE submissions;
    ALTER TABLE submissions_new RENAME TO submissions;
    CREATE INDEX submissions_form ON submissions (form_id, created_at);
    CREATE INDEX submissions_capacity ON submissions (form_id, capacity_key, status, seq);
    CREATE UNIQUE INDEX submissions_unique ON submissions (form_id, unique_key)
        WHERE unique_key IS NOT NULL;
    CREATE TABLE contacts (
        contact_key TEXT NOT NULL,
        submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
        PRIMARY KEY (contact_key, submission_id)
    );
    CREATE INDEX contacts_submission ON contacts (submission_id);
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        submission_id TEXT REFERENCES submissions (id) ON DELETE CASCADE,
        recipient TEXT,
        data TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        claimed_until TEXT,
        last_error TEXT,
        sent_at TEXT
    );
    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    CREATE INDEX outbox_submission ON outbox (submission_id);
    CREATE UNIQUE INDEX outbox_once ON outbox (submission_id, kind)
        WHERE kind IN ('reminder', 'letter');
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)
    """,
    # 4: messages that go out once per key (the coordinator's daily digest: once per day)
    """
    ALTER TABLE outbox ADD COLUMN once_key TEXT;
    CREATE UNIQUE INDEX outbox_once_key ON outbox (once_key) WHERE once_key IS NOT NULL
    """,
    # 5: sign-ups per client per day, shared by every instance: a keyed hash of the client's
    # address and the day (never the address), dropped by purge after two days
    """
    CREATE TABLE signup_counts (
        client_day TEXT PRIMARY KEY,
        day TEXT NOT NULL,
        n INTEGER NOT NULL
    );
    CREATE INDEX signup_counts_day ON signup_counts (day)
    """,
    # 6: the back office (/beheer/): server-side sessions and pending logins, the access log
    # (append-only), attendance, postal addresses until the letter is sent, letters sent, request
    # states, and keyed lookup hashes of stored contacts (never the clear value) for AVG requests
    """
    CREATE TABLE beheer_sessions (
        id_hash TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        name TEXT NOT NULL,
        roles TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE beheer_logins (
        state TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        verifier TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE access_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        subject TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        what TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX access_log_at ON access_log (at);
    CREATE TABLE attendance (
        submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
        present INTEGER NOT NULL,
        marked_by TEXT NOT NULL,
        marked_at TEXT NOT NULL
    );
    CREATE TABLE postal_addresses (
        submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
        address TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE letters_sent (
        submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
        session TEXT NOT NULL,
        channel TEXT NOT NULL,
        at TEXT NOT NULL,
        by_name TEXT NOT NULL
    );
    CREATE TABLE request_states (
        submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        handler TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE lookup_hashes (
        lookup_key TEXT NOT NULL,
        submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
        PRIMARY KEY (lookup_key, submission_id)
    );
    CREATE TABLE lookup_done (
        submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE
    )
""",
    # 7: the ballot box (issue 19): an answer given with an invitation code waits here, sealed,
    # with its day only and a random key (no rowid, no sequence), until a batch moves it into
    # submissions in shuffled order (SQLStore.move_ballots): the code is used in the request's
    # transaction, the answer row is written in another.
    """
    CREATE TABLE ballot_box (
        id TEXT PRIMARY KEY,
        form_id TEXT NOT NULL,
        day TEXT NOT NULL,
        status TEXT NOT NULL,
        payload TEXT NOT NULL
    ) WITHOUT ROWID
    """,
    # 8: k frozen per evaluation when its first code is issued (issue 19): a later run of
    # `spiegel results` with another k (a lowered disclosure.k, a dropped ledger) is refused.
    """
    CREATE TABLE evaluation_k (
        evaluation TEXT PRIMARY KEY,
        k INTEGER NOT NULL,
        frozen_on TEXT NOT NULL
    )
    """,
    # 9: invitations sent by Spiegel itself (issue 19): which outbox message is an invitation of
    # which evaluation and group (the code and address are sealed in the outbox row until it is
    # delivered, then wiped); the addresses a reminder may go to, sealed, and a keyed hash of each
    # (no second code for one person), both wiped when the reminder went out or the evaluation
    # closed; per group the deadline, the number of codes handed out on paper and the reminder;
    # the publication ledger (every published version, as in publicaties.json, with the sums of
    # the shown cells); the coordinator's edited comments for the debrief, sealed.
    """
    CREATE TABLE invitation_mail (
        outbox_id TEXT PRIMARY KEY,
        evaluation TEXT NOT NULL,
        respondent_group TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX invitation_mail_group ON invitation_mail (evaluation, respondent_group);
    CREATE TABLE invitation_addresses (
        id TEXT PRIMARY KEY,
        evaluation TEXT NOT NULL,
        respondent_group TEXT NOT NULL,
        address_key TEXT NOT NULL,
        address TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX invitation_addresses_key ON invitation_addresses (evaluation, address_key);
    CREATE TABLE invitation_groups (
        evaluation TEXT NOT NULL,
        respondent_group TEXT NOT NULL,
        deadline TEXT NOT NULL,
        paper INTEGER NOT NULL DEFAULT 0,
        reminded_on TEXT,
        closed_on TEXT,
        PRIMARY KEY (evaluation, respondent_group)
    );
    CREATE TABLE publications (
        evaluation TEXT NOT NULL,
        version INTEGER NOT NULL,
        figures TEXT NOT NULL,
        sums TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (evaluation, version)
    );
    CREATE TABLE debrief_texts (
        evaluation TEXT NOT NULL,
        respondent_group TEXT NOT NULL,
        theme TEXT NOT NULL,
        body TEXT NOT NULL,
        edited_by TEXT NOT NULL,
        edited_at TEXT NOT NULL,
        PRIMARY KEY (evaluation, respondent_group, theme)
    )
    """,
    # 10: the next seq of a sign-up is max(seq) + 1, read inside its write transaction; without
    # an index of its own that read scanned every row (O(rows) per sign-up: 0.09 ms at 1,000
    # rows, 1.8 ms at 50,000, measured); with it, one step down the index.
    """
    CREATE INDEX submissions_seq ON submissions (seq)
    """,
    # 11: what the back office showed of a closed evaluation (issue 19, the hidden check): the
    # figures of its last preview and n per group of the debrief. A later look, download or
    # publication that differs from them by fewer than k answers (reopened, one late answer)
    # is refused, as a second publication would be.
    """
    CREATE TABLE evaluation_seen (
        evaluation TEXT PRIMARY KEY,
        figures TEXT NOT NULL,
        group_n TEXT NOT NULL,
        seen_at TEXT NOT NULL
    )
    """,
    # 12 (issue 21): sessions that change. Each version of a session as the endpoint saw it in
    # the content (keyed by its seat key, never its id): a keyed fingerprint of what
    # participants are told, those facts (sealed with the key when one is set), the age of the
    # content it came from (an instance with older content never overrides newer), and per
    # sign-up the version it was last told (its SEQUENCE in the calendar file).
    """
    CREATE TABLE session_versions (
        form_id TEXT NOT NULL,
        capacity_key TEXT NOT NULL,
        seq INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        facts TEXT NOT NULL,
        content_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (capacity_key, seq)
    );
    CREATE INDEX session_versions_form ON session_versions (form_id);
    ALTER TABLE submissions ADD COLUMN told_seq INTEGER
    """,
)
