//! `feedwright add` on the loopback fixture site: selectors learned from one article and one
//! channel page, written into the configuration, give the feeds the hand-written selectors give.

mod common;

use std::collections::BTreeMap;

use common::Harness;
use feedwright::config::Config;

/// Every item of a section's Atom feed: id → (title, published, has a body).
fn items(h: &Harness, section: &str) -> BTreeMap<String, (String, String, bool)> {
    let (_, atom) = h.feeds(section);
    atom.entries
        .iter()
        .map(|e| {
            (
                e.id.clone(),
                (
                    common::title(e),
                    e.published.map(|p| p.to_rfc3339()).unwrap_or_default(),
                    e.content.is_some(),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_learns_selectors_whose_feeds_match_the_hand_written_ones() {
    let mut hand = Harness::new().await;
    let base = hand.server.base();
    let article = format!("{base}/socialgd/10000169/20240506/46470275.html");
    let channel = format!("{base}/domestic/");
    // The hand-written selectors, with the news section polling the same two pages.
    let yaml = feedwright::demo::DEMO_CONFIG
        .replace("{base}", &base)
        .replace(
            &format!("urls: [\"{article}\"]"),
            &format!("urls: [\"{article}\", \"{channel}\"]"),
        );
    hand.config = Config::from_yaml(&yaml, hand.dir.path()).expect("a valid config");
    assert!(hand.run().await.all_ok());

    let mut learned = Harness::new().await;
    let base_learned = learned.server.base();
    let config = learned.dir.path().join("config.yaml");
    let out = common::feedwright(&[
        "add",
        &article.replace(&base, &base_learned),
        &channel.replace(&base, &base_learned),
        "--config",
        config.to_str().unwrap(),
        "--title",
        "中华网",
    ])
    .output()
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&config).unwrap();
    for key in [
        "article:",
        "related:",
        "title:",
        "body:",
        "item:",
        "link:",
        "follow: true",
    ] {
        assert!(written.contains(key), "{key} missing from\n{written}");
    }
    learned.config = Config::load(&config).expect("the written config loads");
    assert!(learned.run().await.all_ok());
    let expected = items(&hand, "news");
    let found: BTreeMap<String, _> = items(&learned, "news")
        .into_iter()
        .map(|(id, v)| (id.replace(&base_learned, &base), v))
        .collect();
    assert!(expected.len() >= 10, "{}", expected.len());
    assert_eq!(found, expected);
}

/// URLs of two hosts, or a page with nothing on it, stop `add` before it writes anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_refuses_bad_input_and_leaves_the_file_alone() {
    let h = Harness::new().await;
    let config = h.dir.path().join("config.yaml");
    let yaml = feedwright::demo::DEMO_CONFIG.replace("{base}", &h.server.base());
    std::fs::write(&config, format!("# mine\n{yaml}")).unwrap();
    let before = std::fs::read(&config).unwrap();
    let base = h.server.base();
    let other = base.replace("127.0.0.1", "localhost");
    for urls in [
        vec![format!("{base}/domestic/"), format!("{other}/domestic/")],
        vec![format!("{base}/no-such-page.html")],
    ] {
        let mut args = vec!["add"];
        args.extend(urls.iter().map(String::as_str));
        args.extend(["--config", config.to_str().unwrap()]);
        let out = common::feedwright(&args).output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{urls:?}: {stderr}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
        assert_eq!(std::fs::read(&config).unwrap(), before);
    }
    std::fs::write(&config, "sites: [oops\n").unwrap();
    let out = common::feedwright(&[
        "add",
        &format!("{base}/domestic/"),
        "--config",
        config.to_str().unwrap(),
    ])
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "sites: [oops\n");
    // A configuration that exists but cannot be read is not replaced by a new one.
    let folder = h.dir.path().join("a-folder.yaml");
    std::fs::create_dir(&folder).unwrap();
    let out = common::feedwright(&[
        "add",
        &format!("{base}/domestic/"),
        "--config",
        folder.to_str().unwrap(),
    ])
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(folder.is_dir());
}

/// `--site` adds a section to a site already configured, below its other sections, and
/// `--print` shows the new configuration without writing it; every other line stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_a_section_to_a_site_printed_then_written() {
    let h = Harness::new().await;
    let config = h.dir.path().join("config.yaml");
    let yaml = feedwright::demo::DEMO_CONFIG.replace("{base}", &h.server.base());
    let original = format!("# mine\n{yaml}");
    std::fs::write(&config, &original).unwrap();
    let channel = format!("{}/military/news/", h.server.base());
    let args = |print: bool| {
        let mut args = vec![
            "add".to_owned(),
            channel.clone(),
            "--config".to_owned(),
            config.to_str().unwrap().to_owned(),
            "--site".to_owned(),
            "chinacom".to_owned(),
            "--section".to_owned(),
            "army".to_owned(),
            "--title".to_owned(),
            "军事".to_owned(),
        ];
        if print {
            args.push("--print".to_owned());
        }
        args
    };
    let run = |args: Vec<String>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::feedwright(&args).output().await.unwrap()
    };
    let printed = run(args(true)).await;
    assert_eq!(
        printed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    assert!(String::from_utf8_lossy(&printed.stdout).contains("- id: \"army\""));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);

    let written = run(args(false)).await;
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    let loaded = Config::load(&config).expect("the config loads");
    let site = &loaded.sites[0];
    let ids: Vec<&str> = site.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["news", "domestic", "military", "army"]);
    assert_eq!(site.sections[3].title, "军事");
    let mut kept = original.lines();
    let added: Vec<&str> = text
        .lines()
        .filter(|line| {
            let mut probe = kept.clone();
            if probe.next() == Some(*line) {
                kept.next();
                false
            } else {
                true
            }
        })
        .collect();
    assert_eq!(kept.next(), None, "every original line is kept, in order");
    assert_eq!(added.len(), 4, "{added:?}");
}

/// Where a user starts: a configuration with `sites: []`. `add` adds the first site there, and
/// a second site (another host) gets a section id of its own instead of a second `news`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_starts_from_no_sites_and_gives_each_site_its_own_section() {
    let h = Harness::new().await;
    let config = h.dir.path().join("config.yaml");
    std::fs::write(&config, "# my feeds\nmax_items: 50\nsites: []\n").unwrap();
    let base = h.server.base();
    let other = base.replace("127.0.0.1", "localhost");
    for base in [&base, &other] {
        let out = common::feedwright(&[
            "add",
            &format!("{base}/domestic/"),
            "--config",
            config.to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(2), "{stderr}");
    }
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        written.starts_with("# my feeds\nmax_items: 50\n"),
        "{written}"
    );
    let loaded = Config::load(&config).expect("the written config loads");
    assert_eq!(loaded.max_items, 50);
    let ids: Vec<&str> = loaded.sections().map(|(_, s)| s.id.as_str()).collect();
    assert_eq!(ids, ["news", "localhost"], "{written}");
}
