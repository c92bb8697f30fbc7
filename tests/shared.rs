//! Beyond one machine: history in a real PostgreSQL server, feeds in a real S3-compatible
//! bucket (Garage), and several `watch` processes sharing the sections through leases.
//! Both servers run on loopback in temporary folders (`common::services`).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use common::services::{Garage, Postgres};
use feedwright::config::StateLocation;
use feedwright::run::{RunOptions, run};
use feedwright_testsite::SiteServer;
use feedwright_testsite::synthetic::Synthetic;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt};

/// The demo config on `server` as `dir/name`, with `state` and `output_dir` lines put first.
fn demo_config(
    dir: &Path,
    name: &str,
    server: &SiteServer,
    state: &str,
    output: &str,
) -> std::path::PathBuf {
    let text = feedwright::demo::DEMO_CONFIG.replace("{base}", &server.base());
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("state: {state}\noutput_dir: {output}\n{text}"),
    )
    .expect("the config is written");
    path
}

/// Waits until `server` was asked for `path`.
async fn asked_for(server: &SiteServer, path: &str) {
    let since = Instant::now();
    while server.hits(path).requests == 0 {
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "{path} asked for"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every object of `bucket`, by key.
async fn objects(garage: &Garage, bucket: &str) -> BTreeMap<String, Vec<u8>> {
    let client = garage.client(bucket);
    let listed: Vec<_> = client.list(None).try_collect().await.expect("a listing");
    let mut objects = BTreeMap::new();
    for meta in listed {
        let bytes = client
            .get(&meta.location)
            .await
            .expect("the object")
            .bytes()
            .await
            .expect("its bytes");
        objects.insert(meta.location.to_string(), bytes.to_vec());
    }
    objects
}

/// Every file of `dir`, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the feeds folder")
        .filter_map(Result::ok)
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("a feed file"))
        })
        .collect()
}

/// History's tables in the database at `url`, as the first poller makes them.
async fn make_schema(url: &str) {
    let state = StateLocation::parse(url, Path::new(".")).expect("a PostgreSQL URL");
    tokio::task::spawn_blocking(move || feedwright::store::Store::open(&state).map(drop))
        .await
        .unwrap()
        .expect("the schema");
}

/// The server's arrivals at the synthetic site's start pages (`/s<N>/`), by path.
fn list_hits(server: &SiteServer) -> HashMap<String, Vec<Instant>> {
    let mut hits: HashMap<String, Vec<Instant>> = HashMap::new();
    for (path, at) in server.arrivals() {
        if path.starts_with("/s") {
            hits.entry(path).or_default().push(at);
        }
    }
    hits
}

/// Checks that no section was polled twice in one cycle of `interval`, but for one extra poll
/// of each section in `taken_over` (a killed poller's, polled again once its lease was gone);
/// returns the number of extra polls.
///
/// The margin: a section polled at `a` is noted once its feeds are written, after `a`; history
/// keeps its next poll in whole seconds (floored), and a poller claims it once the database's
/// clock, floored to the second, reaches that. So no poll comes more than a second before
/// `a + interval`. The server notes an arrival when its handler runs, late under load (up to
/// 80 ms measured with the CPUs busy, tests/politeness.rs), and each poller reads the
/// database's clock through an offset measured to half a round trip: half a second covers
/// both. A gap under `interval - 1.5 s` is a second poll in one cycle.
fn assert_once_per_cycle(
    hits: &HashMap<String, Vec<Instant>>,
    interval: Duration,
    taken_over: &[String],
) -> usize {
    let shortest = interval - Duration::from_millis(1500);
    let mut extra = 0;
    for (path, at) in hits {
        let short = at.windows(2).filter(|p| p[1] - p[0] < shortest).count();
        let was_held = taken_over.iter().any(|h| h == path.trim_matches('/'));
        assert!(
            short == 0 || (was_held && short == 1),
            "{path} polled twice in one cycle: {:?}",
            at.windows(2).map(|p| p[1] - p[0]).collect::<Vec<_>>()
        );
        extra += short;
    }
    extra
}

