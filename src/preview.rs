//! `feedwright preview`: one page through a site's selectors, shown field by field, so that an
//! operator can write the configuration of a new site in minutes. Every selector that matched
//! nothing and every time that did not parse is flagged.

use std::fmt;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use url::Url;

use crate::config::{Config, Site};
use crate::fetch::{FetchError, Fetched, Fetcher, Scope};
use feedwright_extract::selectors::{FieldMatch, diagnose};
use feedwright_extract::site::{Wanted, extract_for_site};
use feedwright_extract::time;

use crate::normalize;

/// How many list entries are shown.
pub const DEFAULT_ENTRIES: usize = 10;

/// A preview that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("no site {0:?} in the configuration")]
    UnknownSite(String),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The server answered 304 to a request that had no validators.
    #[error("{url}: the server answered 304 Not Modified to an unconditional request")]
    NotModified { url: Url },
}

/// A time as read from a page: the text, and the instant or why there is none.
#[derive(Debug, Clone)]
pub struct ShownTime {
    pub text: String,
    pub parsed: Result<DateTime<FixedOffset>, time::TimeError>,
}

/// One list entry as the feed would show it.
#[derive(Debug, Clone)]
pub struct ShownEntry {
    pub title: String,
    pub link: Option<Url>,
    pub time: Option<ShownTime>,
}

/// What a site's selectors find on one page.
#[derive(Debug, Clone)]
pub struct Preview {
    pub url: Url,
    pub site: String,
    pub timezone: feedwright_extract::Zone,
    pub fields: Vec<FieldMatch>,
    /// Fields zero-config extraction filled because their selectors matched nothing (all of
    /// them for a site without selectors).
    pub fallbacks: Vec<&'static str>,
    /// The site has no selectors: everything comes from zero-config extraction.
    pub zero_config: bool,
    pub title: Option<String>,
    pub times: Vec<ShownTime>,
    pub source: Option<String>,
    pub body_chars: Option<usize>,
    /// Pages the article was read from (more than one for an article split over several).
    pub pages: usize,
    pub entries: Vec<ShownEntry>,
    pub total_entries: usize,
}

/// The site for `url`: the one named, else the one with a start page on the same host, else the
/// first.
pub fn choose_site<'a>(
    config: &'a Config,
    id: Option<&str>,
    url: &Url,
) -> Result<&'a Site, PreviewError> {
    if let Some(id) = id {
        return config
            .sites
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| PreviewError::UnknownSite(id.to_owned()));
    }
    let same_host = config.sites.iter().find(|site| {
        site.sections
            .iter()
            .flat_map(|s| &s.urls)
            .any(|u| u.host_str() == url.host_str())
    });
    same_host
        .or(config.sites.first())
        .ok_or_else(|| PreviewError::UnknownSite(String::new()))
}

/// Fetches `url` and shows what `site`'s selectors find, with at most `limit` list entries.
pub async fn preview(
    config: &Config,
    site: &Site,
    url: &Url,
    limit: usize,
) -> Result<Preview, PreviewError> {
    let fetcher = Fetcher::new(&config.fetch, Vec::new())?;
    let scope = Scope::new([url], &config.fetch.allow_hosts);
    let Fetched::Page(page) = fetcher.fetch(url, None, &scope).await? else {
        return Err(PreviewError::NotModified { url: url.clone() });
    };
    let ctx = time::TimeContext {
        tz: site.timezone.clone(),
        now: page.fetched_at,
        format: site.rules.article.published_format.as_deref(),
    };
    let list_ctx = time::TimeContext {
        format: site
            .rules
            .related
            .as_ref()
            .and_then(|l| l.published_format.as_deref()),
        ..ctx.clone()
    };
    let found = extract_for_site(&page.text, &page.url, &site.rules, Wanted::ArticleAndList);
    let mut extracted = found.extracted;
    let mut pages = 1;
    if let Some(article) = extracted.article.as_mut() {
        pages = crate::pages::join(&fetcher, &scope, &page.url, article, |next| {
            std::future::ready(
                extract_for_site(&next.text, &next.url, &site.rules, Wanted::Article)
                    .extracted
                    .article,
            )
        })
        .await
        .0;
    }
    let article = extracted.article.as_ref();
    let article_story = article.and_then(|a| normalize::article(a, &page.url, &ctx));
    let shown = |text: &str, ctx: &time::TimeContext<'_>| ShownTime {
        text: text.to_owned(),
        parsed: time::parse(text, ctx),
    };
    Ok(Preview {
        url: page.url.clone(),
        site: site.id.clone(),
        timezone: site.timezone.clone(),
        fields: diagnose(&page.text, &site.rules.article, site.rules.related.as_ref()),
        fallbacks: found.fallbacks,
        zero_config: site.rules.is_zero_config(),
        title: article_story.as_ref().map(|s| s.title.clone()),
        times: article
            .map(|a| a.published.iter().map(|t| shown(t, &ctx)).collect())
            .unwrap_or_default(),
        source: article_story.as_ref().and_then(|s| s.source.clone()),
        body_chars: article_story
            .as_ref()
            .and_then(|s| s.content.as_ref())
            .map(|c| c.chars().count()),
        pages,
        entries: extracted
            .entries
            .iter()
            .take(limit)
            .map(|entry| ShownEntry {
                title: entry.title.clone(),
                link: feedwright_extract::link::canonical_link(&page.url, &entry.href),
                time: entry.published.as_deref().map(|t| shown(t, &list_ctx)),
            })
            .collect(),
        total_entries: extracted.entries.len(),
    })
}

