//! History: every item ever seen per section, the HTTP validators of every page, each
//! section's status and schedule, and the robots.txt of every origin asked, in SQLite (a file,
//! the default) or PostgreSQL (a server several pollers share, with their leases).
//!
//! A feed is the newest `max_items` of its section's history, so an item that left a moving hot
//! list stays in the feed. An item's link is its identity and its publication time is fixed
//! when it is first stored; a corrected title, source or body updates the row in place and moves
//! only its `updated` time. A run's polls are recorded in one transaction, validators included
//! (each section in a savepoint of its own), so a run killed at any moment leaves either the
//! previous state or the new one.
//! The schema is versioned (`PRAGMA user_version` in SQLite, a table in PostgreSQL) and
//! migrated by the program.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::DateTime;
use rusqlite::Connection;
use url::Url;

use crate::config::StateLocation;
use crate::fetch::Validators;
use crate::item::{Item, Known, Origin, Published};

mod copy;
mod db;
mod lease;
mod pollers;
mod postgres_schema;
mod record;
mod robots;
mod status;

pub use copy::{Copied, CopyError};
pub use db::DbError;
use db::{Exec, Param, Prepared, failed};
pub use lease::Claim;
pub use record::{Batch, Changes, Poll, Prune};
pub use status::{Note, Outcome, Rendered, SectionStatus};

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long connecting to a PostgreSQL server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite's schema migrations; entry `i` upgrades `user_version` `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE items (
    section        TEXT NOT NULL,
    link           TEXT NOT NULL,
    title          TEXT NOT NULL,
    source         TEXT,
    content        TEXT,
    published      TEXT NOT NULL,
    published_unix INTEGER NOT NULL,
    origin         TEXT NOT NULL,
    updated        TEXT NOT NULL,
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    from_article   INTEGER NOT NULL,
    list_title     TEXT,
    PRIMARY KEY (section, link)
) WITHOUT ROWID;
CREATE INDEX items_newest ON items (section, published_unix DESC, link);
CREATE TABLE pages (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE section_status (
    section       TEXT PRIMARY KEY,
    last_success  TEXT,
    last_error    TEXT,
    last_error_at TEXT,
    items         INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE section_status ADD COLUMN rendered TEXT;
"#,
    // Validators per section: two sections with the same start page must not share them.
    r#"
DROP TABLE pages;
CREATE TABLE pages (
    section       TEXT NOT NULL,
    url           TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    PRIMARY KEY (section, url)
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE section_status ADD COLUMN feed_updated TEXT;
"#,
    // robots.txt per origin, kept between runs (RFC 9309 §2.4); a NULL body allows all.
    r#"
CREATE TABLE robots (
    origin        TEXT PRIMARY KEY,
    body          TEXT,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    TEXT NOT NULL
) WITHOUT ROWID;
"#,
    r#"
ALTER TABLE section_status ADD COLUMN fallbacks INTEGER NOT NULL DEFAULT 0;
"#,
    // Schedules: consecutive failures (the back-off) and when the section is due again.
    r#"
ALTER TABLE section_status ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE section_status ADD COLUMN next_poll TEXT;
ALTER TABLE section_status ADD COLUMN next_poll_unix INTEGER;
"#,
];

/// A history operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history {place}")]
    Db {
        place: String,
        #[source]
        source: DbError,
    },
    #[error("history {place}: cannot connect")]
    Connect {
        place: String,
        #[source]
        source: postgres::Error,
    },
    #[error(
        "history {place} has schema version {found}, newer than this feedwright knows ({known})"
    )]
    TooNew {
        place: String,
        found: i64,
        known: i64,
    },
    #[error("history {place}: cannot create its folder")]
    Folder {
        place: String,
        #[source]
        source: std::io::Error,
    },
    #[error("history {place}: {what} needs PostgreSQL state (state: postgres://…)")]
    NeedsPostgres { place: String, what: &'static str },
    #[error("history {place}: no liveness lock could be taken (every key tried is held)")]
    NoLivenessLock { place: String },
}

/// A connection to history's engine.
enum Conn {
    Sqlite(Connection),
    Postgres {
        client: Box<PgConnection>,
        prepared: Prepared,
    },
}