/// History on PostgreSQL behaves as on SQLite: the same feeds, byte for byte, from the same
/// pages; a second run asks conditionally, changes nothing and rewrites nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn postgres_history_writes_the_same_feeds_as_sqlite() {
    let pg = Postgres::start();
    let url = pg.database("same_feeds");
    let server = SiteServer::bundled().await.expect("the fixture server");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut on_sqlite =
        feedwright::config::Config::from_yaml(&server.config_yaml(), &dir.path().join("sqlite"))
            .expect("config");
    let mut on_pg =
        feedwright::config::Config::from_yaml(&server.config_yaml(), &dir.path().join("pg"))
            .expect("config");
    on_pg.state = StateLocation::parse(&url, dir.path()).expect("a PostgreSQL URL");
    assert!(matches!(on_sqlite.state, StateLocation::Sqlite(_)));
    on_sqlite.fetch.per_host_delay = Duration::ZERO;
    on_pg.fetch.per_host_delay = Duration::ZERO;

    let first = run(on_pg.clone(), &RunOptions::default())
        .await
        .expect("a run");
    assert!(first.all_ok(), "{first:?}");
    assert!(first.skipped.is_empty());
    let reference = run(on_sqlite.clone(), &RunOptions::default())
        .await
        .expect("a run");
    assert!(reference.all_ok());
    let pg_files = files(on_pg.output.folder().unwrap());
    let sqlite_files = files(on_sqlite.output.folder().unwrap());
    let feeds = |f: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        f.iter()
            .filter(|(name, _)| name.ends_with(".rss") || name.ends_with(".atom"))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect()
    };
    assert_eq!(feeds(&pg_files).len(), 6, "3 sections, 2 formats");
    assert_eq!(
        feeds(&pg_files),
        feeds(&sqlite_files),
        "the same feed bytes"
    );
    let items: usize = first.sections.iter().map(|s| s.as_ref().unwrap().new).sum();
    assert_eq!(
        Postgres::query(&url, "SELECT count(*) FROM items"),
        [items.to_string()]
    );

    let second = run(on_pg.clone(), &RunOptions::default())
        .await
        .expect("a run");
    for section in &second.sections {
        let summary = section.as_ref().expect("written");
        assert_eq!((summary.new, summary.updated), (0, 0), "{summary:?}");
        assert_eq!(summary.not_modified, 1, "a conditional GET: {summary:?}");
        assert!(
            summary
                .written
                .iter()
                .all(|(_, w)| *w == feedwright::publish::Written::Unchanged),
            "{summary:?}"
        );
    }
    assert!(
        feeds(&files(on_pg.output.folder().unwrap())) == feeds(&pg_files),
        "the feeds are untouched"
    );
}

