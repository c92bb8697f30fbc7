//! Shared by the end-to-end tests: the loopback fixture site, a run in a temporary folder, and
//! independent readers of what the run wrote (feed-rs, the rss crate's validator, xmllint with
//! the RFC 4287 RELAX NG schema).

#![allow(dead_code)] // each test file uses its own part of these helpers

pub mod services;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use feedwright::config::Config;
use feedwright::run::{RunOptions, RunReport, run};
use feedwright_testsite::SiteServer;
use rss::validation::Validate;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A fixture site and a temporary folder for the config, history and feeds of its runs.
pub struct Harness {
    pub server: SiteServer,
    pub dir: tempfile::TempDir,
    pub config: Config,
}

impl Harness {
    pub async fn new() -> Harness {
        let server = SiteServer::bundled()
            .await
            .expect("the fixture server starts");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let config =
            Config::from_yaml(&server.config_yaml(), dir.path()).expect("the demo config is valid");
        Harness {
            server,
            dir,
            config,
        }
    }

    /// Runs every section once.
    pub async fn run(&self) -> RunReport {
        run(self.config.clone(), &RunOptions::default())
            .await
            .expect("the run starts")
    }

    pub fn feed_path(&self, section: &str, ext: &str) -> PathBuf {
        self.config
            .output
            .folder()
            .unwrap()
            .join(format!("{section}.{ext}"))
    }

    pub fn feed_bytes(&self, section: &str, ext: &str) -> Vec<u8> {
        std::fs::read(self.feed_path(section, ext)).expect("the feed file exists")
    }

    /// Both feeds of `section`, parsed by feed-rs, after checking them with the rss crate's
    /// validator and the Atom RELAX NG schema.
    pub fn feeds(&self, section: &str) -> (feed_rs::model::Feed, feed_rs::model::Feed) {
        let rss_path = self.feed_path(section, "rss");
        let atom_path = self.feed_path(section, "atom");
        validate_rss(&rss_path);
        validate_atom(&atom_path);
        (parse_feed(&rss_path), parse_feed(&atom_path))
    }

    /// Writes the demo config pointed at this server into the temporary folder.
    pub fn write_config(&self) -> PathBuf {
        let path = self.dir.path().join("config.yaml");
        let text = feedwright::demo::DEMO_CONFIG.replace("{base}", &self.server.base());
        std::fs::write(&path, text).expect("the config is written");
        path
    }
}

/// The feedwright binary with `args`, its output captured, without the caller's `RUST_LOG`.
pub fn feedwright(args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_feedwright"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

pub fn parse_feed(path: &Path) -> feed_rs::model::Feed {
    let bytes = std::fs::read(path).expect("the feed file exists");
    feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn validate_rss(path: &Path) {
    let bytes = std::fs::read(path).expect("the feed file exists");
    let channel = rss::Channel::read_from(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    channel
        .validate()
        .unwrap_or_else(|e| panic!("{} is not valid RSS: {e}", path.display()));
}

/// Checks an Atom file against the RFC 4287 RELAX NG schema with xmllint. A test that calls
/// this is ignored where xmllint was missing when the tests were built (`feedwright_lacks`);
/// where it runs, a missing xmllint fails it.
pub fn validate_atom(path: &Path) {
    let schema = format!("{FIXTURES}/schemas/atom.rng");
    let output = Command::new("xmllint")
        .args(["--noout", "--relaxng", &schema])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("xmllint (apt-get install libxml2-utils): {e}"));
    assert!(
        output.status.success(),
        "{} fails the RFC 4287 schema:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One line of `tests/fixtures/expected/<section>.tsv`.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The absolute link on the fixture server (or the foreign URL as written).
    pub link: String,
    pub title: String,
    pub utc: DateTime<Utc>,
    pub source: Option<String>,
    pub followed: bool,
}

/// The expected items of `section`, newest first (ties by link), as the feed must order them.
pub fn expected(section: &str, server: &SiteServer) -> Vec<Expected> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/expected/{section}.tsv"))
        .expect("the oracle exists");
    let mut rows: Vec<Expected> = text
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let link = if cols[0].starts_with('/') {
                server.url(cols[0]).to_string()
            } else {
                cols[0].to_owned()
            };
            Expected {
                link,
                title: cols[1].to_owned(),
                utc: cols[2].parse().expect("an RFC 3339 instant"),
                source: Some(cols[3].to_owned()).filter(|s| !s.is_empty()),
                followed: cols[4] == "yes",
            }
        })
        .collect();
    rows.sort_by(|a, b| b.utc.cmp(&a.utc).then_with(|| a.link.cmp(&b.link)));
    rows
}

/// The ids of a parsed feed's entries, in order.
pub fn ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

/// The title of an entry as plain text.
pub fn title(entry: &feed_rs::model::Entry) -> String {
    entry
        .title
        .as_ref()
        .map(|t| t.content.clone())
        .unwrap_or_default()
}

/// How long [`wait_until`] waits before giving up: far more than any condition needs, so that
/// only a real failure (or a hang) reaches it.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Waits until `done` holds, checking every 20 ms; fails the test naming `what` when it does
/// not hold within [`PATIENCE`].
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The SQLite file of `config`'s history.
pub fn state_file(config: &Config) -> &Path {
    match &config.state {
        feedwright::config::StateLocation::Sqlite(path) => path,
        feedwright::config::StateLocation::Postgres(url) => {
            panic!("these tests use a SQLite history, not {url:?}")
        }
    }
}
