//! The two engines history runs on, behind one small interface: SQLite (a file, the default)
//! and PostgreSQL (a server that several pollers share).
//!
//! Every statement is written once, in the SQL both engines speak, with SQLite's numbered
//! parameters (`?1`); PostgreSQL receives them as `$1`. Values cross the interface as [`Param`]s
//! and are read back through [`Row`], so that a statement's types are the same on both: text,
//! 64-bit integers and booleans (an integer 0/1 in SQLite).

use std::collections::HashMap;

use super::StoreError;

/// A statement's parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(Option<&'a str>),
    Int(i64),
    Bool(bool),
    /// A list of texts (PostgreSQL's `text[]`, for its statements only).
    Texts(&'a [&'a str]),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(text: &'a str) -> Self {
        Param::Text(Some(text))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(text: Option<&'a str>) -> Self {
        Param::Text(text)
    }
}

impl From<i64> for Param<'_> {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}

impl From<bool> for Param<'_> {
    fn from(b: bool) -> Self {
        Param::Bool(b)
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match *self {
            Param::Text(Some(text)) if text.contains('\0') => {
                ToSqlOutput::Owned(Value::Text(without_nul(text)))
            }
            Param::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Param::Text(None) => ToSqlOutput::Owned(Value::Null),
            Param::Int(n) => ToSqlOutput::Owned(Value::Integer(n)),
            Param::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(b))),
            Param::Texts(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite statements take no lists".into(),
                ));
            }
        })
    }
}

impl postgres::types::ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Param::Text(Some(text)) if text.contains('\0') => {
                without_nul(text).as_str().to_sql(ty, out)
            }
            Param::Text(text) => text.to_sql(ty, out),
            Param::Int(n) => n.to_sql(ty, out),
            Param::Bool(b) => b.to_sql(ty, out),
            Param::Texts(texts) if texts.iter().any(|t| t.contains('\0')) => {
                let owned: Vec<String> = texts.iter().map(|t| without_nul(t)).collect();
                let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
                texts.to_sql(ty, out)
            }
            Param::Texts(texts) => texts.to_sql(ty, out),
        }
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        <&str as postgres::types::ToSql>::accepts(ty)
            || <i64 as postgres::types::ToSql>::accepts(ty)
            || <bool as postgres::types::ToSql>::accepts(ty)
            || <&[&str] as postgres::types::ToSql>::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

/// `text` without its NUL characters: PostgreSQL's text cannot hold them (a robots.txt or a
/// page may), and SQLite is given the same text, so both keep the same history.
pub(crate) fn without_nul(text: &str) -> String {
    text.replace('\0', "")
}

/// A statement that failed, in either engine.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    /// A row the transaction had just found was gone.
    #[error("a stored item vanished while it was being revised")]
    Vanished,
}

/// A result row, read by column index.
pub(crate) trait Row {
    fn text(&self, column: usize) -> Result<Option<String>, DbError>;
    fn int(&self, column: usize) -> Result<i64, DbError>;
    fn maybe_int(&self, column: usize) -> Result<Option<i64>, DbError>;
    fn flag(&self, column: usize) -> Result<bool, DbError>;
}

impl Row for rusqlite::Row<'_> {
    fn text(&self, column: usize) -> Result<Option<String>, DbError> {
        Ok(self.get(column)?)
    }
    fn int(&self, column: usize) -> Result<i64, DbError> {
        Ok(self.get(column)?)
    }
    fn maybe_int(&self, column: usize) -> Result<Option<i64>, DbError> {
        Ok(self.get(column)?)
    }
    fn flag(&self, column: usize) -> Result<bool, DbError> {
        Ok(self.get(column)?)
    }
}

impl Row for postgres::Row {
    fn text(&self, column: usize) -> Result<Option<String>, DbError> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: usize) -> Result<i64, DbError> {
        Ok(self.try_get(column)?)
    }
    fn maybe_int(&self, column: usize) -> Result<Option<i64>, DbError> {
        Ok(self.try_get(column)?)
    }
    fn flag(&self, column: usize) -> Result<bool, DbError> {
        Ok(self.try_get(column)?)
    }
}

