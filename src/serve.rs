//! `feedwright serve`: the feeds folder over HTTP, read-only, for readers and browsers.
//!
//! Only the files the index lists are served (`index.html` at `/`, `feeds.opml`, `feed.xsl`,
//! `status.json` and every section's feeds): no directory listing, no other path, no way out of
//! the folder. Feeds carry their media types with `charset=utf-8`, a weak ETag and
//! Last-Modified (304 on a repeated conditional request), and are compressed (gzip, brotli)
//! when the client asks. A browser navigating to a feed (it prefers `text/html`) gets it as
//! `application/xml`, the type under which browsers apply the feed's XSL stylesheet; feed
//! readers get `application/rss+xml` and friends. `feeds.opml` links become absolute for the
//! host the client asked, so that importing it from the server subscribes to real URLs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use tower_http::compression::CompressionLayer;

use crate::config::{Config, Format};
use crate::output::{self, OutputFile, SiteFile};

/// What the server may answer: the files `config` makes feedwright write, and nothing else.
struct Served {
    dir: PathBuf,
    files: HashMap<String, OutputFile>,
    opml_absolute: bool,
}

/// The HTTP application serving the feeds folder `dir` of `config`.
pub fn router(dir: &std::path::Path, config: &Config) -> Router {
    let served = Arc::new(Served {
        dir: dir.to_owned(),
        files: output::every_file(config),
        opml_absolute: config.base_url.is_none(),
    });
    Router::new()
        .route("/", get(index))
        .route("/{name}", get(file))
        .with_state(served)
        .layer(CompressionLayer::new())
}

async fn index(State(served): State<Arc<Served>>, headers: HeaderMap) -> Response {
    answer(&served, SiteFile::Index.name(), &headers).await
}

async fn file(
    State(served): State<Arc<Served>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    answer(&served, &name, &headers).await
}

async fn answer(served: &Served, name: &str, request: &HeaderMap) -> Response {
    let Some(&kind) = served.files.get(name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = served.dir.join(name);
    let (bytes, modified) = match read(&path).await {
        Ok(found) => found,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return StatusCode::NOT_FOUND.into_response();
        }
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "cannot read a served file");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let modified: DateTime<Utc> = modified.into();
    let etag = format!(
        "W/\"{:x}-{:x}\"",
        bytes.len(),
        modified.timestamp_nanos_opt().unwrap_or_default()
    );
    let last_modified = modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut headers = HeaderMap::new();
    let mut set = |name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::ETAG, &etag);
    set(header::LAST_MODIFIED, &last_modified);
    set(header::CACHE_CONTROL, "no-cache");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::VARY, "Accept");
    if not_modified(request, &etag, modified) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    set(header::CONTENT_TYPE, &content_type(kind, request));
    let body = if kind == OutputFile::Site(SiteFile::Opml) && served.opml_absolute {
        absolute_opml(&bytes, request)
    } else {
        bytes
    };
    (StatusCode::OK, headers, Body::from(body)).into_response()
}

/// A file's bytes and mtime, both from one open handle: a feed replaced meanwhile (by an atomic
/// rename) cannot pair the new mtime with the old bytes.
async fn read(path: &std::path::Path) -> std::io::Result<(Vec<u8>, SystemTime)> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await?;
    let modified = file
        .metadata()
        .await?
        .modified()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).await?;
    Ok((bytes, modified))
}

/// True when the client's copy is current: its `If-None-Match` names our ETag (weakly), or,
/// without one, its `If-Modified-Since` is not older than the file.
fn not_modified(request: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    if let Some(tags) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return tags
            .split(',')
            .any(|t| t.trim() == "*" || strip(t) == strip(etag));
    }
    request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| since.timestamp() >= modified.timestamp())
}

/// The file's media type; a browser navigating to an XML feed (it prefers `text/html`) gets
/// `application/xml`, the type under which it applies the feed's stylesheet.
fn content_type(kind: OutputFile, request: &HeaderMap) -> String {
    let browser = request
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.trim_start().starts_with("text/html"));
    match kind {
        OutputFile::Feed(Format::Rss | Format::Atom) if browser => {
            "application/xml; charset=utf-8".to_owned()
        }
        _ => kind.media_type(),
    }
}

