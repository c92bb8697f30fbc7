//! One poll of every selected section: the pipeline, stage after stage.
//!
//! For each section, concurrently: fetch the start pages (conditionally) → extract the article
//! and the list → normalize → follow new list entries to their own pages (depth 1, start hosts
//! only). Then everything read is recorded in history, in one transaction. Then, for each
//! section that changed, concurrently: render RSS and Atom from history → publish. A failing
//! section is reported and the others go on; the report tells the caller what happened to
//! each, in config order.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use futures::StreamExt;
use url::Url;

use crate::config::{Config, Format, Section, Site};
use crate::extract::extract;
use crate::fetch::{FetchError, Fetched, Fetcher, Page, Scope, Validators};
use crate::lock::{LockError, RunLock};
use crate::normalize::{self, time::TimeContext};
use crate::publish::{PublishError, Written, publish};
use crate::render::{self, FeedInfo, site};
use crate::store::{Changes, Poll, Prune, Rendered, SectionStatus, Sighting, Store, StoreError};

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
    #[error("section {section}: start page {source}")]
    StartPage {
        section: String,
        #[source]
        source: Box<FetchError>,
    },
    #[error("section {section}: {source}")]
    Store {
        section: String,
        #[source]
        source: Arc<StoreError>,
    },
    #[error("section {section}: {source}")]
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

/// A section's poll as the run sees it: the summary, and what its feeds were written from when
/// they were (noted in history with every section's outcome, in one transaction).
struct Polled {
    summary: SectionSummary,
    rendered: Option<Rendered>,
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

    /// The site and the section at `ids`.
    fn place(&self, (site, section): Ids) -> (&Site, &Section) {
        let site = &self.config.sites[site];
        (site, &site.sections[section])
    }
}

/// Polls the selected sections once and writes their feeds, in three steps: every section's
/// pages are read (concurrently); all that was read is recorded in history in one transaction;
/// then the feeds of the sections that changed are written (concurrently). A feed is never
/// written from items history does not hold yet, and a run commits once, not once per section.
pub async fn run(config: &Config, options: &RunOptions) -> Result<RunReport, RunError> {
    let selected = select(config, &options.sections)?;
    let state = config.state_path.clone();
    let wait = options.lock_wait;
    let lock = tokio::task::spawn_blocking(move || RunLock::acquire(&state, wait))
        .await
        .map_err(|e| LockError::Io {
            path: config.state_path.clone(),
            source: std::io::Error::other(e),
        })??;
    let store = Store::open(&config.state_path)?;
    let shared = Arc::new(Shared {
        statuses: store.statuses()?,
        store: Mutex::new(store),
        fetcher: Fetcher::new(&config.fetch)?,
        config: config.clone(),
        progress: Arc::clone(&options.progress),
        _lock: lock,
    });
    let read = on_each_section(
        &shared,
        selected.iter().map(|&ids| (ids, ids)),
        |shared, ids| async move { read_section(&shared, ids).await },
    )
    .await;
    let recorded = record(&shared, read);
    let polled = on_each_section(
        &shared,
        selected.iter().copied().zip(recorded),
        |shared, recorded| async move { recorded.and_then(|r| write_section(&shared, r)) },
    )
    .await;
    for (&ids, outcome) in selected.iter().zip(&polled) {
        if outcome.is_err() {
            shared.progress.section_done(&shared.place(ids).1.id);
        }
    }
    write_site_files(&shared, &polled);
    let sections = polled
        .into_iter()
        .map(|outcome| outcome.map(|p| p.summary))
        .collect();
    Ok(RunReport { sections })
}

/// A section's place in the config: `(site index, section index)`.
type Ids = (usize, usize);