/// What PostgreSQL statements run on: the connection itself, or a transaction of it.
pub(crate) trait PgClient {
    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error>;
    fn execute(
        &mut self,
        statement: &postgres::Statement,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64, postgres::Error>;
    fn query(
        &mut self,
        statement: &postgres::Statement,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, postgres::Error>;
}

macro_rules! pg_client {
    ($type:ty) => {
        impl PgClient for $type {
            fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
                <$type>::prepare(self, sql)
            }
            fn execute(
                &mut self,
                statement: &postgres::Statement,
                params: &[&(dyn postgres::types::ToSql + Sync)],
            ) -> Result<u64, postgres::Error> {
                <$type>::execute(self, statement, params)
            }
            fn query(
                &mut self,
                statement: &postgres::Statement,
                params: &[&(dyn postgres::types::ToSql + Sync)],
            ) -> Result<Vec<postgres::Row>, postgres::Error> {
                <$type>::query(self, statement, params)
            }
        }
    };
}

pg_client!(postgres::Client);
pg_client!(postgres::Transaction<'_>);

/// PostgreSQL's prepared statements, by their SQLite-style text: each is prepared once per
/// connection.
pub(crate) type Prepared = HashMap<&'static str, postgres::Statement>;

/// Where a statement runs: a SQLite connection (or transaction, or savepoint), or a PostgreSQL
/// client with its prepared statements.
pub(crate) enum Exec<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres {
        client: &'a mut dyn PgClient,
        prepared: &'a mut Prepared,
    },
}

impl Exec<'_> {
    /// True on PostgreSQL, where a statement is a round trip to the server.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Exec::Postgres { .. })
    }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<u64, DbError> {
        match self {
            Exec::Sqlite(conn) => {
                let changed = conn
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params))?;
                Ok(changed as u64)
            }
            Exec::Postgres { client, prepared } => {
                let statement = statement(&mut **client, prepared, sql)?;
                Ok(client.execute(&statement, &pg_params(params))?)
            }
        }
    }

    /// Runs a query and reads every row with `read`.
    pub(crate) fn query<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        mut read: impl FnMut(&dyn Row) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        match self {
            Exec::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(params))?;
                let mut read_rows = Vec::new();
                while let Some(row) = rows.next()? {
                    read_rows.push(read(row)?);
                }
                Ok(read_rows)
            }
            Exec::Postgres { client, prepared } => {
                let statement = statement(&mut **client, prepared, sql)?;
                client
                    .query(&statement, &pg_params(params))?
                    .iter()
                    .map(|row| read(row))
                    .collect()
            }
        }
    }

    /// Runs a query and reads its first row, if any.
    pub(crate) fn query_one<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        read: impl FnMut(&dyn Row) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        Ok(self.query(sql, params, read)?.into_iter().next())
    }
}

fn pg_params<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// The prepared form of `sql`, prepared on first use with PostgreSQL's `$n` parameters.
fn statement(
    client: &mut dyn PgClient,
    prepared: &mut Prepared,
    sql: &'static str,
) -> Result<postgres::Statement, DbError> {
    if let Some(statement) = prepared.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(&numbered_as_dollar(sql))?;
    prepared.insert(sql, statement.clone());
    Ok(statement)
}

/// `?1` → `$1`: SQLite's numbered parameters in PostgreSQL's notation. The statements hold no
/// `?` inside string literals.
fn numbered_as_dollar(sql: &str) -> String {
    sql.replace('?', "$")
}

/// Runs `work` in one transaction of `conn`: all of its writes, or (with the error) none.
pub(crate) fn transaction<T>(
    conn: &mut super::Conn,
    work: impl FnOnce(&mut Exec<'_>) -> Result<T, DbError>,
) -> Result<T, DbError> {
    match conn {
        super::Conn::Sqlite(conn) => {
            let tx = conn.transaction()?;
            let value = work(&mut Exec::Sqlite(&tx))?;
            tx.commit()?;
            Ok(value)
        }
        super::Conn::Postgres { client, prepared } => {
            let mut tx = client.client().transaction()?;
            let value = work(&mut Exec::Postgres {
                client: &mut tx,
                prepared,
            })?;
            tx.commit()?;
            Ok(value)
        }
    }
}

/// The error of a statement of the history at `place`.
pub(crate) fn failed(place: &str) -> impl Fn(DbError) -> StoreError + '_ {
    move |source| StoreError::Db {
        place: place.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollars() {
        assert_eq!(
            numbered_as_dollar("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
    }
}
