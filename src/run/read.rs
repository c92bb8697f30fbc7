//! The read phase: a section's start pages, fetched conditionally and extracted, and the new
//! entries of their lists followed to their own pages.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use url::Url;

use super::{Place, SectionError, SectionRun, Shared, State, store_error};
use crate::config::{Section, Site};
use crate::fetch::{FetchError, Fetched, Page, Scope, Validators};
use crate::item::{Scraped, Sighting, Sightings, is_listed, worth_following};
use feedwright_extract::TimeContext;
use feedwright_extract::raw::RawArticle;
use feedwright_extract::site::{Wanted, extract_for_site};

use super::plan::FeedPlan;
use crate::normalize;

/// What a section's pages gave, and what recording and writing it need.
pub(super) struct Read {
    pub(super) sightings: Sightings,
    /// The start pages downloaded, with the validators to store for them.
    pub(super) validated: Vec<(Url, Validators)>,
    /// Start pages the server said were unchanged.
    pub(super) not_modified: usize,
    pub(super) followed: Followed,
    /// Fields that zero-config extraction filled because the site's selectors matched nothing.
    pub(super) fallbacks: usize,
    /// The section's feed files and whether they are current.
    pub(super) plan: FeedPlan,
    /// Items in the feeds as last written.
    pub(super) status_items: usize,
}

impl Read {
    /// Nothing was downloaded and the feeds are current: nothing to record or write.
    pub(super) fn untouched(&self) -> bool {
        self.validated.is_empty() && self.plan.is_current()
    }
}

/// What following a section's list did.
#[derive(Debug, Default)]
pub(super) struct Followed {
    /// Pages read.
    pub(super) read: usize,
    /// Pages that failed.
    pub(super) failed: Vec<String>,
    /// Some failed for a passing reason (timeout, 5xx, 429): worth trying again next poll.
    retry_later: bool,
    /// Fields that zero-config extraction filled on the followed pages.
    pub(super) fallbacks: usize,
    /// Entries worth following left for a later poll (`max_follow`).
    deferred: usize,
}

/// Reads the section at `place`: its start pages (conditionally), then its new list entries.
pub(super) async fn read(shared: Arc<Shared>, place: Place) -> SectionRun {
    let started = Instant::now();
    let state = match read_section(&shared, place).await {
        Ok(read) => State::Read(read),
        Err(error) => State::Failed(error),
    };
    SectionRun {
        place,
        started,
        state,
    }
}

async fn read_section(shared: &Arc<Shared>, place: Place) -> Result<Read, SectionError> {
    let (site, section) = shared.place(place);
    let scope = Scope::new(&section.urls, &shared.config.fetch.allow_hosts);
    let mut read = read_start_pages(shared, place, &scope).await?;
    if read.untouched() || !site.follow {
        return Ok(read);
    }
    read.followed = follow(shared, place, &scope, &mut read.sightings).await?;
    if read.followed.retry_later || read.followed.deferred > 0 {
        // Forget the start pages' validators: the next poll reads them again, and so retries
        // the followed pages that failed for a passing reason and follows the entries left
        // for it.
        for (_, validators) in &mut read.validated {
            *validators = Validators::default();
        }
    }
    Ok(read)
}

/// Fetches every start page of `section` (with the validators history holds) and extracts
/// those that changed.
async fn read_start_pages(
    shared: &Arc<Shared>,
    place: Place,
    scope: &Scope,
) -> Result<Read, SectionError> {
    let (site, section) = shared.place(place);
    let mut sightings = Sightings::default();
    let mut validated = Vec::new();
    let mut not_modified = 0;
    let mut fallbacks = 0;
    for url in &section.urls {
        let (id, page) = (section.id.clone(), url.clone());
        let validators = shared
            .with_store(move |store| store.validators(&id, &page))
            .await
            .map_err(|error| store_error(section, Arc::new(error)))?;
        let fetched = shared.fetcher.fetch(url, validators.as_ref(), scope).await;
        shared.options.progress.page_done();
        match fetched.map_err(|source| SectionError::StartPage {
            section: section.id.clone(),
            source: Box::new(source),
        })? {
            Fetched::NotModified => not_modified += 1,
            Fetched::Page(page) => {
                let (filled, validators) =
                    read_start_page(shared, place, scope, page, &mut sightings).await;
                fallbacks += filled;
                validated.push((url.clone(), validators));
            }
        }
    }
    let (rendered, status_items) = shared.with_status(&section.id, |status| {
        status.map_or((None, 0), |s| (s.rendered.clone(), s.items))
    });
    let plan = FeedPlan::new(
        &shared.config,
        site,
        section,
        rendered.as_deref(),
        &shared.publisher,
    );
    Ok(Read {
        sightings,
        validated,
        not_modified,
        followed: Followed::default(),
        fallbacks,
        plan,
        status_items,
    })
}