/// Runs `task` on every input, spread over the runtime's workers; the outcomes come back in the
/// inputs' order, a task that panicked as an internal error of its section.
async fn on_each_section<I, T, F, Fut>(
    shared: &Arc<Shared>,
    inputs: impl Iterator<Item = (Ids, I)>,
    task: F,
) -> Vec<Result<T, SectionError>>
where
    I: Send + 'static,
    T: Send + 'static,
    F: Fn(Arc<Shared>, I) -> Fut,
    Fut: Future<Output = Result<T, SectionError>> + Send + 'static,
{
    let tasks: Vec<_> = inputs
        .map(|(ids, input)| (ids, tokio::spawn(task(Arc::clone(shared), input))))
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (ids, task) in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| {
            Err(SectionError::Internal {
                section: shared.place(ids).1.id.clone(),
                message: e.to_string(),
            })
        }));
    }
    outcomes
}

/// Records each polled section's outcome (and what its feeds were written from), then rewrites
/// the files around the feeds for every configured section: `status.json`, `index.html`,
/// `feeds.opml` and `feed.xsl` (each only if its bytes change). A failure here is logged, not
/// fatal: the feeds are already written, and a section whose rendering was not noted is
/// rendered again by the next poll.
fn write_site_files(shared: &Shared, outcomes: &[Result<Polled, SectionError>]) {
    let now = Utc::now();
    let config = &shared.config;
    let store = shared.store();
    let recorded = store.in_transaction(|store| {
        outcomes.iter().try_for_each(|outcome| match outcome {
            Ok(Polled { summary, rendered }) => {
                store.record_outcome(&summary.section, now, Ok(()))?;
                rendered
                    .as_ref()
                    .map_or(Ok(()), |r| store.set_rendered(&summary.section, r))
            }
            Err(error) => store.record_outcome(error.section(), now, Err(&error.to_string())),
        })
    });
    let gathered = recorded
        .and_then(|()| store.statuses())
        .map(|mut statuses| {
            config
                .sections()
                .map(|(site, section)| {
                    let status = statuses.remove(&section.id).unwrap_or_default();
                    let listed = site::Listed {
                        site,
                        section,
                        items: status.items,
                        updated: status.feed_updated,
                    };
                    ((section, status), listed)
                })
                .collect::<Vec<_>>()
        });
    drop(store);
    let (statuses, listed): (Vec<_>, Vec<_>) = match gathered {
        Ok(rows) => rows.into_iter().unzip(),
        Err(error) => {
            tracing::error!(%error, "status.json, index.html and feeds.opml not updated");
            return;
        }
    };
    let links = site::Links {
        base_url: config.base_url.as_ref(),
        formats: &config.formats,
    };
    let mut files = vec![
        (site::STATUS, site::status(&statuses, &config.formats)),
        (site::INDEX, site::index_html(&listed, links)),
        (site::OPML, site::opml(&listed, links)),
    ];
    if config
        .formats
        .iter()
        .any(|f| matches!(f, Format::Rss | Format::Atom))
    {
        files.push((render::FEED_XSL_NAME, render::FEED_XSL.to_owned()));
    }
    for (name, text) in files {
        if let Err(error) = publish(&config.output_dir.join(name), text.as_bytes()) {
            tracing::error!(%error, "{name} not updated");
        }
    }
}

