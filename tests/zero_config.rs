//! Sites without selectors: `run` and `feedwright extract` with zero-config extraction, the
//! fallback of a field whose selectors match nothing, and pages that are neither article nor
//! list.

mod common;

use std::collections::BTreeMap;

use common::Harness;
use feedwright::config::Config;
use feedwright_extract::auto::{self, Kind};
use feedwright_testsite::Resource;
use proptest::prelude::*;
use scraper::Html;

/// The demo configuration with its site's selectors (`article:` and `related:`) taken out.
fn without_selectors(yaml: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in yaml.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 4 && (trimmed.starts_with("article:") || trimmed.starts_with("related:")) {
            skipping = true;
            continue;
        }
        if skipping && indent > 4 {
            continue;
        }
        skipping = false;
        out.push(line);
    }
    out.join("\n")
}

/// Every item of a section's Atom feed: id → (title, published, source, body text).
fn items(h: &Harness, section: &str) -> BTreeMap<String, (String, String, String, String)> {
    let (_, atom) = h.feeds(section);
    atom.entries
        .iter()
        .map(|e| {
            let source = e
                .authors
                .first()
                .and_then(|a| a.name.clone())
                .unwrap_or_default();
            (
                e.id.clone(),
                (
                    common::title(e),
                    e.published.map(|p| p.to_rfc3339()).unwrap_or_default(),
                    source,
                    body_text(e),
                ),
            )
        })
        .collect()
}

/// The visible text of an entry's body, without whitespace.
fn body_text(entry: &feed_rs::model::Entry) -> String {
    let html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    feedwright_extract::text::plain_text(Html::parse_fragment(&html).root_element())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// On the fixture site, a configuration with no selectors gives the feeds the hand-written
/// selectors give: the same items, with the same titles, times, sources and body texts (the
/// followed articles' included, a multi-page article's joined).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_without_selectors_gives_the_feeds_its_selectors_give() {
    let with = Harness::new().await;
    assert!(with.run().await.all_ok());
    let mut without = Harness::new().await;
    let yaml =
        without_selectors(&feedwright::demo::DEMO_CONFIG.replace("{base}", &without.server.base()));
    assert!(
        !yaml.contains("related:") && !yaml.contains("article:"),
        "{yaml}"
    );
    without.config = Config::from_yaml(&yaml, without.dir.path()).expect("a valid config");
    assert!(without.run().await.all_ok());
    for section in ["news", "domestic", "military"] {
        let selected = items(&with, section);
        let found = items(&without, section);
        let base_with = with.server.base();
        let base_without = without.server.base();
        let found: BTreeMap<String, _> = found
            .into_iter()
            .map(|(id, v)| (id.replace(&base_without, &base_with), v))
            .collect();
        assert_eq!(found.len(), selected.len(), "{section}: item count");
        for (id, expected) in &selected {
            assert_eq!(found.get(id), Some(expected), "{section}: {id}");
        }
    }
}

/// A body selector that matches nothing falls back to zero-config extraction for that page:
/// the feed keeps its bodies, and `status.json` counts the fields so an operator sees that the
/// site changed its template.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_that_matches_nothing_falls_back_and_is_counted() {
    let mut h = Harness::new().await;
    let yaml = feedwright::demo::DEMO_CONFIG
        .replace("{base}", &h.server.base())
        .replace(
            r##"body: ["#chan_newsDetail", "#js_article_content", "#detail"]"##,
            r##"body: "#gone""##,
        );
    h.config = Config::from_yaml(&yaml, h.dir.path()).expect("a valid config");
    let report = h.run().await;
    let news = report.sections[0].as_ref().expect("news is written");
    assert!(news.fallbacks > 0, "{news:?}");
    let (_, atom) = h.feeds("news");
    let seed = atom
        .entries
        .iter()
        .find(|e| e.id.ends_with("46470275.html"))
        .expect("the seed article");
    let body = seed
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    assert!(body.contains("朱莉安·史密斯"), "{body}");
    let status: serde_json::Value = serde_json::from_slice(
        &std::fs::read(h.config.output.folder().unwrap().join("status.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        status["sections"][0]["fallbacks"].as_u64(),
        Some(news.fallbacks as u64)
    );
}

/// Where the test pages are said to come from.
fn page_url() -> url::Url {
    url::Url::parse("https://news.example.com/2024/0506/index.html").expect("a URL")
}

/// Pages that hold neither an article nor a list.
const NOTHING: [(&str, &str); 5] = [
    (
        "login wall",
        r#"<html><head><title>登录 - 某某网</title></head><body><h1>请登录</h1><form><input name=u><input type=password name=p><button>登录</button></form><a href="/reg">注册</a> <a href="/forgot">忘记密码</a></body></html>"#,
    ),
    (
        "error page in 200 clothing",
        r#"<html><head><title>404 页面不存在</title></head><body><h1>抱歉，您访问的页面不存在</h1><p><a href="/">返回首页</a></p></body></html>"#,
    ),
    (
        "empty body",
        "<html><head><title>新闻</title></head><body></body></html>",
    ),
    (
        "JavaScript-only shell",
        r#"<html><head><title>新闻客户端</title><script src="/app.js"></script></head><body><div id="root"></div><noscript>请开启JavaScript</noscript></body></html>"#,
    ),
    ("not HTML at all", "\u{0}\u{1}binary\u{fffd}\u{fffd}"),
];

#[test]
fn pages_with_nothing_give_nothing() {
    for (what, html) in NOTHING {
        let page = auto::extract(&Html::parse_document(html), &page_url());
        assert_eq!(page.kind, Kind::None, "{what}");
        assert!(page.article.is_none() && page.entries.is_empty(), "{what}");
    }
}

/// `feedwright extract` over loopback HTTP: an article of the real corpus as JSON with the
/// documented keys, a list page, and a JavaScript shell that gives "no article or list found"
/// and exit status 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_prints_an_article_a_list_and_refuses_a_shell() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");
    let article = std::fs::read(format!("{corpus}/articles/xinhua-1.html")).unwrap();
    let list = std::fs::read(format!("{corpus}/lists/qbitai-1.html")).unwrap();
    let utf8 = |bytes: Vec<u8>| {
        let mut resource = Resource::html(bytes);
        resource.headers = vec![(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
        )];
        resource
    };
    let pages = [
        ("/article.html".to_owned(), utf8(article)),
        ("/list.html".to_owned(), utf8(list)),
        ("/shell.html".to_owned(), Resource::html(NOTHING[3].1)),
    ];
    let server = feedwright_testsite::SiteServer::start(pages.into_iter().collect())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let extract = |path: &str| {
        let url = server.url(path).to_string();
        let mut command = common::feedwright(&["extract", "--json", &url]);
        command.current_dir(dir.path());
        command
    };
    let out = extract("/article.html").output().await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["kind"], "article");
    assert_eq!(json["title"], "法国全国大罢工再次严重影响交通");
    assert_eq!(json["published"], "2019-12-10T07:57:40+08:00");
    assert_eq!(json["precision"], "second");
    let text = json["body_text"].as_str().unwrap();
    assert!(text.chars().count() > 300, "{text}");
    assert!(
        !json["body_html"].as_str().unwrap().contains("<script"),
        "sanitized"
    );
    assert!(json["items"].is_array());

    let out = extract("/list.html").output().await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["kind"], "list");
    let items = json["items"].as_array().unwrap();
    assert!(items.len() >= 5, "{items:?}");
    assert!(
        items
            .iter()
            .all(|i| i["link"].as_str().unwrap().starts_with("http")),
        "absolute links"
    );

    let out = extract("/shell.html").output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no article or list found"), "{stderr}");
}