/// Feeds go to a bucket: every file a folder gets, with its media type and a Cache-Control,
/// and the same bytes; a run that changes nothing uploads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "garage",
    ignore = "needs Garage (cargo install garage), missing when the tests were built"
)]
async fn feeds_are_published_to_a_bucket_once() {
    let garage = Garage::start();
    garage.bucket("feeds-once");
    let server = SiteServer::bundled().await.expect("the fixture server");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bucket_config = demo_config(
        dir.path(),
        "bucket.yaml",
        &server,
        "b.db",
        "s3://feeds-once/cn/",
    );
    let folder_config = demo_config(dir.path(), "folder.yaml", &server, "f.db", "folder");
    let env = garage.env();
    let run_it = |config: &Path| {
        let mut command = common::feedwright(&["run", "-c", config.to_str().unwrap()]);
        command.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command.output()
    };
    let ran = run_it(&bucket_config).await.expect("feedwright runs");
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let ran = run_it(&folder_config).await.expect("feedwright runs");
    assert_eq!(ran.status.code(), Some(0));

    let in_bucket = objects(&garage, "feeds-once").await;
    let in_folder: BTreeMap<String, Vec<u8>> = files(&dir.path().join("folder"))
        .into_iter()
        .map(|(name, bytes)| (format!("cn/{name}"), bytes))
        .collect();
    assert_eq!(
        in_bucket.keys().collect::<Vec<_>>(),
        in_folder.keys().collect::<Vec<_>>(),
        "every file of a folder"
    );
    for (key, bytes) in &in_bucket {
        if !key.ends_with("status.json") && !key.ends_with("index.html") {
            assert_eq!(bytes, &in_folder[key], "{key}");
        }
    }
    let client = garage.client("feeds-once");
    let head = |key: &str| {
        let client = &client;
        let key = object_store::path::Path::from(key);
        async move { client.head(&key).await.expect("the object") }
    };
    let atom = client
        .get(&object_store::path::Path::from("cn/news.atom"))
        .await
        .expect("the feed");
    let attributes = atom.attributes.clone();
    let attribute = |a| attributes.get(&a).map(|v| v.to_string());
    assert_eq!(
        attribute(object_store::Attribute::ContentType).as_deref(),
        Some("application/atom+xml; charset=utf-8")
    );
    assert_eq!(
        attribute(object_store::Attribute::CacheControl).as_deref(),
        Some("public, max-age=300")
    );
    let before: HashMap<String, _> = {
        let mut map = HashMap::new();
        for key in in_bucket.keys() {
            map.insert(key.clone(), head(key).await.last_modified);
        }
        map
    };
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = run_it(&bucket_config).await.expect("feedwright runs");
    assert_eq!(again.status.code(), Some(0));
    for (key, modified) in &before {
        if key.ends_with("status.json") {
            continue;
        }
        assert_eq!(
            &head(key).await.last_modified,
            modified,
            "{key} not uploaded again"
        );
    }
    // A feed deleted from the bucket is written again by the next run, though nothing changed.
    let deleted = object_store::path::Path::from("cn/military.rss");
    client.delete(&deleted).await.expect("deleted");
    let again = run_it(&bucket_config).await.expect("feedwright runs");
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        objects(&garage, "feeds-once").await.get("cn/military.rss"),
        in_bucket.get("cn/military.rss"),
        "restored"
    );
}

/// Errors name what is wrong, and a run that cannot start writes nothing: a bad state URL
/// (status 2), an unreachable server, a wrong password, a missing bucket (status 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    any(feedwright_lacks = "postgres", feedwright_lacks = "garage"),
    ignore = "needs PostgreSQL (initdb) and Garage (cargo install garage), missing when the tests were built"
)]
async fn bad_state_and_output_fail_clearly_and_write_nothing() {
    let pg = Postgres::start();
    let garage = Garage::start();
    let server = SiteServer::bundled().await.expect("the fixture server");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let closed = common::services::free_port();
    let url = pg.database("errors");
    let cases = [
        ("postgres://nohost", "feeds", 2, "state"),
        (
            &*format!("postgres://feedwright:x@127.0.0.1:{closed}/db"),
            "feeds",
            1,
            "cannot connect",
        ),
        (
            &*url.replace(common::services::PG_PASSWORD, "wrong"),
            "feeds",
            1,
            "password authentication failed",
        ),
        (&*url, "s3://no-such-bucket/x", 1, "no-such-bucket"),
    ];
    for (state, output, code, says) in cases {
        let config = demo_config(dir.path(), "config.yaml", &server, state, output);
        let ended = common::feedwright(&["run", "-c", config.to_str().unwrap()])
            .envs(garage.env())
            .output()
            .await
            .expect("feedwright runs");
        let stderr = String::from_utf8_lossy(&ended.stderr);
        assert_eq!(
            ended.status.code(),
            Some(code),
            "{state} {output}: {stderr}"
        );
        assert!(stderr.contains(says), "{state} {output}: {stderr}");
        assert!(
            !stderr.contains("wrong@"),
            "no password in messages: {stderr}"
        );
    }
    assert_eq!(server.total_hits().requests, 0, "nothing fetched");
    assert!(!dir.path().join("feeds").exists(), "nothing written");
    assert_eq!(Postgres::query(&url, "SELECT count(*) FROM items"), ["0"]);
}

