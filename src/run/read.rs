//! The read phase: a section's start pages, fetched conditionally and extracted, and the new
//! entries of their lists followed to their own pages.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use url::Url;

use super::{Place, SectionError, SectionRun, Shared, State, store_error};
use crate::config::{Section, Site};
use crate::fetch::{FetchError, Fetched, Page, Scope, Validators};
use crate::item::{Sighting, Sightings, is_listed, worth_following};
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
    let mut read = read_start_pages(shared, site, section, &scope).await?;
    if read.untouched() || !site.follow {
        return Ok(read);
    }
    read.followed = follow(shared, site, section, &scope, &mut read.sightings).await?;
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
    site: &Site,
    section: &Section,
    scope: &Scope,
) -> Result<Read, SectionError> {
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
                fallbacks +=
                    read_start_page(shared, site, section, scope, &page, &mut sightings).await;
                validated.push((url.clone(), page.validators));
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
/// a start page; returns how many fields came from zero-config extraction.
async fn read_start_page(
    shared: &Arc<Shared>,
    site: &Site,
    section: &Section,
    scope: &Scope,
    page: &Page,
    sightings: &mut Sightings,
) -> usize {
    let found = extract_for_site(&page.text, &page.url, &site.rules, Wanted::ArticleAndList);
    let extracted = found.extracted;
    let article_ctx = article_context(site, page);
    if let Some(mut article) = extracted.article {
        whole_article(shared, site, scope, page, &mut article).await;
        if let Some(story) = normalize::article(&article, &page.url, &article_ctx) {
            sightings.add(Sighting {
                story,
                list_title: None,
            });
        }
    }
    let list_ctx = TimeContext {
        format: site
            .rules
            .related
            .as_ref()
            .and_then(|r| r.published_format.as_deref()),
        ..article_ctx.clone()
    };
    for entry in &extracted.entries {
        if let Some(story) = normalize::entry(entry, &page.url, &list_ctx) {
            let list_title = Some(story.title.clone());
            sightings.add(Sighting { story, list_title });
        }
    }
    note_fallbacks(section, page, &found.fallbacks)
}

/// Appends the article's other pages, when its pager leads on, to the article of `page`.
async fn whole_article(
    shared: &Arc<Shared>,
    site: &Site,
    scope: &Scope,
    page: &Page,
    article: &mut RawArticle,
) {
    if article.next.is_none() {
        return;
    }
    crate::pages::join(&shared.fetcher, scope, &page.url, article, |next| {
        extract_for_site(&next.text, &next.url, &site.rules, Wanted::Article)
            .extracted
            .article
    })
    .await;
}

/// What following one list entry gave.
enum Outcome {
    /// Its page, read: the article (if it holds one) and the fields zero-config extraction
    /// filled.
    Read(Option<crate::item::Scraped>, Vec<&'static str>),
    /// The server said the page did not change.
    Unchanged,
    Failed(FetchError),
}

/// Fetches the pages of the list entries worth following and completes their stories.
async fn follow(
    shared: &Arc<Shared>,
    site: &Site,
    section: &Section,
    scope: &Scope,
    sightings: &mut Sightings,
) -> Result<Followed, SectionError> {
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
                    let (article, fallbacks) = article_of(shared, site, scope, &page).await;
                    note_fallbacks(section, &page, &fallbacks);
                    if article.is_none() {
                        tracing::warn!(section = section.id, url = %page.url, "followed page has no article title; keeping the list's data");
                    }
                    Outcome::Read(article, fallbacks)
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

/// What an article's times on `page` are read against: the site's zone and pinned format, the
/// moment of the fetch.
fn article_context<'a>(site: &'a Site, page: &Page) -> TimeContext<'a> {
    TimeContext {
        tz: site.timezone.clone(),
        now: page.fetched_at,
        format: site.rules.article.published_format.as_deref(),
    }
}

/// The article of a followed page (with its other pages when it has several), normalized, and
/// the fields zero-config extraction filled.
async fn article_of(
    shared: &Arc<Shared>,
    site: &Site,
    scope: &Scope,
    page: &Page,
) -> (Option<crate::item::Scraped>, Vec<&'static str>) {
    let ctx = article_context(site, page);
    let found = extract_for_site(&page.text, &page.url, &site.rules, Wanted::Article);
    let Some(mut article) = found.extracted.article else {
        return (None, found.fallbacks);
    };
    whole_article(shared, site, scope, page, &mut article).await;
    (
        normalize::article(&article, &page.url, &ctx),
        found.fallbacks,
    )
}
