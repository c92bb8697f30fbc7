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

/// History on PostgreSQL behaves as on SQLite: the same feeds, byte for byte, from the same
/// pages; a second run asks conditionally, changes nothing and rewrites nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_history_writes_the_same_feeds_as_sqlite() {
    let Some(pg) = Postgres::start() else { return };
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
async fn feeds_are_published_to_a_bucket_once() {
    let Some(garage) = Garage::start() else {
        return;
    };
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
async fn bad_state_and_output_fail_clearly_and_write_nothing() {
    let Some(pg) = Postgres::start() else { return };
    let Some(garage) = Garage::start() else {
        return;
    };
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
async fn migrate_copies_the_history_and_the_next_run_writes_the_same_feeds() {
    let Some(pg) = Postgres::start() else { return };
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
async fn a_database_that_goes_away_fails_the_run_and_the_next_recovers() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
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
async fn two_runs_at_once_skip_each_others_sections() {
    let Some(pg) = Postgres::start() else { return };
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
async fn three_watchers_share_the_sections_and_survive_a_kill() {
    let Some(pg) = Postgres::start() else { return };
    let Some(garage) = Garage::start() else {
        return;
    };
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
    let list_hits = |server: &SiteServer| -> HashMap<String, Vec<Instant>> {
        let mut hits: HashMap<String, Vec<Instant>> = HashMap::new();
        for (path, at) in server.arrivals() {
            if path.starts_with("/s") {
                hits.entry(path).or_default().push(at);
            }
        }
        hits
    };
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
    let mut extra = 0;
    for (path, at) in &hits {
        let section = path.trim_matches('/');
        let was_held = held.iter().any(|h| h == section);
        if was_held && at.len() == 4 {
            extra += 1;
            continue;
        }
        assert_eq!(
            at.len(),
            3,
            "{path} polled once per cycle (held: {was_held})"
        );
        for pair in at.windows(2) {
            assert!(
                pair[1] - pair[0] >= interval / 2,
                "{path} polled twice in one cycle"
            );
        }
    }
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