/// `migrate --to` copies a SQLite history into PostgreSQL; the next run on PostgreSQL finds
/// everything current and writes the same feeds (nothing new, nothing rewritten).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn migrate_copies_the_history_and_the_next_run_writes_the_same_feeds() {
    let pg = Postgres::start();
    let url = pg.database("migrated");
    let server = SiteServer::bundled().await.expect("the fixture server");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = demo_config(dir.path(), "config.yaml", &server, "history.db", "feeds");
    let config = config.to_str().unwrap();
    let ran = common::feedwright(&["run", "-c", config])
        .output()
        .await
        .unwrap();
    assert_eq!(ran.status.code(), Some(0));
    let written = files(&dir.path().join("feeds"));

    let migrated = common::feedwright(&["migrate", "-c", config, "--to", &url])
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&migrated.stdout);
    assert_eq!(
        migrated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(said.contains("46 items"), "{said}");
    assert!(!said.contains(common::services::PG_PASSWORD), "{said}");
    let again = common::feedwright(&["migrate", "-c", config, "--to", &url])
        .output()
        .await
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "a second copy is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds 46 items"));

    let ran = common::feedwright(&["run", "--json", "-c", config])
        .env("FEEDWRIGHT_STATE", &url)
        .output()
        .await
        .unwrap();
    assert_eq!(ran.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    for section in report["sections"].as_array().unwrap() {
        assert_eq!(section["new"], 0, "{section}");
        assert_eq!(section["not_modified"], 1, "validators migrated: {section}");
        assert_eq!(section["atom"], "unchanged", "{section}");
    }
    let now = files(&dir.path().join("feeds"));
    let feeds = |f: &BTreeMap<String, Vec<u8>>| -> Vec<(String, Vec<u8>)> {
        f.iter()
            .filter(|(n, _)| n.ends_with(".rss") || n.ends_with(".atom"))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect()
    };
    assert_eq!(feeds(&now), feeds(&written));
}

/// The database goes away in the middle of a run: the sections that had something to record
/// fail, naming the history, and no feed is half-written; once it is back, the next run
/// writes every feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn a_database_that_goes_away_fails_the_run_and_the_next_recovers() {
    let mut pg = Postgres::start();
    let url = pg.database("away");
    let server = SiteServer::bundled().await.expect("the fixture server");
    let page = server.get("/domestic/").expect("the fixture page");
    server.set("/domestic/", page.clone().delayed(Duration::from_secs(3)));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = demo_config(dir.path(), "config.yaml", &server, &url, "feeds");
    let config = config.to_str().unwrap().to_owned();
    let running = common::feedwright(&["run", "-c", &config]).spawn().unwrap();
    asked_for(&server, "/domestic/").await;
    pg.go_away();
    let ended = running.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&ended.stderr);
    assert_eq!(ended.status.code(), Some(1), "{stderr}");
    for section in ["news", "domestic", "military"] {
        assert!(
            stderr.contains(&format!("error: section {section}: history postgres://")),
            "{stderr}"
        );
    }
    let feeds_dir = dir.path().join("feeds");
    let written = std::fs::read_dir(&feeds_dir).map_or(0, |d| d.count());
    assert_eq!(
        written, 0,
        "no feed written from a history that did not commit"
    );

    pg.come_back();
    server.set("/domestic/", page);
    let ran = common::feedwright(&["run", "-c", &config])
        .output()
        .await
        .unwrap();
    assert_eq!(
        ran.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    for section in ["news", "domestic", "military"] {
        for ext in ["rss", "atom"] {
            let path = feeds_dir.join(format!("{section}.{ext}"));
            common::parse_feed(&path);
        }
    }
    assert_eq!(Postgres::query(&url, "SELECT count(*) FROM items"), ["46"]);
}

