//! The operator's tools: `check`, `preview`, `schema` and `run --json`, as a newcomer uses them.

mod common;

use common::Harness;
use feedwright_testsite::SiteServer;

async fn feedwright(args: &[&str]) -> std::process::Output {
    common::feedwright(args)
        .output()
        .await
        .expect("the binary runs")
}

const TYPOS: &str = r#"output_dir: feeds
timezone: Asia/Shanghia
max_item: 100
sites:
  - id: chinacom
    title: 中华网
    folow: true
    article:
      title: ["h1#chan_newsTitle", "h1.article_title"]
    related:
      item: ".item_list li"
      title: "h3.item_title a"
      link: "h3.item_title a"
      sorce: ".item_source"
    sections:
      - id: news
        title: 新闻
        urls: ["https://news.china.com/socialgd/"]
"#;

const MISTAKES: &str = r#"timezone: Asia/Shanghia
max_items: 0
fetch: { concurrency: 0, timeout: 20 parsecs }
sites:
  - id: chinacom
    title: 中华网
    article:
      title: ["h1#chan_newsTitle", "h1[["]
      published: "time@datetime"
    sections:
      - id: News
        title: 新闻
        urls: ["news.china.com/socialgd/", "ftp://news.china.com/"]
      - id: News
        title: 新闻
        urls: []
"#;

/// `feedwright check` on a config file holding `text`: its message, with the file's temporary
/// path shown as `config.yaml`, after checking that it exits with status 2.
async fn rejected(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    let out = feedwright(&["check", "-c", path]).await;
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).replace(path, "config.yaml")
}

#[tokio::test]
async fn check_points_at_every_typo_with_its_line() {
    insta::assert_snapshot!("unknown_keys", rejected(TYPOS).await);
}

#[tokio::test]
async fn check_reports_every_invalid_value_at_once() {
    // A value serde cannot read is reported first, alone, with its position.
    insta::assert_snapshot!("unreadable_value", rejected(MISTAKES).await);
    // Once it is fixed, every invalid value is reported at once.
    let fixed = MISTAKES.replace("20 parsecs", "20s");
    insta::assert_snapshot!("invalid_values", rejected(&fixed).await);
}

