//! History: every item ever seen per section, and the HTTP validators of every page, in SQLite.
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

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};
use url::Url;

use crate::fetch::Validators;
use crate::item::{Item, Origin, Published, Scraped};

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
];

/// A history operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history {path}: {source}")]
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
    #[error("history {path}: cannot create its folder: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What history knows of an item that is listed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The stored fields come from the article's own page.
    pub from_article: bool,
    /// The title the list gave when the item was last recorded.
    pub list_title: Option<String>,
}

/// What one poll changed in a section's history.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    pub new: usize,
    pub updated: usize,
}

impl Changes {
    /// True when the poll changed what the feed shows.
    pub fn changed(&self) -> bool {
        self.new > 0 || self.updated > 0
    }
}

/// A story of this poll, with the title its list gave (if it was listed).
#[derive(Debug, Clone)]
pub struct Sighting {
    pub story: Scraped,
    pub list_title: Option<String>,
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
        // Read through memory maps and a larger cache: a warm poll reads many small rows.
        self.conn.pragma_update(None, "cache_size", -16_000)?;
        self.conn
            .pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
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

    /// Records one poll of `section` in one transaction: the stories seen, the validators of the
    /// pages fetched, and the pruning of items not seen for `keep_days` (never below `keep`
    /// items, the feed's size).
    pub fn record(
        &mut self,
        section: &str,
        sightings: &[Sighting],
        pages: &[(Url, Validators)],
        now: DateTime<FixedOffset>,
        prune: Prune,
    ) -> Result<Changes, StoreError> {
        let poll = Poll {
            section,
            sightings,
            pages,
            now,
            prune,
        };
        self.record_all(&[poll])?
            .pop()
            .unwrap_or_else(|| unreachable!("one result per poll"))
    }

    /// Records the polls of many sections in one transaction, each in its own savepoint: a
    /// section that cannot be recorded gets its error and leaves no trace, the others are
    /// committed together. The outer error is a transaction that could not begin or commit.
    pub fn record_all(
        &mut self,
        polls: &[Poll<'_>],
    ) -> Result<Vec<Result<Changes, StoreError>>, StoreError> {
        let path = self.path.clone();
        let mut tx = self.conn.transaction().map_err(|e| sqlite(&path, e))?;
        let mut results = Vec::with_capacity(polls.len());
        for poll in polls {
            let result = tx.savepoint().and_then(|savepoint| {
                let changes = record_in(&savepoint, poll)?;
                savepoint.commit()?;
                Ok(changes)
            });
            results.push(result.map_err(|e| sqlite(&path, e)));
        }
        tx.commit().map_err(|e| sqlite(&path, e))?;
        Ok(results)
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

/// What history knows of a section besides its items: its health, and what its feed files
/// were last written from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionStatus {
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Items in the feed as last written.
    pub items: usize,
    /// The feed's date as last written.
    pub feed_updated: Option<DateTime<FixedOffset>>,
    /// The settings fingerprint the feeds were last written with; `None` after a change of
    /// items, until they are written again.
    pub rendered: Option<String>,
}

impl Store {
    /// Runs `write` in one transaction, so that its statements cost one commit: the end of a
    /// run notes every section's outcome this way.
    pub fn in_transaction<T>(
        &self,
        write: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let value = write(self)?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(value)
    }

    /// Notes the outcome of a section's poll at `at`: a success, or the failure's message.
    pub fn record_outcome(
        &self,
        section: &str,
        at: DateTime<chrono::Utc>,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError> {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let result = match outcome {
            Ok(()) => self
                .conn
                .prepare_cached(
                    "INSERT INTO section_status (section, last_success) VALUES (?1, ?2)
                     ON CONFLICT (section) DO UPDATE SET last_success = ?2",
                )
                .and_then(|mut stmt| stmt.execute(params![section, at])),
            Err(message) => self
                .conn
                .prepare_cached(
                    "INSERT INTO section_status (section, last_error, last_error_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (section) DO UPDATE SET last_error = ?2, last_error_at = ?3",
                )
                .and_then(|mut stmt| stmt.execute(params![section, message, at])),
        };
        result.map(drop).map_err(|e| self.err(e))
    }

    /// Notes what `section`'s feeds were last written from.
    pub fn set_rendered(&self, section: &str, rendered: &Rendered) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO section_status (section, rendered, items, feed_updated) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (section) DO UPDATE SET rendered = ?2, items = ?3, feed_updated = ?4",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    section,
                    rendered.fingerprint,
                    rendered.items as i64,
                    rendered.updated.map(|u| u.to_rfc3339())
                ])
            })
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// What history knows of every section that ever ran, in one query.
    pub fn statuses(&self) -> Result<HashMap<String, SectionStatus>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT last_success, last_error, last_error_at, items, feed_updated, rendered,
                        section
                 FROM section_status",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| Ok((row.get(6)?, status_row(row)?)))?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }
}

