//! Fetching pages: one HTTP client for a run, polite and bounded.
//!
//! Architecture: [`Fetcher`] owns the reqwest client, a semaphore that bounds the requests in
//! flight, and a per-host clock that keeps `per_host_delay` between two requests to one host.
//! [`Fetcher::fetch`] sends one conditional GET ([`Validators`]), follows at most
//! [`MAX_REDIRECTS`] redirects itself so that every target is checked against the caller's
//! [`Scope`], retries timeouts, connection errors, 429 and 5xx with exponential backoff (honouring
//! `Retry-After`), streams the body up to `max_body`, and decodes it with [`feedwright_extract::charset::decode`].

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

/// The reqwest clients of a run. Loading the system's TLS roots costs a few milliseconds (more
/// than extracting a page), so plain `http` requests go through a client that has none, and
/// the client for `https` (reqwest's own, with the platform's verifier) is built at the first
/// `https` request.
struct Clients {
    plain: reqwest::Client,
    secure: std::sync::OnceLock<Result<reqwest::Client, std::sync::Arc<reqwest::Error>>>,
    settings: FetchSettings,
}

impl Clients {
    fn new(settings: &FetchSettings) -> Result<Clients, FetchError> {
        let no_roots = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Tls(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
        let plain = builder(settings)
            .tls_backend_preconfigured(no_roots)
            .build()
            .map_err(|e| FetchError::Client(std::sync::Arc::new(e)))?;
        Ok(Clients {
            plain,
            secure: std::sync::OnceLock::new(),
            settings: settings.clone(),
        })
    }

    /// The client for `url`'s scheme.
    fn for_url(&self, url: &Url) -> Result<&reqwest::Client, FetchError> {
        if url.scheme() != "https" {
            return Ok(&self.plain);
        }
        self.secure
            .get_or_init(|| builder(&self.settings).build().map_err(std::sync::Arc::new))
            .as_ref()
            .map_err(|e| FetchError::Client(std::sync::Arc::clone(e)))
    }
}

/// A client builder with the run's settings: user agent, timeouts, proxies, no redirects
/// (they are followed by hand, each target checked against the scope).
fn builder(settings: &FetchSettings) -> reqwest::ClientBuilder {
    let mut builder = reqwest::Client::builder().no_proxy();
    for proxy in proxies(|name| std::env::var(name).ok()) {
        builder = builder.proxy(proxy);
    }
    builder
        .user_agent(settings.user_agent.clone())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
}

/// One attempt's result: a final answer, or a wait before the next attempt.
enum Attempt {
    Done(Fetched),
    Retry(FetchError, Option<Duration>),
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
        if self.settings.respect_robots {
            let cell = self.robots.cell(url);
            match cell.get_or_init(|| self.load_robots(url)).await {
                Rules::DisallowAll { reason } => {
                    return Err(FetchError::RobotsUnreachable {
                        url: url.clone(),
                        reason: reason.clone(),
                    });
                }
                rules if !rules.allows(url) => {
                    return Err(FetchError::Disallowed { url: url.clone() });
                }
                _ => {}
            }
        }
        self.fetch_allowed(url, validators, scope).await
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
            .fetch_allowed(&robots, kept.map(|c| &c.validators), &Scope::any())
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
    ) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            match self.attempt(url, validators, scope).await {
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

    async fn attempt(
        &self,
        start: &Url,
        validators: Option<&Validators>,
        scope: &Scope,
    ) -> Result<Attempt, (FetchError, Option<Duration>)> {
        let mut url = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            let _permit = self.turn(&url).await;
            let response = self.send(&url, validators).await.map_err(|e| (e, None))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let target = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|loc| url.join(loc).ok());
                let Some(target) = target else {
                    return Err((FetchError::Status { url, status }, None));
                };
                if !scope.allows(&target) {
                    return Err((
                        FetchError::RedirectRefused {
                            url: start.clone(),
                            target: target.to_string(),
                        },
                        None,
                    ));
                }
                url = target;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Attempt::Done(Fetched::NotModified));
            }
            if !status.is_success() {
                let retry_after = retry_after(response.headers());
                return Ok(Attempt::Retry(
                    FetchError::Status { url, status },
                    retry_after,
                ));
            }
            return self
                .read_page(url, response)
                .await
                .map(|page| Attempt::Done(Fetched::Page(page)))
                .map_err(|e| (e, None));
        }
        Err((FetchError::TooManyRedirects { url: start.clone() }, None))
    }

    async fn send(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = self.clients.for_url(url)?.get(url.clone()).header(
            header::ACCEPT,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        );
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &v.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, date);
            }
        }
        request
            .send()
            .await
            .map_err(|source| transport(url, source))
    }

    async fn read_page(
        &self,
        url: Url,
        mut response: reqwest::Response,
    ) -> Result<Page, FetchError> {
        let limit = self.settings.max_body;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(ct) = &content_type
            && !is_html_like(ct)
        {
            return Err(FetchError::NotHtml {
                url,
                content_type: ct.clone(),
            });
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { url, limit });
        }
        let validators = Validators::from_headers(response.headers());
        let fetched_at = chrono::Utc::now();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| transport(&url, source))?
        {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { url, limit });
            }
            body.extend_from_slice(&chunk);
        }
        let decoded = feedwright_extract::charset::decode(&body, content_type.as_deref());
        if decoded.had_errors {
            tracing::warn!(%url, encoding = decoded.encoding.name(), "invalid bytes replaced while decoding");
        }
        Ok(Page {
            url,
            text: decoded.text,
            validators,
            size: body.len(),
            fetched_at,
        })
    }

    /// Waits for a request slot (at most `concurrency` in flight) at a moment when `url`'s host
    /// may be asked again (`per_host_delay` after its last request), and books that moment.
    /// The host's clock is read once the slot is held, so requests that queued for a slot
    /// still keep the gap; a request that must wait for its host gives its slot back meanwhile.
    async fn turn(&self, url: &Url) -> tokio::sync::SemaphorePermit<'_> {
        let delay = self.settings.per_host_delay;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        loop {
            let permit = self
                .in_flight
                .acquire()
                .await
                .expect("the semaphore is never closed");
            if delay.is_zero() {
                return permit;
            }
            let wait_until = {
                let mut slots = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                match slots.get(&host) {
                    Some(&at) if at > now => Some(at),
                    _ => {
                        slots.insert(host.clone(), now + delay);
                        None
                    }
                }
            };
            match wait_until {
                None => return permit,
                Some(at) => {
                    drop(permit);
                    tokio::time::sleep_until(at).await;
                }
            }
        }
    }
}

