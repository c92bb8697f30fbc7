//! What history knows of each section besides its items: its health (last success, last
//! error) for `status.json`, and what its feed files were last written from, so that a poll
//! that changed nothing writes nothing.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use rusqlite::params;

use super::{Store, StoreError};

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
    /// Fields zero-config extraction filled in the last successful poll because the site's
    /// selectors matched nothing: a sign that the site changed its template.
    pub fallbacks: usize,
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
        outcome: Outcome<'_>,
    ) -> Result<(), StoreError> {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let result = match outcome {
            Outcome::Written { fallbacks } => self
                .conn
                .prepare_cached(
                    "INSERT INTO section_status (section, last_success, fallbacks) VALUES (?1, ?2, ?3)
                     ON CONFLICT (section) DO UPDATE SET last_success = ?2, fallbacks = ?3",
                )
                .and_then(|mut stmt| stmt.execute(params![section, at, fallbacks as i64])),
            Outcome::Failed(message) => self
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
                        fallbacks, section
                 FROM section_status",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| Ok((row.get(7)?, status_row(row)?)))?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }
}

/// A `section_status` row read as `SELECT last_success, last_error, last_error_at, items,
/// feed_updated, rendered, fallbacks, …`.
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
        fallbacks: row.get::<_, i64>(6)?.try_into().unwrap_or_default(),
    })
}

/// How a section's poll ended, as its status notes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Written; `fallbacks` fields came from zero-config extraction because the site's
    /// selectors matched nothing.
    Written { fallbacks: usize },
    /// Failed with this message.
    Failed(&'a str),
}

/// What a section's feed files were written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The settings fingerprint (see `publish::FeedPlan`).
    pub fingerprint: String,
    /// Items in the feed.
    pub items: usize,
    /// The feed's date.
    pub updated: Option<DateTime<FixedOffset>>,
}
