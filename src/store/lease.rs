//! Leases: how several pollers on one PostgreSQL history share the sections.
//!
//! A poller claims sections with `SELECT … FOR UPDATE SKIP LOCKED`: two pollers claiming at the
//! same moment never wait for each other and never get the same section. A claim holds a
//! section until its lease runs out (the database's clock decides), and the poller renews
//! its leases while it works; a renewal says which leases the poller still holds, so that it
//! learns at once of one it lost. A poller that dies stops renewing, and its sections are free
//! to claim once their leases run out — or at once, when its connection is gone.
//!
//! That a poller is alive is told by a session advisory lock: each poller holds one, on a key
//! of its own, for as long as its connection lives, and its leases note the key. Any role can
//! see advisory locks in `pg_locks`, with no statistics privileges (unlike the server
//! processes of other roles in `pg_stat_activity`), and the lock goes with the session, not
//! with a server process: a pooler must give each poller a session of its own (session
//! pooling, or none).

use std::collections::HashSet;
use std::time::Duration;

use super::db::Param;
use super::{Store, StoreError, failed};

/// The first key of the advisory locks that tell a poller is alive ("fw" in ASCII); the second
/// is the poller's own.
pub const LIVENESS_LOCKS: i64 = 0x6677;

/// What to claim.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// Who claims: a name unique to the process.
    pub holder: &'a str,
    /// The key of the claimer's liveness lock ([`Store::hold_liveness_lock`]).
    pub key: i32,
    /// The sections to choose from.
    pub sections: &'a [&'a str],
    /// Only sections due now (on the database's clock); else whatever their schedule.
    pub due_only: bool,
    /// At most this many.
    pub limit: usize,
    /// For this long.
    pub lease: Duration,
}

impl Store {
    /// Takes a liveness lock of a key no other session holds, for this connection's life, and
    /// returns the key.
    pub fn hold_liveness_lock(&mut self) -> Result<i32, StoreError> {
        self.require_shared("leases")?;
        let place = self.place.clone();
        // Keys are drawn from 2^31: a second draw is needed once in billions.
        for _ in 0..8 {
            let key = fastrand::i32(1..);
            let held = self
                .exec()
                .query_one(
                    "SELECT pg_try_advisory_lock((?1::bigint)::integer, (?2::bigint)::integer)",
                    &[Param::Int(LIVENESS_LOCKS), Param::Int(key.into())],
                    |row| row.flag(0),
                )
                .map_err(failed(&place))?;
            if held == Some(true) {
                return Ok(key);
            }
        }
        Err(StoreError::NoLivenessLock { place })
    }

    /// Claims the free sections of `claim` (enlisted before), the longest due first; returns
    /// their ids. A section is free when no lease holds it, or its lease ran out, or its
    /// holder's liveness lock is gone.
    pub fn claim(&mut self, claim: &Claim<'_>) -> Result<Vec<String>, StoreError> {
        self.require_shared("leases")?;
        self.transaction(|tx| {
            tx.query(
                "WITH live AS MATERIALIZED (
                     SELECT objid FROM pg_locks
                     WHERE locktype = 'advisory' AND granted AND objsubid = 2
                       AND classid = ?5::bigint::oid
                       AND database = (SELECT oid FROM pg_database
                                       WHERE datname = current_database()))
                 UPDATE leases SET holder = ?1,
                     until = now() + ?2::bigint * interval '1 millisecond',
                     holder_key = (?6::bigint)::integer
                 WHERE section IN (
                     SELECT l.section FROM leases l
                     LEFT JOIN section_status s ON s.section = l.section
                     WHERE l.section = ANY(?3::text[])
                       AND (l.until IS NULL OR l.until < now() OR NOT EXISTS (
                            SELECT 1 FROM live WHERE live.objid = l.holder_key::oid))
                       AND (NOT ?4::boolean OR s.next_poll_unix IS NULL
                            OR s.next_poll_unix <= floor(extract(epoch FROM now()))::bigint)
                     ORDER BY COALESCE(s.next_poll_unix, 0), l.section
                     LIMIT ?7::bigint
                     FOR UPDATE OF l SKIP LOCKED)
                 RETURNING section",
                &[
                    claim.holder.into(),
                    millis(claim.lease).into(),
                    Param::Texts(claim.sections),
                    claim.due_only.into(),
                    Param::Int(LIVENESS_LOCKS),
                    Param::Int(claim.key.into()),
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

    /// Extends the leases on `sections` that `holder` still holds by `lease` from now, and
    /// returns those sections: the others were lost to another poller.
    pub fn renew(
        &mut self,
        holder: &str,
        sections: &[&str],
        lease: Duration,
    ) -> Result<HashSet<String>, StoreError> {
        self.require_shared("leases")?;
        let place = self.place.clone();
        self.exec()
            .query(
                "UPDATE leases SET until = now() + ?2::bigint * interval '1 millisecond'
                 WHERE holder = ?1 AND section = ANY(?3::text[])
                 RETURNING section",
                &[holder.into(), millis(lease).into(), Param::Texts(sections)],
                |row| Ok(row.text(0)?.unwrap_or_default()),
            )
            .map(|held| held.into_iter().collect())
            .map_err(failed(&place))
    }

    /// Gives up `holder`'s leases on `sections`.
    pub fn release(&mut self, holder: &str, sections: &[&str]) -> Result<(), StoreError> {
        self.require_shared("leases")?;
        let place = self.place.clone();
        self.exec()
            .execute(
                "UPDATE leases SET holder = NULL, until = NULL, holder_key = NULL
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
