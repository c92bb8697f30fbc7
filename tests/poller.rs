//! The end-to-end poller: fixture pages on loopback → feeds, read back by independent parsers.

mod common;

use std::collections::HashSet;

use chrono::Utc;
use common::{Expected, Harness, expected, ids, title};
use feedwright::config::Format;
use feedwright::publish::Written;
use feedwright_testsite::Resource;

/// Every section's feeds hold exactly the oracle's items, once each, newest first, with the
/// right instants, titles and sources, in both formats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_section_holds_exactly_the_right_items() {
    let h = Harness::new().await;
    let report = h.run().await;
    assert!(report.all_ok(), "{:?}", report.sections);
    for section in ["news", "domestic", "military"] {
        let want = expected(section, &h.server);
        let (rss, atom) = h.feeds(section);
        for (format, feed) in [("rss", &rss), ("atom", &atom)] {
            let got = ids(feed);
            let want_ids: Vec<&str> = want.iter().map(|e| e.link.as_str()).collect();
            assert_eq!(got, want_ids, "{section}.{format}: items and their order");
            assert_eq!(
                got.iter().collect::<HashSet<_>>().len(),
                got.len(),
                "{section}.{format}: duplicate ids"
            );
            for (entry, want) in feed.entries.iter().zip(&want) {
                check_entry(section, format, entry, want);
            }
        }
    }
}