/// Notes the fields zero-config extraction filled on `page`, and returns how many.
fn note_fallbacks(section: &Section, page: &Page, fallbacks: &[&str]) -> usize {
    if !fallbacks.is_empty() {
        tracing::info!(
            section = section.id,
            url = %page.url,
            fields = fallbacks.join(", "),
            "selectors matched nothing; zero-config extraction used"
        );
    }
    fallbacks.len()
}

/// The article (if the page is one, with its other pages when it has several) and the list of
/// a start page; returns how many fields came from zero-config extraction, and the page's
/// validators.
async fn read_start_page(
    shared: &Arc<Shared>,
    place: Place,
    scope: &Scope,
    page: Page,
    sightings: &mut Sightings,
) -> (usize, Validators) {
    let (reading, page) = read_page(shared, place, page, Wanted::ArticleAndList).await;
    if let Some(article) = reading.article
        && let Some(story) = whole_story(shared, place, scope, &page, article).await
    {
        sightings.add(Sighting {
            story,
            list_title: None,
        });
    }
    for sighting in reading.entries {
        sightings.add(sighting);
    }
    let filled = note_fallbacks(shared.place(place).1, &page, &reading.fallbacks);
    (filled, page.validators)
}

/// What the CPU threads made of a page: its article and its list's entries, normalized, and
/// the fields zero-config extraction filled.
struct Reading {
    article: Option<Article>,
    entries: Vec<Sighting>,
    fallbacks: Vec<&'static str>,
}

/// A page's article: its story, or its first page while its pager leads on.
enum Article {
    Whole(Option<Scraped>),
    Paged(RawArticle),
}

/// Extracts and normalizes `page` on the run's CPU threads, and gives the page back.
async fn read_page(
    shared: &Arc<Shared>,
    place: Place,
    page: Page,
    wanted: Wanted,
) -> (Reading, Page) {
    let on_pool = Arc::clone(shared);
    shared
        .cpu
        .run(move || {
            let (site, _) = on_pool.place(place);
            (reading(site, &page, wanted), page)
        })
        .await
}

/// Extraction and normalization of one page of `site`.
fn reading(site: &Site, page: &Page, wanted: Wanted) -> Reading {
    let found = extract_for_site(&page.text, &page.url, &site.rules, wanted);
    let ctx = article_context(site, page.fetched_at);
    let article = found.extracted.article.map(|article| match article.next {
        Some(_) => Article::Paged(article),
        None => Article::Whole(normalize::article(&article, &page.url, &ctx)),
    });
    let list_ctx = TimeContext {
        format: site
            .rules
            .related
            .as_ref()
            .and_then(|r| r.published_format.as_deref()),
        ..ctx
    };
    let entries = found
        .extracted
        .entries
        .iter()
        .filter_map(|entry| normalize::entry(entry, &page.url, &list_ctx))
        .map(|story| Sighting {
            list_title: Some(story.title.clone()),
            story,
        })
        .collect();
    Reading {
        article,
        entries,
        fallbacks: found.fallbacks,
    }
}

/// The story of the article of `page`: read already, or once its other pages are joined to it
/// (each extracted on the CPU threads).
async fn whole_story(
    shared: &Arc<Shared>,
    place: Place,
    scope: &Scope,
    page: &Page,
    article: Article,
) -> Option<Scraped> {
    let mut joined = match article {
        Article::Whole(story) => return story,
        Article::Paged(first) => first,
    };
    crate::pages::join(&shared.fetcher, scope, &page.url, &mut joined, |next| {
        let on_pool = Arc::clone(shared);
        shared.cpu.run(move || {
            let (site, _) = on_pool.place(place);
            extract_for_site(&next.text, &next.url, &site.rules, Wanted::Article)
                .extracted
                .article
        })
    })
    .await;
    let (on_pool, url, fetched_at) = (Arc::clone(shared), page.url.clone(), page.fetched_at);
    shared
        .cpu
        .run(move || {
            let (site, _) = on_pool.place(place);
            normalize::article(&joined, &url, &article_context(site, fetched_at))
        })
        .await
}

