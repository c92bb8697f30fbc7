//! `serve` and the files around the feeds: media types, conditional requests, compression,
//! traversal, the JSON Feed, the index and the OPML, and a real feed reader subscribed through
//! the OPML.

mod common;

use std::collections::BTreeSet;

use common::Harness;
use feedwright::config::Format;
use reqwest::StatusCode;
use reqwest::header;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The fixture site polled once in all three formats, and `serve` on an ephemeral port.
async fn served() -> (Harness, String) {
    let mut h = Harness::new().await;
    h.config.formats = vec![Format::Rss, Format::Atom, Format::Json];
    assert!(h.run().await.all_ok());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = feedwright::serve::router(h.config.output.folder().unwrap(), &h.config);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (h, base)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .gzip(false)
        .brotli(false)
        .build()
        .unwrap()
}

async fn text(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_have_their_media_types_and_304s() {
    let (_h, base) = served().await;
    let http = client();
    for (path, media_type) in [
        ("/news.rss", "application/rss+xml; charset=utf-8"),
        ("/news.atom", "application/atom+xml; charset=utf-8"),
        ("/news.json", "application/feed+json; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/feed.xsl", "text/xsl; charset=utf-8"),
        ("/status.json", "application/json; charset=utf-8"),
    ] {
        let response = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            media_type,
            "{path}"
        );
        let etag = response.headers()[header::ETAG].clone();
        let last_modified = response.headers()[header::LAST_MODIFIED].clone();
        let again = http
            .get(format!("{base}{path}"))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        let since = http
            .get(format!("{base}{path}"))
            .header(header::IF_MODIFIED_SINCE, last_modified)
            .send()
            .await
            .unwrap();
        assert_eq!(since.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    let head = http.head(format!("{base}/news.atom")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.bytes().await.unwrap().len(), 0);
    let browser = http
        .get(format!("{base}/news.rss"))
        .header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        browser.headers()[header::CONTENT_TYPE],
        "application/xml; charset=utf-8",
        "browsers apply the XSL"
    );
    let text = browser.text().await.unwrap();
    assert!(text.contains(r#"<?xml-stylesheet type="text/xsl" href="feed.xsl"?>"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_compressed_when_asked() {
    let (h, base) = served().await;
    let http = client();
    for encoding in ["gzip", "br"] {
        let response = http
            .get(format!("{base}/news.atom"))
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], encoding);
        let compressed = response.bytes().await.unwrap().len();
        assert!(
            compressed < h.feed_bytes("news", "atom").len() / 2,
            "{encoding}: {compressed} bytes"
        );
    }
}

/// Sends `GET target` over a bare TCP connection, exactly as written: an HTTP client would
/// normalise `/../x` and `/%2e%2e/x` before sending, and the server would never see them.
/// Returns the status code and the whole answer (head and body).
async fn raw_get(base: &str, target: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let exchange = async {
        let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer).await.unwrap();
        answer
    };
    let answer = tokio::time::timeout(common::PATIENCE, exchange)
        .await
        .unwrap_or_else(|_| panic!("{target}: the server neither answered nor closed"));
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{target}: no status line in {answer:?}"));
    (status, answer)
}

