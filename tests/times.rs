//! Every time form a Chinese news list writes, through the whole pipeline: each item's instant in
//! both feeds is the one a person in Beijing reads off the page at the moment of the fetch.

mod common;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use feedwright::config::Config;
use feedwright::run::{RunOptions, run};
use feedwright_testsite::SiteServer;

const CONFIG: &str = r##"
sites:
  - id: times
    title: 时间测试
    article: { title: "h1#chan_newsTitle", published: "#chan_newsInfo" }
    related:
      item: ".item_list li"
      title: "h3.item_title a"
      link: "h3.item_title a"
      published: [".item_time@datetime", ".item_time@data-ts", ".item_time"]
    follow: true
    sections: [{ id: times, title: 时间, urls: ["{base}/times/"] }]
fetch: { per_host_delay: 0ms, retries: 0 }
"##;

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// What a reader in Beijing reads off each item at `now`: `(path, instant)`.
fn expected(now: DateTime<Utc>) -> Vec<(&'static str, DateTime<Utc>)> {
    let local = now.with_timezone(&beijing());
    let today = local.date_naive();
    let at = |date: NaiveDate, h, m| {
        beijing()
            .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let may6 = {
        let this_year = at(NaiveDate::from_ymd_opt(today.year(), 5, 6).unwrap(), 9, 5);
        if this_year > now + Duration::days(1) {
            at(
                NaiveDate::from_ymd_opt(today.year() - 1, 5, 6).unwrap(),
                9,
                5,
            )
        } else {
            this_year
        }
    };
    vec![
        ("/times/a01.html", utc("2024-05-06T01:05:20Z")),
        ("/times/a02.html", utc("2019-09-24T01:10:00Z")),
        ("/times/a03.html", utc("2024-05-05T16:00:00Z")),
        ("/times/a04.html", utc("2019-11-25T10:57:00Z")),
        ("/times/a05.html", utc("2019-06-15T00:18:00Z")),
        ("/times/a06.html", utc("2019-12-09T23:57:00Z")),
        ("/times/a07.html", utc("2019-12-09T23:57:00Z")),
        ("/times/a08.html", utc("2024-05-06T01:05:20Z")),
        ("/times/a09.html", utc("2019-06-05T00:18:00Z")),
        ("/times/y01.html", may6),
        ("/times/y02.html", may6),
        ("/times/r01.html", now),
        ("/times/r02.html", now - Duration::minutes(30)),
        ("/times/r03.html", now - Duration::hours(3)),
        ("/times/r04.html", now - Duration::minutes(30)),
        ("/times/r05.html", now - Duration::days(2)),
        ("/times/d01.html", at(today - Duration::days(1), 22, 17)),
        ("/times/d02.html", at(today - Duration::days(2), 8, 0)),
        ("/times/d03.html", at(today, 0, 30)),
        ("/times/m01.html", utc("2019-11-25T10:57:38Z")),
        ("/times/m02.html", utc("2024-05-06T01:05:20Z")),
        ("/times/m03.html", utc("2024-05-06T01:05:20Z")),
        ("/times/m04.html", utc("2024-05-29T16:26:40Z")),
        ("/times/meta.html", utc("2024-06-28T02:00:00Z")),
        ("/times/jsonld.html", utc("2024-06-28T03:30:00Z")),
        ("/times/future.html", now),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "xmllint",
    ignore = "needs xmllint (libxml2-utils) for the RFC 4287 schema, missing when the tests were built"
)]
async fn every_form_lands_on_the_instant_a_reader_in_beijing_reads() {
    let server = SiteServer::bundled().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_yaml(&CONFIG.replace("{base}", &server.base()), dir.path()).unwrap();
    let before = Utc::now();
    let report = run(config.clone(), &RunOptions::default()).await.unwrap();
    let after = Utc::now();
    assert!(report.all_ok(), "{:?}", report.sections);
    let rss = common::parse_feed(&config.output.folder().unwrap().join("times.rss"));
    let atom = common::parse_feed(&config.output.folder().unwrap().join("times.atom"));
    common::validate_rss(&config.output.folder().unwrap().join("times.rss"));
    common::validate_atom(&config.output.folder().unwrap().join("times.atom"));
    // Relative forms (and the undated item's first-seen date) count from the fetch, which
    // happened between `before` and `after`; every other form is exact.
    let tolerance = |path: &str| {
        if path.starts_with("/times/r") || path == "/times/future.html" {
            Duration::minutes(2) + (after - before)
        } else {
            Duration::zero()
        }
    };
    for (format, feed) in [("rss", &rss), ("atom", &atom)] {
        assert_eq!(
            feed.entries.len(),
            expected(before).len(),
            "{format}: one item per list entry"
        );
        for ((path, early), (_, late)) in expected(before).into_iter().zip(expected(after)) {
            let link = server.url(path).to_string();
            let entry = feed
                .entries
                .iter()
                .find(|e| e.id == link)
                .unwrap_or_else(|| panic!("{format}: {path} missing"));
            let got = entry
                .published
                .unwrap_or_else(|| panic!("{format}: {path} has no date"));
            let close = |want: DateTime<Utc>| (got - want).abs() <= tolerance(path);
            assert!(
                close(early) || close(late),
                "{format} {path}: got {got}, expected {early}"
            );
        }
    }
}
