//! What the pollers sharing a history agree on besides leases: one clock (the database's), and
//! one writer of the site files at a time.
//!
//! Pollers on several machines have clocks that drift apart; schedules compared on each
//! poller's own clock would make one poll a section early and another late. The site files
//! (`status.json`, `index.html`, `feeds.opml`) are written from history by whichever poller
//! finished last; two pollers writing at once could leave the older read last. A session
//! advisory lock orders the writers, and each reads history after taking it, so the files
//! never go back in time. On SQLite, a file one process holds, both come for free.

use chrono::{DateTime, Utc};

use super::db::Param;
use super::{Conn, Store, StoreError, failed};

/// The advisory lock key of the site files' writer ("fw" in ASCII, and "site").
const SITE_FILES_LOCK: i64 = 0x6677_5173;

impl Store {
    /// The database's clock: PostgreSQL's `now()`; this machine's on SQLite.
    pub fn clock(&mut self) -> Result<DateTime<Utc>, StoreError> {
        if !self.is_shared() {
            return Ok(Utc::now());
        }
        let place = self.place.clone();
        let millis = self
            .exec()
            .query_one(
                "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
                &[],
                |row| row.int(0),
            )
            .map_err(failed(&place))?;
        Ok(millis
            .and_then(DateTime::from_timestamp_millis)
            .unwrap_or_else(Utc::now))
    }

    /// Waits until no other poller writes the site files, then holds that right until
    /// [`Store::release_site_files`] (or the connection's end).
    pub fn hold_site_files(&mut self) -> Result<(), StoreError> {
        self.site_files_lock("SELECT pg_advisory_lock(?1::bigint)")
    }

    /// Lets the other pollers write the site files.
    pub fn release_site_files(&mut self) -> Result<(), StoreError> {
        self.site_files_lock("SELECT pg_advisory_unlock(?1::bigint)")
    }

    fn site_files_lock(&mut self, sql: &'static str) -> Result<(), StoreError> {
        if !matches!(self.conn, Conn::Postgres { .. }) {
            return Ok(());
        }
        let place = self.place.clone();
        self.exec()
            .query(sql, &[Param::Int(SITE_FILES_LOCK)], |_| Ok(()))
            .map(drop)
            .map_err(failed(&place))
    }
}
