//! `feedwright watch` through the binary: the config checked before anything happens, one line
//! per poll, the config read again before every poll, and SIGTERM stopping it cleanly. Every
//! wait is for something the test can observe (a line, a file, a request reaching the server),
//! bounded by `common::PATIENCE`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Harness, wait_until};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// A running `feedwright watch` with its output gathered line by line as it comes.
struct Watch {
    child: tokio::process::Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

/// How a watch ended.
struct Ended {
    code: Option<i32>,
    stdout: Vec<String>,
    stderr: String,
}

impl Watch {
    /// Starts `feedwright watch -c config --interval 1s`; the process is killed if the test
    /// ends first.
    fn start(config: &Path, more: &[&str]) -> Watch {
        let mut args = vec!["watch", "-c", config.to_str().unwrap(), "--interval", "1s"];
        args.extend_from_slice(more);
        let mut child = common::feedwright(&args)
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let stdout = gather(child.stdout.take().unwrap());
        let stderr = gather(child.stderr.take().unwrap());
        Watch {
            child,
            stdout,
            stderr,
        }
    }

    fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// The `poll N: …` lines printed so far.
    fn polls(&self) -> Vec<String> {
        self.stdout()
            .into_iter()
            .filter(|l| l.starts_with("poll "))
            .collect()
    }

    /// Waits until `n` polls have printed their line (failing at once if watch exits).
    async fn wait_for_polls(&mut self, n: usize) {
        wait_until(&format!("{n} poll lines"), || {
            let polls = self.polls().len();
            let exited = self.child.try_wait().unwrap();
            assert!(
                exited.is_none(),
                "watch exited early ({exited:?}): {:?}\n{}",
                self.stdout(),
                self.stderr()
            );
            polls >= n
        })
        .await;
    }

    fn terminate(&self) {
        let pid = self.child.id().expect("watch is running");
        let pid = libc::pid_t::try_from(pid).unwrap();
        // SAFETY: kill(2) with a live child's pid and a valid signal has no memory effects.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM sent");
    }

