//! Fetching pages: one HTTP client for a run, polite and bounded.
//!
//! Architecture: [`Fetcher`] owns the reqwest client, a semaphore that bounds the requests in
//! flight, and a per-host clock that keeps `per_host_delay` between two requests to one host.
//! [`Fetcher::fetch`] sends one conditional GET ([`Validators`]), follows at most
//! [`MAX_REDIRECTS`] redirects itself so that every target is checked against the caller's
//! [`Scope`] and its site's robots.txt, retries timeouts, connection errors, 429 and 5xx with exponential backoff (honouring
//! `Retry-After`), streams the body up to `max_body`, and decodes it with [`feedwright_extract::charset::decode`].

mod client;
mod pacing;
mod retry;
pub mod robots;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::config::FetchSettings;
use client::Clients;
use retry::{Attempt, backoff};
use robots::{RobotsCache, RobotsCopy, Rules};

/// Redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;
/// First backoff step; doubled at every retry, plus up to as much jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// A `Retry-After` longer than this is not waited for: the page fails instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// ETag and Last-Modified of a page, sent back as `If-None-Match` and `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    fn from_headers(headers: &HeaderMap) -> Validators {
        let get = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        Validators {
            etag: get(header::ETAG),
            last_modified: get(header::LAST_MODIFIED),
        }
    }
}

/// The hosts a request may reach, redirects included.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    hosts: HashSet<String>,
    any: bool,
}

impl Scope {
    /// A scope of the hosts of `urls` plus `extra` host names.
    pub fn new<'a>(urls: impl IntoIterator<Item = &'a Url>, extra: &[String]) -> Scope {
        let mut hosts: HashSet<String> = urls
            .into_iter()
            .filter_map(|u| u.host_str().map(str::to_ascii_lowercase))
            .collect();
        hosts.extend(extra.iter().cloned());
        Scope { hosts, any: false }
    }

    /// A scope that allows every host (robots.txt may redirect anywhere, RFC 9309).
    pub fn any() -> Scope {
        Scope {
            hosts: HashSet::new(),
            any: true,
        }
    }

    /// True when `url` is on an allowed host.
    pub fn allows(&self, url: &Url) -> bool {
        url.host_str()
            .is_some_and(|h| self.any || self.hosts.contains(&h.to_ascii_lowercase()))
    }
}

/// A fetched page, decoded.
#[derive(Debug)]
pub struct Page {
    /// The URL the body came from, after redirects.
    pub url: Url,
    pub text: String,
    pub validators: Validators,
    /// Bytes received (after content decoding).
    pub size: usize,
    /// When the response arrived: relative times on the page count from it.
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

/// The outcome of a successful request.
#[derive(Debug)]
pub enum Fetched {
    Page(Page),
    /// The server answered 304: the page is the one the validators describe.
    NotModified,
}

/// Whether the redirects of a request are checked against robots.txt: every page's are; a
/// robots.txt's own are not (RFC 9309 lets it redirect anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Robots {
    Obeyed,
    NotAsked,
}

/// A page that could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {reason}")]
    Transport {
        url: Url,
        reason: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: HTTP {status}")]
    Status { url: Url, status: StatusCode },
    #[error("{url}: body larger than max_body ({limit} bytes)")]
    TooLarge { url: Url, limit: u64 },
    #[error("{url}: redirect to {target} refused (host not allowed)")]
    RedirectRefused { url: Url, target: String },
    #[error("{url}: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects { url: Url },
    #[error("{url}: not a web page (Content-Type {content_type})")]
    NotHtml { url: Url, content_type: String },
    #[error("{url}: disallowed by robots.txt")]
    Disallowed { url: Url },
    #[error("{url}: not fetched, robots.txt is unreachable ({reason})")]
    RobotsUnreachable { url: Url, reason: String },
    #[error("cannot build the HTTP client")]
    Client(#[source] std::sync::Arc<reqwest::Error>),
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

impl FetchError {
    /// True for failures that may pass: timeouts, connection errors, 429 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Transport { source, .. } => {
                source.is_timeout()
                    || source.is_connect()
                    || source.is_request()
                    || source.is_body()
            }
            FetchError::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            _ => false,
        }
    }
}

/// The HTTP client of a run.
pub struct Fetcher {
    clients: Clients,
    settings: FetchSettings,
    in_flight: Semaphore,
    next_slot: Mutex<HashMap<String, Instant>>,
    robots: RobotsCache,
}

