//! One poll of every selected section: the pipeline, stage after stage.
//!
//! Each selected section is a `SectionRun` that carries its own state through four phases:
//!
//! 1. **read** (`read.rs`, concurrently): fetch the start pages (conditionally) → extract the
//!    article and the list → normalize → follow new list entries to their own pages (depth 1,
//!    start hosts only);
//! 2. **record**: everything read goes into history in one transaction, each section in a
//!    savepoint of its own;
//! 3. **write** (concurrently): the feeds of each section whose items or settings changed are
//!    rendered from history and published;
//! 4. **finish** (`finish.rs`): every section's outcome is noted in history (after each
//!    batch), and the files beside the feeds (`status.json`, `index.html`, …) are written (at
//!    the end).
//!
//! Phases 1–3 run on batches of `BATCH_SECTIONS` sections, one batch after the other, so a
//! run holds what one batch read, never what all its sections read, and commits once per
//! batch. A feed is never written from items history does not hold yet, and a failing section
//! is reported while the others go on. The report tells the caller what happened to each
//! section, in config order.

mod finish;
mod halt;
mod read;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};

use crate::config::{Config, Format, Section, Site};
use crate::fetch::{FetchError, Fetcher};
use crate::lock::{LockError, RunLock};
use crate::publish::{PublishError, Written};
use crate::render::FeedInfo;
use crate::store::{Batch, Changes, Poll, Prune, Rendered, SectionStatus, Store, StoreError};
use read::Read;

/// Sections polled together: read concurrently, recorded in one transaction, written. Large
/// enough to keep the fetches busy and the commits few, small enough that a run's memory
/// does not grow with its number of sections.
const BATCH_SECTIONS: usize = 200;

/// How long a run waits for another run's lock before giving up.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

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
    /// How long to wait for another run to finish.
    pub lock_wait: Duration,
    /// Who is told about progress.
    pub progress: Arc<dyn Progress>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            sections: Vec::new(),
            lock_wait: DEFAULT_LOCK_WAIT,
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

/// The outcome of every selected section, in config order.
#[derive(Debug)]
pub struct RunReport {
    pub sections: Vec<Result<SectionSummary, SectionError>>,
}

impl RunReport {
    /// True when every section was written.
    pub fn all_ok(&self) -> bool {
        self.sections.iter().all(Result::is_ok)
    }
}

/// Where a section is in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    site: usize,
    section: usize,
}

/// Shared by the section tasks of a run. The run's lock lives here, so it is released only when
/// the last section task is gone, even when the run itself is cancelled.
struct Shared {
    config: Config,
    fetcher: Fetcher,
    store: Mutex<Store>,
    progress: Arc<dyn Progress>,
    /// Every section's status as the run found it.
    statuses: HashMap<String, SectionStatus>,
    _lock: RunLock,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panicking section task cannot leave the connection inconsistent: every write is a
        // transaction that SQLite rolls back, so a poisoned lock is safe to reuse.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The site and the section at `place`.
    fn place(&self, place: Place) -> (&Site, &Section) {
        let site = &self.config.sites[place.site];
        (site, &site.sections[place.section])
    }
}

/// One selected section on its way through the run.
struct SectionRun {
    place: Place,
    started: Instant,
    state: State,
}

/// Where a section is: each phase moves it one step on, or to `Failed`.
enum State {
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
}

/// Polls the selected sections once and writes their feeds: read → record → write → finish.
pub async fn run(config: &Config, options: &RunOptions) -> Result<RunReport, RunError> {
    let selected = select(config, &options.sections)?;
    let lock = acquire_lock(config, options.lock_wait).await?;
    let store = Store::open(&config.state_path)?;
    let shared = Arc::new(Shared {
        statuses: store.statuses()?,
        fetcher: Fetcher::new(&config.fetch, kept_robots(&store))?,
        store: Mutex::new(store),
        config: config.clone(),
        progress: Arc::clone(&options.progress),
        _lock: lock,
    });
    // Every start page is known now: the progress bar's total grows only by followed pages.
    let start_pages = selected
        .iter()
        .map(|&place| shared.place(place).1.urls.len())
        .sum();
    options.progress.pages_planned(start_pages);
    let mut sections = Vec::with_capacity(selected.len());
    for batch in selected.chunks(BATCH_SECTIONS) {
        let runs = poll_batch(&shared, batch.to_vec()).await;
        finish::note(&shared, &runs);
        sections.extend(runs.into_iter().map(|run| run.into_outcome(&shared)));
    }
    finish::finish(&shared);
    Ok(RunReport { sections })
}

