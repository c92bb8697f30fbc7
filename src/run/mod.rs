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
//!
//! Which sections a run polls: every selected one (`run`), or those due by their schedule
//! (`watch`). On SQLite, one run at a time holds the history's lock file. On PostgreSQL, runs
//! share the sections through leases (`lease.rs`): each run claims the sections it polls, and
//! skips those another poller holds.

mod finish;
mod halt;
mod lease;
mod read;
pub mod schedule;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};

use crate::config::{Config, Format, Section, Site, StateLocation};
use crate::fetch::{FetchError, Fetcher};
use crate::lock::{LockError, RunLock};
use crate::publish::{PublishError, Publisher, Written};
use crate::render::FeedInfo;
use crate::store::{Batch, Changes, Poll, Prune, Rendered, SectionStatus, Store, StoreError};
use lease::Holder;
use read::Read;

/// Sections polled together: read concurrently, recorded in one transaction, written. Large
/// enough to keep the fetches busy and the commits few, small enough that a run's memory
/// does not grow with its number of sections.
const BATCH_SECTIONS: usize = 200;

/// How long a run waits for another run's lock before giving up.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

/// The time between two polls of a section that sets no `every:` (`watch`'s default interval).
pub const DEFAULT_EVERY: Duration = Duration::from_secs(600);

/// How long a section claimed on shared history stays claimed unless renewed.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

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

/// Where a section is in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    site: usize,
    section: usize,
}

/// Shared by the section tasks of a run. The run's lock lives here, so it is released only when
/// the last section task is gone, even when the run itself is cancelled.
struct Shared {
    config: Arc<Config>,
    options: RunOptions,
    fetcher: Fetcher,
    store: Mutex<Store>,
    publisher: Publisher,
    /// History's and the bucket's calls block and must leave the runtime's threads
    /// (PostgreSQL's client runs a runtime of its own); a SQLite file and a folder are used
    /// in place.
    off_runtime: bool,
    /// The statuses of the batch being polled, as history held them when it began.
    statuses: Mutex<HashMap<String, SectionStatus>>,
    /// The run's name and leases on shared history.
    holder: Option<Holder>,
    _lock: Option<RunLock>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panicking section task cannot leave the connection inconsistent: every write is a
        // transaction that the engine rolls back, so a poisoned lock is safe to reuse.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The site and the section at `place`.
    fn place(&self, place: Place) -> (&Site, &Section) {
        let site = &self.config.sites[place.site];
        (site, &site.sections[place.section])
    }

    /// `look` at the status of `section` (of the batch being polled) as history held it.
    fn with_status<T>(&self, section: &str, look: impl FnOnce(Option<&SectionStatus>) -> T) -> T {
        let statuses = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        look(statuses.get(section))
    }

    /// Runs `work`, off the runtime's threads when history or the bucket needs it.
    async fn off_runtime<T, F>(self: &Arc<Self>, work: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&Shared) -> T + Send + 'static,
    {
        if !self.off_runtime {
            return work(self);
        }
        let shared = Arc::clone(self);
        blocking(move || work(&shared)).await
    }