impl Fetcher {
    /// Builds the client from the run's settings, with the robots.txt copies history kept.
    pub fn new(settings: &FetchSettings, robots: Vec<RobotsCopy>) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            clients: Clients::new(settings)?,
            settings: settings.clone(),
            in_flight: Semaphore::new(settings.concurrency),
            next_slot: Mutex::new(HashMap::new()),
            robots: RobotsCache::with_copies(robots),
        })
    }

    /// The robots.txt copies this fetcher read or confirmed, for history to keep.
    pub fn robots_renewed(&self) -> Vec<RobotsCopy> {
        self.robots.renewed()
    }

    /// GETs `url` (conditionally when `validators` are given) if robots.txt allows it,
    /// following redirects within `scope`, retrying transient failures.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        scope: &Scope,
    ) -> Result<Fetched, FetchError> {
        self.robots_allow(url).await?;
        self.fetch_allowed(url, validators, scope, Robots::Obeyed)
            .await
    }

    /// Whether robots.txt lets this fetcher GET `url` (always, when the site's settings say
    /// robots.txt is not respected).
    async fn robots_allow(&self, url: &Url) -> Result<(), FetchError> {
        if !self.settings.respect_robots {
            return Ok(());
        }
        let cell = self.robots.cell(url);
        match cell.get_or_init(|| self.load_robots(url)).await {
            Rules::DisallowAll { reason } => Err(FetchError::RobotsUnreachable {
                url: url.clone(),
                reason: reason.clone(),
            }),
            rules if !rules.allows(url) => Err(FetchError::Disallowed { url: url.clone() }),
            _ => Ok(()),
        }
    }

    /// The robots.txt rules of `url`'s origin: the copy history kept while it is fresh, else
    /// the site's answer to a (conditional) request (RFC 9309: missing allows all; unreachable,
    /// 5xx or 429 disallow all unless an older copy is kept).
    async fn load_robots(&self, url: &Url) -> Rules {
        let Some(robots) = robots::robots_url(url) else {
            return Rules::AllowAll;
        };
        let now = chrono::Utc::now();
        let kept = self.robots.kept(url);
        if let Some(copy) = kept.filter(|c| c.is_fresh(now)) {
            return copy.rules();
        }
        let renewed = |body, validators| RobotsCopy {
            origin: robots::origin(url),
            body,
            validators,
            fetched_at: now,
        };
        let fetched = self
            .fetch_allowed(
                &robots,
                kept.map(|c| &c.validators),
                &Scope::any(),
                Robots::NotAsked,
            )
            .await;
        let copy = match fetched {
            Ok(Fetched::Page(page)) => renewed(Some(page.text), page.validators),
            Ok(Fetched::NotModified) => match kept {
                Some(copy) => renewed(copy.body.clone(), copy.validators.clone()),
                None => renewed(None, Validators::default()),
            },
            Err(FetchError::Status { status, .. })
                if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS =>
            {
                renewed(None, Validators::default())
            }
            Err(error) => {
                let error = crate::error_chain(&error);
                if let Some(copy) = kept {
                    tracing::warn!(%error, since = %copy.fetched_at, "robots.txt unreachable: obeying the copy kept");
                    return copy.rules();
                }
                tracing::warn!(%error, "robots.txt unreachable: not fetching from this site in this run");
                return Rules::DisallowAll { reason: error };
            }
        };
        let rules = copy.rules();
        self.robots.renew(copy);
        rules
    }

    async fn fetch_allowed(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        scope: &Scope,
        robots: Robots,
    ) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            match self.attempt(url, validators, scope, robots).await {
                Ok(Attempt::Done(fetched)) => return Ok(fetched),
                Ok(Attempt::Retry(error, retry_after)) | Err((error, retry_after))
                    if attempt < self.settings.retries && error.is_transient() =>
                {
                    let wait = match retry_after {
                        Some(wait) if wait > MAX_RETRY_AFTER => return Err(error),
                        Some(wait) => wait,
                        None => backoff(attempt),
                    };
                    tracing::debug!(%url, %error, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Ok(Attempt::Retry(error, _)) | Err((error, _)) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_compares_hosts_case_insensitively() {
        let start = Url::parse("https://News.China.com/a").unwrap();
        let scope = Scope::new([&start], &["img.china.com".into()]);
        assert!(scope.allows(&Url::parse("https://news.china.com/b").unwrap()));
        assert!(scope.allows(&Url::parse("http://img.china.com/c").unwrap()));
        assert!(!scope.allows(&Url::parse("https://evil.example/").unwrap()));
    }
}
