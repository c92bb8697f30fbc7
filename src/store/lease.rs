//! Leases: how several pollers on one PostgreSQL history share the sections.
//!
//! A poller claims sections with `SELECT … FOR UPDATE SKIP LOCKED`: two pollers claiming at the
//! same moment never wait for each other and never get the same section. A claim holds a
//! section until its lease runs out (the database's clock decides), and the poller renews
//! its leases while it works. A poller that dies stops renewing, and its sections are free to
//! claim once their leases run out — or at once, when the database saw its connection close
//! (a lease notes the server process of the claiming connection, and the moment it started,
//! which no later connection shares).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::db::Param;
use super::{Store, StoreError, failed};

/// What to claim.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// Who claims: a name unique to the process.
    pub holder: &'a str,
    /// The sections to choose from.
    pub sections: &'a [&'a str],
    /// Only sections due at this moment; `None` claims them whatever their schedule.
    pub due_at: Option<DateTime<Utc>>,
    /// At most this many.
    pub limit: usize,
    /// For this long.
    pub lease: Duration,
}

impl Store {
    /// Claims the free sections of `claim` (enlisted before), the longest due first; returns
    /// their ids.
    pub fn claim(&mut self, claim: &Claim<'_>) -> Result<Vec<String>, StoreError> {
        self.require_shared("leases")?;
        let (due_only, due_at) = match claim.due_at {
            Some(at) => (true, at.timestamp()),
            None => (false, 0),
        };
        self.transaction(|tx| {
            tx.query(
                "WITH live AS MATERIALIZED (SELECT pid, backend_start FROM pg_stat_activity)
                 UPDATE leases SET holder = ?1,
                     until = now() + ?2::bigint * interval '1 millisecond',
                     backend = pg_backend_pid(),
                     backend_start = (SELECT backend_start FROM live
                                      WHERE pid = pg_backend_pid())
                 WHERE section IN (
                     SELECT l.section FROM leases l
                     LEFT JOIN section_status s ON s.section = l.section
                     WHERE l.section = ANY(?3::text[])
                       AND (l.until IS NULL OR l.until < now() OR NOT EXISTS (
                            SELECT 1 FROM live a
                            WHERE a.pid = l.backend AND a.backend_start = l.backend_start))
                       AND (NOT ?4::boolean OR s.next_poll_unix IS NULL
                            OR s.next_poll_unix <= ?5::bigint)
                     ORDER BY COALESCE(s.next_poll_unix, 0), l.section
                     LIMIT ?6::bigint
                     FOR UPDATE OF l SKIP LOCKED)
                 RETURNING section",
                &[
                    claim.holder.into(),
                    millis(claim.lease).into(),
                    Param::Texts(claim.sections),
                    due_only.into(),
                    due_at.into(),
                    Param::Int(claim.limit as i64),
                ],
                |row| Ok(row.text(0)?.unwrap_or_default()),
            )
        })
    }

    /// Gives every section of `sections` a lease row (free), so that it can be claimed.
    pub fn enlist(&mut self, sections: &[&str]) -> Result<(), StoreError> {
        self.require_shared("leases")?;
        let place = self.place.clone();
        self.exec()
            .execute(
                "INSERT INTO leases (section) SELECT unnest(?1::text[]) ON CONFLICT DO NOTHING",
                &[Param::Texts(sections)],
            )
            .map(drop)
            .map_err(failed(&place))
    }

    /// Extends every lease `holder` still holds by `lease` from now.
    pub fn renew(&mut self, holder: &str, lease: Duration) -> Result<u64, StoreError> {
        self.require_shared("leases")?;
        let place = self.place.clone();
        self.exec()
            .execute(
                "UPDATE leases SET until = now() + ?2::bigint * interval '1 millisecond'
                 WHERE holder = ?1 AND until >= now()",
                &[holder.into(), millis(lease).into()],
            )
            .map_err(failed(&place))
    }

    /// Gives up `holder`'s leases on `sections`.
    pub fn release(&mut self, holder: &str, sections: &[&str]) -> Result<(), StoreError> {
        self.require_shared("leases")?;
        let place = self.place.clone();
        self.exec()
            .execute(
                "UPDATE leases SET holder = NULL, until = NULL
                 WHERE holder = ?1 AND section = ANY(?2::text[])",
                &[holder.into(), Param::Texts(sections)],
            )
            .map(drop)
            .map_err(failed(&place))
    }

    fn require_shared(&self, what: &'static str) -> Result<(), StoreError> {
        if self.is_shared() {
            Ok(())
        } else {
            Err(StoreError::NeedsPostgres {
                place: self.place.clone(),
                what,
            })
        }
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
