//! The robots.txt copies of every origin a run asked, kept so that the next runs within a day
//! do not ask again, and later runs ask conditionally.

use chrono::DateTime;

use super::{Store, StoreError, failed};
use crate::fetch::Validators;
use crate::fetch::robots::RobotsCopy;

impl Store {
    /// Every robots.txt copy kept; a row that cannot be read is left out (the site is asked).
    pub fn robots(&mut self) -> Result<Vec<RobotsCopy>, StoreError> {
        let place = self.place.clone();
        let rows = self
            .exec()
            .query(
                "SELECT origin, body, etag, last_modified, fetched_at FROM robots",
                &[],
                |row| {
                    Ok((
                        row.text(0)?.unwrap_or_default(),
                        row.text(1)?,
                        Validators {
                            etag: row.text(2)?,
                            last_modified: row.text(3)?,
                        },
                        row.text(4)?.unwrap_or_default(),
                    ))
                },
            )
            .map_err(failed(&place))?;
        Ok(rows
            .into_iter()
            .filter_map(|(origin, body, validators, fetched_at)| {
                let fetched_at = DateTime::parse_from_rfc3339(&fetched_at).ok()?;
                Some(RobotsCopy {
                    origin,
                    body,
                    validators,
                    fetched_at: fetched_at.to_utc(),
                })
            })
            .collect())
    }

    /// Keeps `copies`, replacing those of the same origins, in one transaction. Pollers that
    /// share a history keep their copies in the same (origin) order, so that two of them never
    /// wait on each other's rows.
    pub fn keep_robots(&mut self, copies: &[RobotsCopy]) -> Result<(), StoreError> {
        let mut sorted: Vec<&RobotsCopy> = copies.iter().collect();
        sorted.sort_by(|a, b| a.origin.cmp(&b.origin));
        self.transaction(|tx| {
            for copy in sorted {
                tx.execute(
                    "INSERT INTO robots (origin, body, etag, last_modified, fetched_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (origin) DO UPDATE SET body = excluded.body, etag = excluded.etag,
                         last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
                    &[
                        copy.origin.as_str().into(),
                        copy.body.as_deref().into(),
                        copy.validators.etag.as_deref().into(),
                        copy.validators.last_modified.as_deref().into(),
                        copy.fetched_at.to_rfc3339().as_str().into(),
                    ],
                )?;
            }
            Ok(())
        })
    }
}
