//! History and incremental polling: several polls of a site whose pages change between them.

mod common;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use common::{Harness, ids, title};
use feedwright::config::Format;
use feedwright::publish::Written;
use feedwright_testsite::Resource;

const SEED: &str = "/socialgd/10000169/20240506/46470275.html";
/// A followed page used as the template of new articles.
const TEMPLATE: &str = "/socialgd/10000169/20240628/46741107.html";
const TEMPLATE_TITLE: &str = "四川长宁县附近发生3.1级左右地震 震源深度9千米";
const TEMPLATE_TIME: &str = "2024-06-28 16:55:05";
const CORRECTED: &str = "/socialgd/10000169/20240628/46741106.html";
const OLD_TITLE: &str = "会缩短手机寿命的使用习惯 网友：全中！建议供起来";
const NEW_TITLE: &str = "会缩短手机寿命的使用习惯（更正）";

fn text(h: &Harness, path: &str) -> String {
    String::from_utf8(h.server.get(path).expect("the fixture exists").body).expect("UTF-8 fixture")
}

fn list_entry(href: &str, title: &str, time: Option<&str>) -> String {
    let time = time
        .map(|t| format!(r#"<em class="item_time">{t}</em>"#))
        .unwrap_or_default();
    format!(
        r#"<li><h3 class="item_title"><a href="{href}">{title}</a></h3><div class="item_info">{time}</div></li>"#
    )
}

/// A Template A article with `title`, written at `time` (or with no time at all).
fn article(h: &Harness, title: &str, time: Option<&str>) -> Resource {
    let page = text(h, TEMPLATE)
        .replace(TEMPLATE_TITLE, title)
        .replace(TEMPLATE_TIME, time.unwrap_or(""));
    Resource::html(page)
}

/// The hot list moves on: five stories leave, three arrive (one undated), one title is corrected.
fn move_the_list_on(h: &Harness) {
    let leaving = ["46741101", "46741102", "46741103", "46741104", "46741105"];
    let mut seed: String = text(h, SEED)
        .lines()
        .filter(|line| !(line.starts_with("<li>") && leaving.iter().any(|id| line.contains(id))))
        .collect::<Vec<_>>()
        .join("\n");
    let arriving = [
        list_entry(
            "/socialgd/10000169/20240629/46742001.html",
            "新增新闻一",
            Some("2024-06-29 09:00:00"),
        ),
        list_entry(
            "../20240629/46742002.html",
            "新增新闻二",
            Some("2024-06-29 09:30:00"),
        ),
        list_entry(
            "/socialgd/10000169/20240629/46742003.html",
            "无时间新闻",
            None,
        ),
    ];
    seed = seed.replacen(
        r#"<ul class="item_list">"#,
        &format!("<ul class=\"item_list\">\n{}", arriving.join("\n")),
        1,
    );
    seed = seed.replace(OLD_TITLE, NEW_TITLE);
    h.server.set(SEED, Resource::html(seed));
    h.server.set(
        "/socialgd/10000169/20240629/46742001.html",
        article(h, "新增新闻一", Some("2024-06-29 09:00:00")),
    );
    h.server.set(
        "/socialgd/10000169/20240629/46742002.html",
        article(h, "新增新闻二", Some("2024-06-29 09:30:00")),
    );
    h.server.set(
        "/socialgd/10000169/20240629/46742003.html",
        article(h, "无时间新闻", None),
    );
    let corrected = text(h, CORRECTED).replace(OLD_TITLE, NEW_TITLE);
    h.server.set(CORRECTED, Resource::html(corrected));
}

fn by_id(feed: &feed_rs::model::Feed) -> HashMap<String, &feed_rs::model::Entry> {
    feed.entries.iter().map(|e| (e.id.clone(), e)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_polls_keep_items_update_in_place_and_then_change_nothing() {
    let h = Harness::new().await;

    // Poll 1.
    assert!(h.run().await.all_ok());
    let (rss1, atom1) = h.feeds("news");
    assert_eq!(rss1.entries.len(), 32);

    // Poll 2: the hot list has moved on.
    move_the_list_on(&h);
    let before_poll2 = Utc::now();
    let report = h.run().await;
    let after_poll2 = Utc::now();
    let news = report.sections[0].as_ref().expect("news is written");
    assert_eq!((news.new, news.updated), (3, 1), "{news:?}");
    let (rss2, atom2) = h.feeds("news");
    assert_eq!(rss2.entries.len(), 35, "nothing a reader saw disappears");
    for (old, new) in [(&rss1, &rss2), (&atom1, &atom2)] {
        let new = by_id(new);
        for entry in &old.entries {
            let kept = new
                .get(&entry.id)
                .unwrap_or_else(|| panic!("{} was dropped", entry.id));
            assert_eq!(
                kept.published, entry.published,
                "{}: the date never moves",
                entry.id
            );
        }
    }
    let corrected = h.server.url(CORRECTED).to_string();
    let atom2_by_id = by_id(&atom2);
    let entry = atom2_by_id[&corrected];
    assert_eq!(
        title(entry),
        NEW_TITLE,
        "the corrected title replaces the old one"
    );
    assert!(
        entry.updated.unwrap() > entry.published.unwrap(),
        "Atom updated moves on a correction"
    );
    assert!(entry.updated.unwrap() >= before_poll2 - chrono::Duration::seconds(1));
    let rss2_by_id = by_id(&rss2);
    assert_eq!(title(rss2_by_id[&corrected]), NEW_TITLE);
    assert_eq!(
        rss2_by_id[&corrected].published,
        by_id(&rss1)[&corrected].published
    );
    let instant = |path: &str| {
        rss2_by_id[&h.server.url(path).to_string()]
            .published
            .unwrap()
    };
    assert_eq!(
        instant("/socialgd/10000169/20240629/46742001.html").to_rfc3339(),
        "2024-06-29T01:00:00+00:00"
    );
    assert_eq!(
        instant("/socialgd/10000169/20240629/46742002.html").to_rfc3339(),
        "2024-06-29T01:30:00+00:00"
    );
    let undated = instant("/socialgd/10000169/20240629/46742003.html");
    assert!(
        undated >= before_poll2 - chrono::Duration::seconds(1) && undated <= after_poll2,
        "an undated item is dated when first seen: {undated}"
    );
    assert_eq!(
        ids(&rss2)[0],
        h.server
            .url("/socialgd/10000169/20240629/46742003.html")
            .to_string(),
        "newest first"
    );

    // Poll 3: nothing changed.
    let mtimes = feed_mtimes(&h);
    let bytes = feed_bytes(&h);
    let full_before = h.server.total_hits().full;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let report = h.run().await;
    for section in &report.sections {
        let summary = section.as_ref().expect("every section is written");
        assert_eq!(
            summary.written,
            [
                (Format::Rss, Written::Unchanged),
                (Format::Atom, Written::Unchanged)
            ],
            "{summary:?}"
        );
        assert_eq!(summary.downloaded, 0, "{summary:?}");
        assert_eq!(summary.not_modified, 1, "{summary:?}");
    }
    assert_eq!(
        h.server.total_hits().full,
        full_before,
        "no page is downloaded in full"
    );
    assert_eq!(feed_bytes(&h), bytes, "byte-identical feeds");
    assert_eq!(feed_mtimes(&h), mtimes, "feed files are not rewritten");
    assert_eq!(
        undated_in(&h, "/socialgd/10000169/20240629/46742003.html"),
        undated,
        "the first-seen date is kept"
    );
}

fn undated_in(h: &Harness, path: &str) -> DateTime<Utc> {
    let (rss, _) = h.feeds("news");
    let link = h.server.url(path).to_string();
    rss.entries
        .iter()
        .find(|e| e.id == link)
        .and_then(|e| e.published)
        .expect("the item is there")
}

fn feed_files(h: &Harness) -> Vec<std::path::PathBuf> {
    ["news", "domestic", "military"]
        .iter()
        .flat_map(|s| [h.feed_path(s, "rss"), h.feed_path(s, "atom")])
        .collect()
}

fn feed_mtimes(h: &Harness) -> Vec<SystemTime> {
    feed_files(h)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect()
}

fn feed_bytes(h: &Harness) -> Vec<Vec<u8>> {
    feed_files(h)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followed_articles_are_fetched_once_and_a_dead_page_keeps_its_item() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let followed = "/socialgd/10000169/20240628/46741107.html";
    assert_eq!(h.server.hits(followed).full, 1);
    // The start page changes (so it is parsed again) and a followed page stops answering.
    let seed = text(&h, SEED).replace(
        "</ul>",
        &format!("{}</ul>", list_entry("/x.html", "新条目", None)),
    );
    h.server.set(SEED, Resource::html(seed));
    h.server.set(
        followed,
        Resource::status(axum::http::StatusCode::SERVICE_UNAVAILABLE),
    );
    let report = h.run().await;
    assert!(report.all_ok());
    assert_eq!(
        h.server.hits(followed).requests,
        1,
        "a read article is not fetched again"
    );
    let (_, atom) = h.feeds("news");
    let entry = atom
        .entries
        .iter()
        .find(|e| e.id == h.server.url(followed).to_string())
        .expect("its item stays");
    assert!(
        entry.content.is_some(),
        "with the body read on the first poll"
    );
}

fn start(args: &[&str]) -> tokio::process::Child {
    common::feedwright(args).spawn().expect("the binary starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_waits_then_exits_3_touching_nothing() {
    let h = Harness::new().await;
    let config = h.write_config();
    let config = config.to_str().unwrap();
    let slow = Resource::html(text(&h, "/domestic/")).delayed(Duration::from_secs(3));
    h.server.set("/domestic/", slow);
    let first = start(&["run", "-c", config]);
    // The first run holds the lock once it asks for the slow page.
    for _ in 0..200 {
        if h.server.hits("/domestic/").requests > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        h.server.hits("/domestic/").requests,
        1,
        "the first run is under way"
    );
    let second = start(&["run", "-c", config, "--lock-wait", "300ms"]);
    let second = second.wait_with_output().await.unwrap();
    assert_eq!(
        second.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another feedwright run holds"), "{stderr}");
    assert!(second.stdout.is_empty(), "the second run wrote no summary");
    let first = first.wait_with_output().await.unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        h.server.hits("/domestic/").requests,
        1,
        "the second run fetched nothing"
    );
}

/// Where a run is killed with `kill -9`.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// While a followed page of the news section hangs: nothing of the run is recorded yet.
    Reading,
    /// Between the commit of history and the first feed written (`FEEDWRIGHT_HALT_AT`).
    Committed,
    /// Once a section's feeds are written, before the others and before any outcome is noted.
    Written,
    /// With a feed's new bytes in its temporary file, before the rename over the old feed.
    Renaming,
}

/// Polls the site once, moves its list on, starts a second run and kills it at `point`.
async fn kill_a_run_at(h: &Harness, config: &str, point: KillPoint) {
    assert!(h.run().await.all_ok());
    move_the_list_on(h);
    let mut command = common::feedwright(&["run", "-c", config]);
    match point {
        KillPoint::Reading => {
            let page = h
                .server
                .get(NEW_ARTICLE)
                .expect("the new article is served");
            h.server
                .set(NEW_ARTICLE, page.delayed(Duration::from_secs(60)));
        }
        KillPoint::Committed => {
            command.env("FEEDWRIGHT_HALT_AT", "committed");
        }
        KillPoint::Written => {
            command.env("FEEDWRIGHT_HALT_AT", "written");
        }
        KillPoint::Renaming => {
            command.env("FEEDWRIGHT_HALT_AT", "renaming");
        }
    }
    let mut victim = command.spawn().expect("the binary starts");
    match point {
        KillPoint::Reading => {
            for _ in 0..600 {
                if h.server.hits(NEW_ARTICLE).requests > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(h.server.hits(NEW_ARTICLE).requests, 1, "the run is reading");
        }
        KillPoint::Committed | KillPoint::Written | KillPoint::Renaming => {
            use tokio::io::AsyncBufReadExt;
            let stderr = victim.stderr.take().expect("stderr is piped");
            let mut lines = tokio::io::BufReader::new(stderr).lines();
            let mut halted = false;
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("halted at") {
                    halted = true;
                    break;
                }
            }
            assert!(halted, "the run reached {point:?}");
        }
    }
    victim.start_kill().expect("kill -9");
    victim.wait().await.expect("the run ends");
}

/// The article that the moved list adds, followed by the news section.
const NEW_ARTICLE: &str = "/socialgd/10000169/20240629/46742001.html";

/// The temporary files in the feeds' folder.
fn temporaries(h: &Harness) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(h.config.output.folder().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .map(|e| e.path())
        .collect()
}

/// A run killed with `kill -9` at any point leaves a history that the next run completes:
/// during reading, between the commit and the first feed, in the middle of writing, and
/// between a feed's temporary file and its rename (the old feed stays whole, the temporary
/// file stays behind). Each time the next run succeeds, history passes SQLite's integrity
/// check, every feed is complete (both formats valid, the news feed with the moved list's new
/// and corrected items), and no temporary file is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_any_point_leaves_a_state_the_next_run_completes() {
    let points = [
        KillPoint::Reading,
        KillPoint::Committed,
        KillPoint::Written,
        KillPoint::Renaming,
    ];
    for point in points {
        let h = Harness::new().await;
        let config = h.write_config();
        let config = config.to_str().unwrap();
        kill_a_run_at(&h, config, point).await;
        if let KillPoint::Renaming = point {
            assert_eq!(
                temporaries(&h).len(),
                1,
                "the kill left the new bytes behind"
            );
            for section in ["news", "domestic", "military"] {
                let (rss, atom) = h.feeds(section);
                assert_eq!(
                    rss.entries.len(),
                    atom.entries.len(),
                    "the old feeds are whole"
                );
            }
        }
        if let KillPoint::Reading = point {
            let article = h.server.get(NEW_ARTICLE).unwrap();
            h.server.set(NEW_ARTICLE, article.delayed(Duration::ZERO));
        }

        let next = common::feedwright(&["run", "-c", config])
            .output()
            .await
            .unwrap();
        assert_eq!(
            next.status.code(),
            Some(0),
            "{point:?}: {}",
            String::from_utf8_lossy(&next.stderr)
        );
        let db = rusqlite::Connection::open(common::state_file(&h.config)).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{point:?}");
        for section in ["news", "domestic", "military"] {
            let (rss, atom) = h.feeds(section);
            assert_eq!(rss.entries.len(), atom.entries.len(), "{point:?} {section}");
            let expected = common::expected(section, &h.server).len();
            let added = if section == "news" { 3 } else { 0 };
            assert_eq!(rss.entries.len(), expected + added, "{point:?} {section}");
        }
        let (news, _) = h.feeds("news");
        let news = by_id(&news);
        assert_eq!(
            title(news[&h.server.url(NEW_ARTICLE).to_string()]),
            "新增新闻一",
            "{point:?}"
        );
        assert_eq!(
            title(news[&h.server.url(CORRECTED).to_string()]),
            NEW_TITLE,
            "{point:?}"
        );
        assert!(
            temporaries(&h).is_empty(),
            "{point:?}: no temporary file is left"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_setting_rewrites_the_feeds_even_when_no_item_changed() {
    let mut h = Harness::new().await;
    assert!(h.run().await.all_ok());
    assert!(h.run().await.sections.iter().all(|s| {
        s.as_ref()
            .unwrap()
            .written
            .iter()
            .all(|(_, w)| *w == Written::Unchanged)
    }));
    h.config.sites[0].sections[1].title = "中华网 国内新闻".into();
    let report = h.run().await;
    let domestic = report.sections[1].as_ref().unwrap();
    assert_eq!(domestic.downloaded, 0, "the pages did not change");
    assert_eq!(
        domestic.written,
        [
            (Format::Rss, Written::Replaced),
            (Format::Atom, Written::Replaced)
        ]
    );
    let (rss, _) = h.feeds("domestic");
    assert_eq!(rss.title.unwrap().content, "中华网 国内新闻");
    let news = report.sections[0].as_ref().unwrap();
    assert_eq!(
        news.written,
        [
            (Format::Rss, Written::Unchanged),
            (Format::Atom, Written::Unchanged)
        ]
    );
    std::fs::remove_file(h.feed_path("news", "atom")).unwrap();
    let report = h.run().await;
    let news = report.sections[0].as_ref().unwrap();
    assert_eq!(
        news.written,
        [
            (Format::Rss, Written::Unchanged),
            (Format::Atom, Written::Created)
        ],
        "a deleted feed comes back"
    );
}

/// Defect 6: a site's robots.txt is kept in history with its validators. Runs within a day do
/// not ask for it again and still obey it; once the copy is older, the next run asks with
/// `If-None-Match`, and a changed robots.txt takes effect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_kept_for_a_day_then_asked_for_conditionally() {
    let h = Harness::new().await;
    assert!(h.config.fetch.respect_robots);
    let robots = |body: &str| {
        let mut resource = Resource::html(body);
        resource.headers = vec![(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/plain"),
        )];
        resource
    };
    h.server.set(
        "/robots.txt",
        robots("User-agent: *\nDisallow: /military/\n"),
    );
    let military_failed = |report: &feedwright::run::RunReport| {
        let error = report.sections[2].as_ref().err()?;
        Some(feedwright::error_chain(error).contains("disallowed by robots.txt"))
    };
    let age_the_copy = || {
        rusqlite::Connection::open(common::state_file(&h.config))
            .unwrap()
            .execute(
                "UPDATE robots SET fetched_at = '2000-01-01T00:00:00+00:00'",
                [],
            )
            .unwrap()
    };

    assert_eq!(military_failed(&h.run().await), Some(true));
    assert_eq!(h.server.hits("/robots.txt").requests, 1);
    assert_eq!(
        military_failed(&h.run().await),
        Some(true),
        "the kept copy is obeyed"
    );
    assert_eq!(
        h.server.hits("/robots.txt").requests,
        1,
        "not asked again within a day"
    );

    assert_eq!(age_the_copy(), 1);
    assert_eq!(military_failed(&h.run().await), Some(true));
    let hits = h.server.hits("/robots.txt");
    assert_eq!(hits.requests, 2, "asked again once the copy is old");
    assert_eq!(hits.full, 1, "with its validators, answered 304");

    h.server
        .set("/robots.txt", robots("User-agent: *\nDisallow:\n"));
    age_the_copy();
    let report = h.run().await;
    assert_eq!(
        military_failed(&report),
        None,
        "the new robots.txt allows it"
    );
    assert_eq!(h.server.hits("/robots.txt").full, 2);
}
