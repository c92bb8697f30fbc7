//! Recording a poll: the stories seen (new, revised in place, or only seen again), the
//! validators of the pages fetched, and the pruning of items not seen for a long time. A run
//! records all of its sections in one [`Batch`]: one transaction, each section in a savepoint
//! of its own, so that one section's failure leaves no trace and does not undo the others'.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset};
use url::Url;

use super::db::{DbError, Exec, Param, Prepared, without_nul};
use super::{Conn, Store, StoreError, failed};
use crate::fetch::Validators;
use crate::item::{Origin, Scraped, Sighting, Stored};

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
    tx: BatchTx<'conn>,
    place: &'conn str,
}

/// A run's transaction in either engine.
enum BatchTx<'conn> {
    Sqlite(rusqlite::Transaction<'conn>),
    Postgres {
        tx: postgres::Transaction<'conn>,
        prepared: &'conn mut Prepared,
    },
}

impl Batch<'_> {
    /// Records one section's poll in a savepoint: all of it, or (with the error) nothing.
    pub fn record(&mut self, poll: &Poll<'_>) -> Result<Changes, StoreError> {
        self.in_savepoint(poll).map_err(failed(self.place))
    }

    fn in_savepoint(&mut self, poll: &Poll<'_>) -> Result<Changes, DbError> {
        match &mut self.tx {
            BatchTx::Sqlite(tx) => {
                let savepoint = tx.savepoint()?;
                let changes = record_in(&mut Exec::Sqlite(&savepoint), poll)?;
                savepoint.commit()?;
                Ok(changes)
            }
            BatchTx::Postgres { tx, prepared } => {
                let mut savepoint = tx.savepoint("section")?;
                let changes = record_in(
                    &mut Exec::Postgres {
                        client: &mut savepoint,
                        prepared,
                    },
                    poll,
                )?;
                savepoint.commit()?;
                Ok(changes)
            }
        }
    }

    /// Of `sections`, those whose leases `holder` still holds; their lease rows stay locked
    /// until the batch ends, so that no other poller claims them before the batch commits.
    pub fn still_held(
        &mut self,
        holder: &str,
        sections: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let sql = "SELECT section FROM leases
                   WHERE holder = ?1 AND section = ANY(?2::text[]) FOR UPDATE";
        let params = [holder.into(), Param::Texts(sections)];
        let read = |row: &dyn super::db::Row| Ok(row.text(0)?.unwrap_or_default());
        match &mut self.tx {
            BatchTx::Sqlite(_) => Ok(sections.iter().map(|s| (*s).to_owned()).collect()),
            BatchTx::Postgres { tx, prepared } => Exec::Postgres {
                client: tx,
                prepared,
            }
            .query(sql, &params, read)
            .map(|held| held.into_iter().collect())
            .map_err(failed(self.place)),
        }
    }

    /// Commits every poll recorded.
    pub fn commit(self) -> Result<(), StoreError> {
        match self.tx {
            BatchTx::Sqlite(tx) => tx.commit().map_err(DbError::from),
            BatchTx::Postgres { tx, .. } => tx.commit().map_err(DbError::from),
        }
        .map_err(failed(self.place))
    }
}