impl Preview {
    /// True when some selector matched nothing or some time did not parse.
    pub fn has_warnings(&self) -> bool {
        self.fields.iter().any(|f| f.matched.is_none())
            || self.times.iter().all(|t| t.parsed.is_err()) && !self.times.is_empty()
            || self
                .entries
                .iter()
                .any(|e| e.time.as_ref().is_some_and(|t| t.parsed.is_err()))
    }
}

fn instant(at: &DateTime<FixedOffset>) -> String {
    format!(
        "{} ({} UTC)",
        at.to_rfc3339_opts(SecondsFormat::Secs, false),
        at.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S")
    )
}

fn shown_time(t: &ShownTime) -> String {
    match &t.parsed {
        Ok(at) => format!("{}  from {:?}", instant(at), t.text),
        Err(e) => format!("!! {e}"),
    }
}

impl fmt::Display for Preview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "page      {}", self.url)?;
        writeln!(
            f,
            "site      {} (times without offset read in {})",
            self.site, self.timezone
        )?;
        writeln!(f)?;
        match &self.title {
            None => writeln!(
                f,
                "article   none (no title matched: a channel page, or fix article.title)"
            )?,
            Some(title) => {
                writeln!(f, "article")?;
                writeln!(f, "  title      {title}")?;
                match self.times.iter().find(|t| t.parsed.is_ok()) {
                    Some(t) => writeln!(f, "  published  {}", shown_time(t))?,
                    None => writeln!(
                        f,
                        "  published  !! no time found (the item will be dated when first seen)"
                    )?,
                }
                for t in self.times.iter().filter(|t| t.parsed.is_err()) {
                    writeln!(f, "             {}", shown_time(t))?;
                }
                writeln!(f, "  source     {}", self.source.as_deref().unwrap_or("-"))?;
                let pages = match self.pages {
                    1 => String::new(),
                    n => format!(", from {n} pages"),
                };
                match self.body_chars {
                    Some(n) => writeln!(f, "  body       {n} characters of clean HTML{pages}")?,
                    None => writeln!(f, "  body       -")?,
                }
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "list      {} entries, first {}:",
            self.total_entries,
            self.entries.len()
        )?;
        for (i, entry) in self.entries.iter().enumerate() {
            let time = entry
                .time
                .as_ref()
                .map_or_else(|| "(no time)".to_owned(), shown_time);
            writeln!(f, "  {:>2}. {}", i + 1, entry.title)?;
            writeln!(
                f,
                "      {}",
                entry
                    .link
                    .as_ref()
                    .map_or("!! not a web link", |u| u.as_str())
            )?;
            writeln!(f, "      {time}")?;
        }
        writeln!(f)?;
        if self.zero_config {
            writeln!(
                f,
                "selectors none: everything above is zero-config extraction"
            )?;
            return Ok(());
        }
        writeln!(f, "selectors")?;
        for field in &self.fields {
            match &field.matched {
                Some(selector) => writeln!(f, "  ok  {:<18} {selector:?}", field.field)?,
                None => writeln!(
                    f,
                    "  !!  {:<18} matched nothing: {:?}{}",
                    field.field,
                    field.alternatives,
                    if self.fallbacks.contains(&field.field) {
                        "; zero-config extraction used"
                    } else {
                        ""
                    }
                )?,
            }
        }
        Ok(())
    }
}
