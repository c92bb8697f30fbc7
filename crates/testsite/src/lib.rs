//! The loopback site of feedwright's tests and benchmarks (never part of the product).
//!
//! [`SiteServer`] is a small, real HTTP server (axum) over an in-memory map of pages: it answers
//! `If-None-Match` with 304, counts requests, notes when each one arrived and how many it was
//! answering at once, and lets its pages change while it runs. [`bundled_pages`] are the
//! china.com-shaped fixture pages of `tests/fixtures/site`, [`synthetic`] a site of any size.

pub mod synthetic;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use include_dir::{Dir, include_dir};
use url::Url;

/// The fixture site: china.com-shaped pages (see `tests/fixtures/README.md`).
static SITE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../tests/fixtures/site");

/// The configuration of the fixture site; `{base}` stands for the server's address.
pub const DEMO_CONFIG: &str = include_str!("../../../tests/fixtures/demo.yaml");

/// One resource of the site.
#[derive(Debug, Clone)]
pub struct Resource {
    pub status: StatusCode,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
    /// How long the server waits before answering.
    pub delay: Duration,
}

impl Resource {
    /// A page sent as `text/html` with no charset: the page declares its own.
    pub fn html(body: impl Into<Vec<u8>>) -> Resource {
        Resource {
            status: StatusCode::OK,
            headers: vec![(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// An empty answer with `status`.
    pub fn status(status: StatusCode) -> Resource {
        Resource {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// The same resource, answered after `delay`.
    pub fn delayed(self, delay: Duration) -> Resource {
        Resource { delay, ..self }
    }

    /// A strong ETag derived from the body (FNV-1a, stable across runs).
    fn etag(&self) -> String {
        let hash = self.body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("\"{hash:016x}\"")
    }
}

/// Requests the server answered for one path.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Hits {
    /// All requests, counted when they arrive.
    pub requests: usize,
    /// Requests answered with a full body (status 200).
    pub full: usize,
}

#[derive(Default)]
struct SiteState {
    /// Each path's answers: the first is given and removed while more follow; the last repeats.
    pages: Mutex<HashMap<String, Vec<Resource>>>,
    hits: Mutex<HashMap<String, Hits>>,
    user_agents: Mutex<Vec<String>>,
    /// Every request's path and arrival time, in order of arrival.
    arrivals: Mutex<Vec<(String, Instant)>>,
    /// Requests being answered now (arrived, response not yet handed over).
    in_flight: AtomicUsize,
    /// The most requests answered at once so far.
    max_in_flight: AtomicUsize,
}

/// Counts a request as in flight for as long as it lives (even when the client hangs up and
/// the answer is dropped half-way).
struct InFlight<'a>(&'a SiteState);

impl<'a> InFlight<'a> {
    fn new(state: &'a SiteState) -> InFlight<'a> {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A loopback HTTP server over a map of pages.
pub struct SiteServer {
    addr: SocketAddr,
    state: Arc<SiteState>,
    task: tokio::task::JoinHandle<()>,
}

impl SiteServer {
    /// Serves `pages` (path → resource) on an ephemeral port of 127.0.0.1.
    pub async fn start(pages: HashMap<String, Resource>) -> std::io::Result<SiteServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SiteState {
            pages: Mutex::new(pages.into_iter().map(|(path, r)| (path, vec![r])).collect()),
            ..SiteState::default()
        });
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "fixture server stopped");
            }
        });
        Ok(SiteServer { addr, state, task })
    }

    /// Serves the bundled fixture site.
    pub async fn bundled() -> std::io::Result<SiteServer> {
        SiteServer::start(bundled_pages()).await
    }

    /// The server's root URL, without a trailing slash (`http://127.0.0.1:PORT`).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("{}{path}", self.base()))
            .unwrap_or_else(|_| unreachable!("a loopback URL with a path parses"))
    }