/// `(site index, section index)` of the sections to poll.
fn select(config: &Config, only: &[String]) -> Result<Vec<(usize, usize)>, RunError> {
    let all: Vec<(usize, usize, &str)> = config
        .sites
        .iter()
        .enumerate()
        .flat_map(|(i, site)| {
            site.sections
                .iter()
                .enumerate()
                .map(move |(j, s)| (i, j, s.id.as_str()))
        })
        .collect();
    if let Some(unknown) = only.iter().find(|id| !all.iter().any(|(_, _, s)| s == id)) {
        return Err(RunError::UnknownSection {
            id: unknown.clone(),
            known: all
                .iter()
                .map(|(_, _, s)| *s)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(all
        .into_iter()
        .filter(|(_, _, id)| only.is_empty() || only.iter().any(|o| o == id))
        .map(|(i, j, _)| (i, j))
        .collect())
}

/// The stories of one poll, first sighting of each link wins.
#[derive(Default)]
struct Sightings {
    list: Vec<Sighting>,
    seen: HashSet<Url>,
}

impl Sightings {
    fn add(&mut self, sighting: Sighting) {
        if self.seen.insert(sighting.story.link.clone()) {
            self.list.push(sighting);
        }
    }
}

/// A section whose pages were read: what it saw, and what recording and writing it need.
struct Read {
    ids: Ids,
    started: Instant,
    sightings: Sightings,
    /// The start pages downloaded, with the validators to store for them.
    validated: Vec<(Url, Validators)>,
    not_modified: usize,
    followed: Followed,
    status: SectionStatus,
    fingerprint: String,
    files: Vec<(Format, PathBuf)>,
    /// The feed files exist and were written with the current settings.
    current: bool,
}

impl Read {
    /// Nothing was downloaded and the feeds are current: nothing to record or write.
    fn untouched(&self) -> bool {
        self.validated.is_empty() && self.current
    }
}

/// A section read and recorded in history.
struct Recorded {
    read: Read,
    changes: Changes,
    /// The time of the recording in the site's zone (an empty feed's date).
    now: DateTime<FixedOffset>,
}

/// Reads a section's start pages (conditionally) and follows their new list entries.
async fn read_section(shared: &Shared, ids: Ids) -> Result<Read, SectionError> {
    let started = Instant::now();
    let config = &shared.config;
    let (site, section) = shared.place(ids);
    let store_err = |source| SectionError::Store {
        section: section.id.clone(),
        source: Arc::new(source),
    };
    let scope = Scope::new(&section.urls, &config.fetch.allow_hosts);
    let mut sightings = Sightings::default();
    let mut validated: Vec<(Url, Validators)> = Vec::new();
    let mut not_modified = 0;
    shared.progress.pages_planned(section.urls.len());
    for url in &section.urls {
        let validators = shared
            .store()
            .validators(&section.id, url)
            .map_err(store_err)?;
        let fetched = shared
            .fetcher
            .fetch(url, validators.as_ref(), &scope)
            .await
            .inspect(|_| shared.progress.page_done())
            .map_err(|source| SectionError::StartPage {
                section: section.id.clone(),
                source: Box::new(source),
            })?;
        match fetched {
            Fetched::NotModified => not_modified += 1,
            Fetched::Page(page) => {
                read_start_page(site, &page, &mut sightings);
                validated.push((url.clone(), page.validators));
            }
        }
    }
    let files: Vec<(Format, PathBuf)> = config
        .formats
        .iter()
        .map(|&format| {
            (
                format,
                config.output_dir.join(site::file_name(section, format)),
            )
        })
        .collect();
    // The feeds need writing when their items or their own settings changed, or a file is gone.
    let fingerprint = render_fingerprint(config, site, section);
    let status = shared
        .statuses
        .get(&section.id)
        .cloned()
        .unwrap_or_default();
    let current = status.rendered.as_deref() == Some(fingerprint.as_str())
        && files
            .iter()
            .all(|(_, f)| std::fs::metadata(f).is_ok_and(|m| m.len() > 0));
    let mut read = Read {
        ids,
        started,
        sightings,
        validated,
        not_modified,
        followed: Followed::default(),
        status,
        fingerprint,
        files,
        current,
    };
    if read.untouched() || !site.follow {
        return Ok(read);
    }
    read.followed = follow(shared, site, section, &scope, &mut read.sightings).await?;
    if read.followed.retry_later {
        // Forget the start pages' validators: the next poll reads them again, and so retries
        // the followed pages that failed for a passing reason.
        for (_, validators) in &mut read.validated {
            *validators = Validators::default();
        }
    }
    Ok(read)
}

/// Records every section read in history, in one transaction (each section in its own
/// savepoint, so that one section's failure does not undo the others'). The outcomes keep the
/// order of `read`.
fn record(
    shared: &Shared,
    read: Vec<Result<Read, SectionError>>,
) -> Vec<Result<Recorded, SectionError>> {
    let config = &shared.config;
    let now = Utc::now();
    let local = |read: &Read| {
        now.with_timezone(&shared.place(read.ids).0.timezone)
            .fixed_offset()
    };
    let prune = Prune {
        keep_days: config.keep_days,
        keep: config.max_items,
    };
    let polls: Vec<Poll<'_>> = read
        .iter()
        .filter_map(|read| read.as_ref().ok())
        .filter(|read| !read.untouched())
        .map(|read| Poll {
            section: &shared.place(read.ids).1.id,
            sightings: &read.sightings.list,
            pages: &read.validated,
            now: local(read),
            prune,
        })
        .collect();
    let results: Vec<Result<Changes, Arc<StoreError>>> = match shared.store().record_all(&polls) {
        Ok(results) => results
            .into_iter()
            .map(|result| result.map_err(Arc::new))
            .collect(),
        Err(error) => {
            let error = Arc::new(error);
            polls.iter().map(|_| Err(Arc::clone(&error))).collect()
        }
    };
    drop(polls);
    let mut results = results.into_iter();
    read.into_iter()
        .map(|read| {
            let read = read?;
            let changes = if read.untouched() {
                Changes::default()
            } else {
                results
                    .next()
                    .unwrap_or_else(|| unreachable!("one result per section recorded"))
                    .map_err(|source| SectionError::Store {
                        section: shared.place(read.ids).1.id.clone(),
                        source,
                    })?
            };
            let now = local(&read);
            Ok(Recorded { read, changes, now })
        })
        .collect()
}

/// Writes a recorded section's feeds from history, unless nothing they show changed.
fn write_section(shared: &Shared, recorded: Recorded) -> Result<Polled, SectionError> {
    let Recorded { read, changes, now } = recorded;
    let config = &shared.config;
    let (site, section) = shared.place(read.ids);
    let done = |items: usize, written: Vec<(Format, Written)>| {
        shared.progress.section_done(&section.id);
        SectionSummary {
            section: section.id.clone(),
            items,
            new: changes.new,
            updated: changes.updated,
            failed_urls: read.followed.failed.clone(),
            downloaded: read.validated.len() + read.followed.read,
            not_modified: read.not_modified,
            written,
            elapsed: read.started.elapsed(),
        }
    };
    if !changes.changed() && read.current {
        let unchanged = read
            .files
            .iter()
            .map(|(format, _)| (*format, Written::Unchanged))
            .collect();
        return Ok(Polled {
            summary: done(read.status.items, unchanged),
            rendered: None,
        });
    }
    let items = shared
        .store()
        .items(&section.id, config.max_items)
        .map_err(|source| SectionError::Store {
            section: section.id.clone(),
            source: Arc::new(source),
        })?;
    let info = FeedInfo {
        site,
        section,
        base_url: config.base_url.as_ref(),
        empty_since: now,
    };
    let written = read
        .files
        .iter()
        .map(|(format, path)| {
            publish(path, &render::feed(*format, &info, &items))
                .map(|written| (*format, written))
                .map_err(|source| SectionError::Publish {
                    section: section.id.clone(),
                    source,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polled {
        summary: done(items.len(), written),
        rendered: Some(Rendered {
            fingerprint: read.fingerprint.clone(),
            items: items.len(),
            updated: render::feed_updated(&items),
        }),
    })
}

/// Everything besides the items that a section's feed files depend on: when it changes (a new
/// title in the config, another format, a new feedwright), the feeds are written again even if
/// no item changed.
fn render_fingerprint(config: &Config, site: &Site, section: &Section) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{}",
        env!("CARGO_PKG_VERSION"),
        site.title,
        section.title,
        section.description,
        section.home().map(Url::as_str),
        config.base_url.as_ref().map(Url::as_str),
        config.formats,
        config.max_items
    )
}

/// The article (if the page is one) and the list of a start page.
fn read_start_page(site: &Site, page: &Page, sightings: &mut Sightings) {
    let extracted = extract(&page.text, Some(&site.article), site.list.as_ref());
    let article_ctx = TimeContext {
        tz: site.timezone,
        now: page.fetched_at,
        format: site.article.published_format.as_deref(),
    };
    if let Some(story) = extracted
        .article
        .as_ref()
        .and_then(|a| normalize::article(a, &page.url, &article_ctx))
    {
        sightings.add(Sighting {
            story,
            list_title: None,
        });
    }
    let list_ctx = TimeContext {
        format: site
            .list
            .as_ref()
            .and_then(|l| l.published_format.as_deref()),
        ..article_ctx
    };
    for entry in &extracted.entries {
        if let Some(story) = normalize::entry(entry, &page.url, &list_ctx) {
            let list_title = Some(story.title.clone());
            sightings.add(Sighting { story, list_title });
        }
    }
}

/// What following a section's list did.
#[derive(Debug, Default)]
struct Followed {
    /// Pages read.
    read: usize,
    /// Pages that failed.
    failed: Vec<String>,
    /// Some failed for a passing reason (timeout, 5xx, 429): worth trying again next poll.
    retry_later: bool,
}

/// Fetches the pages of list entries that history has not read yet (or whose list title
/// changed since), and completes their stories.
async fn follow(
    shared: &Shared,
    site: &Site,
    section: &Section,
    scope: &Scope,
    sightings: &mut Sightings,
) -> Result<Followed, SectionError> {
    let followable = |s: &Sighting| !s.story.from_article && scope.allows(&s.story.link);
    let listed: Vec<&Url> = sightings
        .list
        .iter()
        .filter(|s| followable(s))
        .map(|s| &s.story.link)
        .collect();
    let known = shared
        .store()
        .known(&section.id, &listed)
        .map_err(|source| SectionError::Store {
            section: section.id.clone(),
            source: Arc::new(source),
        })?;
    let wanted: Vec<(usize, Url)> = sightings
        .list
        .iter()
        .enumerate()
        .filter(|(_, s)| followable(s))
        .filter(|(_, s)| {
            known
                .get(s.story.link.as_str())
                .is_none_or(|k| !k.from_article || k.list_title != s.list_title)
        })
        .map(|(i, s)| (i, s.story.link.clone()))
        .collect();
    let fetcher = &shared.fetcher;
    shared.progress.pages_planned(wanted.len());
    let mut results = futures::stream::iter(wanted)
        .map(|(i, url)| async move { (i, fetcher.fetch(&url, None, scope).await, url) })
        .buffer_unordered(shared.config.fetch.concurrency);
    let mut followed = Followed::default();
    while let Some((i, result, url)) = results.next().await {
        shared.progress.page_done();
        let page = match result {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => continue,
            Err(error) => {
                tracing::warn!(section = section.id, %error, "followed page failed; keeping the list's data");
                followed.retry_later |= error.is_transient();
                followed.failed.push(url.to_string());
                continue;
            }
        };
        followed.read += 1;
        let ctx = TimeContext {
            tz: site.timezone,
            now: page.fetched_at,
            format: site.article.published_format.as_deref(),
        };
        let article = extract(&page.text, Some(&site.article), None)
            .article
            .and_then(|a| normalize::article(&a, &page.url, &ctx));
        match article {
            Some(article) => {
                let sighting = &mut sightings.list[i];
                sighting.story = normalize::merge(sighting.story.clone(), article);
            }
            None => {
                tracing::warn!(section = section.id, url = %page.url, "followed page has no article title; keeping the list's data")
            }
        }
    }
    Ok(followed)
}
