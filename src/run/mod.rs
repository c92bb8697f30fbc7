//! One poll of every selected section: the pipeline, stage after stage.
//!
//! Each selected section is a `SectionRun` (`state.rs`) that carries its own state through
//! four phases, with what the run's tasks share in `shared.rs`:
//!
//! 1. **read** (`read.rs`, concurrently): fetch the start pages (conditionally) → extract the
//!    article and the list → normalize → follow new list entries to their own pages (depth 1,
//!    start hosts only, at most `max_follow`), joining the pages of multi-page articles;
//! 2. **record** (`record.rs`): everything read goes into history in one transaction, each
//!    section in a savepoint of its own;
//! 3. **write** (`write.rs`, concurrently): the feeds of each section whose items or settings
//!    changed (`plan.rs`) are rendered from history and published;
//! 4. **finish** (`finish.rs`): every section's outcome is noted in history (after each
//!    batch), and the files beside the feeds (`status.json`, `index.html`, …) are written (at
//!    the end).
//!
//! Phases 1–3 run on batches of `BATCH_SECTIONS` sections, one batch after the other, so a
//! run holds what one batch read, never what all its sections read, and commits once per
//! batch. A feed is never written from items history does not hold yet, and a failing section
//! is reported while the others go on. The report tells the caller what happened to each
//! section, in config order (`report.rs`).
//!
//! Which sections a run polls: every selected one (`run`), or those due by their schedule
//! (`watch`). On SQLite, one run at a time holds the history's lock file. On PostgreSQL, runs
//! share the sections through leases (`lease.rs`): each run claims the sections it polls, and
//! skips those another poller holds.

mod clock;
mod cpu;
mod finish;
mod lease;
mod plan;
mod read;
mod record;
mod report;
pub mod schedule;
mod shared;
mod state;
mod write;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::{Config, StateLocation};
use crate::fetch::Fetcher;
use crate::lock::{LockError, RunLock};
use crate::publish::Publisher;
use crate::store::{SectionStatus, Store, StoreError};
use clock::Clock;
use cpu::CpuPool;
use lease::Holder;
use record::record;
pub use report::{Progress, RunError, RunOptions, RunReport, SectionError, SectionSummary};
use shared::{Place, Shared};
use state::{SectionRun, State, store_error};
use write::write;

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
    let (state, output, lease) = (config.state.clone(), config.output.clone(), options.lease);
    let (store, robots, publisher, holder, clock) = blocking(move || -> Result<_, RunError> {
        let mut store = Store::open(&state)?;
        let robots = kept_robots(&mut store);
        let publisher = Publisher::open(&output)?;
        let holder = match store.is_shared() {
            true => Some(Holder::new(&mut store, lease)?),
            false => None,
        };
        let clock = Clock::read(&mut store)?;
        Ok((store, robots, publisher, holder, clock))
    })
    .await?;
    let off_runtime = store.is_shared() || matches!(publisher, Publisher::Bucket(_));
    Ok(Shared {
        holder,
        clock,
        fetcher: Fetcher::new(&config.fetch, robots)?,
        store: Mutex::new(store),
        publisher,
        off_runtime,
        off_runtime_slots: tokio::sync::Semaphore::new(shared::MAX_OFF_RUNTIME),
        statuses: Mutex::new(HashMap::new()),
        cpu: CpuPool::default(),
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
        for run in runs {
            match run.state {
                // Another poller took it over: it is that poller's to report.
                State::Lost => report.skipped.push(shared.place(run.place).1.id.clone()),
                _ => report.sections.push(run.into_outcome(shared)),
            }
        }
    }
}

/// Polls one batch of sections through read → record (one commit) → write. Only what a
/// written or failed section reports outlives its batch, so a run's memory stays that of one
/// batch however many sections it polls.
async fn poll_batch(shared: &Arc<Shared>, batch: Vec<Place>) -> Vec<SectionRun> {
    let runs = on_each_section(shared, batch, read::read).await;
    let runs = shared.off_runtime(move |shared| record(shared, runs)).await;
    crate::halt::at(crate::halt::Point::Committed);
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
    let now = shared.clock.now();
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
