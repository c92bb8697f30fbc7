//! The robots.txt copies of every origin a run asked, kept so that the next runs within a day
//! do not ask again, and later runs ask conditionally.

use chrono::DateTime;
use rusqlite::params;

use super::{Store, StoreError};
use crate::fetch::Validators;
use crate::fetch::robots::RobotsCopy;

impl Store {
    /// Every robots.txt copy kept; a row that cannot be read is left out (the site is asked).
    pub fn robots(&self) -> Result<Vec<RobotsCopy>, StoreError> {
        self.conn
            .prepare_cached("SELECT origin, body, etag, last_modified, fetched_at FROM robots")
            .and_then(|mut stmt| {
                let rows = stmt.query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        Validators {
                            etag: row.get(2)?,
                            last_modified: row.get(3)?,
                        },
                        row.get::<_, String>(4)?,
                    ))
                })?;
                let mut copies = Vec::new();
                for (origin, body, validators, fetched_at) in rows.flatten() {
                    if let Ok(fetched_at) = DateTime::parse_from_rfc3339(&fetched_at) {
                        copies.push(RobotsCopy {
                            origin,
                            body,
                            validators,
                            fetched_at: fetched_at.to_utc(),
                        });
                    }
                }
                Ok(copies)
            })
            .map_err(|e| self.err(e))
    }

    /// Keeps `copies`, replacing those of the same origins.
    pub fn keep_robots(&self, copies: &[RobotsCopy]) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO robots (origin, body, etag, last_modified, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (origin) DO UPDATE SET body = excluded.body, etag = excluded.etag,
                     last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
            )
            .map_err(|e| self.err(e))?;
        for copy in copies {
            stmt.execute(params![
                copy.origin,
                copy.body,
                copy.validators.etag,
                copy.validators.last_modified,
                copy.fetched_at.to_rfc3339()
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}
