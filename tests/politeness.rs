//! Politeness as the site sees it: the gap between two requests to one host, and the number of
//! requests in flight at once, measured by the fixture server as the requests arrive.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use feedwright::config::Config;
use feedwright::run::{RunOptions, run};
use feedwright_testsite::{Resource, SiteServer};

/// The `per_host_delay` of the gap tests.
const DELAY: Duration = Duration::from_millis(300);

/// A site whose sections are `(id, start URL)`; with `follow`, list entries are fetched too.
fn config(fetch: &str, follow: bool, sections: &[(&str, String)]) -> String {
    let sections: String = sections
        .iter()
        .map(|(id, url)| format!("      - {{ id: {id}, title: {id}, urls: [\"{url}\"] }}\n"))
        .collect();
    format!(
        r##"
fetch: {{ {fetch}, retries: 0, timeout: 10s }}
sites:
  - id: polite
    title: 礼貌测试
    article: {{ title: "h1", published: ".time", body: "#body" }}
    related: {{ item: ".item_list li", title: "a", link: "a", published: ".item_time" }}
    follow: {follow}
    sections:
{sections}"##
    )
}

/// A list page linking to `/{section}/1.html` … `/{section}/{n}.html`.
fn list(section: &str, n: usize) -> Resource {
    let items: String = (1..=n)
        .map(|i| {
            format!(
                r#"<li><a href="/{section}/{i}.html">{section} {i}</a><em class="item_time">2024-06-28 09:0{i}:00</em></li>"#
            )
        })
        .collect();
    Resource::html(format!(
        r#"<html><head><meta charset="utf-8"></head><body><ul class="item_list">{items}</ul></body></html>"#
    ))
}

fn article(title: &str) -> Resource {
    Resource::html(format!(
        r##"<html><head><meta charset="utf-8"></head><body><h1>{title}</h1>
<div class="time">2024-06-28 09:00:00</div><div id="body"><p>正文</p></div></body></html>"##
    ))
}

/// Two sections, `first` and `second`, each a list of three articles, every page answered after
/// `delay`: with robots.txt (404), nine requests to one host, eight of them pages.
async fn two_sections(delay: Duration) -> SiteServer {
    let mut pages = HashMap::new();
    for section in ["first", "second"] {
        pages.insert(format!("/{section}/"), list(section, 3).delayed(delay));
        for i in 1..=3 {
            let page = article(&format!("{section} {i}")).delayed(delay);
            pages.insert(format!("/{section}/{i}.html"), page);
        }
    }
    SiteServer::start(pages).await.unwrap()
}

/// Runs `config` once; every section must be written with every page read.
async fn poll(config: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_yaml(config, dir.path()).unwrap();
    let report = run(config.clone(), &RunOptions::default()).await.unwrap();
    for section in &report.sections {
        let summary = section.as_ref().expect("the section is written");
        assert!(summary.failed_urls.is_empty(), "{summary:?}");
    }
}

/// The gaps between consecutive arrivals whose path satisfies `keep`, each with the later path.
fn gaps(server: &SiteServer, keep: impl Fn(&str) -> bool) -> Vec<(String, Duration)> {
    let arrivals: Vec<_> = server
        .arrivals()
        .into_iter()
        .filter(|(path, _)| keep(path))
        .collect();
    arrivals
        .windows(2)
        .map(|pair| (pair[1].0.clone(), pair[1].1 - pair[0].1))
        .collect()
}

/// Checks that arrivals `gaps` apart keep [`DELAY`] between them, as far as the server can
/// tell. It notes an arrival when its handler runs, in a test process that may share a busy
/// machine: one arrival noted late lengthens the gap before it and shortens the one after by
/// as much (a couple of ms on an idle machine, up to 80 ms measured with the CPUs busy). So
/// every gap must be at least half the delay, which no burst passes (no delay at all, a delay
/// per section or per connection, robots.txt or followed pages left out: gaps near zero), and
/// all of them together must span the delays they hold less half of one, which no delay
/// shorter than the configured one passes.
fn assert_spaced(gaps: &[(String, Duration)]) {
    for (path, gap) in gaps {
        assert!(
            *gap >= DELAY / 2,
            "{path} arrived {gap:?} after the request before it (per_host_delay {DELAY:?}): {gaps:?}"
        );
    }
    let span: Duration = gaps.iter().map(|(_, gap)| *gap).sum();
    let delays = DELAY * u32::try_from(gaps.len()).unwrap();
    assert!(
        span + DELAY / 2 >= delays,
        "{} gaps span {span:?}, less than {delays:?}: {gaps:?}",
        gaps.len()
    );
}

/// `per_host_delay: 300ms` with room for four requests at once, and two sections on one host
/// wanting nine requests together: the server sees every request, robots.txt included, the
/// delay after the one before (as [`assert_spaced`] can tell); there is no upper bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_one_host_keep_the_per_host_delay() {
    let server = two_sections(Duration::ZERO).await;
    let base = server.base();
    let sections = [
        ("first", format!("{base}/first/")),
        ("second", format!("{base}/second/")),
    ];
    poll(&config(
        "per_host_delay: 300ms, concurrency: 4, respect_robots: true",
        true,
        &sections,
    ))
    .await;
    let gaps = gaps(&server, |_| true);
    assert_eq!(gaps.len(), 8, "robots.txt and eight pages: {gaps:?}");
    assert_spaced(&gaps);
}

/// The delay holds for requests that had to wait for a free slot of `concurrency`: a slow page
/// on another host (`localhost`, the same server under another name) holds the only slot for
/// two seconds while four sections on 127.0.0.1 wait; when it is freed, their requests still go out
/// the delay apart, not in a burst.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_host_delay_holds_after_waiting_for_a_free_slot() {
    let mut pages = HashMap::new();
    for section in ["a1", "a2", "a3", "a4"] {
        pages.insert(format!("/{section}/"), list(section, 1));
    }
    pages.insert(
        "/slow/".to_owned(),
        list("slow", 1).delayed(Duration::from_secs(2)),
    );
    let server = SiteServer::start(pages).await.unwrap();
    let base = server.base();
    let port = base.rsplit(':').next().unwrap();
    let mut sections: Vec<(&str, String)> =
        vec![("slow", format!("http://localhost:{port}/slow/"))];
    for id in ["a1", "a2", "a3", "a4"] {
        sections.push((id, format!("{base}/{id}/")));
    }
    poll(&config(
        "per_host_delay: 300ms, concurrency: 1, respect_robots: false",
        false,
        &sections,
    ))
    .await;
    let gaps = gaps(&server, |path| path != "/slow/");
    assert_eq!(gaps.len(), 3, "four start pages on 127.0.0.1: {gaps:?}");
    assert_spaced(&gaps);
}

/// `concurrency: 2` with slow pages and no per-host delay: the server never answers more than
/// two requests at once, and does answer two at once (the limit is used, not just obeyed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_requests_in_flight_than_the_concurrency() {
    let server = two_sections(Duration::from_millis(200)).await;
    let base = server.base();
    let sections = [
        ("first", format!("{base}/first/")),
        ("second", format!("{base}/second/")),
    ];
    poll(&config(
        "per_host_delay: 0ms, concurrency: 2, respect_robots: true",
        true,
        &sections,
    ))
    .await;
    assert_eq!(server.arrivals().len(), 9, "robots.txt and eight pages");
    assert_eq!(server.max_in_flight(), 2);
}