/// A PostgreSQL client that may be dropped anywhere. Its closing handshake blocks on the
/// client's own runtime, which must not happen on a thread of another runtime: it is closed on
/// a thread of its own.
struct PgConnection(Option<postgres::Client>);

impl PgConnection {
    fn client(&mut self) -> &mut postgres::Client {
        // Only `drop` takes the client out.
        self.0
            .as_mut()
            .expect("the client is there until the connection is dropped")
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            std::thread::spawn(move || drop(client));
        }
    }
}

/// The history database.
pub struct Store {
    conn: Conn,
    /// The file or the server, for messages (a URL without its password).
    place: String,
}

impl Store {
    /// Opens (creating and migrating as needed) the history at `location`.
    pub fn open(location: &StateLocation) -> Result<Store, StoreError> {
        match location {
            StateLocation::Sqlite(path) => Store::open_file(path),
            StateLocation::Postgres(url) => Store::open_postgres(url),
        }
    }

    /// Opens (creating and migrating as needed) the SQLite history at `path`.
    pub fn open_file(path: &Path) -> Result<Store, StoreError> {
        let place = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                place: place.clone(),
                source,
            })?;
        }
        let sqlite = |e: rusqlite::Error| failed(&place)(e.into());
        let conn = Connection::open(path).map_err(sqlite)?;
        configure(&conn).map_err(sqlite)?;
        let mut store = Store {
            conn: Conn::Sqlite(conn),
            place,
        };
        store.migrate_sqlite()?;
        Ok(store)
    }

    fn open_postgres(url: &crate::config::PostgresUrl) -> Result<Store, StoreError> {
        let place = url.redacted();
        let connect = |source| StoreError::Connect {
            place: place.clone(),
            source,
        };
        let mut config: postgres::Config = url.as_str().parse().map_err(connect)?;
        config.connect_timeout(CONNECT_TIMEOUT);
        let client = config.connect(postgres::NoTls).map_err(connect)?;
        let mut store = Store {
            conn: Conn::Postgres {
                client: Box::new(PgConnection(Some(client))),
                prepared: Prepared::new(),
            },
            place,
        };
        store.migrate_postgres()?;
        Ok(store)
    }

    /// True when several pollers can share this history (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        matches!(self.conn, Conn::Postgres { .. })
    }

    /// The file or the server, for messages.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Frees the pages SQLite keeps in memory. A run calls it between batches, so that its
    /// memory holds one batch's pages, not every page it ever touched. PostgreSQL keeps no
    /// pages in the poller.
    pub fn release_memory(&mut self) -> Result<(), StoreError> {
        match &self.conn {
            Conn::Sqlite(conn) => conn
                .release_memory()
                .map_err(|e| failed(&self.place)(e.into())),
            Conn::Postgres { .. } => Ok(()),
        }
    }

    /// Where single statements run, outside any transaction.
    fn exec(&mut self) -> Exec<'_> {
        match &mut self.conn {
            Conn::Sqlite(conn) => Exec::Sqlite(conn),
            Conn::Postgres { client, prepared } => Exec::Postgres {
                client: client.client(),
                prepared,
            },
        }
    }

    /// Runs `work` in one transaction: all of its writes, or (with the error) none.
    fn transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Exec<'_>) -> Result<T, DbError>,
    ) -> Result<T, StoreError> {
        db::transaction(&mut self.conn, work).map_err(failed(&self.place))
    }

    fn migrate_sqlite(&mut self) -> Result<(), StoreError> {
        let Conn::Sqlite(conn) = &mut self.conn else {
            return Ok(());
        };
        let sqlite = |e: rusqlite::Error| failed(&self.place)(e.into());
        let known = MIGRATIONS.len() as i64;
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(sqlite)?;
        if found > known {
            return Err(StoreError::TooNew {
                place: self.place.clone(),
                found,
                known,
            });
        }
        if found == known {
            return Ok(());
        }
        // Every pending migration in one transaction: all of them or none.
        let tx = conn.transaction().map_err(sqlite)?;
        MIGRATIONS
            .iter()
            .skip(found as usize)
            .try_for_each(|sql| tx.execute_batch(sql))
            .and_then(|()| tx.pragma_update(None, "user_version", known))
            .and_then(|()| tx.commit())
            .map_err(sqlite)
    }

    /// The validators stored for `section`'s start page `url`.
    pub fn validators(
        &mut self,
        section: &str,
        url: &Url,
    ) -> Result<Option<Validators>, StoreError> {
        let place = self.place.clone();
        self.exec()
            .query_one(
                "SELECT etag, last_modified FROM pages WHERE section = ?1 AND url = ?2",
                &[section.into(), url.as_str().into()],
                |row| {
                    Ok(Validators {
                        etag: row.text(0)?,
                        last_modified: row.text(1)?,
                    })
                },
            )
            .map_err(failed(&place))
    }

    /// What history knows of `links` in `section`.
    pub fn known(
        &mut self,
        section: &str,
        links: &[Url],
    ) -> Result<HashMap<String, Known>, StoreError> {
        let place = self.place.clone();
        let mut exec = self.exec();
        let mut known = HashMap::new();
        for link in links {
            let row = exec
                .query_one(
                    "SELECT from_article, list_title FROM items WHERE section = ?1 AND link = ?2",
                    &[section.into(), link.as_str().into()],
                    |row| {
                        Ok(Known {
                            from_article: row.flag(0)?,
                            list_title: row.text(1)?,
                        })
                    },
                )
                .map_err(failed(&place))?;
            if let Some(row) = row {
                known.insert(link.to_string(), row);
            }
        }
        Ok(known)
    }

    /// The newest `limit` items of `section`, newest first (ties by link).
    pub fn items(&mut self, section: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        let place = self.place.clone();
        let rows = self
            .exec()
            .query(
                "SELECT link, title, published, origin, updated, source, content FROM items
                 WHERE section = ?1 ORDER BY published_unix DESC, link ASC LIMIT ?2",
                &[section.into(), Param::Int(limit as i64)],
                |row| {
                    Ok((
                        row.text(0)?.unwrap_or_default(),
                        row.text(1)?.unwrap_or_default(),
                        row.text(2)?.unwrap_or_default(),
                        row.text(3)?.unwrap_or_default(),
                        row.text(4)?.unwrap_or_default(),
                        row.text(5)?,
                        row.text(6)?,
                    ))
                },
            )
            .map_err(failed(&place))?;
        let mut items = Vec::with_capacity(rows.len());
        for (link, title, published, origin, updated, source, content) in rows {
            let parsed = (
                Url::parse(&link).ok(),
                DateTime::parse_from_rfc3339(&published).ok(),
                DateTime::parse_from_rfc3339(&updated).ok(),
            );
            let (Some(link_url), Some(published), Some(updated)) = parsed else {
                tracing::warn!(section, link, "unreadable history row skipped");
                continue;
            };
            items.push(Item {
                link: link_url,
                title,
                published: Published {
                    at: published,
                    origin: Origin::from_stored(&origin),
                },
                updated,
                source,
                content,
            });
        }
        Ok(items)
    }
}

/// The settings of a SQLite connection.
/// How many compiled SQLite statements a connection keeps: more than the store has.
const STATEMENT_CACHE: usize = 64;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A run uses more distinct statements than rusqlite's default cache of 16 holds; with
    // the default, each section evicts and compiles its statements again.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Settings first, the journal mode last: switching a new database to WAL then costs
    // no fsync of a rollback journal.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // A larger cache: a warm poll reads many small rows. No memory map: its pages count
    // as the process's memory, which would then grow with the history (a run of 10,000
    // sections touches every page of a 300 MiB file), for no CPU saved (BENCHMARKS.md).
    conn.pragma_update(None, "cache_size", -16_000)?;
    conn.pragma_update(None, "mmap_size", 0)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The savepoint of each section keeps its undo pages in memory, not in a temporary file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // One checkpoint when the run closes the history instead of one every 1000 pages
    // written: a cold run of hundreds of sections rewrites the same index pages many times.
    conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
    // A statement with a bound `LIMIT` would otherwise be compiled again at every
    // execution, as SQLite re-plans it for each new value.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.pragma_update(None, "journal_mode", "WAL")
}

#[cfg(test)]
mod tests;