    /// Replaces (or adds) the resource at `path`.
    pub fn set(&self, path: &str, resource: Resource) {
        self.set_sequence(path, vec![resource]);
    }

    /// Answers requests for `path` with `answers` in turn; the last one repeats.
    pub fn set_sequence(&self, path: &str, answers: Vec<Resource>) {
        lock(&self.state.pages).insert(path.to_owned(), answers);
    }

    /// The resource at `path` that the next request gets, if any.
    pub fn get(&self, path: &str) -> Option<Resource> {
        lock(&self.state.pages)
            .get(path)
            .and_then(|answers| answers.first().cloned())
    }

    /// Requests answered for `path` so far.
    pub fn hits(&self, path: &str) -> Hits {
        lock(&self.state.hits)
            .get(path)
            .copied()
            .unwrap_or_default()
    }

    /// Requests answered for every path together.
    pub fn total_hits(&self) -> Hits {
        lock(&self.state.hits)
            .values()
            .fold(Hits::default(), |a, h| Hits {
                requests: a.requests + h.requests,
                full: a.full + h.full,
            })
    }

    /// The User-Agent of every request so far.
    pub fn user_agents(&self) -> Vec<String> {
        lock(&self.state.user_agents).clone()
    }

    /// Every request so far, in order of arrival: its path and when the server received it.
    pub fn arrivals(&self) -> Vec<(String, Instant)> {
        lock(&self.state.arrivals).clone()
    }

    /// The most requests the server was answering at the same time so far (a request counts
    /// from its arrival until its response is handed over, delay included).
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// The fixture site's configuration pointed at this server.
    pub fn config_yaml(&self) -> String {
        DEMO_CONFIG.replace("{base}", &self.base())
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The bundled fixture pages, by URL path (`dir/index.html` is also `dir/`).
pub fn bundled_pages() -> HashMap<String, Resource> {
    let mut pages = HashMap::new();
    let mut dirs = vec![&SITE];
    while let Some(dir) = dirs.pop() {
        for file in dir.files() {
            let path = format!("/{}", file.path().to_string_lossy());
            if let Some(folder) = path.strip_suffix("index.html") {
                pages.insert(folder.to_owned(), Resource::html(file.contents()));
            }
            pages.insert(path, Resource::html(file.contents()));
        }
        dirs.extend(dir.dirs());
    }
    pages
}

async fn answer(State(state): State<Arc<SiteState>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    lock(&state.arrivals).push((path.clone(), Instant::now()));
    let _in_flight = InFlight::new(&state);
    if let Some(agent) = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        lock(&state.user_agents).push(agent.to_owned());
    }
    lock(&state.hits).entry(path.clone()).or_default().requests += 1;
    let resource = lock(&state.pages).get_mut(&path).and_then(|answers| {
        if answers.len() > 1 {
            Some(answers.remove(0))
        } else {
            answers.first().cloned()
        }
    });
    if let Some(delay) = resource.as_ref().map(|r| r.delay).filter(|d| !d.is_zero()) {
        tokio::time::sleep(delay).await;
    }
    let response = match resource {
        None => plain(StatusCode::NOT_FOUND, HeaderMap::new(), Vec::new()),
        Some(resource) if resource.status != StatusCode::OK => plain(
            resource.status,
            resource.headers.into_iter().collect(),
            resource.body,
        ),
        Some(resource) => {
            let etag = resource.etag();
            let matches = request
                .headers()
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
            let mut headers: HeaderMap = resource.headers.into_iter().collect();
            if let Ok(value) = HeaderValue::from_str(&etag) {
                headers.insert(header::ETAG, value);
            }
            if matches {
                plain(StatusCode::NOT_MODIFIED, headers, Vec::new())
            } else {
                plain(StatusCode::OK, headers, resource.body)
            }
        }
    };
    if response.status() == StatusCode::OK {
        lock(&state.hits).entry(path).or_default().full += 1;
    }
    response
}

fn plain(status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
