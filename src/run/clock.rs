//! The run's clock: the database's on shared history, so that pollers whose clocks drift apart
//! agree when a section is due; this machine's on SQLite.
//!
//! The database is asked once, when the run opens history; the run then reads this machine's
//! clock plus the offset it measured (half a round trip is the error, milliseconds).

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};

use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Clock {
    /// The database's clock minus this machine's.
    offset: TimeDelta,
}

impl Clock {
    /// Measures the offset of history's clock from this machine's.
    pub(super) fn read(store: &mut Store) -> Result<Clock, StoreError> {
        if !store.is_shared() {
            return Ok(Clock::default());
        }
        let asked = Utc::now();
        let database = store.clock()?;
        let answered = Utc::now();
        let here = asked + (answered - asked) / 2;
        Ok(Clock {
            offset: database - here,
        })
    }

    /// Now, on history's clock.
    pub(super) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// The moment `at` of history's clock, as this machine's clock shows it.
    pub(super) fn here(&self, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        at - self.offset
    }
}
