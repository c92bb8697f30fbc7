//! The hostile web: a list whose entries lead to every kind of fault. One bad page never takes
//! the section down, nothing dangerous reaches a reader, and the run stays within its bounds.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use feedwright::config::Config;
use feedwright::run::{RunOptions, run};
use feedwright_testsite::{Resource, SiteServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MAX_BODY: usize = 256 * 1024;

fn config(base: &str) -> String {
    format!(
        r##"
fetch: {{ timeout: 1s, retries: 1, max_body: 256KiB, per_host_delay: 0ms }}
sites:
  - id: faults
    title: 故障测试
    article: {{ title: "h1", published: ".time", body: "#body" }}
    related: {{ item: ".item_list li", title: "a", link: "a", published: ".item_time" }}
    follow: true
    sections: [{{ id: faults, title: 故障, urls: ["{base}/faults/"] }}]
"##
    )
}

fn article(title: &str, body: &str) -> String {
    format!(
        r#"<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<h1>{title}</h1><div class="time">2024-06-28 10:00:00</div><div id="body">{body}</div></body></html>"#
    )
}

fn list(entries: &[(&str, &str)]) -> String {
    let items: String = entries
        .iter()
        .map(|(href, title)| format!(r#"<li><a href="{href}">{title}</a><em class="item_time">2024-06-28 09:00:00</em></li>"#))
        .collect();
    format!(
        r#"<html><head><meta charset="utf-8"></head><body><ul class="item_list">{items}</ul></body></html>"#
    )
}

fn with_header(mut resource: Resource, name: header::HeaderName, value: &str) -> Resource {
    resource.headers.retain(|(n, _)| *n != name);
    resource
        .headers
        .push((name, HeaderValue::from_str(value).unwrap()));
    resource
}

fn redirect(to: &str) -> Resource {
    with_header(Resource::status(StatusCode::FOUND), header::LOCATION, to)
}

/// A raw TCP server for what a well-behaved HTTP library will not send: a body cut short, and
/// an endless body without a length. Counts the body bytes it sent.
async fn raw_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let n = socket.read(&mut request).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..n]).into_owned();
                if request.starts_with("GET /truncated") {
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(article("截断", "<p>半").as_bytes()).await;
                } else if request.starts_with("GET /endless") {
                    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
                    // At most 64 MiB, so the test ends even if the client never stops reading.
                    for _ in 0..1024 {
                        if socket.write_all(chunk.as_bytes()).await.is_err() {
                            break;
                        }
                        counter.fetch_add(64 * 1024, Ordering::Relaxed);
                    }
                } else {
                    let _ = socket
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                        .await;
                }
            });
        }
    });
    (base, sent)
}

