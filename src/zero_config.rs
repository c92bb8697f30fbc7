//! One page through zero-config extraction, normalized: what `feedwright extract` shows, and
//! what a site without selectors gets from each of its pages.
//!
//! The page is fetched through the normal fetch path (charset, limits, robots.txt), or read from
//! a saved file; [`crate::extract::auto`] finds its article and lists; [`crate::normalize`]
//! turns what was found into a title, an instant with the precision the page shows, clean HTML
//! and absolute links.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::Serialize;
use url::Url;

use crate::config::FetchSettings;
use crate::extract::auto::{self, Kind};
use crate::fetch::{FetchError, Fetched, Fetcher, Scope, charset};
use crate::normalize::{self, html, time::TimeContext, xml_safe};

/// A page that could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{url}: the server answered 304 Not Modified to an unconditional request")]
    NotModified { url: Url },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: not a web page (an http(s) URL or a file: path)")]
    Unsupported(String),
    #[error("{url}: no article or list found")]
    Nothing { url: Url },
}

/// What kind of page it is, as `extract` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Article,
    List,
}

/// A list entry, normalized.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub title: String,
    pub link: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

/// Everything zero-config extraction found on a page, normalized.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub url: Url,
    pub kind: PageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// RFC 3339 with the offset of the zone the page's times are read in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// `day`, `minute` or `second`: how precise the page's time is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Url>,
    /// The related news of an article, the items of a list page.
    pub items: Vec<Entry>,
}

/// Where a page comes from.
pub enum Source {
    Web(Url),
    File(PathBuf),
}

impl Source {
    /// An http(s) URL, or a `file:` URL or path to a saved page.
    pub fn parse(text: &str) -> Result<Source, ExtractError> {
        if let Some(path) = text.strip_prefix("file:").filter(|p| !p.starts_with("//")) {
            return Ok(Source::File(PathBuf::from(path)));
        }
        match Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(Source::Web(url)),
            Ok(url) if url.scheme() == "file" => url
                .to_file_path()
                .map(Source::File)
                .map_err(|()| ExtractError::Unsupported(text.to_owned())),
            _ => Err(ExtractError::Unsupported(text.to_owned())),
        }
    }
}

/// Fetches (or reads) the page and extracts it with no selectors; times without an offset are
/// read in `tz`.
pub async fn extract(
    source: &Source,
    fetch: &FetchSettings,
    tz: crate::normalize::zone::Zone,
) -> Result<Page, ExtractError> {
    let (url, text, fetched_at) = fetch_text(source, fetch).await?;
    let ctx = TimeContext {
        tz,
        now: fetched_at,
        format: None,
    };
    page(&url, &text, &ctx).ok_or(ExtractError::Nothing { url })
}

/// The page's final URL, its decoded text and the moment it was fetched (or read).
pub async fn fetch_text(
    source: &Source,
    fetch: &FetchSettings,
) -> Result<(Url, String, DateTime<Utc>), ExtractError> {
    match source {
        Source::Web(url) => {
            let fetcher = Fetcher::new(fetch, Vec::new())?;
            let scope = Scope::new([url], &fetch.allow_hosts);
            let Fetched::Page(page) = fetcher.fetch(url, None, &scope).await? else {
                return Err(ExtractError::NotModified { url: url.clone() });
            };
            Ok((page.url, page.text, page.fetched_at))
        }
        Source::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| ExtractError::Read {
                path: path.clone(),
                source,
            })?;
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            let url = Url::from_file_path(&absolute)
                .map_err(|()| ExtractError::Unsupported(path.display().to_string()))?;
            Ok((url, charset::decode(&bytes, None).text, Utc::now()))
        }
    }
}

/// The page at `url` with `text`, extracted and normalized; `None` when it holds neither an
/// article nor a list.
pub fn page(url: &Url, text: &str, ctx: &TimeContext<'_>) -> Option<Page> {
    let found = auto::extract(&crate::extract::parse_document(text));
    let kind = match found.kind {
        Kind::Article => PageKind::Article,
        Kind::List => PageKind::List,
        Kind::None => return None,
    };
    let items = found
        .entries
        .iter()
        .filter_map(|raw| normalize::entry(raw, url, ctx))
        .map(|story| Entry {
            title: story.title,
            link: story.link,
            published: story.published.map(rfc3339),
        })
        .collect();
    let mut page = Page {
        url: url.clone(),
        kind,
        title: None,
        published: None,
        precision: None,
        author: None,
        source: None,
        body_html: None,
        body_text: None,
        image: None,
        items,
    };
    if let Some(raw) = &found.article {
        let texts: Vec<&str> = raw.published.iter().map(String::as_str).collect();
        let time = normalize::first_time_with_precision(&texts, ctx, url);
        page.title = Some(normalize::plain(&raw.title)).filter(|t| !t.is_empty());
        page.published = time.map(|(at, _)| rfc3339(at));
        page.precision = time.map(|(_, p)| p.name());
        page.source = raw.source.as_deref().and_then(normalize::source_name);
        page.author = raw.author.as_deref().map(xml_safe);
        page.body_html = raw.body.as_deref().map(|b| html::clean(b, url));
        page.body_text = raw.body_text.as_deref().map(xml_safe);
        page.image = raw
            .image
            .as_deref()
            .and_then(|i| normalize::canonical_link(url, i));
    }
    Some(page)
}

fn rfc3339(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        writeln!(f, "page       {}", self.url)?;
        match self.kind {
            PageKind::Article => {
                writeln!(f, "kind       article")?;
                writeln!(f, "title      {}", or_dash(&self.title))?;
                let precision = self
                    .precision
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default();
                writeln!(f, "published  {}{precision}", or_dash(&self.published))?;
                writeln!(f, "source     {}", or_dash(&self.source))?;
                writeln!(f, "author     {}", or_dash(&self.author))?;
                if let Some(image) = &self.image {
                    writeln!(f, "image      {image}")?;
                }
                let text = self.body_text.as_deref().unwrap_or_default();
                writeln!(f, "body       {} characters", text.chars().count())?;
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    writeln!(f, "  | {line}")?;
                }
                writeln!(f)?;
                writeln!(f, "related    {} items", self.items.len())?;
            }
            PageKind::List => {
                writeln!(f, "kind       list")?;
                writeln!(f, "items      {}", self.items.len())?;
            }
        }
        for (i, item) in self.items.iter().enumerate() {
            writeln!(f, "  {:>3}. {}", i + 1, item.title)?;
            writeln!(f, "       {}", item.link)?;
            if let Some(published) = &item.published {
                writeln!(f, "       {published}")?;
            }
        }
        Ok(())
    }
}
