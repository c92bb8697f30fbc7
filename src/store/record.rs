//! Recording a poll: the stories seen (new, revised in place, or only seen again), the
//! validators of the pages fetched, and the pruning of items not seen for a long time. A run
//! records all of its sections in one [`Batch`]: one transaction, each section in a savepoint
//! of its own, so that one section's failure leaves no trace and does not undo the others'.

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, Transaction, params};
use url::Url;

use super::{Store, StoreError, sqlite};
use crate::fetch::Validators;
use crate::item::{Origin, Sighting, Stored};

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

/// The writes of one run: one transaction, rolled back unless [`Batch::commit`] is called.
pub struct Batch<'conn> {
    tx: Transaction<'conn>,
    path: &'conn std::path::Path,
}

impl Batch<'_> {
    /// Records one section's poll in a savepoint: all of it, or (with the error) nothing.
    pub fn record(&mut self, poll: &Poll<'_>) -> Result<Changes, StoreError> {
        let savepoint = self.tx.savepoint().map_err(|e| sqlite(self.path, e))?;
        let changes = record_in(&savepoint, poll).map_err(|e| sqlite(self.path, e))?;
        savepoint.commit().map_err(|e| sqlite(self.path, e))?;
        Ok(changes)
    }

    /// Commits every poll recorded.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().map_err(|e| sqlite(self.path, e))
    }
}

impl Store {
    /// Begins a run's writes.
    pub fn begin(&mut self) -> Result<Batch<'_>, StoreError> {
        let path = self.path.as_path();
        let tx = self.conn.transaction().map_err(|e| sqlite(path, e))?;
        Ok(Batch { tx, path })
    }

    /// Records one poll of `section` in a transaction of its own: the stories seen, the
    /// validators of the pages fetched, and the pruning of items not seen for `keep_days`
    /// (never below `keep` items, the feed's size).
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
        let mut batch = self.begin()?;
        let changes = batch.record(&poll)?;
        batch.commit()?;
        Ok(changes)
    }
}

fn record_in(tx: &Connection, poll: &Poll<'_>) -> rusqlite::Result<Changes> {
    let mut changes = Changes::default();
    for sighting in poll.sightings {
        match record_sighting(tx, poll, sighting)? {
            Recorded::New => changes.new += 1,
            Recorded::Revised => changes.updated += 1,
            Recorded::SeenAgain => {}
        }
    }
    save_validators(tx, poll.section, poll.pages)?;
    if changes.changed() {
        mark_feeds_stale(tx, poll.section)?;
    }
    prune(tx, poll)?;
    Ok(changes)
}

/// What recording one sighting did.
enum Recorded {
    New,
    Revised,
    SeenAgain,
}

/// Inserts a new item, or revises a known one in place, or notes it was seen again.
fn record_sighting(
    tx: &Connection,
    poll: &Poll<'_>,
    Sighting { story, list_title }: &Sighting,
) -> rusqlite::Result<Recorded> {
    let (section, link, now) = (poll.section, story.link.as_str(), poll.now);
    let now_unix = now.timestamp();
    let (at, origin) = match story.published {
        Some(at) => (at, Origin::Page),
        None => (now, Origin::FirstSeen),
    };
    // Insert first: a new item (all of them in a cold poll) costs one statement; only a
    // conflict reads the stored row.
    let inserted = tx
        .prepare_cached(
            "INSERT INTO items (section, link, title, source, content, published, published_unix,
                                origin, updated, first_seen, last_seen, from_article, list_title)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6, ?9, ?9, ?10, ?11)
             ON CONFLICT (section, link) DO NOTHING",
        )?
        .execute(params![
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
        return Ok(Recorded::New);
    }
    let stored = tx
        .prepare_cached(
            "SELECT title, source, content, from_article FROM items
             WHERE section = ?1 AND link = ?2",
        )?
        .query_row(params![section, link], |row| {
            Ok(Stored {
                title: row.get(0)?,
                source: row.get(1)?,
                content: row.get(2)?,
                from_article: row.get(3)?,
            })
        })?;
    let Some(revised) = stored.revised_by(story) else {
        // Fields equal to the stored ones, read from the article's own page, make the item
        // read from it: it is not followed again.
        tx.prepare_cached(
            "UPDATE items SET last_seen = ?3, list_title = COALESCE(?4, list_title),
                              from_article = MAX(from_article, ?5)
             WHERE section = ?1 AND link = ?2",
        )?
        .execute(params![
            section,
            link,
            now_unix,
            list_title,
            story.from_article
        ])?;
        return Ok(Recorded::SeenAgain);
    };
    tx.prepare_cached(
        "UPDATE items SET title = ?3, source = ?4, content = ?5, updated = ?6, from_article = ?7,
                          list_title = COALESCE(?8, list_title), last_seen = ?9
         WHERE section = ?1 AND link = ?2",
    )?
    .execute(params![
        section,
        link,
        revised.title,
        revised.source,
        revised.content,
        now.to_rfc3339(),
        revised.from_article,
        list_title,
        now_unix,
    ])?;
    Ok(Recorded::Revised)
}

fn save_validators(
    tx: &Connection,
    section: &str,
    pages: &[(Url, Validators)],
) -> rusqlite::Result<()> {
    let mut save = tx.prepare_cached(
        "INSERT INTO pages (section, url, etag, last_modified) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (section, url) DO UPDATE SET etag = excluded.etag,
                                                  last_modified = excluded.last_modified",
    )?;
    for (url, validators) in pages {
        save.execute(params![
            section,
            url.as_str(),
            validators.etag,
            validators.last_modified
        ])?;
    }
    Ok(())
}

/// Forgets what the section's feeds were written from: they must be written again, even if
/// this process dies before it writes them.
fn mark_feeds_stale(tx: &Connection, section: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE section_status SET rendered = NULL WHERE section = ?1")?
        .execute([section])
        .map(drop)
}

/// Drops the items not seen for `keep_days`, unless they are among the newest `keep`.
fn prune(tx: &Connection, poll: &Poll<'_>) -> rusqlite::Result<()> {
    let Prune { keep_days, keep } = poll.prune;
    // Nothing can go while the section holds no more items than its feed shows: one count over
    // the index instead of the pruning statement, which reads every row of the section.
    let held: i64 = tx
        .prepare_cached("SELECT count(*) FROM items WHERE section = ?1")?
        .query_row([poll.section], |row| row.get(0))?;
    if held <= keep as i64 {
        return Ok(());
    }
    let cutoff = poll.now.timestamp() - i64::from(keep_days) * 86_400;
    tx.prepare_cached(
        "DELETE FROM items WHERE section = ?1 AND last_seen < ?2 AND link NOT IN (
             SELECT link FROM items WHERE section = ?1
             ORDER BY published_unix DESC, link ASC LIMIT ?3)",
    )?
    .execute(params![poll.section, cutoff, keep as i64])
    .map(drop)
}