/// `feeds.opml` with its relative `xmlUrl` links (the feeds' own names, when no `base_url` is
/// set) made absolute for the host the client asked for, with the scheme it asked with (a
/// proxy tells it in `X-Forwarded-Proto` or `Forwarded`). Links that name a scheme stay.
fn absolute_opml(bytes: &[u8], request: &HeaderMap) -> Vec<u8> {
    const LINK: &str = "xmlUrl=\"";
    let host = request
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        });
    let Some(host) = host else {
        return bytes.to_vec();
    };
    let scheme = asked_scheme(request);
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len() + 1024);
    let mut rest: &str = &text;
    while let Some(at) = rest.find(LINK) {
        let (before, value) = rest.split_at(at + LINK.len());
        out.push_str(before);
        let end = value.find('"').unwrap_or(value.len());
        // A feed's name holds no ':' (section ids are [a-z0-9_-]); an absolute link does.
        if !value[..end].contains(':') {
            out.push_str(scheme);
            out.push_str("://");
            out.push_str(host);
            out.push('/');
        }
        rest = value;
    }
    out.push_str(rest);
    out.into_bytes()
}

/// The scheme the client used, as a proxy in front reports it; `http` when none does.
fn asked_scheme(request: &HeaderMap) -> &'static str {
    let said = |name: &str| request.get(name).and_then(|v| v.to_str().ok());
    let forwarded = said("forwarded").and_then(|value| {
        value
            .split([',', ';'])
            .find_map(|pair| pair.trim().strip_prefix("proto="))
    });
    let proto = said("x-forwarded-proto")
        .and_then(|value| value.split(',').next())
        .or(forwarded)
        .map(|p| p.trim().trim_matches('"'));
    match proto {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_feeds_as_xml_and_readers_as_feeds() {
        let mut browser = HeaderMap::new();
        browser.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        let reader = HeaderMap::new();
        let feed = OutputFile::Feed;
        for (kind, request, expected) in [
            (
                feed(Format::Rss),
                &browser,
                "application/xml; charset=utf-8",
            ),
            (
                feed(Format::Rss),
                &reader,
                "application/rss+xml; charset=utf-8",
            ),
            (
                feed(Format::Atom),
                &reader,
                "application/atom+xml; charset=utf-8",
            ),
            (
                feed(Format::Json),
                &browser,
                "application/feed+json; charset=utf-8",
            ),
            (
                OutputFile::Site(SiteFile::Status),
                &reader,
                "application/json; charset=utf-8",
            ),
        ] {
            assert_eq!(content_type(kind, request), expected, "{kind:?}");
        }
    }

    #[test]
    fn a_strange_host_header_leaves_the_opml_alone() {
        let mut request = HeaderMap::new();
        request.insert(header::HOST, HeaderValue::from_static("evil\"><x>"));
        let opml = br#"<outline xmlUrl="news.rss"/>"#;
        assert_eq!(absolute_opml(opml, &request), opml.to_vec());
    }

    #[test]
    fn opml_links_of_any_section_id_take_the_scheme_a_proxy_reports() {
        let opml = br#"<outline xmlUrl="http-news.rss"/><outline xmlUrl="https.rss"/>"#;
        let mut request = HeaderMap::new();
        request.insert(header::HOST, HeaderValue::from_static("feeds.example"));
        let plain = String::from_utf8(absolute_opml(opml, &request)).unwrap();
        assert_eq!(
            plain,
            r#"<outline xmlUrl="http://feeds.example/http-news.rss"/><outline xmlUrl="http://feeds.example/https.rss"/>"#
        );
        request.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let proxied = String::from_utf8(absolute_opml(opml, &request)).unwrap();
        assert!(
            proxied.contains(r#"xmlUrl="https://feeds.example/http-news.rss""#),
            "{proxied}"
        );
        let mut forwarded = HeaderMap::new();
        forwarded.insert(header::HOST, HeaderValue::from_static("feeds.example"));
        forwarded.insert(
            "forwarded",
            HeaderValue::from_static("for=10.0.0.1;proto=https"),
        );
        let proxied = String::from_utf8(absolute_opml(opml, &forwarded)).unwrap();
        assert!(
            proxied.contains(r#"xmlUrl="https://feeds.example/https.rss""#),
            "{proxied}"
        );
    }

    #[test]
    fn opml_links_become_absolute_for_the_asked_host() {
        let mut request = HeaderMap::new();
        request.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        let opml = br#"<outline xmlUrl="news.rss" htmlUrl="https://news.china.com/"/><outline xmlUrl="https://x.example/a.rss"/>"#;
        let out = String::from_utf8(absolute_opml(opml, &request)).unwrap();
        assert_eq!(
            out,
            r#"<outline xmlUrl="http://127.0.0.1:8080/news.rss" htmlUrl="https://news.china.com/"/><outline xmlUrl="https://x.example/a.rss"/>"#
        );
    }
}
