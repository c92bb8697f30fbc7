//! Articles split over several pages, joined into one story: on the fixture site (a china.com
//! article of three pages, `_1.html` and `_2.html` after the first), through `run` and
//! `feedwright extract`, and when the pager misleads (a loop, another host).

mod common;

use common::Harness;
use feedwright::config::Config;
use feedwright_testsite::{Resource, SiteServer};
use scraper::Html;

/// The multi-page article of the fixture site.
const ARTICLE: &str = "/domestic/945/20240628/46741209.html";

/// Its paragraphs, page after page.
const PARAGRAPHS: [&str; 5] = [
    "国家发展改革委等部门近日联合部署夏粮收购工作",
    "各地将根据小麦上市进度，及时启动收购",
    "收购期间，各级粮食部门将加强市场监测",
    "多地粮食企业表示，今年烘干和仓储能力明显提升",
    "有关部门提醒，农民朋友售粮时要注意核对质量等级和价格",
];

/// The visible text of a body.
fn text(html: &str) -> String {
    feedwright_extract::text::plain_text(Html::parse_fragment(html).root_element())
}

/// True when every paragraph is in `text` once, in page order.
fn every_page_once_in_order(text: &str) -> bool {
    let mut from = 0;
    PARAGRAPHS.iter().all(|p| {
        let found = text[from..].find(p).map(|at| from + at);
        let once = text.matches(p).count() == 1;
        match found {
            Some(at) if once => {
                from = at + p.len();
                true
            }
            _ => false,
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_page_article_is_one_item_with_every_page_once_in_order() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let (_, atom) = h.feeds("domestic");
    let id = h.server.url(ARTICLE).to_string();
    let entry = atom
        .entries
        .iter()
        .find(|e| e.id == id)
        .expect("the article is an item");
    let body = text(
        &entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default(),
    );
    assert!(every_page_once_in_order(&body), "{body}");
    for chrome in ["下一页", "上一页", "责任编辑"] {
        assert!(!body.contains(chrome), "{chrome} in {body}");
    }
    assert!(
        !atom.entries.iter().any(|e| e.id.contains("46741209_")),
        "its other pages are no items of their own"
    );
    for page in [
        ARTICLE,
        "/domestic/945/20240628/46741209_1.html",
        "/domestic/945/20240628/46741209_2.html",
    ] {
        assert_eq!(h.server.hits(page).requests, 1, "{page} fetched once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_joins_the_pages_of_an_article() {
    let server = SiteServer::bundled().await.expect("the fixture server");
    let dir = tempfile::tempdir().unwrap();
    let url = server.url(ARTICLE).to_string();
    let out = common::feedwright(&["extract", "--json", &url])
        .current_dir(dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["pages"], 3);
    assert_eq!(json["title"], "多部门联合部署夏粮收购工作 保障种粮农民利益");
    let body = json["body_text"].as_str().unwrap_or_default();
    assert!(every_page_once_in_order(body), "{body}");
}

/// A china.com-shaped page of a story split over pages, with its pager's next link to `next`.
fn page(n: usize, next: Option<&str>) -> Resource {
    let pager = next.map_or_else(String::new, |next| {
        format!(r#"<div class="pager"><a class="next" href="{next}">下一页</a></div>"#)
    });
    Resource::html(format!(
        r#"<html><head><meta charset="utf-8"><title>分页的新闻_新闻频道_中华网</title></head><body>
        <h1 class="article_title">分页的新闻</h1>
        <div class="article_info"><span class="time">2024-06-25 09:00:00</span></div>
        <div class="article_content"><p>第{n}页的正文，记者从有关部门了解到，这一页讲的是事情的第{n}部分。</p></div>
        {pager}</body></html>"#
    ))
}

/// A site of one article whose pages are `pages`, polled with `next` pinned to the pager.
async fn poll(pages: Vec<(&str, Resource)>) -> (SiteServer, feed_rs::model::Feed) {
    let server = SiteServer::start(
        pages
            .into_iter()
            .map(|(path, resource)| (path.to_owned(), resource))
            .collect(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        r#"fetch: {{ per_host_delay: 0ms, retries: 0 }}
sites:
  - id: s
    title: S
    article:
      title: "h1.article_title"
      published: ".article_info .time"
      body: ".article_content"
      next: ".pager a.next"
    sections:
      - {{ id: paged, title: Paged, urls: ["{}"] }}
"#,
        server.url("/a.html")
    );
    let config = Config::from_yaml(&yaml, dir.path()).expect("a valid config");
    let report = feedwright::run::run(config.clone(), &Default::default())
        .await
        .unwrap();
    assert!(report.all_ok(), "{report:?}");
    let atom = common::parse_feed(&dir.path().join("feeds/paged.atom"));
    (server, atom)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pager_that_loops_or_leaves_the_site_keeps_what_was_read() {
    // Page 2's "next" leads back to page 1.
    let (server, atom) = poll(vec![
        ("/a.html", page(1, Some("a_1.html"))),
        ("/a_1.html", page(2, Some("a.html"))),
    ])
    .await;
    let body = text(
        &atom.entries[0]
            .content
            .as_ref()
            .unwrap()
            .body
            .clone()
            .unwrap(),
    );
    assert!(body.contains("第1页") && body.contains("第2页"), "{body}");
    assert_eq!(body.matches("第1页").count(), 1, "{body}");
    assert_eq!(server.hits("/a.html").requests, 1);

    // Page 2's "next" leaves for another host: the join ends there, nothing is fetched there.
    let (server, atom) = poll(vec![
        ("/a.html", page(1, Some("a_1.html"))),
        ("/a_1.html", page(2, Some("http://localhost:9/a_2.html"))),
    ])
    .await;
    let body = text(
        &atom.entries[0]
            .content
            .as_ref()
            .unwrap()
            .body
            .clone()
            .unwrap(),
    );
    assert!(body.contains("第1页") && body.contains("第2页"), "{body}");
    assert_eq!(
        server.total_hits().requests,
        2 + 1,
        "two pages and robots.txt"
    );
}