/// A list whose entries lead to every kind of bad page: the section is still written with
/// every listed item, each bad page is reported as failed (the hanging one by fetch.timeout),
/// transient errors are retried, robots.txt and the redirect limit are obeyed, an endless body
/// is cut off near max_body, and no script, handler or control character reaches the feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "xmllint",
    ignore = "needs xmllint (libxml2-utils) for the RFC 4287 schema, missing when the tests were built"
)]
async fn one_bad_page_never_takes_the_section_down() {
    let (raw, streamed) = raw_server().await;
    let server = SiteServer::start(HashMap::new()).await.unwrap();
    let base = server.base();
    let away = format!(
        "http://localhost:{}/faults/ok.html",
        base.rsplit(':').next().unwrap()
    );
    let entries = [
        ("/faults/ok.html", "正常"),
        ("/faults/hang.html", "挂起"),
        ("/faults/500.html", "服务器错误"),
        ("/faults/503.html", "稍后再试"),
        ("/faults/429.html", "太多请求"),
        ("/faults/404.html", "不存在"),
        ("/faults/loop.html", "重定向循环"),
        ("/faults/away.html", "重定向到别处"),
        ("/faults/big.html", "太大"),
        ("/faults/garbage.html", "乱码"),
        ("/faults/wrong-charset.html", "错误字符集"),
        ("/faults/undeclared.html", "未声明字符集"),
        ("/faults/evil.html", "恶意页面"),
        ("/private/secret.html", "禁止抓取"),
        (&format!("{raw}/truncated.html"), "截断"),
        (&format!("{raw}/endless.html"), "无尽"),
        ("javascript:alert(1)", "脚本链接"),
    ];
    server.set("/faults/", Resource::html(list(&entries)));
    server.set(
        "/robots.txt",
        Resource::html("User-agent: *\nDisallow: /private/\n"),
    );
    server.set(
        "/faults/ok.html",
        Resource::html(article("正常文章", "<p>正文</p>")),
    );
    server.set(
        "/faults/hang.html",
        Resource::html(article("挂起", "")).delayed(Duration::from_secs(5)),
    );
    server.set(
        "/faults/500.html",
        Resource::status(StatusCode::INTERNAL_SERVER_ERROR),
    );
    let retry_after = with_header(
        Resource::status(StatusCode::SERVICE_UNAVAILABLE),
        header::RETRY_AFTER,
        "1",
    );
    server.set_sequence(
        "/faults/503.html",
        vec![
            retry_after,
            Resource::html(article("重试成功", "<p>好</p>")),
        ],
    );
    let too_many = Resource::status(StatusCode::TOO_MANY_REQUESTS);
    server.set_sequence(
        "/faults/429.html",
        vec![too_many, Resource::html(article("限流之后", "<p>好</p>"))],
    );
    server.set("/faults/loop.html", redirect("/faults/loop.html"));
    server.set("/faults/away.html", redirect(&away));
    server.set(
        "/faults/big.html",
        Resource::html(article("太大", &"<p>大</p>".repeat(MAX_BODY))),
    );
    let garbage: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    server.set(
        "/faults/garbage.html",
        with_header(
            Resource::html(garbage),
            header::CONTENT_TYPE,
            "application/octet-stream",
        ),
    );
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    let gbk_article = article(
        "中华网新闻频道：北约秘书长表示该议题仍在讨论中",
        "<p>中国外交部重申冷战思维不合时宜。</p>",
    )
    .replace(r#"<meta charset="utf-8">"#, "");
    server.set(
        "/faults/wrong-charset.html",
        with_header(
            Resource::html(gbk(&gbk_article)),
            header::CONTENT_TYPE,
            "text/html; charset=utf-8",
        ),
    );
    server.set("/faults/undeclared.html", Resource::html(gbk(&gbk_article)));
    let evil = article(
        "恶意<script>document.title='x'</script>页面\u{1}",
        r#"<p onclick="steal()" style="color:red">文<script>alert(1)</script>字<style>p{}</style></p>
<iframe src="https://ads.example/"></iframe><form action="/x"><input name=q></form>
<a href="javascript:alert(1)">点</a><img src="/lazy.gif" data-src="/real.jpg" onerror="steal()">
<p>控制字符CONTROL结束</p>"#
            .replace("CONTROL", "\u{0}\u{8}\u{b}\u{1b}")
            .as_str(),
    );
    server.set("/faults/evil.html", Resource::html(evil));

    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_yaml(&config(&base), dir.path()).unwrap();
    // No clock here (timings belong in the benchmarks): the run ends because every fault is
    // bounded by behaviour, the hanging page by fetch.timeout, the endless body by max_body
    // (and by the raw server's own 64 MiB), the redirect loop by the redirect limit.
    let report = run(config.clone(), &RunOptions::default()).await.unwrap();
    let summary = report.sections[0]
        .as_ref()
        .expect("the section is written despite its bad pages");

    let rss_path = config.output.folder().unwrap().join("faults.rss");
    let atom_path = config.output.folder().unwrap().join("faults.atom");
    common::validate_rss(&rss_path);
    common::validate_atom(&atom_path);
    let atom = common::parse_feed(&atom_path);
    assert_eq!(
        atom.entries.len(),
        entries.len() - 1,
        "every web link listed is there once"
    );
    let titles: Vec<String> = atom.entries.iter().map(common::title).collect();
    for expected in [
        "正常文章",
        "重试成功",
        "限流之后",
        "挂起",
        "服务器错误",
        "不存在",
        "重定向循环",
        "太大",
        "禁止抓取",
        "截断",
        "无尽",
    ] {
        assert!(
            titles.iter().any(|t| t == expected),
            "{expected} missing from {titles:?}"
        );
    }
    assert!(
        titles
            .iter()
            .any(|t| t == "中华网新闻频道：北约秘书长表示该议题仍在讨论中"),
        "undeclared GBK is detected: {titles:?}"
    );
    assert!(
        titles.iter().any(|t| t == "恶意页面"),
        "no script text in titles, no control characters: {titles:?}"
    );

    let evil = atom
        .entries
        .iter()
        .find(|e| common::title(e) == "恶意页面")
        .unwrap();
    let body = evil.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    for bad in [
        "<script",
        "alert",
        "<style",
        "<iframe",
        "<form",
        "<input",
        "onclick",
        "onerror",
        "javascript:",
        "style=",
        "\u{1b}",
        "\u{0}",
    ] {
        assert!(!body.contains(bad), "{bad:?} survived: {body}");
    }
    assert!(
        body.contains(&format!(r#"src="{base}/real.jpg""#)),
        "{body}"
    );
    assert!(body.contains("控制字符结束"), "{body}");

    let failed = &summary.failed_urls;
    for path in [
        "/faults/hang.html",
        "/faults/500.html",
        "/faults/404.html",
        "/faults/loop.html",
        "/faults/away.html",
        "/faults/big.html",
        "/private/secret.html",
        "/truncated.html",
        "/endless.html",
    ] {
        assert!(
            failed.iter().any(|u| u.ends_with(path)),
            "{path} not reported as failed: {failed:?}"
        );
    }

    for (path, requests, why) in [
        ("/faults/500.html", 2, "5xx is retried once (retries: 1)"),
        (
            "/faults/503.html",
            2,
            "Retry-After is honoured, then the page is read",
        ),
        ("/faults/404.html", 1, "4xx is not retried"),
        ("/faults/loop.html", 6, "at most 5 redirects"),
        (
            "/faults/ok.html",
            1,
            "the refused redirect target is not fetched",
        ),
        ("/private/secret.html", 0, "robots.txt is obeyed"),
        ("/robots.txt", 1, "robots.txt is read once per host and run"),
    ] {
        assert_eq!(server.hits(path).requests, requests, "{path}: {why}");
    }
    let streamed = streamed.load(Ordering::Relaxed);
    assert!(
        // The server offers 64 MiB; what it managed to send before the client hung up is
        // max_body plus what the kernel's socket buffers absorbed (a few MiB at most).
        streamed < 24 * 1024 * 1024,
        "the endless body was read far past max_body: {streamed} bytes"
    );
    let agents = server.user_agents();
    assert!(
        !agents.is_empty() && agents.iter().all(|a| a.starts_with("feedwright/")),
        "{agents:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_tells_each_sections_health() {
    let server = SiteServer::bundled().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_yaml(&server.config_yaml(), dir.path()).unwrap();
    assert!(
        run(config.clone(), &RunOptions::default())
            .await
            .unwrap()
            .all_ok()
    );
    server.set(
        "/military/news/",
        Resource::status(StatusCode::INTERNAL_SERVER_ERROR),
    );
    let report = run(config.clone(), &RunOptions::default()).await.unwrap();
    assert!(!report.all_ok());
    let status: serde_json::Value = serde_json::from_slice(
        &std::fs::read(config.output.folder().unwrap().join("status.json")).unwrap(),
    )
    .unwrap();
    let sections = status["sections"].as_array().unwrap();
    let ids: Vec<&str> = sections.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["news", "domestic", "military"]);
    assert_eq!(sections[0]["items"], 32);
    assert!(sections[0]["last_error"].is_null());
    let military = &sections[2];
    assert_eq!(military["items"], 5, "the last good feed's size");
    assert!(military["last_success"].is_string());
    let error = military["last_error"].as_str().unwrap();
    assert!(
        error.contains("/military/news/") && error.contains("500"),
        "{error}"
    );
    assert!(military["last_error_at"].is_string());
}

/// Failures back off: each failure in a row doubles the delay before the section's next
/// poll (shown in `status.json`), and the first success resets it to the section's `every`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_back_off_and_a_success_resets_the_schedule() {
    let server = SiteServer::bundled().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_yaml(&server.config_yaml(), dir.path()).unwrap();
    let options = RunOptions {
        every: Duration::from_secs(15 * 60),
        ..RunOptions::default()
    };
    let page = server.get("/military/news/").unwrap();
    server.set(
        "/military/news/",
        Resource::status(StatusCode::INTERNAL_SERVER_ERROR),
    );
    let military = || -> serde_json::Value {
        let status: serde_json::Value = serde_json::from_slice(
            &std::fs::read(config.output.folder().unwrap().join("status.json")).unwrap(),
        )
        .unwrap();
        status["sections"][2].clone()
    };
    let delay = |section: &serde_json::Value, since: &str| {
        let at = |key: &str| {
            chrono::DateTime::parse_from_rfc3339(section[key].as_str().unwrap()).unwrap()
        };
        (at("next_poll") - at(since)).num_minutes()
    };
    for (failures, minutes) in [(1, 30), (2, 60), (3, 120)] {
        assert!(!run(config.clone(), &options).await.unwrap().all_ok());
        let section = military();
        assert_eq!(section["failures"], failures);
        assert_eq!(section["every_seconds"], 900);
        assert_eq!(delay(&section, "last_error_at"), minutes, "{section}");
    }
    server.set("/military/news/", page);
    assert!(run(config.clone(), &options).await.unwrap().all_ok());
    let section = military();
    assert_eq!(section["failures"], 0);
    assert_eq!(delay(&section, "last_success"), 15, "{section}");
}

/// A byte order mark beats every label, as in browsers: articles whose bytes start with a
/// UTF-8, UTF-16LE or UTF-16BE BOM, served as `charset=gbk` and declaring GBK in a `<meta>`,
/// are read in the BOM's encoding, so their Chinese titles and bodies reach the feed intact
/// (decoded as GBK, the UTF-8 page would be mojibake and the UTF-16 pages would have no
/// readable `<h1>`, leaving only the list's placeholder titles).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_byte_order_mark_beats_the_charset_labels() {
    let server = SiteServer::start(HashMap::new()).await.unwrap();
    let pages: [(&str, &str, &str, Vec<u8>); 3] = [
        (
            "/faults/bom-utf8.html",
            "占位一",
            "中华网：带字节顺序标记的页面",
            vec![0xEF, 0xBB, 0xBF],
        ),
        (
            "/faults/bom-utf16le.html",
            "占位二",
            "中华网：小端序编码的页面",
            vec![0xFF, 0xFE],
        ),
        (
            "/faults/bom-utf16be.html",
            "占位三",
            "中华网：大端序编码的页面",
            vec![0xFE, 0xFF],
        ),
    ];
    let entries: Vec<(&str, &str)> = pages.iter().map(|(p, listed, ..)| (*p, *listed)).collect();
    server.set("/faults/", Resource::html(list(&entries)));
    for (path, _, title, bom) in &pages {
        let html = article(title, &format!("<p>{title}的正文</p>"))
            .replace(r#"<meta charset="utf-8">"#, r#"<meta charset="gbk">"#);
        let mut bytes = bom.clone();
        match bom.as_slice() {
            [0xFF, 0xFE] => bytes.extend(html.encode_utf16().flat_map(u16::to_le_bytes)),
            [0xFE, 0xFF] => bytes.extend(html.encode_utf16().flat_map(u16::to_be_bytes)),
            _ => bytes.extend_from_slice(html.as_bytes()),
        }
        server.set(
            path,
            with_header(
                Resource::html(bytes),
                header::CONTENT_TYPE,
                "text/html; charset=gbk",
            ),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_yaml(&config(&server.base()), dir.path()).unwrap();
    let report = run(config.clone(), &RunOptions::default()).await.unwrap();
    let summary = report.sections[0].as_ref().expect("the section is written");
    assert!(summary.failed_urls.is_empty(), "{summary:?}");
    for ext in ["rss", "atom"] {
        let feed = common::parse_feed(
            &config
                .output
                .folder()
                .unwrap()
                .join(format!("faults.{ext}")),
        );
        assert_eq!(feed.entries.len(), pages.len(), "{ext}");
        for (path, _, title, _) in &pages {
            let entry = feed
                .entries
                .iter()
                .find(|e| e.id == server.url(path).to_string())
                .unwrap_or_else(|| panic!("{ext}: {path} missing"));
            assert_eq!(common::title(entry), *title, "{ext}: {path}");
            let body = entry
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
                .unwrap_or_default();
            assert!(
                body.contains(&format!("{title}的正文")),
                "{ext}: {path}: {body}"
            );
        }
    }
}