/// A proxy for one scheme (or all), from its URL.
type ProxyFor = fn(String) -> reqwest::Result<reqwest::Proxy>;

/// The proxies the environment names (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, lower case too,
/// with the hosts of `NO_PROXY` left out), never used for loopback addresses: a proxy cannot
/// reach this machine's own servers, and the tests serve their pages there. Under CGI
/// (`REQUEST_METHOD` set) `HTTP_PROXY` may come from a request header and is ignored
/// ("httpoxy").
fn proxies(env: impl Fn(&str) -> Option<String>) -> Vec<reqwest::Proxy> {
    let var = |name: &str| {
        env(name)
            .or_else(|| env(&name.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
    };
    let no_proxy = var("NO_PROXY").unwrap_or_default();
    let bypass = format!("{no_proxy},localhost,127.0.0.0/8,::1");
    let schemes: [(&str, ProxyFor); 3] = [
        ("HTTPS_PROXY", reqwest::Proxy::https::<String>),
        ("HTTP_PROXY", reqwest::Proxy::http::<String>),
        ("ALL_PROXY", reqwest::Proxy::all::<String>),
    ];
    schemes
        .into_iter()
        .filter(|(name, _)| *name != "HTTP_PROXY" || env("REQUEST_METHOD").is_none())
        .filter_map(|(name, proxy)| {
            let url = var(name)?;
            match proxy(url) {
                Ok(proxy) => Some(proxy.no_proxy(reqwest::NoProxy::from_string(&bypass))),
                Err(error) => {
                    tracing::warn!(%error, "{name} ignored: not a proxy URL");
                    None
                }
            }
        })
        .collect()
}

fn transport(url: &Url, source: reqwest::Error) -> FetchError {
    let reason = if source.is_timeout() {
        "timed out"
    } else if source.is_connect() {
        "cannot connect"
    } else if source.is_decode() || source.is_body() {
        "body could not be read"
    } else {
        "request failed"
    };
    FetchError::Transport {
        url: url.clone(),
        reason,
        source,
    }
}

/// Text types and the generic types servers send for pages; images, audio, archives are not.
fn is_html_like(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence.starts_with("text/")
        || essence.contains("html")
        || essence.contains("xml")
        || essence == "application/octet-stream"
}

fn backoff(attempt: u32) -> Duration {
    let step = BACKOFF_BASE.saturating_mul(2u32.saturating_pow(attempt));
    step + step.mul_f64(fastrand::f64())
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at
        .signed_duration_since(chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    Some(wait)
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

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows() {
        assert!(backoff(0) >= BACKOFF_BASE && backoff(0) <= BACKOFF_BASE * 2);
        assert!(backoff(3) >= BACKOFF_BASE * 8);
    }

    #[test]
    fn html_like_types() {
        assert!(is_html_like("text/html; charset=gbk"));
        assert!(is_html_like("application/xhtml+xml"));
        assert!(!is_html_like("image/jpeg"));
        assert!(!is_html_like("application/zip"));
    }
}
