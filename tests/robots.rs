//! robots.txt as RFC 9309 reads it: a missing one allows every page; one that cannot be read
//! (5xx, 429, a timeout) allows no page of its host for the rest of the run, and the section
//! fails saying so; the next run asks again.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;
use feedwright::config::Config;
use feedwright::run::{RunOptions, RunReport, run};
use feedwright_testsite::{Resource, SiteServer};

/// The section's pages: a list and the two articles it links to.
const PAGES: [&str; 3] = ["/list/", "/a/1.html", "/a/2.html"];

/// Robots are respected explicitly (whatever the default), and nothing is retried, so that
/// robots.txt is asked exactly once per run.
fn config(base: &str) -> String {
    format!(
        r##"
fetch: {{ timeout: 1s, retries: 0, per_host_delay: 0ms, respect_robots: true }}
sites:
  - id: robots
    title: 机器人测试
    article: {{ title: "h1", published: ".time", body: "#body" }}
    related: {{ item: ".item_list li", title: "a", link: "a", published: ".item_time" }}
    follow: true
    sections: [{{ id: polite, title: 礼貌, urls: ["{base}/list/"] }}]
"##
    )
}

fn article(title: &str, time: &str) -> Resource {
    Resource::html(format!(
        r##"<html><head><meta charset="utf-8"></head><body><h1>{title}</h1>
<div class="time">{time}</div><div id="body"><p>正文</p></div></body></html>"##
    ))
}

/// A site whose robots.txt answers `robots`.
async fn site(robots: Resource) -> SiteServer {
    let list = r#"<html><head><meta charset="utf-8"></head><body><ul class="item_list">
<li><a href="/a/1.html">一</a><em class="item_time">2024-06-28 09:00:00</em></li>
<li><a href="/a/2.html">二</a><em class="item_time">2024-06-28 09:30:00</em></li>
</ul></body></html>"#;
    let pages = HashMap::from([
        ("/list/".to_owned(), Resource::html(list)),
        (
            "/a/1.html".to_owned(),
            article("第一篇", "2024-06-28 09:00:00"),
        ),
        (
            "/a/2.html".to_owned(),
            article("第二篇", "2024-06-28 09:30:00"),
        ),
        ("/robots.txt".to_owned(), robots),
    ]);
    SiteServer::start(pages).await.unwrap()
}

/// Requests for the section's pages (robots.txt aside).
fn page_requests(server: &SiteServer) -> usize {
    PAGES.iter().map(|p| server.hits(p).requests).sum()
}

/// One library run of `server`'s section, with its config, history and feeds under `dir`.
async fn run_once(server: &SiteServer, dir: &tempfile::TempDir) -> (Config, RunReport) {
    let config = Config::from_yaml(&config(&server.base()), dir.path()).unwrap();
    let report = run(config.clone(), &RunOptions::default()).await.unwrap();
    (config, report)
}

/// The error of the run's one section, which must have failed without touching a page.
fn refused(server: &SiteServer, config: &Config, report: &RunReport) -> String {
    assert!(!report.all_ok(), "the section is not reported ok");
    let error =
        feedwright::error_chain(report.sections[0].as_ref().expect_err("the section fails"));
    assert_eq!(
        page_requests(server),
        0,
        "no page of the host is fetched: {error}"
    );
    assert_eq!(
        server.hits("/robots.txt").requests,
        1,
        "asked once: {error}"
    );
    assert!(
        !config.output.folder().unwrap().join("polite.atom").exists(),
        "no feed is written"
    );
    assert!(
        error.contains("section polite") && error.contains("robots.txt is unreachable"),
        "the error names the section and robots.txt: {error}"
    );
    error
}