impl Store {
    /// Begins a run's writes.
    pub fn begin(&mut self) -> Result<Batch<'_>, StoreError> {
        let place = self.place.as_str();
        let tx = match &mut self.conn {
            Conn::Sqlite(conn) => conn
                .transaction()
                .map(BatchTx::Sqlite)
                .map_err(DbError::from),
            Conn::Postgres { client, prepared } => client
                .client()
                .transaction()
                .map(|tx| BatchTx::Postgres { tx, prepared })
                .map_err(DbError::from),
        }
        .map_err(failed(place))?;
        Ok(Batch { tx, place })
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

fn record_in(tx: &mut Exec<'_>, poll: &Poll<'_>) -> Result<Changes, DbError> {
    let mut changes = Changes::default();
    let inserted = insert_new(tx, poll)?;
    let mut first = HashSet::new();
    for sighting in poll.sightings {
        let link = sighting.story.link.as_str();
        // A link seen twice in one poll is new once; its second sighting may revise it.
        let recorded = match inserted.contains(link) && first.insert(link) {
            true => Recorded::New,
            false => record_sighting(tx, poll, sighting)?,
        };
        match recorded {
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

/// Inserts, in one statement, every sighting of `poll` that history does not know yet, and
/// returns the links it inserted. On PostgreSQL a statement is a round trip to the server,
/// and a cold poll's items are all new; on SQLite, where a statement is a function call, it
/// inserts none and leaves every sighting to [`record_sighting`].
fn insert_new(tx: &mut Exec<'_>, poll: &Poll<'_>) -> Result<HashSet<String>, DbError> {
    if !tx.is_postgres() || poll.sightings.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<serde_json::Value> = poll
        .sightings
        .iter()
        .map(|Sighting { story, list_title }| {
            let (at, origin) = dated(story, poll.now);
            // JSON may carry NUL (`\u0000`), PostgreSQL's text may not.
            serde_json::json!({
                "link": without_nul(story.link.as_str()),
                "title": without_nul(&story.title),
                "source": story.source.as_deref().map(without_nul),
                "content": story.content.as_deref().map(without_nul),
                "published": at.to_rfc3339(),
                "published_unix": at.timestamp(),
                "origin": origin.as_str(),
                "from_article": story.from_article,
                "list_title": list_title.as_deref().map(without_nul),
            })
        })
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    let inserted = tx.query(
        "INSERT INTO items (section, link, title, source, content, published, published_unix,
                            origin, updated, first_seen, last_seen, from_article, list_title)
         SELECT ?1, r.link, r.title, r.source, r.content, r.published, r.published_unix,
                r.origin, r.published, ?2, ?2, r.from_article, r.list_title
         FROM json_to_recordset(CAST(?3 AS TEXT)::json) AS r(
             link TEXT, title TEXT, source TEXT, content TEXT, published TEXT,
             published_unix BIGINT, origin TEXT, from_article BOOLEAN, list_title TEXT)
         ON CONFLICT (section, link) DO NOTHING
         RETURNING link",
        &[
            poll.section.into(),
            poll.now.timestamp().into(),
            rows.as_str().into(),
        ],
        |row| Ok(row.text(0)?.unwrap_or_default()),
    )?;
    Ok(inserted.into_iter().collect())
}

/// When a story was published, and where that comes from: its page's time, or `now`, the
/// poll that first saw an undated story.
fn dated(story: &Scraped, now: DateTime<FixedOffset>) -> (DateTime<FixedOffset>, Origin) {
    match story.published {
        Some(at) => (at, Origin::Page),
        None => (now, Origin::FirstSeen),
    }
}

/// What recording one sighting did.
enum Recorded {
    New,
    Revised,
    SeenAgain,
}

/// Inserts a new item, or revises a known one in place, or notes it was seen again.
fn record_sighting(
    tx: &mut Exec<'_>,
    poll: &Poll<'_>,
    Sighting { story, list_title }: &Sighting,
) -> Result<Recorded, DbError> {
    let (section, link, now) = (poll.section, story.link.as_str(), poll.now);
    let now_unix = now.timestamp();
    let (at, origin) = dated(story, now);
    // Insert first: a new item (all of them in a cold poll) costs one statement; only a
    // conflict reads the stored row.
    let (published, updated) = (at.to_rfc3339(), now.to_rfc3339());
    let inserted = tx.execute(
        "INSERT INTO items (section, link, title, source, content, published, published_unix,
                            origin, updated, first_seen, last_seen, from_article, list_title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6, ?9, ?9, ?10, ?11)
         ON CONFLICT (section, link) DO NOTHING",
        &[
            section.into(),
            link.into(),
            story.title.as_str().into(),
            story.source.as_deref().into(),
            story.content.as_deref().into(),
            published.as_str().into(),
            at.timestamp().into(),
            origin.as_str().into(),
            now_unix.into(),
            story.from_article.into(),
            list_title.as_deref().into(),
        ],
    )?;
    if inserted == 1 {
        return Ok(Recorded::New);
    }
    let stored = tx
        .query_one(
            "SELECT title, source, content, from_article FROM items
             WHERE section = ?1 AND link = ?2",
            &[section.into(), link.into()],
            |row| {
                Ok(Stored {
                    title: row.text(0)?.unwrap_or_default(),
                    source: row.text(1)?,
                    content: row.text(2)?,
                    from_article: row.flag(3)?,
                })
            },
        )?
        .ok_or(DbError::Vanished)?;
    let Some(revised) = stored.revised_by(story) else {
        // Fields equal to the stored ones, read from the article's own page, make the item
        // read from it: it is not followed again.
        tx.execute(
            "UPDATE items SET last_seen = ?3, list_title = COALESCE(?4, list_title),
                              from_article = (from_article OR ?5)
             WHERE section = ?1 AND link = ?2",
            &[
                section.into(),
                link.into(),
                now_unix.into(),
                list_title.as_deref().into(),
                story.from_article.into(),
            ],
        )?;
        return Ok(Recorded::SeenAgain);
    };
    tx.execute(
        "UPDATE items SET title = ?3, source = ?4, content = ?5, updated = ?6, from_article = ?7,
                          list_title = COALESCE(?8, list_title), last_seen = ?9
         WHERE section = ?1 AND link = ?2",
        &[
            section.into(),
            link.into(),
            revised.title.as_str().into(),
            revised.source.as_deref().into(),
            revised.content.as_deref().into(),
            updated.as_str().into(),
            revised.from_article.into(),
            list_title.as_deref().into(),
            now_unix.into(),
        ],
    )?;
    Ok(Recorded::Revised)
}

fn save_validators(
    tx: &mut Exec<'_>,
    section: &str,
    pages: &[(Url, Validators)],
) -> Result<(), DbError> {
    for (url, validators) in pages {
        tx.execute(
            "INSERT INTO pages (section, url, etag, last_modified) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (section, url) DO UPDATE SET etag = excluded.etag,
                                                      last_modified = excluded.last_modified",
            &[
                section.into(),
                url.as_str().into(),
                validators.etag.as_deref().into(),
                validators.last_modified.as_deref().into(),
            ],
        )?;
    }
    Ok(())
}

/// Forgets what the section's feeds were written from: they must be written again, even if
/// this process dies before it writes them.
fn mark_feeds_stale(tx: &mut Exec<'_>, section: &str) -> Result<(), DbError> {
    tx.execute(
        "UPDATE section_status SET rendered = NULL WHERE section = ?1",
        &[section.into()],
    )
    .map(drop)
}

/// Drops the items not seen for `keep_days`, unless they are among the newest `keep`.
fn prune(tx: &mut Exec<'_>, poll: &Poll<'_>) -> Result<(), DbError> {
    let Prune { keep_days, keep } = poll.prune;
    // Nothing can go while the section holds no more items than its feed shows: one count over
    // the index instead of the pruning statement, which reads every row of the section.
    let held = tx
        .query_one(
            "SELECT count(*) FROM items WHERE section = ?1",
            &[poll.section.into()],
            |row| row.int(0),
        )?
        .unwrap_or_default();
    if held <= keep as i64 {
        return Ok(());
    }
    let cutoff = poll.now.timestamp() - i64::from(keep_days) * 86_400;
    tx.execute(
        "DELETE FROM items WHERE section = ?1 AND last_seen < ?2 AND link NOT IN (
             SELECT link FROM items WHERE section = ?1
             ORDER BY published_unix DESC, link ASC LIMIT ?3)",
        &[poll.section.into(), cutoff.into(), Param::Int(keep as i64)],
    )
    .map(drop)
}