/// What following one list entry gave.
enum Outcome {
    /// Its page, read: the article (if it holds one) and the fields zero-config extraction
    /// filled.
    Read(Option<Scraped>, Vec<&'static str>),
    /// The server said the page did not change.
    Unchanged,
    Failed(FetchError),
}

/// Fetches the pages of the list entries worth following and completes their stories.
async fn follow(
    shared: &Arc<Shared>,
    place: Place,
    scope: &Scope,
    sightings: &mut Sightings,
) -> Result<Followed, SectionError> {
    let (site, section) = shared.place(place);
    let mut wanted = worth_fetching(shared, section, scope, sightings).await?;
    let deferred = wanted.len().saturating_sub(site.max_follow);
    if deferred > 0 {
        tracing::info!(
            section = section.id,
            following = site.max_follow,
            later = deferred,
            "more new entries than max_follow: the rest are followed on later polls"
        );
        wanted.truncate(site.max_follow);
    }
    shared.options.progress.pages_planned(wanted.len());
    let mut results = futures::stream::iter(wanted)
        .map(|(i, url)| async move {
            let outcome = match shared.fetcher.fetch(&url, None, scope).await {
                Ok(Fetched::Page(page)) => {
                    let (reading, page) = read_page(shared, place, page, Wanted::Article).await;
                    note_fallbacks(section, &page, &reading.fallbacks);
                    let article = match reading.article {
                        Some(article) => whole_story(shared, place, scope, &page, article).await,
                        None => None,
                    };
                    if article.is_none() {
                        tracing::warn!(section = section.id, url = %page.url, "followed page has no article title; keeping the list's data");
                    }
                    Outcome::Read(article, reading.fallbacks)
                }
                Ok(Fetched::NotModified) => Outcome::Unchanged,
                Err(error) => Outcome::Failed(error),
            };
            (i, outcome, url)
        })
        .buffer_unordered(shared.config.fetch.concurrency);
    let mut followed = Followed {
        deferred,
        ..Followed::default()
    };
    while let Some((i, outcome, url)) = results.next().await {
        shared.options.progress.page_done();
        match outcome {
            Outcome::Read(article, fallbacks) => {
                followed.read += 1;
                followed.fallbacks += fallbacks.len();
                if let Some(article) = article {
                    sightings.complete(i, article);
                }
            }
            Outcome::Unchanged => {}
            Outcome::Failed(error) => {
                tracing::warn!(section = section.id, error = %crate::error_chain(&error), "followed page failed; keeping the list's data");
                followed.retry_later |= error.is_transient();
                followed.failed.push(url.to_string());
            }
        }
    }
    Ok(followed)
}

/// The listed sightings (by index) whose pages are worth fetching: on an allowed host, and
/// not already read from their own page with the same list title.
async fn worth_fetching(
    shared: &Arc<Shared>,
    section: &Section,
    scope: &Scope,
    sightings: &Sightings,
) -> Result<Vec<(usize, Url)>, SectionError> {
    let followable = |s: &Sighting| is_listed(s) && scope.allows(&s.story.link);
    let listed: Vec<Url> = sightings
        .as_slice()
        .iter()
        .filter(|s| followable(s))
        .map(|s| s.story.link.clone())
        .collect();
    let id = section.id.clone();
    let known = shared
        .with_store(move |store| store.known(&id, &listed))
        .await
        .map_err(|error| store_error(section, Arc::new(error)))?;
    Ok(sightings
        .as_slice()
        .iter()
        .enumerate()
        .filter(|(_, s)| followable(s) && worth_following(known.get(s.story.link.as_str()), s))
        .map(|(i, s)| (i, s.story.link.clone()))
        .collect())
}

/// What an article's times on a page of `site` fetched at `fetched_at` are read against: the
/// site's zone and pinned format, the moment of the fetch.
fn article_context(site: &Site, fetched_at: DateTime<Utc>) -> TimeContext<'_> {
    TimeContext {
        tz: site.timezone.clone(),
        now: fetched_at,
        format: site.rules.article.published_format.as_deref(),
    }
}