    /// Waits for the process to exit (it must, within `common::PATIENCE`).
    async fn ended(mut self) -> Ended {
        let status = tokio::time::timeout(common::PATIENCE, self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!("watch did not exit: {:?}\n{}", self.stdout(), self.stderr())
            })
            .unwrap();
        // The pipes close with the process; let the readers take the last lines.
        let closed =
            || Arc::strong_count(&self.stdout) == 1 && Arc::strong_count(&self.stderr) == 1;
        wait_until("the output is read to its end", closed).await;
        Ended {
            code: status.code(),
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

/// Collects the lines of `pipe` as they arrive, until it closes.
fn gather(pipe: impl AsyncRead + Unpin + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    tokio::spawn(async move {
        let mut reader = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// Replaces `path`'s content in one rename, so that a poll never reads half a file.
fn replace(path: &Path, text: &str) {
    let next = path.with_extension("yaml.next");
    std::fs::write(&next, text).unwrap();
    std::fs::rename(&next, path).unwrap();
}

fn feed_files(h: &Harness, sections: &[&str]) -> Vec<(PathBuf, Vec<u8>)> {
    sections
        .iter()
        .flat_map(|s| [h.feed_path(s, "rss"), h.feed_path(s, "atom")])
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// An invalid config stops `watch` before its first poll: status 2, the problem on stderr,
/// no request to the site and no feed written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_with_an_invalid_config_exits_2_before_polling() {
    let h = Harness::new().await;
    let config = h.write_config();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("max_items: 100", "max_item: 100");
    std::fs::write(&config, text).unwrap();
    let ended = Watch::start(&config, &[]).ended().await;
    assert_eq!(ended.code, Some(2), "{}", ended.stderr);
    assert!(ended.stderr.contains("max_item"), "{}", ended.stderr);
    assert!(ended.stdout.is_empty(), "no poll: {:?}", ended.stdout);
    assert_eq!(h.server.total_hits().requests, 0, "nothing fetched");
    assert!(
        !h.config.output.folder().unwrap().exists(),
        "nothing written"
    );
}

/// `watch` polls every interval, printing one `poll N:` line each, and reads its config again
/// before every poll: a section retitled and a section added while it runs show up in the
/// feeds of a later poll, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_polls_and_reads_the_changed_config() {
    let h = Harness::new().await;
    let config = h.write_config();
    let mut watch = Watch::start(&config, &[]);
    watch.wait_for_polls(1).await;
    let first = &watch.polls()[0];
    assert!(
        first.starts_with("poll 1: 3 sections written, 0 failed; 46 new, 0 updated items;"),
        "{first}"
    );
    for section in ["news", "domestic", "military"] {
        h.feeds(section);
    }
    assert!(!h.feed_path("extra", "atom").exists());

    let text = std::fs::read_to_string(&config).unwrap();
    let changed = text.replace("title: 中华网 国内\n", "title: 中华网 国内新闻\n")
        + &format!(
            "      - id: extra\n        title: 中华网 军事（新增）\n        urls: [\"{}/military/news/\"]\n",
            h.server.base()
        );
    assert_ne!(
        changed.replace("国内新闻", "国内"),
        text,
        "a section is added"
    );
    replace(&config, &changed);
    let retitled = |section: &str, title: &str| {
        let path = h.feed_path(section, "atom");
        path.exists()
            && common::parse_feed(&path)
                .title
                .is_some_and(|t| t.content == title)
    };
    wait_until("a poll writes the changed config's feeds", || {
        retitled("domestic", "中华网 国内新闻") && retitled("extra", "中华网 军事（新增）")
    })
    .await;
    let (rss, _) = h.feeds("extra");
    assert_eq!(rss.entries.len(), 5, "the new section holds its items");
    let (rss, _) = h.feeds("domestic");
    assert_eq!(rss.title.unwrap().content, "中华网 国内新闻");
    wait_until("the poll that wrote them prints its line", || {
        watch
            .polls()
            .iter()
            .any(|l| l.contains(": 4 sections written, 0 failed;"))
    })
    .await;
    let polls = watch.polls();
    for (n, line) in polls.iter().enumerate() {
        assert!(line.starts_with(&format!("poll {}: ", n + 1)), "{polls:?}");
    }
}

/// `watch` polls each section when it is due: a section with `every: 1h` is polled once while
/// the others, on the 1s interval, are polled at every poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_polls_each_section_on_its_own_schedule() {
    let h = Harness::new().await;
    let config = h.write_config();
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "        urls: [\"{base}/military/news/\"]"
            .replace("{base}", &h.server.base())
            .as_str(),
        &format!(
            "        urls: [\"{}/military/news/\"]\n        every: 1h",
            h.server.base()
        ),
    );
    assert!(text.contains("every: 1h"));
    replace(&config, &text);
    let mut watch = Watch::start(&config, &[]);
    watch.wait_for_polls(3).await;
    let polls = watch.polls();
    assert!(polls[0].contains(": 3 sections written,"), "{polls:?}");
    for later in &polls[1..3] {
        assert!(later.contains(": 2 sections written,"), "{polls:?}");
    }
    assert_eq!(h.server.hits("/military/news/").requests, 1);
    assert!(h.server.hits("/domestic/").requests >= 3);
}

/// SIGTERM while a poll is waiting for a page stops `watch` at once with status 0 and
/// `stopped`; the feeds of the poll before are untouched, complete and valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_poll_stops_watch_cleanly() {
    let h = Harness::new().await;
    let config = h.write_config();
    // A page that hangs must still be hanging when the signal comes, not time out before.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("timeout: 5s", "timeout: 120s");
    std::fs::write(&config, text).unwrap();
    let mut watch = Watch::start(&config, &[]);
    watch.wait_for_polls(1).await;
    let sections = ["news", "domestic", "military"];
    let written = feed_files(&h, &sections);

    let page = h.server.get("/domestic/").unwrap();
    h.server
        .set("/domestic/", page.delayed(Duration::from_secs(120)));
    let hanging_since = Instant::now();
    wait_until("the next poll asks for the hanging page", || {
        h.server
            .arrivals()
            .iter()
            .any(|(path, at)| path == "/domestic/" && *at > hanging_since)
    })
    .await;
    watch.terminate();
    let ended = watch.ended().await;
    assert_eq!(ended.code, Some(0), "{}", ended.stderr);
    assert_eq!(
        ended.stdout.last().map(String::as_str),
        Some("stopped"),
        "{:?}",
        ended.stdout
    );
    let polls: Vec<&String> = ended
        .stdout
        .iter()
        .filter(|l| l.starts_with("poll "))
        .collect();
    assert_eq!(
        polls.len(),
        1,
        "the interrupted poll printed nothing: {polls:?}"
    );
    assert_eq!(
        feed_files(&h, &sections),
        written,
        "the feeds are untouched"
    );
    for section in sections {
        h.feeds(section);
    }
    let leftovers: Vec<_> = std::fs::read_dir(h.config.output.folder().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file is left: {leftovers:?}"
    );
}

/// `watch --section` with an id that names no section is a mistake on the command line, as
/// for `run`: status 2 naming the id, before any poll, instead of a daemon that logs the same
/// error every interval forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_with_an_unknown_section_exits_2() {
    let h = Harness::new().await;
    let config = h.write_config();
    let ended = Watch::start(&config, &["--section", "nosuch"])
        .ended()
        .await;
    assert_eq!(ended.code, Some(2), "{}", ended.stderr);
    assert!(ended.stderr.contains("\"nosuch\""), "{}", ended.stderr);
    assert_eq!(h.server.total_hits().requests, 0, "nothing fetched");
}
