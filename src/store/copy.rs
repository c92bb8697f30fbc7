//! `feedwright migrate`: a SQLite history copied into PostgreSQL, row for row, read from one
//! snapshot of the source and written in one transaction of the target, so that a run
//! committing during the copy cannot mix two states, and a copy that fails leaves the target
//! as it was.

use super::db::{DbError, Exec, Param, Row};
use super::{Conn, Store, StoreError, failed};

/// A column's type, as both engines store it.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
    Flag,
}

/// One table to copy: how to read it in key order after a key, and how to write a row.
struct Table {
    name: &'static str,
    /// Rows after the key `?1` (the table's first key column), in key order, `?2` at a time;
    /// the key is the first column.
    read: &'static str,
    write: &'static str,
    kinds: &'static [Kind],
}

use Kind::{Flag, Int, Text};

/// The tables of history, each with a single text key (items and pages are read by a key of
/// their own: section and link or url joined by a newline, which neither can hold).
const TABLES: &[Table] = &[
    Table {
        name: "items",
        read: "SELECT section || char(10) || link, section, link, title, source, content,
                      published, published_unix, origin, updated, first_seen, last_seen,
                      from_article, list_title
               FROM items WHERE section || char(10) || link > ?1
               ORDER BY section || char(10) || link LIMIT ?2",
        write: "INSERT INTO items (section, link, title, source, content, published,
                                   published_unix, origin, updated, first_seen, last_seen,
                                   from_article, list_title)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        kinds: &[
            Text, Text, Text, Text, Text, Text, Int, Text, Text, Int, Int, Flag, Text,
        ],
    },
    Table {
        name: "pages",
        read: "SELECT section || char(10) || url, section, url, etag, last_modified
               FROM pages WHERE section || char(10) || url > ?1
               ORDER BY section || char(10) || url LIMIT ?2",
        write: "INSERT INTO pages (section, url, etag, last_modified) VALUES (?1, ?2, ?3, ?4)",
        kinds: &[Text, Text, Text, Text],
    },
    Table {
        name: "section_status",
        read: "SELECT section, section, last_success, last_error, last_error_at, items,
                      rendered, feed_updated, fallbacks, failures, next_poll, next_poll_unix
               FROM section_status WHERE section > ?1 ORDER BY section LIMIT ?2",
        write: "INSERT INTO section_status (section, last_success, last_error, last_error_at,
                                            items, rendered, feed_updated, fallbacks, failures,
                                            next_poll, next_poll_unix)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        kinds: &[Text, Text, Text, Text, Int, Text, Text, Int, Int, Text, Int],
    },
    Table {
        name: "robots",
        read: "SELECT origin, origin, body, etag, last_modified, fetched_at
               FROM robots WHERE origin > ?1 ORDER BY origin LIMIT ?2",
        write: "INSERT INTO robots (origin, body, etag, last_modified, fetched_at)
                VALUES (?1, ?2, ?3, ?4, ?5)",
        kinds: &[Text, Text, Text, Text, Text],
    },
];

/// Rows read from the source at a time.
const PAGE: i64 = 1000;

/// A row's value in either engine.
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Flag(bool),
}

impl Value {
    fn param(&self) -> Param<'_> {
        match self {
            Value::Text(text) => Param::Text(text.as_deref()),
            Value::Int(Some(n)) => Param::Int(*n),
            // NULL is NULL whatever the column's type.
            Value::Int(None) => Param::Text(None),
            Value::Flag(b) => Param::Bool(*b),
        }
    }
}

/// The rows copied from each table, in the order the tables were copied.
pub type Copied = Vec<(&'static str, u64)>;

/// What stops a copy.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("history {place} already holds {items} items: copy into an empty database")]
    NotEmpty { place: String, items: i64 },
}

impl Store {
    /// Copies every row of this history into `target`, which must hold no items yet.
    pub fn copy_into(&mut self, target: &mut Store) -> Result<Copied, CopyError> {
        let held = target.item_count()?;
        if held > 0 {
            return Err(CopyError::NotEmpty {
                place: target.place.clone(),
                items: held,
            });
        }
        let place = format!("{} → {}", self.place, target.place);
        // Every table is read from one snapshot of the source, whatever commits meanwhile.
        let copied = match &mut self.conn {
            Conn::Sqlite(conn) => conn
                .transaction()
                .map_err(DbError::from)
                .and_then(|snapshot| copy_all(&mut Exec::Sqlite(&snapshot), &mut target.conn)),
            Conn::Postgres { client, prepared } => client
                .client()
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(DbError::from)
                .and_then(|mut snapshot| {
                    let mut source = Exec::Postgres {
                        client: &mut snapshot,
                        prepared,
                    };
                    copy_all(&mut source, &mut target.conn)
                }),
        };
        copied.map_err(|e| CopyError::Store(failed(&place)(e)))
    }

    fn item_count(&mut self) -> Result<i64, StoreError> {
        let place = self.place.clone();
        self.exec()
            .query_one("SELECT count(*) FROM items", &[], |row| row.int(0))
            .map(Option::unwrap_or_default)
            .map_err(failed(&place))
    }
}

/// Copies every table from `source` into `target`, in one transaction of the target.
fn copy_all(source: &mut Exec<'_>, target: &mut Conn) -> Result<Copied, DbError> {
    super::db::transaction(target, |tx| {
        // The target's own notes of sections, pages and robots.txt (from polls before the
        // copy) give way to the source's.
        tx.execute("DELETE FROM section_status", &[])?;
        tx.execute("DELETE FROM pages", &[])?;
        tx.execute("DELETE FROM robots", &[])?;
        TABLES
            .iter()
            .map(|table| Ok((table.name, copy_table(source, tx, table)?)))
            .collect()
    })
}

fn copy_table(source: &mut Exec<'_>, target: &mut Exec<'_>, table: &Table) -> Result<u64, DbError> {
    let mut after = String::new();
    let mut rows = 0;
    loop {
        let page = source.query(table.read, &[after.as_str().into(), PAGE.into()], |row| {
            read_row(row, table.kinds)
        })?;
        let Some((last_key, _)) = page.last() else {
            return Ok(rows);
        };
        after = last_key.clone();
        for (_, values) in &page {
            let params: Vec<Param<'_>> = values.iter().map(Value::param).collect();
            target.execute(table.write, &params)?;
            rows += 1;
        }
    }
}

/// A row read as its key (column 0) and its values (the columns after it).
fn read_row(row: &dyn Row, kinds: &[Kind]) -> Result<(String, Vec<Value>), DbError> {
    let key = row.text(0)?.unwrap_or_default();
    let values = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            Ok(match kind {
                Text => Value::Text(row.text(i + 1)?),
                Int => Value::Int(row.maybe_int(i + 1)?),
                Flag => Value::Flag(row.flag(i + 1)?),
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok((key, values))
}
