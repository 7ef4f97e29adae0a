import GRDB

/// The SQLite schema: the tables of `RowLayout.swift`, created and changed by GRDB's migrator.
extension SQLiteMessageStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    content TEXT NOT NULL CHECK (length(trim(content)) > 0),
                    provider TEXT NOT NULL,
                    provider_name TEXT NOT NULL,
                    model TEXT NOT NULL,
                    prompt_tokens INTEGER NOT NULL DEFAULT 0,
                    completion_tokens INTEGER NOT NULL DEFAULT 0,
                    total_tokens INTEGER NOT NULL DEFAULT 0,
                    finish_reason TEXT,
                    response_id TEXT,
                    profile TEXT NOT NULL,
                    latency_ms REAL NOT NULL,
                    created_at TEXT NOT NULL,
                    source TEXT NOT NULL,
                    attempts TEXT NOT NULL
                );
                CREATE TABLE ticks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    message_id INTEGER,
                    attempts TEXT NOT NULL
                );
                CREATE TABLE config_overrides (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: encoded record") { db in
            // The message as the API returns it, encoded once at insert: history pages are then
            // the stored bytes joined, with nothing decoded or encoded per request.
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN record TEXT")
        }
        migrator.registerMigration("v3: record version") { db in
            // Which shape of `Message` a record holds: one written by an older shape is rebuilt
            // from the columns when read, so a new field never leaves old rows behind.
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN record_version INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v4: channels") { db in
            // Every message and tick belongs to a channel; those from before are the default's.
            try db.execute(sql: """
                ALTER TABLE messages ADD COLUMN channel TEXT NOT NULL DEFAULT 'default';
                ALTER TABLE ticks ADD COLUMN channel TEXT NOT NULL DEFAULT 'default';
                CREATE INDEX messages_channel_id ON messages (channel, id);
                CREATE INDEX ticks_channel_id ON ticks (channel, id);
                """)
        }
        migrator.registerMigration("v5: audit") { db in
            // What guardrails and people kept off the screens, changed, held or took back; a
            // message approved from review, and a tick that held one, name the record.
            try db.execute(sql: """
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    \(AuditRows.columns)
                );
                CREATE INDEX audit_channel_id ON audit (channel, id);
                CREATE INDEX audit_status_id ON audit (status, id);
                ALTER TABLE messages ADD COLUMN held_id INTEGER;
                ALTER TABLE ticks ADD COLUMN held_id INTEGER;
                """)
        }
        migrator.registerMigration("v6: attempts") { db in
            // Each attempt as a row for /api/stats, filled from the ticks kept so far (the tokens
            // of an accepted answer from its message; earlier answers left no count; each
            // duration its own latency bin).
            try db.execute(sql: """
                CREATE TABLE attempts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    \(AttemptRows.columns)
                );
                \(AttemptRows.index);
                INSERT INTO attempts (channel, provider, outcome, error_class, at, duration_ms, latency_bin, prompt_tokens, completion_tokens, cost)
                SELECT t.channel, json_extract(a.value, '$.provider'), json_extract(a.value, '$.outcome'), json_extract(a.value, '$.error_class'),
                    CAST(strftime('%s', t.started_at) AS INTEGER), COALESCE(json_extract(a.value, '$.duration_ms'), 0),
                    COALESCE(json_extract(a.value, '$.duration_ms'), 0),
                    CASE WHEN json_extract(a.value, '$.outcome') = 'success' THEN COALESCE(m.prompt_tokens, 0) ELSE 0 END,
                    CASE WHEN json_extract(a.value, '$.outcome') = 'success' THEN COALESCE(m.completion_tokens, 0) ELSE 0 END, 0
                FROM ticks t JOIN json_each(t.attempts) a LEFT JOIN messages m ON m.id = t.message_id
                WHERE json_extract(a.value, '$.provider') != 'storage' AND json_valid(t.attempts);
                """)
        }
        return migrator
    }
}