#[tokio::test]
async fn the_shipped_config_passes_check_and_the_schema() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.yaml");
    let out = feedwright(&["check", "-c", config]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema: serde_json::Value =
        serde_json::from_slice(&feedwright(&["schema"]).await.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for file in [
        config,
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/demo.yaml"),
    ] {
        let yaml: serde_json::Value =
            serde_norway::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&yaml)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
    let typo: serde_json::Value = serde_norway::from_str(TYPOS).unwrap();
    assert!(!validator.is_valid(&typo), "the schema catches typos too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_shows_the_fields_and_flags_a_broken_selector() {
    let server = SiteServer::bundled().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    let text = feedwright::demo::DEMO_CONFIG
        .replace("{base}", &server.base())
        .replace(
            r#"".time-source .source a"]"#,
            r#"".time-source .source a", ".article-source"]"#,
        )
        .replace(r#"published: ".item_time""#, r#"published: ".item-time""#);
    std::fs::write(&config, text).unwrap();
    let url = server
        .url("/socialgd/10000169/20240506/46470275.html")
        .to_string();
    let out = feedwright(&["preview", &url, "-c", config.to_str().unwrap(), "-n", "3"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "a flagged selector gives status 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("title      北约：暂未考虑在日设办事处，聚焦实际合作措施"),
        "{stdout}"
    );
    assert!(
        stdout.contains("published  2024-05-06T09:05:20+08:00 (2024-05-06 01:05:20 UTC)"),
        "{stdout}"
    );
    assert!(stdout.contains("source     观察者网"), "{stdout}");
    assert!(
        stdout.contains("list      34 entries, first 3:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("拜登辩论结束后 民主党人慌了 “考虑换人”声浪起！"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok  article.title      \"h1#chan_newsTitle\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("!!  related.published  matched nothing: [\".item-time\"]"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_json_gives_a_summary_a_script_can_read() {
    let h = Harness::new().await;
    let config = h.write_config();
    let out = feedwright(&["run", "-c", config.to_str().unwrap(), "--json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(summary["ok"], true);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("WARN"),
        "the dead followed pages are logged: {log}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no colour codes in a log that is not a terminal: {log:?}"
    );
    let sections = summary["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 3);
    assert_eq!(sections[0]["section"], "news");
    assert_eq!(sections[0]["items"], 32);
    assert_eq!(sections[0]["new"], 32);
    assert_eq!(sections[0]["rss"], "created");
    assert_eq!(sections[0]["failed_urls"].as_array().unwrap().len(), 2);

    h.server.set(
        "/domestic/",
        feedwright_testsite::Resource::status(axum::http::StatusCode::BAD_GATEWAY),
    );
    let out = feedwright(&["run", "-c", config.to_str().unwrap(), "--json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(summary["ok"], false);
    assert_eq!(summary["sections"][1]["ok"], false);
    assert!(
        summary["sections"][1]["error"]
            .as_str()
            .unwrap()
            .contains("502")
    );
    assert_eq!(summary["sections"][0]["rss"], "unchanged");
}

/// Defect 1: every mistake of a config is reported at once, missing keys included, each with
/// its line and column, in one list sorted by position.
#[tokio::test]
async fn check_reports_missing_keys_beside_every_other_mistake() {
    let text = r#"timezone: Europe/Pekin
sites:
  - id: chinacom
    folow: true
    article:
      title: "h1[["
    related:
      item: ".item_list li"
      title: "h3 a"
    sections:
      - id: News
        urls: ["news.china.com/domestic/"]
      - id: news2
      - id: news2
        urls: ["https://news.china.com/military/"]
"#;
    assert_eq!(
        rejected(text).await,
        "error: config.yaml:1:1: timezone: unknown time zone \"Europe/Pekin\" (use an IANA name such as Asia/Shanghai)\n\
         config.yaml:3:7: sites[0].title: missing key `title`\n\
         config.yaml:4:5: sites[0].folow: unknown key `folow` (did you mean `follow`?)\n\
         config.yaml:6:7: sites[0].article.title: invalid CSS selector \"h1[[\": NoQualifiedNameInAttributeSelector\n\
         config.yaml:7:5: sites[0].related.link: missing key `link`\n\
         config.yaml:11:9: sites[0].sections[0].id: section id \"News\" must be 1-64 characters of [a-z0-9_-], not starting with '-'\n\
         config.yaml:12:16: sites[0].sections[0].urls[0]: invalid URL \"news.china.com/domestic/\": relative URL without a base\n\
         config.yaml:13:11: sites[0].sections[1].urls: missing key `urls`\n\
         config.yaml:14:9: sites[0].sections[2].id: duplicate section id \"news2\"\n"
    );
}

/// A section without a title is named after its site and its id.
#[test]
fn a_section_title_defaults_to_the_site_and_the_id() {
    let text = r#"
sites:
  - id: chinacom
    title: 中华网
    article: { title: "h1" }
    sections:
      - { id: news, urls: ["https://news.china.com/"] }
"#;
    let config = feedwright::config::Config::from_yaml(text, std::path::Path::new(".")).unwrap();
    assert_eq!(config.sites[0].sections[0].title, "中华网 · news");
}

/// Defect 2: a `published_format` chrono cannot use, or that reads no full date, is refused
/// when the config loads, with its position.
#[tokio::test]
async fn check_refuses_an_unusable_published_format() {
    let text = r#"sites:
  - id: chinacom
    title: 中华网
    article:
      title: "h1"
      published_format: "%Y-%m-%d %Q"
    related:
      item: "li"
      title: "a"
      link: "a"
      published_format: "%H:%M"
    sections:
      - { id: news, urls: ["https://news.china.com/"] }
"#;
    assert_eq!(
        rejected(text).await,
        "error: config.yaml:6:7: sites[0].article.published_format: unusable time format \"%Y-%m-%d %Q\": chrono does not know one of its % specifiers\n\
         config.yaml:11:7: sites[0].related.published_format: unusable time format \"%H:%M\": it does not read back a full date (year, month and day)\n"
    );
}

/// Defect 3: a section id that a file beside the feeds uses (`status.json`, `index.html`,
/// `feeds.opml`, `feed.xsl`) is refused, so no feed overwrites a site file.
#[tokio::test]
async fn check_refuses_section_ids_of_the_site_files() {
    let text = r#"formats: [json]
sites:
  - id: chinacom
    title: 中华网
    article: { title: "h1" }
    sections:
      - { id: status, urls: ["https://news.china.com/a/"] }
      - { id: index, urls: ["https://news.china.com/b/"] }
      - { id: news, urls: ["https://news.china.com/c/"] }
"#;
    let message = rejected(text).await;
    assert_eq!(
        message.lines().count(),
        2,
        "status and index are refused, news is not: {message}"
    );
    assert!(
        message.starts_with("error: config.yaml:7:11: sites[0].sections[0].id: section id \"status\" is reserved for the files beside the feeds (status, index, feeds, feed)"),
        "{message}"
    );
    assert!(
        message.contains(
            "config.yaml:8:11: sites[0].sections[1].id: section id \"index\" is reserved"
        ),
        "{message}"
    );
}

/// Defect 4: a server that answers 304 to a request without validators makes `preview` print
/// an error and exit 1, not panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_of_a_page_answered_304_is_an_error() {
    let server = SiteServer::bundled().await.unwrap();
    server.set(
        "/odd/",
        feedwright_testsite::Resource::status(axum::http::StatusCode::NOT_MODIFIED),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        feedwright::demo::DEMO_CONFIG.replace("{base}", &server.base()),
    )
    .unwrap();
    let url = server.url("/odd/").to_string();
    let out = feedwright(&["preview", &url, "-c", config.to_str().unwrap()]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        format!("error: {url}: the server answered 304 Not Modified to an unconditional request\n")
    );
}

/// Defect 5: every error message shows each of its causes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_messages_show_each_cause_once() {
    let h = Harness::new().await;
    let config = h.write_config();
    let config = config.to_str().unwrap();
    h.server.set(
        "/domestic/",
        feedwright_testsite::Resource::status(axum::http::StatusCode::BAD_GATEWAY),
    );
    let out = feedwright(&["run", "-q", "-c", config]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let url = h.server.url("/domestic/").to_string();
    assert_eq!(
        stderr,
        format!("error: section domestic: start page: {url}: HTTP 502 Bad Gateway\n")
    );

    let missing = h.dir.path().join("missing.yaml");
    let out = feedwright(&["check", "-c", missing.to_str().unwrap()]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr,
        format!(
            "error: cannot read {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );

    // A history that cannot be opened: its path once, SQLite's reason once.
    let text = format!(
        "state: /dev/null/x/history.db\n{}",
        std::fs::read_to_string(config).unwrap()
    );
    let blocked = h.dir.path().join("blocked.yaml");
    std::fs::write(&blocked, text).unwrap();
    let out = feedwright(&["run", "-c", blocked.to_str().unwrap()]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("/dev/null/x").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("Not a directory").count(), 1, "{stderr}");
}

/// Loopback traffic never goes through a proxy named by the environment: with a dead proxy in
/// `HTTP_PROXY`, a run against the fixture site on 127.0.0.1 still reads every page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_pages_bypass_the_environments_proxy() {
    let h = Harness::new().await;
    let config = h.write_config();
    let out = common::feedwright(&["run", "-c", config.to_str().unwrap()])
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(h.server.total_hits().full > 0);
}

/// `run --section` with an id that names no section is a configuration mistake: status 2, an
/// error naming the id and the configured ones, and nothing fetched or written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_an_unknown_section_exits_2_naming_it() {
    let h = Harness::new().await;
    let config = h.write_config();
    let out = feedwright(&[
        "run",
        "-c",
        config.to_str().unwrap(),
        "--section",
        "news",
        "--section",
        "nosuch",
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"nosuch\""), "the id is named: {stderr}");
    assert!(
        stderr.contains("news, domestic, military"),
        "the configured ids are listed: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "no summary: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(h.server.total_hits().requests, 0, "nothing was fetched");
    assert!(
        !h.config.output.folder().unwrap().exists(),
        "nothing was written"
    );
}