/// A `section_status` row read as `SELECT last_success, last_error, last_error_at, items,
/// feed_updated, rendered, …`.
fn status_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SectionStatus> {
    Ok(SectionStatus {
        last_success: row.get(0)?,
        last_error: row.get(1)?,
        last_error_at: row.get(2)?,
        items: row.get::<_, i64>(3)?.try_into().unwrap_or_default(),
        feed_updated: row
            .get::<_, Option<String>>(4)?
            .and_then(|u| DateTime::parse_from_rfc3339(&u).ok()),
        rendered: row.get(5)?,
    })
}

/// What a section's feed files were written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The settings fingerprint (see `run`).
    pub fingerprint: String,
    /// Items in the feed.
    pub items: usize,
    /// The feed's date.
    pub updated: Option<DateTime<FixedOffset>>,
}

/// One section's poll, as history records it.
#[derive(Debug, Clone, Copy)]
pub struct Poll<'a> {
    pub section: &'a str,
    /// The stories seen.
    pub sightings: &'a [Sighting],
    /// The pages fetched, with their validators.
    pub pages: &'a [(Url, Validators)],
    /// The moment of the poll (first-seen dates, corrections).
    pub now: DateTime<FixedOffset>,
    pub prune: Prune,
}

/// Which items a poll may drop from history.
#[derive(Debug, Clone, Copy)]
pub struct Prune {
    /// Items not seen for this many days go…
    pub keep_days: u32,
    /// …unless they are among the newest `keep` of the section.
    pub keep: usize,
}

fn record_in(tx: &Connection, poll: &Poll<'_>) -> rusqlite::Result<Changes> {
    let Poll {
        section,
        sightings,
        pages,
        now,
        prune,
    } = *poll;
    let now_unix = now.timestamp();
    let mut changes = Changes::default();
    // Insert first: a new item (all of them in a cold poll) costs one statement; only a
    // conflict reads the stored row.
    let mut insert = tx.prepare_cached(
        "INSERT INTO items (section, link, title, source, content, published, published_unix, origin,
                            updated, first_seen, last_seen, from_article, list_title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6, ?9, ?9, ?10, ?11)
         ON CONFLICT (section, link) DO NOTHING",
    )?;
    let mut existing = tx.prepare_cached(
        "SELECT title, source, content, from_article FROM items WHERE section = ?1 AND link = ?2",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE items SET title = ?3, source = ?4, content = ?5, updated = ?6, from_article = ?7,
                          list_title = COALESCE(?8, list_title), last_seen = ?9
         WHERE section = ?1 AND link = ?2",
    )?;
    let mut touch = tx.prepare_cached(
        "UPDATE items SET last_seen = ?3, list_title = COALESCE(?4, list_title)
         WHERE section = ?1 AND link = ?2",
    )?;
    for Sighting { story, list_title } in sightings {
        let link = story.link.as_str();
        let (at, origin) = match story.published {
            Some(at) => (at, Origin::Page),
            None => (now, Origin::FirstSeen),
        };
        let inserted = insert.execute(params![
            section,
            link,
            story.title,
            story.source,
            story.content,
            at.to_rfc3339(),
            at.timestamp(),
            origin.as_str(),
            now_unix,
            story.from_article,
            list_title,
        ])?;
        if inserted == 1 {
            changes.new += 1;
            continue;
        }
        let (title, source, content, from_article) =
            existing.query_row(params![section, link], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, bool>(3)?,
                ))
            })?;
        // A list entry does not overwrite what the article's own page said.
        let authoritative = story.from_article || !from_article;
        let source_new = story.source.clone().or(source.clone());
        let content_new = story.content.clone().or(content.clone());
        if authoritative && (story.title != title || source_new != source || content_new != content)
        {
            update.execute(params![
                section,
                link,
                story.title,
                source_new,
                content_new,
                now.to_rfc3339(),
                story.from_article || from_article,
                list_title,
                now_unix,
            ])?;
            changes.updated += 1;
        } else {
            touch.execute(params![section, link, now_unix, list_title])?;
        }
    }
    let mut save = tx.prepare_cached(
        "INSERT INTO pages (section, url, etag, last_modified) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (section, url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified",
    )?;
    for (url, validators) in pages {
        save.execute(params![
            section,
            url.as_str(),
            validators.etag,
            validators.last_modified
        ])?;
    }
    if changes.changed() {
        // The feeds must be written again, even if this process dies before it writes them.
        tx.prepare_cached("UPDATE section_status SET rendered = NULL WHERE section = ?1")?
            .execute([section])?;
    }
    // Nothing can go while the section holds no more items than its feed shows: one count over
    // the index instead of the pruning statement, which reads every row of the section.
    let held: i64 = tx
        .prepare_cached("SELECT count(*) FROM items WHERE section = ?1")?
        .query_row([section], |row| row.get(0))?;
    if held > prune.keep as i64 {
        let cutoff = now_unix - i64::from(prune.keep_days) * 86_400;
        tx.prepare_cached(
            "DELETE FROM items WHERE section = ?1 AND last_seen < ?2 AND link NOT IN (
                 SELECT link FROM items WHERE section = ?1 ORDER BY published_unix DESC, link ASC LIMIT ?3)",
        )?
        .execute(params![section, cutoff, prune.keep as i64])?;
    }
    Ok(changes)
}

fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests;
