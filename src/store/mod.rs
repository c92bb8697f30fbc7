//! History: every item ever seen per section, the HTTP validators of every page, each
//! section's status, and the robots.txt of every origin asked, in SQLite.
//!
//! A feed is the newest `max_items` of its section's history, so an item that left a moving hot
//! list stays in the feed. An item's link is its identity and its publication time is fixed
//! when it is first stored; a corrected title, source or body updates the row in place and moves
//! only its `updated` time. A run's polls are recorded in one transaction, validators included
//! (each section in a savepoint of its own), so a run killed at any moment leaves either the
//! previous state or the new one.
//! The schema is versioned with `PRAGMA user_version`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::DateTime;
use rusqlite::{Connection, OptionalExtension, params};
use url::Url;

use crate::fetch::Validators;
use crate::item::{Item, Known, Origin, Published};

mod record;
mod robots;
mod status;

pub use record::{Batch, Changes, Poll, Prune};
pub use status::{Outcome, Rendered, SectionStatus};

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Schema migrations; entry `i` upgrades `user_version` `i` to `i + 1`.
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
];

/// A history operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history {path}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "history {path} has schema version {found}, newer than this feedwright knows ({known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("history {path}: cannot create its folder")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The history database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating and migrating as needed) the history at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                path: path.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.configure().map_err(|e| sqlite(path, e))?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Settings first, the journal mode last: switching a new database to WAL then costs
        // no fsync of a rollback journal.
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A larger cache: a warm poll reads many small rows. No memory map: its pages count
        // as the process's memory, which would then grow with the history (a run of 10,000
        // sections touches every page of a 300 MiB file), for no CPU saved (BENCHMARKS.md).
        self.conn.pragma_update(None, "cache_size", -16_000)?;
        self.conn.pragma_update(None, "mmap_size", 0)?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // The savepoint of each section keeps its undo pages in memory, not in a temporary file.
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        // One checkpoint when the run closes the history instead of one every 1000 pages
        // written: a cold run of hundreds of sections rewrites the same index pages many times.
        self.conn
            .pragma_update(None, "wal_autocheckpoint", 16_384)?;
        // A statement with a bound `LIMIT` would otherwise be compiled again at every
        // execution, as SQLite re-plans it for each new value.
        self.conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        self.conn.pragma_update(None, "journal_mode", "WAL")
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))?;
        if found > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known,
            });
        }
        if found == known {
            return Ok(());
        }
        // Every pending migration in one transaction: all of them or none.
        let tx = self.conn.transaction().map_err(|e| sqlite(&self.path, e))?;
        MIGRATIONS
            .iter()
            .skip(found as usize)
            .try_for_each(|sql| tx.execute_batch(sql))
            .and_then(|()| tx.pragma_update(None, "user_version", known))
            .and_then(|()| tx.commit())
            .map_err(|e| sqlite(&self.path, e))
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        sqlite(&self.path, source)
    }

    /// The validators stored for `section`'s start page `url`.
    pub fn validators(&self, section: &str, url: &Url) -> Result<Option<Validators>, StoreError> {
        self.conn
            .prepare_cached("SELECT etag, last_modified FROM pages WHERE section = ?1 AND url = ?2")
            .and_then(|mut stmt| {
                stmt.query_row(params![section, url.as_str()], |row| {
                    Ok(Validators {
                        etag: row.get(0)?,
                        last_modified: row.get(1)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// What history knows of `links` in `section`.
    pub fn known(
        &self,
        section: &str,
        links: &[&Url],
    ) -> Result<HashMap<String, Known>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT from_article, list_title FROM items WHERE section = ?1 AND link = ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut known = HashMap::new();
        for link in links {
            let row = stmt
                .query_row(params![section, link.as_str()], |row| {
                    Ok(Known {
                        from_article: row.get(0)?,
                        list_title: row.get(1)?,
                    })
                })
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(row) = row {
                known.insert(link.to_string(), row);
            }
        }
        Ok(known)
    }

    /// The newest `limit` items of `section`, newest first (ties by link).
    pub fn items(&self, section: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT link, title, published, origin, updated, source, content FROM items
                 WHERE section = ?1 ORDER BY published_unix DESC, link ASC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![section, limit as i64])
            .map_err(|e| self.err(e))?;
        let mut items = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            // Dates and the origin are parsed from the row's own text, not from copies of it.
            let text = |i| row.get_ref(i).ok().and_then(|v| v.as_str().ok());
            let parsed = (
                text(0).and_then(|l| Url::parse(l).ok()),
                text(2).and_then(|p| DateTime::parse_from_rfc3339(p).ok()),
                text(4).and_then(|u| DateTime::parse_from_rfc3339(u).ok()),
            );
            let (Some(link), Some(published), Some(updated)) = parsed else {
                let link = text(0).unwrap_or_default();
                tracing::warn!(section, link, "unreadable history row skipped");
                continue;
            };
            items.push(Item {
                link,
                title: row.get(1).map_err(|e| self.err(e))?,
                published: Published {
                    at: published,
                    origin: Origin::from_stored(text(3).unwrap_or_default()),
                },
                updated,
                source: row.get(5).map_err(|e| self.err(e))?,
                content: row.get(6).map_err(|e| self.err(e))?,
            });
        }
        Ok(items)
    }
}

fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests;
