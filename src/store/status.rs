//! What history knows of each section besides its items: its health (last success, last
//! error) and schedule (consecutive failures, next poll) for `status.json`, and what its feed
//! files were last written from, so that a poll that changed nothing writes nothing.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};

use super::db::{DbError, Exec, Row};
use super::{Store, StoreError, failed};

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
    /// Polls that failed in a row since the last success (the back-off).
    pub failures: u32,
    /// When the section is due again.
    pub next_poll: Option<DateTime<FixedOffset>>,
}

/// A section's outcome, as history notes it at the end of its poll.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    pub section: &'a str,
    pub outcome: Outcome<'a>,
    /// What its feeds were written from, when they were written.
    pub rendered: Option<&'a Rendered>,
    /// Polls failed in a row, this one included.
    pub failures: u32,
    /// When it is due again.
    pub next_poll: DateTime<FixedOffset>,
}

impl Store {
    /// Notes the outcome of each section's poll at `at`, in one transaction.
    pub fn note(&mut self, at: DateTime<Utc>, notes: &[Note<'_>]) -> Result<(), StoreError> {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.transaction(|tx| notes.iter().try_for_each(|note| note_one(tx, &at, note)))
    }

    /// What history knows of each of `sections` that ever ran, in one query. Callers ask for
    /// a few hundred at a time, so that a run's memory does not grow with its configuration.
    pub fn statuses_of(
        &mut self,
        sections: &[&str],
    ) -> Result<HashMap<String, SectionStatus>, StoreError> {
        let (sql, list) = self.section_list(
            "SELECT last_success, last_error, last_error_at, items, feed_updated, rendered,
                    fallbacks, failures, next_poll, section
             FROM section_status WHERE section IN (SELECT value FROM json_each(?1))",
            "SELECT last_success, last_error, last_error_at, items, feed_updated, rendered,
                    fallbacks, failures, next_poll, section
             FROM section_status WHERE section IN (SELECT json_array_elements_text(?1::text::json))",
            sections,
        );
        let place = self.place.clone();
        let rows = self
            .exec()
            .query(sql, &[list.as_str().into()], |row| {
                Ok((row.text(9)?.unwrap_or_default(), status_row(row)?))
            })
            .map_err(failed(&place))?;
        Ok(rows.into_iter().collect())
    }

    /// When the earliest of `sections` is due again; `None` when one of them has no schedule
    /// yet (it was never polled, so it is due now).
    pub fn earliest_poll(
        &mut self,
        sections: &[&str],
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (sql, list) = self.section_list(
            "SELECT COUNT(*), MIN(next_poll_unix) FROM section_status
             WHERE next_poll_unix IS NOT NULL
               AND section IN (SELECT value FROM json_each(?1))",
            "SELECT COUNT(*), MIN(next_poll_unix) FROM section_status
             WHERE next_poll_unix IS NOT NULL
               AND section IN (SELECT json_array_elements_text(?1::text::json))",
            sections,
        );
        let place = self.place.clone();
        let found = self
            .exec()
            .query_one(sql, &[list.as_str().into()], |row| {
                Ok((row.int(0)?, row.maybe_int(1)?))
            })
            .map_err(failed(&place))?;
        Ok(match found {
            Some((count, Some(earliest))) if count == sections.len() as i64 => {
                DateTime::from_timestamp(earliest, 0)
            }
            _ => None,
        })
    }

    /// The statement of this engine among `sqlite` and `postgres`, which read `sections` from
    /// their parameter `?1`, a JSON array, with the array.
    fn section_list(
        &self,
        sqlite: &'static str,
        postgres: &'static str,
        sections: &[&str],
    ) -> (&'static str, String) {
        let list = serde_json::to_string(sections)
            .unwrap_or_else(|_| unreachable!("a list of texts serializes"));
        (if self.is_shared() { postgres } else { sqlite }, list)
    }
}

fn note_one(tx: &mut Exec<'_>, at: &str, note: &Note<'_>) -> Result<(), DbError> {
    let next_poll = note.next_poll.to_rfc3339();
    let schedule = [
        note.section.into(),
        i64::from(note.failures).into(),
        next_poll.as_str().into(),
        note.next_poll.timestamp().into(),
    ];
    tx.execute(
        "INSERT INTO section_status (section, failures, next_poll, next_poll_unix)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (section) DO UPDATE SET failures = ?2, next_poll = ?3, next_poll_unix = ?4",
        &schedule,
    )?;
    match note.outcome {
        Outcome::Written { fallbacks } => tx.execute(
            "UPDATE section_status SET last_success = ?2, fallbacks = ?3 WHERE section = ?1",
            &[note.section.into(), at.into(), (fallbacks as i64).into()],
        )?,
        Outcome::Failed(message) => tx.execute(
            "UPDATE section_status SET last_error = ?2, last_error_at = ?3 WHERE section = ?1",
            &[note.section.into(), message.into(), at.into()],
        )?,
    };
    if let Some(rendered) = note.rendered {
        let updated = rendered.updated.map(|u| u.to_rfc3339());
        tx.execute(
            "UPDATE section_status SET rendered = ?2, items = ?3, feed_updated = ?4
             WHERE section = ?1",
            &[
                note.section.into(),
                rendered.fingerprint.as_str().into(),
                (rendered.items as i64).into(),
                updated.as_deref().into(),
            ],
        )?;
    }
    Ok(())
}

/// A `section_status` row read as `SELECT last_success, last_error, last_error_at, items,
/// feed_updated, rendered, fallbacks, failures, next_poll, …`.
fn status_row(row: &dyn Row) -> Result<SectionStatus, DbError> {
    let date = |text: Option<String>| text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
    Ok(SectionStatus {
        last_success: row.text(0)?,
        last_error: row.text(1)?,
        last_error_at: row.text(2)?,
        items: row.int(3)?.try_into().unwrap_or_default(),
        feed_updated: date(row.text(4)?),
        rendered: row.text(5)?,
        fallbacks: row.int(6)?.try_into().unwrap_or_default(),
        failures: row.int(7)?.try_into().unwrap_or_default(),
        next_poll: date(row.text(8)?),
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
    /// The settings fingerprint (see `run::plan::FeedPlan`).
    pub fingerprint: String,
    /// Items in the feed.
    pub items: usize,
    /// The feed's date.
    pub updated: Option<DateTime<FixedOffset>>,
}