/// Polls one batch of sections through read → record (one commit) → write. Only what a
/// written or failed section reports outlives its batch, so a run's memory stays that of one
/// batch however many sections it polls.
async fn poll_batch(shared: &Arc<Shared>, batch: Vec<Place>) -> Vec<SectionRun> {
    let runs = on_each_section(shared, batch, read::read).await;
    let runs = record(shared, runs);
    halt::at(halt::Point::Committed);
    on_each_section(shared, runs, write).await
}

/// The robots.txt copies history kept; none when they cannot be read (the sites are asked).
fn kept_robots(store: &Store) -> Vec<crate::fetch::robots::RobotsCopy> {
    store.robots().unwrap_or_else(|error| {
        tracing::warn!(error = %crate::error_chain(&error), "kept robots.txt copies not read");
        Vec::new()
    })
}

async fn acquire_lock(config: &Config, wait: Duration) -> Result<RunLock, LockError> {
    let state = config.state_path.clone();
    tokio::task::spawn_blocking(move || RunLock::acquire(&state, wait))
        .await
        .map_err(|e| LockError::Io {
            path: config.state_path.clone(),
            source: std::io::Error::other(e),
        })?
}

/// Checks that every id of `only` names a section of `config`.
pub fn check_selection(config: &Config, only: &[String]) -> Result<(), RunError> {
    select(config, only).map(drop)
}

/// The places of the sections to poll, in config order.
fn select(config: &Config, only: &[String]) -> Result<Vec<Place>, RunError> {
    let all: Vec<(Place, &str)> = config
        .sites
        .iter()
        .enumerate()
        .flat_map(|(site, s)| {
            s.sections
                .iter()
                .enumerate()
                .map(move |(section, s)| (Place { site, section }, s.id.as_str()))
        })
        .collect();
    if let Some(unknown) = only.iter().find(|id| !all.iter().any(|(_, s)| s == id)) {
        let known: Vec<&str> = all.iter().map(|(_, id)| *id).collect();
        return Err(RunError::UnknownSection {
            id: unknown.clone(),
            known: known.join(", "),
        });
    }
    Ok(all
        .into_iter()
        .filter(|(_, id)| only.is_empty() || only.iter().any(|o| o == id))
        .map(|(place, _)| place)
        .collect())
}

/// Something a section's run starts from or carries: what `on_each_section` spreads.
trait Placed {
    fn place(&self) -> Place;
}

impl Placed for Place {
    fn place(&self) -> Place {
        *self
    }
}

impl Placed for SectionRun {
    fn place(&self) -> Place {
        self.place
    }
}

/// Runs `task` on every input, spread over the runtime's workers; the runs come back in the
/// inputs' order, a task that panicked as an internal error of its section.
async fn on_each_section<I, F, Fut>(
    shared: &Arc<Shared>,
    inputs: Vec<I>,
    task: F,
) -> Vec<SectionRun>
where
    I: Placed + Send + 'static,
    F: Fn(Arc<Shared>, I) -> Fut,
    Fut: Future<Output = SectionRun> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = inputs
        .into_iter()
        .map(|input| (input.place(), tokio::spawn(task(Arc::clone(shared), input))))
        .collect();
    let mut runs = Vec::with_capacity(tasks.len());
    for (place, task) in tasks {
        runs.push(task.await.unwrap_or_else(|e| SectionRun {
            place,
            started,
            state: State::Failed(SectionError::Internal {
                section: shared.place(place).1.id.clone(),
                message: e.to_string(),
            }),
        }));
    }
    runs
}