    /// Runs `work` on history (see [`Shared::off_runtime`]).
    async fn with_store<T, F>(self: &Arc<Self>, work: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> T + Send + 'static,
    {
        self.off_runtime(move |shared| work(&mut shared.store()))
            .await
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

/// Polls the selected sections once (or those due) and writes their feeds: read → record →
/// write → finish.
pub async fn run(
    config: impl Into<Arc<Config>>,
    options: &RunOptions,
) -> Result<RunReport, RunError> {
    let config = config.into();
    let selected = select(&config, &options.sections)?;
    let lock = match &config.state {
        StateLocation::Sqlite(path) => Some(acquire_lock(path, options.lock_wait).await?),
        StateLocation::Postgres(_) => None,
    };
    let shared = Arc::new(open(config, options, lock).await?);
    let mut report = RunReport::default();
    if shared.holder.is_some() {
        lease::poll_claimed(&shared, &selected, &mut report).await?;
    } else {
        let due = if options.due_only {
            shared
                .off_runtime(move |shared| due(shared, selected))
                .await?
        } else {
            selected
        };
        poll_places(&shared, &due, &mut report).await;
    }
    let polled = !report.sections.is_empty();
    report.next_due = shared
        .off_runtime(move |shared| finish::finish(shared, polled))
        .await;
    Ok(report)
}

/// Opens what a run works with: history (with the statuses and robots.txt copies it holds),
/// the place feeds go, and the HTTP client. History and the bucket are opened off the
/// runtime's threads.
async fn open(
    config: Arc<Config>,
    options: &RunOptions,
    lock: Option<RunLock>,
) -> Result<Shared, RunError> {
    let (state, output) = (config.state.clone(), config.output.clone());
    let (store, robots, publisher) = blocking(move || -> Result<_, RunError> {
        let mut store = Store::open(&state)?;
        let robots = kept_robots(&mut store);
        let publisher = Publisher::open(&output)?;
        Ok((store, robots, publisher))
    })
    .await?;
    let off_runtime = store.is_shared() || matches!(publisher, Publisher::Bucket(_));
    Ok(Shared {
        holder: store.is_shared().then(|| Holder::new(options.lease)),
        fetcher: Fetcher::new(&config.fetch, robots)?,
        store: Mutex::new(store),
        publisher,
        off_runtime,
        statuses: Mutex::new(HashMap::new()),
        config,
        options: options.clone(),
        _lock: lock,
    })
}

/// Polls `places` in batches and adds their outcomes to `report`.
async fn poll_places(shared: &Arc<Shared>, places: &[Place], report: &mut RunReport) {
    // Every start page is known now: the progress bar's total grows only by followed pages.
    let start_pages = places
        .iter()
        .map(|&place| shared.place(place).1.urls.len())
        .sum();
    shared.options.progress.pages_planned(start_pages);
    report.sections.reserve(places.len());
    for batch in places.chunks(BATCH_SECTIONS) {
        let batch = batch.to_vec();
        let (batch, loaded) = shared
            .off_runtime(move |shared| {
                let loaded = load_statuses(shared, &batch);
                (batch, loaded)
            })
            .await;
        let runs = match loaded {
            Ok(()) => poll_batch(shared, batch).await,
            Err(error) => failed_batch(shared, &batch, error),
        };
        let runs = shared
            .off_runtime(move |shared| {
                finish::note(shared, &runs);
                runs
            })
            .await;
        if let Some(holder) = &shared.holder {
            holder.release(shared, &runs).await;
        }
        report
            .sections
            .extend(runs.into_iter().map(|run| run.into_outcome(shared)));
    }
}

/// Polls one batch of sections through read → record (one commit) → write. Only what a
/// written or failed section reports outlives its batch, so a run's memory stays that of one
/// batch however many sections it polls.
async fn poll_batch(shared: &Arc<Shared>, batch: Vec<Place>) -> Vec<SectionRun> {
    let runs = on_each_section(shared, batch, read::read).await;
    let runs = shared.off_runtime(move |shared| record(shared, runs)).await;
    halt::at(halt::Point::Committed);
    on_each_section(shared, runs, write).await
}

/// Reads the statuses of the sections at `places` from history, for the batch they make.
fn load_statuses(shared: &Shared, places: &[Place]) -> Result<(), StoreError> {
    let statuses = statuses_at(shared, places)?;
    *shared.statuses.lock().unwrap_or_else(|e| e.into_inner()) = statuses;
    Ok(())
}

/// The statuses history holds for the sections at `places`, by section id.
fn statuses_at(
    shared: &Shared,
    places: &[Place],
) -> Result<HashMap<String, SectionStatus>, StoreError> {
    let ids: Vec<&str> = places
        .iter()
        .map(|&place| shared.place(place).1.id.as_str())
        .collect();
    shared.store().statuses_of(&ids)
}

/// Every section of a batch whose statuses could not be read, failed with that error.
fn failed_batch(shared: &Shared, batch: &[Place], error: StoreError) -> Vec<SectionRun> {
    let (error, started) = (Arc::new(error), Instant::now());
    batch
        .iter()
        .map(|&place| {
            let section = shared.place(place).1;
            shared.options.progress.section_done(&section.id);
            SectionRun {
                place,
                started,
                state: State::Failed(store_error(section, Arc::clone(&error))),
            }
        })
        .collect()
}

/// The sections at `places` that their schedules say are due now, read from history a batch
/// at a time.
fn due(shared: &Shared, places: Vec<Place>) -> Result<Vec<Place>, StoreError> {
    let now = Utc::now();
    let mut due = Vec::new();
    for chunk in places.chunks(BATCH_SECTIONS) {
        let statuses = statuses_at(shared, chunk)?;
        due.extend(chunk.iter().copied().filter(|&place| {
            let next = statuses
                .get(&shared.place(place).1.id)
                .and_then(|status| status.next_poll);
            schedule::is_due(next, now)
        }));
    }
    Ok(due)
}

/// Runs `work` on the runtime's blocking threads (a panic in it goes on in the caller).
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// The robots.txt copies history kept; none when they cannot be read (the sites are asked).
fn kept_robots(store: &mut Store) -> Vec<crate::fetch::robots::RobotsCopy> {
    store.robots().unwrap_or_else(|error| {
        tracing::warn!(error = %crate::error_chain(&error), "kept robots.txt copies not read");
        Vec::new()
    })
}

async fn acquire_lock(state: &std::path::Path, wait: Duration) -> Result<RunLock, LockError> {
    let path = state.to_owned();
    tokio::task::spawn_blocking(move || RunLock::acquire(&path, wait))
        .await
        .map_err(|e| LockError::Io {
            path: state.to_owned(),
            source: std::io::Error::other(e),
        })?
}

/// Checks that every id of `only` names a section of `config`.
pub fn check_selection(config: &Config, only: &[String]) -> Result<(), RunError> {
    select(config, only).map(drop)
}

/// The places of the sections to poll, in config order.
fn select(config: &Config, only: &[String]) -> Result<Vec<Place>, RunError> {
    let configured = || config.sections().map(|(_, section)| section.id.as_str());
    if let Some(unknown) = only
        .iter()
        .find(|id| !configured().any(|known| known == *id))
    {
        return Err(RunError::UnknownSection {
            id: unknown.clone(),
            known: configured().collect::<Vec<_>>().join(", "),
        });
    }
    Ok(config
        .sites
        .iter()
        .enumerate()
        .flat_map(|(site, s)| {
            s.sections
                .iter()
                .enumerate()
                .filter(|(_, section)| only.is_empty() || only.contains(&section.id))
                .map(move |(section, _)| Place { site, section })
        })
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
            let (place, started) = (run.place, run.started);
            let state = shared
                .off_runtime(move |shared| write_feeds(shared, place, started, read, changes, now))
                .await;
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
    shared.options.progress.section_done(section);
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
    match read.plan.write(&shared.publisher, &info, &items) {
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
