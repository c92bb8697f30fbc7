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
    #[error("{0}: not a web page (an http(s) URL or the path of a saved page)")]
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
            // A path without a scheme is a saved page.
            Err(url::ParseError::RelativeUrlWithoutBase) => Ok(Source::File(PathBuf::from(text))),
            _ => Err(ExtractError::Unsupported(text.to_owned())),
        }
    }
}

/// Reads pages for `extract` and `add`, with one HTTP client for every web page.
pub struct Reader {
    fetcher: Fetcher,
    allow_hosts: Vec<String>,
}

impl Reader {
    /// A reader that fetches with `fetch`'s settings.
    pub fn new(fetch: &FetchSettings) -> Result<Reader, ExtractError> {
        Ok(Reader {
            fetcher: Fetcher::new(fetch, Vec::new())?,
            allow_hosts: fetch.allow_hosts.clone(),
        })
    }

    /// The page's final URL, its decoded text and the moment it was fetched (or read).
    pub async fn text(
        &self,
        source: &Source,
    ) -> Result<(Url, String, DateTime<Utc>), ExtractError> {
        match source {
            Source::Web(url) => {
                let page = self.fetch(url).await?;
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

    /// Fetches (or reads) the page and extracts it with no selectors, the pages after it
    /// joined when it is an article split over several (web pages only); times without an
    /// offset are read in `tz`.
    pub async fn extract(&self, source: &Source, tz: &Zone) -> Result<Page, ExtractError> {
        let (url, text, fetched_at) = self.text(source).await?;
        let ctx = TimeContext::new(tz.clone(), fetched_at);
        let mut page = feedwright_extract::extract(&text, &url, &ctx)
            .ok_or_else(|| ExtractError::Nothing { url: url.clone() })?;
        if let Source::Web(start) = source {
            let scope = Scope::new([start], &self.allow_hosts);
            crate::pages::join(&self.fetcher, &scope, &url, &mut page, |next| {
                let ctx = TimeContext::new(tz.clone(), next.fetched_at);
                std::future::ready(feedwright_extract::extract(&next.text, &next.url, &ctx))
            })
            .await;
        }
        Ok(page)
    }

    async fn fetch(&self, url: &Url) -> Result<crate::fetch::Page, ExtractError> {
        let scope = Scope::new([url], &self.allow_hosts);
        match self.fetcher.fetch(url, None, &scope).await? {
            Fetched::Page(page) => Ok(page),
            Fetched::NotModified => Err(ExtractError::NotModified { url: url.clone() }),
        }
    }
}