fn check_entry(section: &str, format: &str, entry: &feed_rs::model::Entry, want: &Expected) {
    let at = format!("{section}.{format} {}", want.link);
    assert_eq!(title(entry), want.title, "{at}: title");
    assert_eq!(entry.published, Some(want.utc), "{at}: instant");
    assert_eq!(
        entry.links.first().map(|l| l.href.as_str()),
        Some(want.link.as_str()),
        "{at}: link"
    );
    let authors: Vec<&str> = entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    match &want.source {
        Some(source) => assert_eq!(authors, [source.as_str()], "{at}: source"),
        None => assert!(
            authors.is_empty() || authors == ["中华网"],
            "{at}: no source, got {authors:?}"
        ),
    }
    let content = entry.content.as_ref().and_then(|c| c.body.clone());
    // RSS carries the body in `description`, which feed-rs reads as the summary; Atom entries
    // without content carry their title as summary.
    let body = match format {
        "rss" => content.or_else(|| entry.summary.as_ref().map(|s| s.content.clone())),
        _ => content,
    };
    assert_eq!(
        body.is_some(),
        want.followed,
        "{at}: a body exactly when the article was read"
    );
    if let Some(body) = body {
        assert!(body.contains("<p>"), "{at}: body keeps its paragraphs");
        assert!(!body.contains("<script"), "{at}: no script in the body");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_article_is_at_its_beijing_instant_with_absolute_urls() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let (rss, atom) = h.feeds("news");
    let seed = h
        .server
        .url("/socialgd/10000169/20240506/46470275.html")
        .to_string();
    for feed in [&rss, &atom] {
        let entry = feed
            .entries
            .iter()
            .find(|e| e.id == seed)
            .expect("the start article is an item");
        assert_eq!(
            entry.published.unwrap().to_rfc3339(),
            "2024-05-06T01:05:20+00:00"
        );
        assert_eq!(title(entry), "北约：暂未考虑在日设办事处，聚焦实际合作措施");
    }
    let rss_text = String::from_utf8(h.feed_bytes("news", "rss")).unwrap();
    assert!(
        rss_text.contains("<pubDate>Mon, 6 May 2024 09:05:20 +0800</pubDate>"),
        "RSS keeps the page's offset"
    );
    let atom_text = String::from_utf8(h.feed_bytes("news", "atom")).unwrap();
    assert!(atom_text.contains("<published>2024-05-06T09:05:20+08:00</published>"));
    let lazy_image = format!(r#"src="{}""#, h.server.url("/images/2024/0506/nato.jpg"));
    let entry = atom.entries.iter().find(|e| e.id == seed).unwrap();
    let body = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(
        body.contains(&lazy_image),
        "the lazy image has its real, absolute source: {body}"
    );
    assert!(body.contains(r#"referrerpolicy="no-referrer""#));
    assert!(!body.contains("placeholder.gif"));
    assert!(
        body.contains("朱莉安·史密斯") && !body.contains("责任编辑"),
        "the body keeps the article and drops the editor's line: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_urls_in_bodies_become_absolute() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let (_, atom) = h.feeds("domestic");
    let entry = atom
        .entries
        .iter()
        .find(|e| e.id.ends_with("/domestic/945/20240628/46741202.html"))
        .unwrap();
    let body = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(
        body.contains(&format!(
            r#"src="{}""#,
            h.server.url("/images/2024/0628/road.jpg")
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(r#"href="{}""#, h.server.url("/domestic/"))),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_followed_one_level_deep_and_only_on_start_hosts() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let (rss, _) = h.feeds("news");
    assert!(
        rss.entries
            .iter()
            .all(|e| !title(e).starts_with("深度一测试")),
        "lists on followed pages are not expanded"
    );
    assert_eq!(
        h.server
            .hits("/socialgd/10000169/20240629/46749901.html")
            .requests,
        0
    );
    let foreign = rss
        .entries
        .iter()
        .find(|e| e.id == "https://news.china.com/socialgd/10000169/20240627/46741105.html")
        .expect("a foreign-host entry keeps its list data");
    assert_eq!(title(foreign), "“莫迪要访俄”，美国反应耐人寻味");
    let followed = h.server.hits("/socialgd/10000169/20240628/46741101.html");
    assert_eq!(followed.requests, 1, "a story listed twice is fetched once");
}

/// `max_follow` bounds the pages one poll follows, in page order; the next polls follow the
/// rest, and the feed ends with every story completed from its own page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_is_bounded_by_max_follow_and_the_rest_come_on_later_polls() {
    let mut h = Harness::new().await;
    let yaml = h
        .server
        .config_yaml()
        .replace("    follow: true", "    follow: true\n    max_follow: 4");
    h.config = feedwright::config::Config::from_yaml(&yaml, h.dir.path()).expect("a valid config");
    let followed = |h: &Harness| {
        (1..=9)
            .map(|n| {
                let path = format!("/domestic/945/20240628/4674120{n}.html");
                h.server.hits(&path).requests
            })
            .collect::<Vec<_>>()
    };
    let options = feedwright::run::RunOptions {
        sections: vec!["domestic".into()],
        ..Default::default()
    };
    for (poll, expected) in [
        [1, 1, 1, 1, 0, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 1],
    ]
    .into_iter()
    .enumerate()
    {
        let report = feedwright::run::run(h.config.clone(), &options)
            .await
            .unwrap();
        assert!(report.all_ok());
        assert_eq!(followed(&h), expected, "after poll {}", poll + 1);
    }
    let (_, atom) = h.feeds("domestic");
    for want in expected("domestic", &h.server) {
        let entry = atom.entries.iter().find(|e| e.id == want.link).unwrap();
        let source = entry.authors.first().and_then(|a| a.name.clone());
        assert_eq!(source, want.source, "{} completed from its page", want.link);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gb2312_pages_decode_from_their_meta_declaration() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let (rss, atom) = h.feeds("military");
    assert_eq!(rss.entries.len(), 5);
    for entry in atom.entries {
        let text = title(&entry);
        assert!(!text.contains('\u{FFFD}'), "mojibake in {text}");
        assert!(
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "no Chinese in {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_items_give_byte_identical_files() {
    let first = Harness::new().await;
    assert!(first.run().await.all_ok());
    let second = Harness::new().await;
    assert!(second.run().await.all_ok());
    for section in ["news", "domestic", "military"] {
        for ext in ["rss", "atom"] {
            let a = String::from_utf8(first.feed_bytes(section, ext)).unwrap();
            let b = String::from_utf8(second.feed_bytes(section, ext)).unwrap();
            assert_eq!(
                a.replace(&first.server.base(), "BASE"),
                b.replace(&second.server.base(), "BASE"),
                "{section}.{ext}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_start_page_fails_only_its_section() {
    let h = Harness::new().await;
    assert!(h.run().await.all_ok());
    let before = h.feed_bytes("domestic", "rss");
    h.server.set(
        "/domestic/",
        Resource::status(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
    );
    let report = h.run().await;
    assert!(!report.all_ok());
    let failed: Vec<String> = report
        .sections
        .iter()
        .filter_map(|s| s.as_ref().err())
        .map(|e| feedwright::error_chain(e))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let message = &failed[0];
    assert!(message.contains("section domestic"), "{message}");
    assert!(
        message.contains(&h.server.url("/domestic/").to_string()),
        "{message}"
    );
    assert!(message.contains("500"), "{message}");
    assert_eq!(
        h.feed_bytes("domestic", "rss"),
        before,
        "the failed section's feed is untouched"
    );
    let others: Vec<&str> = report
        .sections
        .iter()
        .filter_map(|s| s.as_ref().ok())
        .map(|s| s.section.as_str())
        .collect();
    assert_eq!(others, ["news", "military"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_dates_come_from_the_items_not_the_clock() {
    let h = Harness::new().await;
    let report = h.run().await;
    let summary = report.sections[0].as_ref().unwrap();
    assert_eq!(
        summary.written,
        [
            (Format::Rss, Written::Created),
            (Format::Atom, Written::Created)
        ]
    );
    let (rss, atom) = h.feeds("news");
    let newest = rss
        .entries
        .iter()
        .filter_map(|e| e.published)
        .max()
        .unwrap();
    assert!(newest < Utc::now());
    assert_eq!(rss.updated, Some(newest));
    assert_eq!(atom.updated, Some(newest));
}

/// The binary: exit statuses and messages as cron sees them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_exits_0_1_or_2() {
    let h = Harness::new().await;
    let config = h.write_config();
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::feedwright(&args).output()
    };
    let config_arg = config.to_string_lossy().into_owned();
    let ok = run(vec!["run".into(), "--config".into(), config_arg.clone()])
        .await
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(
        stdout.lines().count(),
        3,
        "one summary line per section: {stdout}"
    );
    assert!(
        stdout.lines().next().unwrap().starts_with("news: 32 items"),
        "{stdout}"
    );
    assert!(
        h.dir.path().join("feeds/news.atom").exists(),
        "output_dir is relative to the config file"
    );

    h.server.set(
        "/military/news/",
        Resource::status(axum::http::StatusCode::SERVICE_UNAVAILABLE),
    );
    let failed = run(vec!["run".into(), "-c".into(), config_arg.clone()])
        .await
        .unwrap();
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("section military")
            && stderr.contains("/military/news/")
            && stderr.contains("503"),
        "{stderr}"
    );

    let only = run(vec![
        "run".into(),
        "-c".into(),
        config_arg.clone(),
        "--section".into(),
        "domestic".into(),
    ])
    .await
    .unwrap();
    assert_eq!(only.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&only.stdout).lines().count(), 1);

    std::fs::write(
        &config,
        "sites: [{ id: x, title: X, sections: [], colour: red }]",
    )
    .unwrap();
    let bad = run(vec!["run".into(), "-c".into(), config_arg.clone()])
        .await
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("config.yaml") && stderr.contains("colour"),
        "{stderr}"
    );
}

/// A run of more sections than one batch (read, recorded and written together) polls every
/// section once, writes every feed, and a second run finds nothing to rewrite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_many_batches_writes_every_section_once() {
    let mut h = Harness::new().await;
    let demo = feedwright::demo::DEMO_CONFIG.replace("{base}", &h.server.base());
    let head = &demo[..demo
        .find("    follow: true")
        .expect("the demo follows lists")];
    let sections: String = (0..450)
        .map(|i| {
            format!(
                "      - id: s{i}\n        urls: [\"{}/domestic/\"]\n",
                h.server.base()
            )
        })
        .collect();
    let yaml = format!("{head}    sections:\n{sections}");
    h.config = feedwright::config::Config::from_yaml(&yaml, h.dir.path()).expect("valid");
    let first = h.run().await;
    assert_eq!(first.sections.len(), 450);
    assert!(
        first.all_ok(),
        "{:?}",
        first.sections.iter().find(|s| s.is_err())
    );
    let domestic = expected("domestic", &h.server);
    for i in [0, 199, 200, 449] {
        let (_, atom) = h.feeds(&format!("s{i}"));
        assert_eq!(atom.entries.len(), domestic.len(), "s{i}");
    }
    let second = h.run().await;
    let rewritten = second
        .sections
        .iter()
        .flatten()
        .filter(|s| s.written.iter().any(|(_, w)| *w != Written::Unchanged))
        .count();
    assert!(second.all_ok());
    assert_eq!(rewritten, 0);
}
