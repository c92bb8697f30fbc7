//! `feedwright demo`: a bundled snapshot of china.com-shaped pages, served on 127.0.0.1 and
//! polled into feeds, so the whole job can be seen working without a network.
//!
//! The server answers each bundled page with a strong ETag, and a repeated request with 304,
//! as a real site would; anything else is 404.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

use crate::config::{Config, ConfigError};

/// The fixture site: china.com-shaped pages (see `tests/fixtures/README.md`).
static SITE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/tests/fixtures/site");

/// The demo's configuration; `{base}` stands for the server's address.
pub const DEMO_CONFIG: &str = include_str!("../tests/fixtures/demo.yaml");

/// A page of the snapshot and its ETag.
struct Page {
    body: &'static [u8],
    etag: HeaderValue,
}

/// The bundled pages served on an ephemeral port of 127.0.0.1, until dropped.
pub struct DemoServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    /// Starts serving the snapshot.
    pub async fn start() -> std::io::Result<DemoServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::new(pages()));
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "demo server stopped");
            }
        });
        Ok(DemoServer { addr, task })
    }

    /// The server's root URL, without a trailing slash (`http://127.0.0.1:PORT`).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The demo configuration pointed at this server, with relative paths under `base_dir`.
    pub fn config(&self, base_dir: &Path) -> Result<Config, ConfigError> {
        Config::from_yaml(&DEMO_CONFIG.replace("{base}", &self.base()), base_dir)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The bundled pages by URL path (`dir/index.html` is also `dir/`).
fn pages() -> HashMap<String, Page> {
    let mut pages = HashMap::new();
    let mut dirs = vec![&SITE];
    while let Some(dir) = dirs.pop() {
        for file in dir.files() {
            let path = format!("/{}", file.path().to_string_lossy());
            let page = || Page {
                body: file.contents(),
                etag: etag(file.contents()),
            };
            if let Some(folder) = path.strip_suffix("index.html") {
                pages.insert(folder.to_owned(), page());
            }
            pages.insert(path, page());
        }
        dirs.extend(dir.dirs());
    }
    pages
}

/// A strong ETag derived from the bytes (FNV-1a, stable across runs).
fn etag(body: &[u8]) -> HeaderValue {
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    HeaderValue::from_str(&format!("\"{hash:016x}\""))
        .unwrap_or_else(|_| unreachable!("hex digits in quotes are a valid header value"))
}

async fn answer(State(pages): State<Arc<HashMap<String, Page>>>, request: Request) -> Response {
    let Some(page) = pages.get(request.uri().path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == page.etag);
    let headers = [
        (header::ETAG, page.etag.clone()),
        (header::CONTENT_TYPE, HeaderValue::from_static("text/html")),
    ];
    if unchanged {
        (StatusCode::NOT_MODIFIED, headers).into_response()
    } else {
        (StatusCode::OK, headers, page.body).into_response()
    }
}
