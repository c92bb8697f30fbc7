//! Where a section is in a run: each phase moves its state one step on, or to `Failed`.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Utc};

use super::read::Read;
use super::shared::{Place, Shared};
use super::{SectionError, SectionSummary};
use crate::config::Section;
use crate::store::{Batch, Changes, Poll, Prune, Rendered, StoreError};

/// One selected section on its way through the run.
pub(super) struct SectionRun {
    pub(super) place: Place,
    pub(super) started: Instant,
    pub(super) state: State,
}

/// Where a section is: each phase moves it one step on, or to `Failed`.
pub(super) enum State {
    /// Its pages were read.
    Read(Read),
    /// What it read is in history.
    Recorded {
        read: Read,
        changes: Changes,
        /// The moment of the recording in the site's zone (an empty feed's date).
        now: DateTime<FixedOffset>,
    },
    /// Its feeds are written (or were current and left alone).
    Written {
        summary: SectionSummary,
        /// What the feeds were written from; `None` when they were left alone.
        rendered: Option<Rendered>,
    },
    Failed(SectionError),
    /// Another poller took its lease: it stopped, its feeds unwritten, and is that poller's.
    Lost,
}

impl SectionRun {
    /// The section's outcome, for the report.
    pub(super) fn into_outcome(self, shared: &Shared) -> Result<SectionSummary, SectionError> {
        match self.state {
            State::Written { summary, .. } => Ok(summary),
            State::Failed(error) => Err(error),
            State::Read(_) | State::Recorded { .. } | State::Lost => Err(SectionError::Internal {
                section: shared.place(self.place).1.id.clone(),
                message: "the run ended before the section was written".into(),
            }),
        }
    }

    /// Records what the section read in `batch` (when the run's transaction began), unless it
    /// read nothing new.
    pub(super) fn record(
        self,
        shared: &Shared,
        batch: Result<&mut Batch<'_>, &Arc<StoreError>>,
        now: DateTime<Utc>,
    ) -> SectionRun {
        let State::Read(read) = self.state else {
            return self;
        };
        let (site, section) = shared.place(self.place);
        let now = now.with_timezone(&site.timezone).fixed_offset();
        let recorded = if read.untouched() {
            Ok(Changes::default())
        } else {
            let poll = Poll {
                section: &section.id,
                sightings: read.sightings.as_slice(),
                pages: &read.validated,
                now,
                prune: Prune {
                    keep_days: shared.config.keep_days,
                    keep: shared.config.max_items,
                },
            };
            match batch {
                Ok(batch) => batch.record(&poll).map_err(Arc::new),
                Err(error) => Err(Arc::clone(error)),
            }
        };
        let state = match recorded {
            Ok(changes) => State::Recorded { read, changes, now },
            Err(error) => State::Failed(store_error(section, error)),
        };
        SectionRun { state, ..self }
    }

    /// Stops the section, its lease lost, unless it is already written or failed.
    pub(super) fn lose(self) -> SectionRun {
        match self.state {
            State::Read(_) | State::Recorded { .. } => SectionRun {
                state: State::Lost,
                ..self
            },
            _ => self,
        }
    }

    /// Fails the section with `error` if it recorded something in the transaction that could
    /// not commit.
    pub(super) fn fail_if_recorded(self, shared: &Shared, error: &Arc<StoreError>) -> SectionRun {
        match &self.state {
            State::Recorded { read, .. } if !read.untouched() => {
                let section = shared.place(self.place).1;
                let state = State::Failed(store_error(section, Arc::clone(error)));
                SectionRun { state, ..self }
            }
            _ => self,
        }
    }
}

pub(super) fn store_error(section: &Section, source: Arc<StoreError>) -> SectionError {
    SectionError::Store {
        section: section.id.clone(),
        source,
    }
}