/// A robots.txt answering 500 means the site may be in trouble: `feedwright run` fetches no
/// page of that host, exits 1 and says the section failed because of robots.txt. Once it
/// answers 404, the next run asks again and reads the pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_answering_500_allows_no_page() {
    let server = site(Resource::status(StatusCode::INTERNAL_SERVER_ERROR)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, config(&server.base())).unwrap();
    let out = common::feedwright(&["run", "-c", path.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a failed section: {stderr}");
    assert!(
        stderr.contains("error: section polite")
            && stderr.contains("robots.txt is unreachable")
            && stderr.contains("500"),
        "{stderr}"
    );
    assert_eq!(page_requests(&server), 0, "no page of the host is fetched");
    assert_eq!(server.hits("/robots.txt").requests, 1);
    assert!(!dir.path().join("feeds/polite.atom").exists());

    server.set("/robots.txt", Resource::status(StatusCode::NOT_FOUND));
    let (config, report) = run_once(&server, &dir).await;
    assert!(report.all_ok(), "{:?}", report.sections);
    assert_eq!(server.hits("/robots.txt").requests, 2, "asked again");
    assert_eq!(page_requests(&server), 3);
    let atom = common::parse_feed(&config.output.folder().unwrap().join("polite.atom"));
    assert_eq!(atom.entries.len(), 2);
}

/// A robots.txt answering 429 (too many requests) allows no page either: the run does not
/// hammer a site that asks it to slow down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_answering_429_allows_no_page() {
    let server = site(Resource::status(StatusCode::TOO_MANY_REQUESTS)).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, report) = run_once(&server, &dir).await;
    let error = refused(&server, &config, &report);
    assert!(error.contains("429"), "{error}");
}

/// A robots.txt that does not answer within fetch.timeout allows no page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_that_times_out_allows_no_page() {
    let slow = Resource::html("User-agent: *\nAllow: /\n").delayed(Duration::from_secs(3));
    let server = site(slow).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, report) = run_once(&server, &dir).await;
    let error = refused(&server, &config, &report);
    assert!(error.contains("timed out"), "{error}");
}

/// A missing robots.txt (404) allows every page: the list and both articles are read, and
/// robots.txt is asked once for the whole run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_robots_txt_allows_every_page() {
    let server = site(Resource::status(StatusCode::NOT_FOUND)).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, report) = run_once(&server, &dir).await;
    let summary = report.sections[0].as_ref().expect("the section is written");
    assert!(summary.failed_urls.is_empty(), "{summary:?}");
    for page in PAGES {
        assert_eq!(server.hits(page).full, 1, "{page}");
    }
    assert_eq!(server.hits("/robots.txt").requests, 1);
    let atom = common::parse_feed(&config.output.folder().unwrap().join("polite.atom"));
    let titles: Vec<String> = atom.entries.iter().map(common::title).collect();
    assert_eq!(
        titles,
        ["第二篇", "第一篇"],
        "the articles' own titles, newest first"
    );
}

/// A page that redirects into a part of the site robots.txt disallows is not fetched there:
/// the redirect's target is checked like any page, the entry keeps what the list says, and the
/// other article is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_into_a_disallowed_path_is_not_followed() {
    let server = site(Resource::html("User-agent: *\nDisallow: /private/\n")).await;
    let mut redirect = Resource::status(StatusCode::FOUND);
    redirect.headers = vec![(
        axum::http::header::LOCATION,
        axum::http::HeaderValue::from_static("/private/1.html"),
    )];
    server.set("/a/1.html", redirect);
    server.set("/private/1.html", article("私密", "2024-06-28 09:00:00"));
    let dir = tempfile::tempdir().unwrap();
    let (config, report) = run_once(&server, &dir).await;
    let summary = report.sections[0].as_ref().expect("the section is written");
    assert_eq!(server.hits("/private/1.html").requests, 0, "never asked");
    assert_eq!(server.hits("/a/1.html").requests, 1);
    assert!(
        summary.failed_urls.iter().any(|u| u.ends_with("/a/1.html")),
        "{summary:?}"
    );
    let atom = common::parse_feed(&config.output.folder().unwrap().join("polite.atom"));
    let titles: Vec<String> = atom.entries.iter().map(common::title).collect();
    assert_eq!(
        titles,
        ["第二篇", "一"],
        "the list's title for the refused one"
    );
}