impl SectionRun {
    /// The section's outcome, for the report.
    fn into_outcome(self, shared: &Shared) -> Result<SectionSummary, SectionError> {
        match self.state {
            State::Written { summary, .. } => Ok(summary),
            State::Failed(error) => Err(error),
            State::Read(_) | State::Recorded { .. } => Err(SectionError::Internal {
                section: shared.place(self.place).1.id.clone(),
                message: "the run ended before the section was written".into(),
            }),
        }
    }

    /// Records what the section read in `batch` (when the run's transaction began), unless it
    /// read nothing new.
    fn record(
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

    /// Fails the section with `error` if it recorded something in the transaction that could
    /// not commit.
    fn fail_if_recorded(self, shared: &Shared, error: &Arc<StoreError>) -> SectionRun {
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

fn store_error(section: &Section, source: Arc<StoreError>) -> SectionError {
    SectionError::Store {
        section: section.id.clone(),
        source,
    }
}

/// Records every section read in history, in one transaction. When the transaction cannot
/// begin or commit, every section that had something to record fails with that error.
fn record(shared: &Shared, runs: Vec<SectionRun>) -> Vec<SectionRun> {
    let now = Utc::now();
    let mut store = shared.store();
    let (runs, committed) = match store.begin() {
        Ok(mut batch) => {
            let runs: Vec<SectionRun> = runs
                .into_iter()
                .map(|run| run.record(shared, Ok(&mut batch), now))
                .collect();
            (runs, batch.commit())
        }
        Err(error) => {
            let error = Arc::new(error);
            let runs = runs
                .into_iter()
                .map(|run| run.record(shared, Err(&error), now))
                .collect();
            (runs, Ok(()))
        }
    };
    match committed {
        Ok(()) => runs,
        Err(error) => {
            let error = Arc::new(error);
            runs.into_iter()
                .map(|run| run.fail_if_recorded(shared, &error))
                .collect()
        }
    }
}

/// Writes a recorded section's feeds from history, unless nothing they show changed.
async fn write(shared: Arc<Shared>, run: SectionRun) -> SectionRun {
    let section = &shared.place(run.place).1.id;
    let run = match run.state {
        State::Recorded { read, changes, now } => {
            let state = write_feeds(&shared, run.place, run.started, read, changes, now);
            if matches!(
                state,
                State::Written {
                    rendered: Some(_),
                    ..
                }
            ) {
                halt::at(halt::Point::Written);
            }
            SectionRun { state, ..run }
        }
        _ => run,
    };
    shared.progress.section_done(section);
    run
}

fn write_feeds(
    shared: &Shared,
    place: Place,
    started: Instant,
    read: Read,
    changes: Changes,
    now: DateTime<FixedOffset>,
) -> State {
    let (site, section) = shared.place(place);
    let summary = |items: usize, written: Vec<(Format, Written)>| SectionSummary {
        section: section.id.clone(),
        items,
        new: changes.new,
        updated: changes.updated,
        failed_urls: read.followed.failed.clone(),
        downloaded: read.validated.len() + read.followed.read,
        not_modified: read.not_modified,
        written,
        fallbacks: read.fallbacks + read.followed.fallbacks,
        elapsed: started.elapsed(),
    };
    if !changes.changed() && read.plan.is_current() {
        return State::Written {
            summary: summary(read.status_items, read.plan.unchanged()),
            rendered: None,
        };
    }
    let items = match shared.store().items(&section.id, shared.config.max_items) {
        Ok(items) => items,
        Err(error) => return State::Failed(store_error(section, Arc::new(error))),
    };
    let info = FeedInfo {
        site,
        section,
        base_url: shared.config.base_url.as_ref(),
        empty_since: now,
    };
    match read.plan.write(&info, &items) {
        Ok((written, rendered)) => State::Written {
            summary: summary(items.len(), written),
            rendered: Some(rendered),
        },
        Err(source) => State::Failed(SectionError::Publish {
            section: section.id.clone(),
            source,
        }),
    }
}