/// Only the files the index lists are served. Traversal probes sent byte for byte as written
/// (raw, dotted and percent-encoded `..`, doubled slashes), the history database, the temporary
/// file of an atomic write, a stray file and the feed of a section no longer configured in the
/// feeds folder all answer 404 (or 400), and no answer carries the bytes of any of those files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_outside_the_index_is_reachable() {
    const SECRET: &str = "feedwright-test-secret-5e1f";
    let (h, base) = served().await;
    let feeds = &h.config.output.folder().unwrap();
    let config = h.write_config();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("# {SECRET}\n"));
    std::fs::write(&config, text).unwrap();
    for name in ["secret.txt", "old.rss", ".feedwright-x1y2z3.tmp"] {
        std::fs::write(feeds.join(name), SECRET).unwrap();
    }
    std::fs::write(h.dir.path().join("secret.txt"), SECRET).unwrap();
    assert!(
        common::state_file(&h.config).exists(),
        "the history database is there to probe"
    );

    let (status, answer) = raw_get(&base, "/news.rss").await;
    assert_eq!(
        status, 200,
        "a listed feed is served over the raw socket: {answer}"
    );
    assert!(answer.contains("<rss"), "{answer}");

    for target in [
        "/secret.txt",
        "/old.rss",
        "/.feedwright-x1y2z3.tmp",
        "/feedwright.db",
        "/../config.yaml",
        "/../secret.txt",
        "/%2e%2e/config.yaml",
        "/%2E%2E/config.yaml",
        "/..%2fconfig.yaml",
        "/%2e%2e%2fconfig.yaml",
        "/%2e%2e%2ffeedwright.db",
        "/..%5cconfig.yaml",
        "/feeds/../config.yaml",
        "/news.rss/../../config.yaml",
        "/./secret.txt",
        "/%2e/secret.txt",
        "//etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/%2fetc%2fpasswd",
        "/feeds/",
        "/index.html/",
    ] {
        let (status, answer) = raw_get(&base, target).await;
        assert!(
            status == 404 || status == 400,
            "{target}: status {status}: {answer}"
        );
        for leaked in [SECRET, "SQLite format 3", "root:x:0:0"] {
            assert!(
                !answer.contains(leaked),
                "{target} leaked {leaked:?}: {answer}"
            );
        }
    }
    let post = client()
        .post(format!("{base}/news.rss"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_feed_holds_the_same_items_as_the_atom_feed() {
    let (h, _) = served().await;
    for section in ["news", "domestic", "military"] {
        let json: serde_json::Value =
            serde_json::from_slice(&h.feed_bytes(section, "json")).unwrap();
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert!(
            json["title"].as_str().is_some_and(|t| !t.is_empty()),
            "title is required"
        );
        let items = json["items"].as_array().expect("items is required");
        for item in items {
            assert!(
                item["id"].as_str().is_some_and(|t| !t.is_empty()),
                "item id is required"
            );
            assert!(
                item["content_html"].is_string() || item["content_text"].is_string(),
                "{item}"
            );
            let date = item["date_published"].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(date).expect("RFC 3339 dates");
        }
        let (_, atom) = h.feeds(section);
        let json_items: Vec<(&str, chrono::DateTime<chrono::Utc>)> = items
            .iter()
            .map(|i| {
                let at =
                    chrono::DateTime::parse_from_rfc3339(i["date_published"].as_str().unwrap())
                        .unwrap();
                (i["id"].as_str().unwrap(), at.to_utc())
            })
            .collect();
        let atom_items: Vec<(&str, chrono::DateTime<chrono::Utc>)> = atom
            .entries
            .iter()
            .map(|e| (e.id.as_str(), e.published.unwrap()))
            .collect();
        assert_eq!(json_items, atom_items, "{section}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_and_the_opml_list_every_feed() {
    let (h, base) = served().await;
    let http = client();
    let index = text(&http, &format!("{base}/")).await;
    for section in ["news", "domestic", "military"] {
        for (ext, media_type) in [
            ("rss", "application/rss+xml"),
            ("atom", "application/atom+xml"),
            ("json", "application/feed+json"),
        ] {
            let tag = format!(r#"type="{media_type}""#);
            let href = format!(r#"href="{section}.{ext}""#);
            assert!(
                index
                    .lines()
                    .any(|l| l.starts_with("<link rel=\"alternate\"")
                        && l.contains(&tag)
                        && l.contains(&href)),
                "{section}.{ext}"
            );
        }
    }
    assert!(index.contains("32 items"), "item counts are shown");
    let opml = text(&http, &format!("{base}/feeds.opml")).await;
    let doc = roxmltree::Document::parse(&opml).expect("OPML is well-formed XML");
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    let feeds: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("xmlUrl"))
        .collect();
    assert_eq!(feeds.len(), 3);
    for url in feeds {
        assert!(
            url.starts_with(&base),
            "served OPML links are absolute: {url}"
        );
        let feed = http.get(url).send().await.unwrap();
        assert_eq!(feed.status(), StatusCode::OK, "{url}");
    }
    let written =
        std::fs::read_to_string(h.config.output.folder().unwrap().join("feeds.opml")).unwrap();
    let written = roxmltree::Document::parse(&written).unwrap();
    let names: BTreeSet<&str> = written
        .descendants()
        .filter_map(|n| n.attribute("xmlUrl"))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["domestic.rss", "military.rss", "news.rss"]),
        "relative without base_url"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_gives_self_links_and_absolute_index_links() {
    let mut h = Harness::new().await;
    h.config.base_url = Some(url::Url::parse("https://feeds.example.org/china/").unwrap());
    assert!(h.run().await.all_ok());
    let rss = String::from_utf8(h.feed_bytes("news", "rss")).unwrap();
    assert!(rss.contains(r#"<atom:link href="https://feeds.example.org/china/news.rss" rel="self" type="application/rss+xml"/>"#), "{}", rss.chars().take(600).collect::<String>());
    let atom = String::from_utf8(h.feed_bytes("news", "atom")).unwrap();
    assert!(atom.contains(r#"<link href="https://feeds.example.org/china/news.atom" rel="self" type="application/atom+xml"/>"#));
    h.feeds("news");
    let opml =
        std::fs::read_to_string(h.config.output.folder().unwrap().join("feeds.opml")).unwrap();
    assert!(opml.contains(r#"xmlUrl="https://feeds.example.org/china/news.rss""#));
}

/// newsboat (Debian's package, installed by `.ci/run`) subscribed through the served OPML:
/// every item of every section is in its cache with its title and date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "newsboat",
    ignore = "needs newsboat, missing when the tests were built"
)]
async fn newsboat_reads_every_item_through_the_opml() {
    let (h, base) = served().await;
    let dir = tempfile::tempdir().unwrap();
    let opml = dir.path().join("feeds.opml");
    let served_opml = text(&client(), &format!("{base}/feeds.opml")).await;
    std::fs::write(&opml, served_opml).unwrap();
    let urls = dir.path().join("urls");
    let cache = dir.path().join("cache.db");
    let config = dir.path().join("config");
    std::fs::write(&config, "").unwrap();
    let newsboat = |args: Vec<std::ffi::OsString>| {
        let mut command = tokio::process::Command::new("newsboat");
        command
            .arg("-u")
            .arg(&urls)
            .arg("-c")
            .arg(&cache)
            .arg("-C")
            .arg(&config)
            .args(args)
            .env("HOME", dir.path())
            .stdin(std::process::Stdio::null());
        command.output()
    };
    let import = newsboat(vec!["-i".into(), opml.clone().into()])
        .await
        .expect("newsboat runs (apt-get install newsboat)");
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let reload = newsboat(vec!["-x".into(), "reload".into()]).await.unwrap();
    assert!(
        reload.status.success(),
        "{}",
        String::from_utf8_lossy(&reload.stderr)
    );
    let db = rusqlite::Connection::open(&cache).unwrap();
    for section in ["news", "domestic", "military"] {
        let (rss, _) = h.feeds(section);
        let feed_url = format!("{base}/{section}.rss");
        let mut stmt = db
            .prepare("SELECT guid, title, pubDate FROM rss_item WHERE feedurl = ?1 ORDER BY guid")
            .unwrap();
        let cached: Vec<(String, String, i64)> = stmt
            .query_map([&feed_url], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut expected: Vec<(String, String, i64)> = rss
            .entries
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    common::title(e),
                    e.published.unwrap().timestamp(),
                )
            })
            .collect();
        expected.sort();
        assert_eq!(
            cached, expected,
            "{section}: newsboat has every item with its title and date"
        );
    }
}

/// A panic of `serve --poll`'s poller is reported on stderr, and polling goes on (it panics
/// again at the next poll) while the server keeps serving the feeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_that_panics_is_reported_and_polls_again() {
    use tokio::io::AsyncBufReadExt;
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    // The feeds are there; history is not, so every section is due at once.
    std::fs::remove_file(common::state_file(&h.config)).unwrap();
    let config = h.write_config();
    let mut serve = common::feedwright(&[
        "serve",
        "-c",
        config.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
        "--poll",
        "1s",
    ]);
    // No backtraces: symbolizing a debug build's takes seconds.
    serve
        .env("FEEDWRIGHT_PANIC_AT", "committed")
        .env("RUST_BACKTRACE", "0")
        .kill_on_drop(true);
    let mut child = serve.spawn().expect("serve starts");
    let stdout = child.stdout.take().expect("piped");
    let first = tokio::io::BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .unwrap()
        .expect("the serving line");
    let base = first
        .split_once(" at ")
        .map(|(_, url)| url.trim_end_matches('/').to_owned())
        .expect("an address");
    let mut errors = tokio::io::BufReader::new(child.stderr.take().expect("piped")).lines();
    let mut panics = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while panics < 2 {
        let line = tokio::time::timeout_at(deadline, errors.next_line())
            .await
            .expect("two panics reported within a minute")
            .unwrap()
            .expect("serve keeps running");
        if line.contains("the poller panicked") {
            assert!(line.contains("polling again in 1s"), "{line}");
            panics += 1;
        }
    }
    let index = reqwest::get(format!("{base}/news.atom")).await.unwrap();
    assert_eq!(index.status(), StatusCode::OK, "the feeds are still served");
    child.start_kill().unwrap();
}
