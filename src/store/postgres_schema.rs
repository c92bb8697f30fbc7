//! History's schema in PostgreSQL: the tables SQLite's migrations arrive at, with PostgreSQL's
//! types, plus the leases through which several pollers share the sections.
//!
//! Keys (sections, links, URLs, origins) compare bytewise (`COLLATE "C"`) whatever the
//! database's collation, as in SQLite: items that share an instant are ordered by link, and
//! an ICU `en-US` database would otherwise order (and so choose, under `max_items`) them as
//! English words.
//!
//! The version is kept in `feedwright_schema`. Pollers that start together migrate one at a
//! time: the migration holds a transaction-scoped advisory lock.

use super::{Conn, Store, StoreError, failed};

/// The advisory lock key of migrations ("fw" in ASCII, and the schema's first year).
const MIGRATION_LOCK: i64 = 0x6677_2026;

/// PostgreSQL's schema migrations; entry `i` upgrades version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE items (
    section        TEXT NOT NULL,
    link           TEXT NOT NULL,
    title          TEXT NOT NULL,
    source         TEXT,
    content        TEXT,
    published      TEXT NOT NULL,
    published_unix BIGINT NOT NULL,
    origin         TEXT NOT NULL,
    updated        TEXT NOT NULL,
    first_seen     BIGINT NOT NULL,
    last_seen      BIGINT NOT NULL,
    from_article   BOOLEAN NOT NULL,
    list_title     TEXT,
    PRIMARY KEY (section, link)
);
CREATE INDEX items_newest ON items (section, published_unix DESC, link);
CREATE TABLE pages (
    section       TEXT NOT NULL,
    url           TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    PRIMARY KEY (section, url)
);
CREATE TABLE section_status (
    section        TEXT PRIMARY KEY,
    last_success   TEXT,
    last_error     TEXT,
    last_error_at  TEXT,
    items          BIGINT NOT NULL DEFAULT 0,
    rendered       TEXT,
    feed_updated   TEXT,
    fallbacks      BIGINT NOT NULL DEFAULT 0,
    failures       BIGINT NOT NULL DEFAULT 0,
    next_poll      TEXT,
    next_poll_unix BIGINT
);
CREATE TABLE robots (
    origin        TEXT PRIMARY KEY,
    body          TEXT,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    TEXT NOT NULL
);
CREATE TABLE leases (
    section       TEXT PRIMARY KEY,
    holder        TEXT,
    until         TIMESTAMPTZ,
    backend       INTEGER,
    backend_start TIMESTAMPTZ
);
"#,
    r#"
ALTER TABLE items ALTER COLUMN section TYPE TEXT COLLATE "C",
                  ALTER COLUMN link TYPE TEXT COLLATE "C";
ALTER TABLE pages ALTER COLUMN section TYPE TEXT COLLATE "C",
                  ALTER COLUMN url TYPE TEXT COLLATE "C";
ALTER TABLE section_status ALTER COLUMN section TYPE TEXT COLLATE "C";
ALTER TABLE robots ALTER COLUMN origin TYPE TEXT COLLATE "C";
ALTER TABLE leases ALTER COLUMN section TYPE TEXT COLLATE "C",
                   DROP COLUMN backend,
                   DROP COLUMN backend_start,
                   ADD COLUMN holder_key INTEGER;
"#,
];

impl Store {
    pub(super) fn migrate_postgres(&mut self) -> Result<(), StoreError> {
        let Conn::Postgres { client, .. } = &mut self.conn else {
            return Ok(());
        };
        let known = MIGRATIONS.len() as i64;
        let place = self.place.clone();
        let found = migrate(client.client(), known).map_err(|e| failed(&place)(e.into()))?;
        if found > known {
            return Err(StoreError::TooNew {
                place,
                found,
                known,
            });
        }
        Ok(())
    }
}

/// Applies the pending migrations in one transaction; returns the version found.
fn migrate(client: &mut postgres::Client, known: i64) -> Result<i64, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // Asked before created: a poller whose role may use the tables but not create any finds
    // the schema current and changes nothing.
    let exists: bool = tx
        .query_one("SELECT to_regclass('feedwright_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        tx.batch_execute("CREATE TABLE feedwright_schema (version BIGINT NOT NULL)")?;
    }
    let found: i64 = tx
        .query_opt("SELECT version FROM feedwright_schema", &[])?
        .map_or(0, |row| row.get(0));
    if found >= known {
        tx.commit()?;
        return Ok(found);
    }
    for sql in MIGRATIONS.iter().skip(found as usize) {
        tx.batch_execute(sql)?;
    }
    tx.execute("DELETE FROM feedwright_schema", &[])?;
    tx.execute(
        "INSERT INTO feedwright_schema (version) VALUES ($1)",
        &[&known],
    )?;
    tx.commit()?;
    Ok(found)
}
