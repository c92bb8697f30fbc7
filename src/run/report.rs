//! What a run is asked to do and what it tells its caller: the options, the errors that stop
//! it or one of its sections, and the report of every section's outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use super::{DEFAULT_EVERY, DEFAULT_LEASE, DEFAULT_LOCK_WAIT};
use crate::config::Format;
use crate::fetch::FetchError;
use crate::lock::LockError;
use crate::publish::{PublishError, Written};
use crate::store::StoreError;

/// Hooks through which a front end follows a run (a progress bar); every one is optional.
pub trait Progress: Send + Sync {
    /// `n` more pages are about to be fetched.
    fn pages_planned(&self, _n: usize) {}
    /// One page was fetched (or failed).
    fn page_done(&self) {}
    /// A section is finished, written or failed.
    fn section_done(&self, _section: &str) {}
}

/// A run nobody watches.
struct Silent;

impl Progress for Silent {}

/// What to run.
#[derive(Clone)]
pub struct RunOptions {
    /// Section ids to poll; empty means all.
    pub sections: Vec<String>,
    /// Poll only the sections due by their schedule (`watch`), not every selected one.
    pub due_only: bool,
    /// The time between two polls of a section that sets no `every:`.
    pub every: Duration,
    /// How long to wait for another run to finish (SQLite).
    pub lock_wait: Duration,
    /// How long a claim on a section lasts unless renewed (PostgreSQL).
    pub lease: Duration,
    /// Who is told about progress.
    pub progress: Arc<dyn Progress>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            sections: Vec::new(),
            due_only: false,
            every: DEFAULT_EVERY,
            lock_wait: DEFAULT_LOCK_WAIT,
            lease: DEFAULT_LEASE,
            progress: Arc::new(Silent),
        }
    }
}

/// A run that could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("unknown section {id:?} (configured: {known})")]
    UnknownSection { id: String, known: String },
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Client(#[from] FetchError),
}

/// A section that could not be written; its previous feed files are untouched.
#[derive(Debug, thiserror::Error)]
pub enum SectionError {
    #[error("section {section}: start page")]
    StartPage {
        section: String,
        #[source]
        source: Box<FetchError>,
    },
    #[error("section {section}")]
    Store {
        section: String,
        #[source]
        source: Arc<StoreError>,
    },
    #[error("section {section}")]
    Publish {
        section: String,
        #[source]
        source: PublishError,
    },
    #[error("section {section}: internal error: {message}")]
    Internal { section: String, message: String },
}

impl SectionError {
    /// The id of the section that failed.
    pub fn section(&self) -> &str {
        match self {
            SectionError::StartPage { section, .. }
            | SectionError::Store { section, .. }
            | SectionError::Publish { section, .. }
            | SectionError::Internal { section, .. } => section,
        }
    }
}

/// What a successful section poll did.
#[derive(Debug, Clone)]
pub struct SectionSummary {
    pub section: String,
    /// Items in the feed.
    pub items: usize,
    pub new: usize,
    pub updated: usize,
    /// Followed pages that failed (their items keep the list's data).
    pub failed_urls: Vec<String>,
    /// Pages downloaded in full.
    pub downloaded: usize,
    /// Start pages the server said were unchanged (304).
    pub not_modified: usize,
    /// What happened to each feed file, in the configured formats' order.
    pub written: Vec<(Format, Written)>,
    /// Fields zero-config extraction filled because the site's selectors matched nothing.
    pub fallbacks: usize,
    pub elapsed: Duration,
}

/// The outcome of every section polled, in config order.
#[derive(Debug, Default)]
pub struct RunReport {
    pub sections: Vec<Result<SectionSummary, SectionError>>,
    /// Selected sections another poller held, left to it.
    pub skipped: Vec<String>,
    /// When the earliest of the selected sections is due again, as history knows at the end.
    pub next_due: Option<DateTime<FixedOffset>>,
}

impl RunReport {
    /// True when every section was written.
    pub fn all_ok(&self) -> bool {
        self.sections.iter().all(Result::is_ok)
    }
}
