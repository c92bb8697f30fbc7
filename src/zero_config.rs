//! One page through zero-config extraction: what `feedwright extract` shows, and what `add`
//! learns selectors from.
//!
//! The page is fetched through the normal fetch path (charset, limits, robots.txt), or read from
//! a saved file; [`feedwright_extract::extract`] finds and normalizes its article or list.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use feedwright_extract::{Page, TimeContext, Zone, charset};
use url::Url;

use crate::config::FetchSettings;
use crate::fetch::{FetchError, Fetched, Fetcher, Scope};

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
    tz: Zone,
) -> Result<Page, ExtractError> {
    let (url, text, fetched_at) = fetch_text(source, fetch).await?;
    let ctx = TimeContext::new(tz, fetched_at);
    feedwright_extract::extract(&text, &url, &ctx).ok_or(ExtractError::Nothing { url })
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