/// Two `run`s at once on PostgreSQL: the second skips the sections the first holds, with a
/// line for each, and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn two_runs_at_once_skip_each_others_sections() {
    let pg = Postgres::start();
    let url = pg.database("overlap");
    let server = SiteServer::bundled().await.expect("the fixture server");
    let page = server.get("/domestic/").expect("the fixture page");
    server.set("/domestic/", page.delayed(Duration::from_secs(4)));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = demo_config(dir.path(), "config.yaml", &server, &url, "feeds");
    let config = config.to_str().unwrap().to_owned();
    let first = common::feedwright(&["run", "-c", &config]).spawn().unwrap();
    asked_for(&server, "/domestic/").await;
    let second = common::feedwright(&["run", "-c", &config])
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&second.stdout);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    for section in ["news", "domestic", "military"] {
        assert!(
            said.contains(&format!("{section}: skipped, another poller holds it")),
            "{said}"
        );
    }
    let first = first.wait_with_output().await.unwrap();
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(server.hits("/domestic/").requests, 1, "polled once");
}

/// Three `watch` processes share 600 sections for three cycles; one is killed with SIGKILL in
/// the middle of the second. Every section is polled once per cycle, except those the dead
/// process held, which are polled at most once more (after its leases ran out). Afterwards the
/// history and the feeds in the bucket are what one SQLite process writes for the same site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    any(feedwright_lacks = "postgres", feedwright_lacks = "garage"),
    ignore = "needs PostgreSQL (initdb) and Garage (cargo install garage), missing when the tests were built"
)]
async fn three_watchers_share_the_sections_and_survive_a_kill() {
    let pg = Postgres::start();
    let garage = Garage::start();
    garage.bucket("shared");
    let url = pg.database("shared");
    let site = Synthetic {
        sections: 600,
        entries: 5,
        follow: 0,
        articles: false,
    };
    let server = SiteServer::start(site.pages("http://other.example"))
        .await
        .expect("the fixture server");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = dir.path().join("config.yaml");
    let interval = Duration::from_secs(8);
    std::fs::write(
        &config,
        format!(
            "state: {url}\noutput_dir: s3://shared/feeds\n{}",
            site.config(&server.base(), false)
        ),
    )
    .unwrap();
    let start = |n: usize| {
        let log = std::fs::File::create(dir.path().join(format!("watch{n}.log"))).unwrap();
        common::feedwright(&[
            "watch",
            "-c",
            config.to_str().unwrap(),
            "--interval",
            "8s",
            "--lease",
            "2s",
        ])
        .envs(garage.env())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("watch starts")
    };
    let mut watchers: Vec<_> = (0..3).map(start).collect();
    let started = Instant::now();
    // The middle of the second cycle: the first is done, part of the second too.
    while list_hits(&server).values().map(Vec::len).sum::<usize>() < 600 + 250 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the second cycle starts"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut victim = watchers.remove(0);
    let pid = victim.id().expect("a running process");
    // Frozen while it holds sections, so that what it holds can be read before it dies: once
    // it is dead, the others take its sections over at once.
    let holding =
        format!("SELECT section FROM leases WHERE holder LIKE '%/{pid}/%' AND until > now()");
    let held = loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the watcher claims"
        );
        if Postgres::query(&url, &holding).is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        // SAFETY: kill has no preconditions; the pid is a child not yet waited for.
        unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
        let held: Vec<String> = Postgres::query(&url, &holding);
        if !held.is_empty() {
            break held;
        }
        // It released them in between: on with it, and try again.
        // SAFETY: as above.
        unsafe { libc::kill(pid as i32, libc::SIGCONT) };
    };
    victim.start_kill().expect("SIGKILL");
    victim.wait().await.expect("the process ends");
    // Until every section was polled three times (the earliest fourth poll is an interval
    // after the earliest third).
    let hits = loop {
        let hits = list_hits(&server);
        if hits.len() == 600 && hits.values().all(|at| at.len() >= 3) {
            break hits;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "three cycles end"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for watcher in &mut watchers {
        watcher.start_kill().expect("stopped");
        watcher.wait().await.expect("ended");
    }
    let extra = assert_once_per_cycle(&hits, interval, &held);
    assert!(
        !held.is_empty(),
        "the watcher was killed in the middle of its work"
    );
    assert!(
        extra <= held.len(),
        "{extra} extra polls, {} held",
        held.len()
    );
    eprintln!(
        "killed a watcher holding {} sections; {extra} of them were polled again",
        held.len()
    );

    // One SQLite process over the same site.
    let reference = dir.path().join("reference.yaml");
    std::fs::write(
        &reference,
        format!(
            "state: ref.db\noutput_dir: ref\n{}",
            site.config(&server.base(), false)
        ),
    )
    .unwrap();
    let ran = common::feedwright(&["run", "-c", reference.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert_eq!(ran.status.code(), Some(0));
    let item_rows = "SELECT section || ' ' || link || ' ' || title || ' ' || published \
                     FROM items ORDER BY section, link";
    let in_postgres = Postgres::query(&url, item_rows);
    let in_sqlite: Vec<String> = rusqlite::Connection::open(dir.path().join("ref.db"))
        .unwrap()
        .prepare(item_rows)
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(in_postgres.len(), 600 * 5, "no item lost or duplicated");
    assert_eq!(in_postgres, in_sqlite, "the same history");
    let in_bucket = objects(&garage, "shared").await;
    let in_folder = files(&dir.path().join("ref"));
    let mut compared = 0;
    for (name, bytes) in &in_folder {
        if name.ends_with(".rss") || name.ends_with(".atom") {
            assert_eq!(
                in_bucket.get(&format!("feeds/{name}")),
                Some(bytes),
                "{name}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 1200);
}

/// A list of eight undated entries (each gets the poll's moment: they tie) whose links sort
/// differently as bytes and as English words, with `max_items: 4`.
fn tied_entries_site() -> HashMap<String, feedwright_testsite::Resource> {
    let names = ["B", "a", "_c", "D", "e", "-f", "G", "h"];
    let items: String = names
        .iter()
        .map(|n| format!(r#"<li><a href="/n/{n}.html">条目 {n}</a></li>"#))
        .collect();
    HashMap::from([(
        "/list/".to_owned(),
        feedwright_testsite::Resource::html(format!(
            r#"<html><head><meta charset="utf-8"></head><body><ul class="list">{items}</ul></body></html>"#
        )),
    )])
}

fn tied_entries_config(base: &str, state: &str, output: &str) -> String {
    format!(
        r#"state: {state}
output_dir: {output}
max_items: 4
fetch: {{ per_host_delay: 0ms, respect_robots: false }}
sites:
  - id: ties
    title: 并列
    related: {{ item: ".list li", title: "a", link: "a" }}
    sections: [{{ id: ties, title: 并列, urls: ["{base}/list/"] }}]
"#
    )
}

/// Ties are ordered bytewise whatever the database's collation: a database whose default
/// collation is ICU `en-US` gives the same four items, in the same order, as SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn an_icu_database_orders_tied_items_as_sqlite_does() {
    let pg = Postgres::start();
    let url = pg.database_with(
        "english_words",
        "TEMPLATE template0 LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
    );
    assert_eq!(
        Postgres::query(&url, "SELECT '_c' < 'B' COLLATE \"default\""),
        ["t"],
        "the database compares as English words"
    );
    let server = SiteServer::start(tied_entries_site()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut links = Vec::new();
    for (name, state) in [("sqlite", "history.db"), ("postgres", url.as_str())] {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, tied_entries_config(&server.base(), state, name)).unwrap();
        let ran = common::feedwright(&["run", "-c", path.to_str().unwrap()])
            .output()
            .await
            .unwrap();
        assert_eq!(
            ran.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let feed = common::parse_feed(&dir.path().join(name).join("ties.atom"));
        links.push(
            feed.entries
                .iter()
                .map(|e| e.id.rsplit('/').next().unwrap_or_default().to_owned())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        links[0],
        ["-f.html", "B.html", "D.html", "G.html"],
        "bytewise"
    );
    assert_eq!(links[1], links[0], "the same items in the same order");
}

/// A robots.txt with a NUL byte is kept on PostgreSQL (whose text cannot hold one) as on
/// SQLite: every run succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn a_robots_txt_with_a_nul_byte_is_kept_on_postgres() {
    let pg = Postgres::start();
    let url = pg.database("nul_robots");
    let mut pages = tied_entries_site();
    pages.insert(
        "/robots.txt".to_owned(),
        feedwright_testsite::Resource::html("User-agent: *\0\nDisallow: /private/\n"),
    );
    let server = SiteServer::start(pages).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    let config = tied_entries_config(&server.base(), &url, "feeds")
        .replace("respect_robots: false", "respect_robots: true");
    std::fs::write(&path, config).unwrap();
    for run in 1..=2 {
        let ran = common::feedwright(&["run", "-c", path.to_str().unwrap()])
            .output()
            .await
            .unwrap();
        assert_eq!(
            ran.status.code(),
            Some(0),
            "run {run}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    assert_eq!(
        Postgres::query(
            &url,
            "SELECT count(*) FROM robots WHERE body LIKE '%Disallow%'"
        ),
        ["1"]
    );
}

/// A run whose lease on a section is taken by another poller while it reads (its own
/// renewals stalled, as a paused process's would) learns it at the next renewal: the
/// section stops, its feed unwritten, the run reports it as another poller's, and the other
/// sections are written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn a_lost_lease_stops_its_section_unwritten() {
    let pg = Postgres::start();
    let url = pg.database("lost_lease");
    let server = SiteServer::bundled().await.expect("the fixture server");
    // The news section's start page takes two seconds: long enough for several renewals.
    let start = "/socialgd/10000169/20240506/46470275.html";
    let page = server.get(start).expect("the news section's start page");
    server.set(start, page.delayed(Duration::from_secs(2)));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut config =
        feedwright::config::Config::from_yaml(&server.config_yaml(), dir.path()).expect("config");
    config.state = StateLocation::parse(&url, dir.path()).expect("a PostgreSQL URL");
    config.fetch.per_host_delay = Duration::ZERO;
    let options = RunOptions {
        lease: Duration::from_millis(600),
        ..RunOptions::default()
    };
    make_schema(&url).await;
    let polled = config.clone();
    let running = tokio::spawn(async move { run(polled, &options).await });
    // Once the run holds the news section, another poller takes it.
    let started = Instant::now();
    let taken = "UPDATE leases SET holder = 'another/1/0', holder_key = NULL, \
                 until = now() + interval '1 hour' \
                 WHERE section = 'news' AND holder IS NOT NULL RETURNING section";
    while Postgres::query(&url, taken).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run claims"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let report = running.await.unwrap().expect("the run");
    assert_eq!(report.skipped, ["news"], "{report:?}");
    assert_eq!(report.sections.len(), 2, "the other two are written");
    assert!(report.all_ok(), "{report:?}");
    let folder = config.output.folder().unwrap();
    assert!(
        !folder.join("news.atom").exists(),
        "the lost section's feed is not written"
    );
    assert!(folder.join("domestic.atom").exists());
    assert_eq!(
        Postgres::query(&url, "SELECT holder FROM leases WHERE section = 'news'"),
        ["another/1/0"],
        "the lease stays the other poller's"
    );
    assert_eq!(
        Postgres::query(&url, "SELECT count(*) FROM items WHERE section = 'news'"),
        ["0"],
        "nothing of it is recorded"
    );
}

/// Two `watch` processes connect as two roles that may use history's tables and nothing more
/// (neither a superuser nor a member of `pg_read_all_stats`, so neither sees the other's
/// sessions in `pg_stat_activity`): each takes part, and no section is polled twice in a cycle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
async fn two_roles_share_the_sections() {
    let pg = Postgres::start();
    let url = pg.database("two_roles");
    // History's tables, made by the database's owner.
    make_schema(&url).await;
    for role in ["poller_a", "poller_b"] {
        pg.role(role);
    }
    Postgres::execute(
        &url,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public \
         TO poller_a, poller_b",
    );
    let site = Synthetic {
        sections: 200,
        entries: 3,
        follow: 0,
        articles: false,
    };
    let server = SiteServer::start(site.pages("http://other.example"))
        .await
        .expect("the fixture server");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let interval = Duration::from_secs(4);
    let start = |role: &str| {
        let config = dir.path().join(format!("{role}.yaml"));
        let state = pg.url_as(role, "two_roles");
        let text = format!(
            "state: {state}\noutput_dir: {role}\n{}",
            site.config(&server.base(), false)
        );
        std::fs::write(&config, text).unwrap();
        let log = std::fs::File::create(dir.path().join(format!("{role}.log"))).unwrap();
        common::feedwright(&[
            "watch",
            "-c",
            config.to_str().unwrap(),
            "--interval",
            "4s",
            "--lease",
            "2s",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("watch starts")
    };
    let mut watchers = [start("poller_a"), start("poller_b")];
    let started = Instant::now();
    let hits = loop {
        let hits = list_hits(&server);
        if hits.len() == 200 && hits.values().all(|at| at.len() >= 2) {
            break hits;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "two cycles end: {}",
            std::fs::read_to_string(dir.path().join("poller_a.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for watcher in &mut watchers {
        watcher.start_kill().expect("stopped");
        watcher.wait().await.expect("ended");
    }
    assert_once_per_cycle(&hits, interval, &[]);
    for role in ["poller_a", "poller_b"] {
        let feeds = std::fs::read_dir(dir.path().join(role))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".atom"))
                    .count()
            })
            .unwrap_or(0);
        assert!(feeds > 0, "{role} polled sections of its own");
    }
}

/// A sighting of `path` as the fixture tests write them.
fn sighting(path: &str, title: &str, content: Option<&str>) -> feedwright::item::Sighting {
    feedwright::item::Sighting {
        story: feedwright::item::Scraped {
            link: url::Url::parse(&format!("https://news.example.com{path}")).expect("a URL"),
            title: title.into(),
            published: None,
            source: None,
            content: content.map(Into::into),
            from_article: content.is_some(),
        },
        list_title: content.is_none().then(|| title.into()),
    }
}

/// Polls recorded on PostgreSQL (whose new items go in one statement per poll) change history
/// as on SQLite, item for item: a link seen twice in one poll (from the list, then from its
/// article) is new once and revised by its article; a title with a NUL byte; a later poll that
/// revises one item and adds another.
#[test]
#[cfg_attr(
    feedwright_lacks = "postgres",
    ignore = "needs PostgreSQL (initdb), missing when the tests were built"
)]
fn polls_change_history_on_postgres_as_on_sqlite() {
    let pg = Postgres::start();
    let url = pg.database("same_polls");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let on_pg = StateLocation::parse(&url, dir.path()).expect("a PostgreSQL URL");
    let on_sqlite = StateLocation::parse("history.db", dir.path()).expect("a SQLite path");
    let prune = feedwright::store::Prune {
        keep_days: 90,
        keep: 100,
    };
    let first = chrono::DateTime::parse_from_rfc3339("2024-06-28T17:30:00+08:00").unwrap();
    let later = chrono::DateTime::parse_from_rfc3339("2024-06-28T18:30:00+08:00").unwrap();
    let polls = [
        (
            first,
            vec![
                sighting("/a", "台风登陆", None),
                sighting("/b", "多地停课\0停工", None),
                sighting("/a", "台风登陆 多地停课停工", Some("<p>正文</p>")),
            ],
        ),
        (
            later,
            vec![
                sighting("/b", "多地停课停工", Some("<p>更正</p>")),
                sighting("/c", "新闻三", None),
            ],
        ),
    ];
    let history = |location: &StateLocation| {
        let mut store = feedwright::store::Store::open(location).expect("history opens");
        let changes: Vec<_> = polls
            .iter()
            .map(|(now, seen)| {
                store
                    .record("news", seen, &[], *now, prune)
                    .expect("recorded")
            })
            .map(|c| (c.new, c.updated))
            .collect();
        (changes, store.items("news", 10).expect("items"))
    };
    let (pg_changes, pg_items) = history(&on_pg);
    let (sqlite_changes, sqlite_items) = history(&on_sqlite);
    assert_eq!(pg_changes, [(2, 1), (1, 1)]);
    assert_eq!(pg_changes, sqlite_changes);
    assert_eq!(pg_items.len(), 3);
    assert_eq!(pg_items, sqlite_items);
}