/// Pathological documents finish and give a sane answer: 100,000 nested elements, 8 MB of
/// text in one node, 50,000 links.
#[test]
fn pathological_pages_finish() {
    let nested = format!(
        "<html><head><title>深</title></head><body>{}<p>深处的一段正文，有标点。</p>{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let page = auto::extract(
        &feedwright_extract::document::parse_document(&nested),
        &page_url(),
    );
    assert!(page.entries.is_empty());

    let huge = format!(
        "<html><head><title>很长很长的文章_网站</title></head><body><h1>很长很长的文章</h1><p>{}</p></body></html>",
        "很长的一段文字，".repeat(350_000)
    );
    let page = auto::extract(&Html::parse_document(&huge), &page_url());
    assert_eq!(page.kind, Kind::Article);

    let links: String = (0..50_000)
        .map(|i| format!("<li><a href=\"/news/2024/{i:06}.html\">第{i}条新闻的标题在这里</a></li>"))
        .collect();
    let many =
        format!("<html><head><title>滚动新闻</title></head><body><ul>{links}</ul></body></html>");
    let page = auto::extract(&Html::parse_document(&many), &page_url());
    assert_eq!(page.kind, Kind::List);
    // Scoring stops at 60,000 elements: the entries up to there are found, in order.
    assert!(page.entries.len() > 25_000, "{}", page.entries.len());
    assert_eq!(page.entries[0].href, "/news/2024/000000.html");
    assert_eq!(page.entries[0].title, "第0条新闻的标题在这里");
}

proptest! {
    /// Any tag soup: no panic, and an article always has a non-empty title.
    #[test]
    fn tag_soup_never_panics_nor_gives_an_empty_title(
        soup in r#"(<(h1|h2|div|p|ul|li|a|span|table|td|title|script)( class="title"| href="/a/20240506[0-9]{2}.html"| style="display:none")?>|</(h1|h2|div|p|ul|li|a|span|table|td|title|script)>|[^<]{0,24}|2024-05-06 09:05|来源：新华社|。，){0,60}"#
    ) {
        let page = auto::extract(&Html::parse_document(&soup), &page_url());
        if let Some(article) = &page.article {
            prop_assert!(!article.title.trim().is_empty());
        }
        for entry in &page.entries {
            prop_assert!(!entry.title.trim().is_empty());
        }
    }
}

/// `preview` says which fields zero-config extraction filled, and shows what it found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_shows_the_fallback() {
    let h = Harness::new().await;
    let config = h.dir.path().join("config.yaml");
    let yaml = feedwright::demo::DEMO_CONFIG
        .replace("{base}", &h.server.base())
        .replace(
            r##"body: ["#chan_newsDetail", "#js_article_content", "#detail"]"##,
            r##"body: "#gone""##,
        );
    std::fs::write(&config, yaml).unwrap();
    let url = h
        .server
        .url("/socialgd/10000169/20240506/46470275.html")
        .to_string();
    let out = common::feedwright(&["preview", &url, "-c", config.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a field matched nothing: {stdout}"
    );
    assert!(
        stdout.contains(
            r##"!!  article.body       matched nothing: ["#gone"]; zero-config extraction used"##
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains("body       -"),
        "the body was found: {stdout}"
    );
}
