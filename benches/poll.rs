//! The end-to-end benchmark: a synthetic china.com-shaped site on 127.0.0.1, polled by
//! feedwright (cold with following, warm, list only), by rsspls (list only), and by the floor: a
//! minimal program that only fetches the same pages with reqwest and parses them with scraper.
//!
//!     cargo bench --bench poll -- [--sections 200] [--follow 5] [--entries 40] [--repeat 3] [--rsspls PATH]
//!                                 [--only follow,list,rsspls] [--start channel|article]
//!
//! Each program runs as a child process (process start included, as cron runs it); its CPU time
//! and peak memory come from `wait4`, its requests from the server's counters. The server runs
//! in this process, on one thread. See BENCHMARKS.md for the numbers and the machine.
//! `FEEDWRIGHT_BENCH_WRAP="perf record -g --"` runs the feedwright polls under a profiler, and
//! `FEEDWRIGHT_BENCH_BIN=path` measures another feedwright build (to compare two commits on the
//! same machine, in the same minute). `--only` picks workloads: `follow` (cold with following,
//! warm, and the floor of the same pages), `list` (list only and its floor), `rsspls`.
//! `--start article` makes every start page an article with the entries as its hot list (the
//! selectors read both), instead of a channel page.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use feedwright_testsite::synthetic::Synthetic;
use feedwright_testsite::{Hits, SiteServer};
use futures::StreamExt;

struct Options {
    repeat: usize,
    sections: usize,
    follow: usize,
    entries: usize,
    rsspls: Option<PathBuf>,
    only: Vec<String>,
    /// The start pages are articles with the entries as their hot list (`--start article`).
    articles: bool,
}

impl Options {
    fn runs(&self, workload: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|w| w == workload)
    }
}

impl From<&Options> for Synthetic {
    fn from(options: &Options) -> Synthetic {
        Synthetic {
            sections: options.sections,
            entries: options.entries,
            follow: options.follow,
            articles: options.articles,
        }
    }
}

fn options() -> Options {
    let mut options = Options {
        repeat: 3,
        sections: 200,
        follow: 5,
        entries: 40,
        rsspls: None,
        only: Vec::new(),
        articles: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--sections" => options.sections = value.parse().expect("--sections N"),
            "--repeat" => options.repeat = value.parse::<usize>().expect("--repeat N").max(1),
            "--follow" => options.follow = value.parse().expect("--follow N"),
            "--entries" => options.entries = value.parse().expect("--entries N"),
            "--rsspls" => options.rsspls = Some(PathBuf::from(value)),
            "--only" => options.only = value.split(',').map(str::to_owned).collect(),
            "--start" => options.articles = value == "article",
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if options.rsspls.is_none() {
        options.rsspls = ["rsspls", "/tmp/rsspls/bin/rsspls"]
            .iter()
            .map(PathBuf::from)
            .find(|p| Command::new(p).arg("--version").output().is_ok());
    }
    options
}

fn rsspls_config(options: &Options, base: &str, output: &Path) -> String {
    let mut toml = format!("[rsspls]\noutput = \"{}\"\n", output.display());
    for s in 0..options.sections {
        let _ = write!(
            toml,
            "\n[[feed]]\ntitle = \"频道{s}\"\nfilename = \"s{s}.rss\"\n[feed.config]\nurl = \"{base}/s{s}/\"\nitem = \".item_list li\"\nheading = \"h3.item_title a\"\nlink = \"h3.item_title a\"\ndate = \".item_time\"\n"
        );
    }
    toml
}

/// What one child process cost.
struct Cost {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: i64,
    hits: Hits,
    status: i32,
}

fn measure(server: &SiteServer, command: &mut Command) -> Cost {
    let before = server.total_hits();
    let started = Instant::now();
    // The program is started by a small launcher (this benchmark again, `--launch`): a child
    // forked from this process would report this process's memory (the whole synthetic site)
    // as its own peak, since Linux carries the high-water mark across fork and exec.
    let mut launcher = Command::new(std::env::current_exe().expect("this program"));
    launcher.arg("--launch").arg(command.get_program());
    launcher.args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => launcher.env(key, value),
            None => launcher.env_remove(key),
        };
    }
    let out = launcher
        .stderr(std::process::Stdio::null())
        .output()
        .expect("the launcher runs");
    let wall = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<u64> = text
        .split_whitespace()
        .map(|f| f.parse().expect("the launcher's numbers"))
        .collect();
    let [cpu_us, max_rss_kib, status] = fields[..] else {
        panic!("the launcher said {text:?}");
    };
    let after = server.total_hits();
    Cost {
        wall,
        cpu: Duration::from_micros(cpu_us),
        max_rss_kib: max_rss_kib as i64,
        hits: Hits {
            requests: after.requests - before.requests,
            full: after.full - before.full,
        },
        status: status as i32,
    }
}

/// Runs `program args…` with its output discarded, and prints its CPU time (µs), peak
/// resident memory (KiB) and exit status, as `wait4` reports them.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its rusage"
)]
fn launch(program: &str, args: &[String]) {
    let child = Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the program starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills in; `pid` is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; the pointers are valid for the duration of the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    println!(
        "{} {} {}",
        micros(usage.ru_utime) + micros(usage.ru_stime),
        usage.ru_maxrss,
        libc::WEXITSTATUS(status)
    );
}

/// The floor: fetch every URL in the file with reqwest (4 at a time) and parse it with scraper.
fn floor(urls_file: &Path) {
    let urls: Vec<String> = std::fs::read_to_string(urls_file)
        .expect("the URL list")
        .lines()
        .map(str::to_owned)
        .collect();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let selector = scraper::Selector::parse(".item_list li").expect("a selector");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut pages = futures::stream::iter(urls)
            .map(|url| {
                let client = client.clone();
                async move {
                    client
                        .get(url)
                        .send()
                        .await
                        .expect("fetched")
                        .text()
                        .await
                        .expect("a body")
                }
            })
            .buffer_unordered(4);
        let mut entries = 0;
        while let Some(page) = pages.next().await {
            entries += scraper::Html::parse_document(&page)
                .select(&selector)
                .count();
        }
        assert!(entries > 0);
    });
}

/// The run with the median CPU time.
fn median(mut costs: Vec<Cost>) -> Option<Cost> {
    costs.sort_by_key(|c| c.cpu);
    let middle = costs.len() / 2;
    (!costs.is_empty()).then(|| costs.swap_remove(middle))
}

fn row(table: &mut String, name: &str, cost: &Cost, pages: usize) {
    let per_page = cost.cpu.as_secs_f64() * 1000.0 / pages.max(1) as f64;
    let _ = writeln!(
        table,
        "| {name} | {pages} | {:.2} | {:.3} | {per_page:.3} | {:.1} | {} | {} | {} |",
        cost.wall.as_secs_f64(),
        cost.cpu.as_secs_f64(),
        cost.max_rss_kib as f64 / 1024.0,
        cost.hits.requests,
        cost.hits.full,
        cost.status
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--launch") {
        launch(&args[2], &args[3..]);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--floor") {
        floor(Path::new(&args[2]));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        println!("poll: bench");
        return;
    }
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let server = runtime
        .block_on(SiteServer::start(HashMap::new()))
        .expect("the server starts");
    let base = server.base();
    let other_host = base.replace("127.0.0.1", "localhost");
    for (path, page) in Synthetic::from(&options).pages(&other_host) {
        server.set(&path, page);
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        path
    };
    let list_urls: Vec<String> = (0..options.sections)
        .map(|s| format!("{base}/s{s}/"))
        .collect();
    let mut all_urls = list_urls.clone();
    for s in 0..options.sections {
        all_urls.extend((0..options.follow).map(|e| format!("{base}/s{s}/a{e}.html")));
    }
    let list_file = write("list.txt", &list_urls.join("\n"));
    let all_file = write("all.txt", &all_urls.join("\n"));
    let feedwright = std::env::var_os("FEEDWRIGHT_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_feedwright")),
        PathBuf::from,
    );
    let me = std::env::current_exe().expect("this program");
    // FEEDWRIGHT_BENCH_WRAP="perf record -g -o cold.data --" runs feedwright under a profiler
    // (its times then include the profiler's).
    let wrap: Vec<String> = std::env::var("FEEDWRIGHT_BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let run = |config: &Path| {
        let mut command = match wrap.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(&feedwright);
                command
            }
            None => Command::new(&feedwright),
        };
        command.args(["run", "-q", "-c"]).arg(config);
        command
    };
    let follow_pages = options.sections * (1 + options.follow);

    // Every workload runs `repeat` times, cold ones from an empty state each time; the median
    // (by CPU time) is reported, as the machine is shared with the server.
    let mut runs: [Vec<Cost>; 7] = Default::default();
    for rep in 0..options.repeat {
        // Each feedwright workload has its own folder, so its own history (`feedwright.db`).
        for folder in ["follow", "list", "rsspls-feeds"] {
            std::fs::create_dir_all(dir.path().join(format!("{rep}/{folder}"))).expect("a folder");
        }
        let follow_config = write(
            &format!("{rep}/follow/config.yaml"),
            &Synthetic::from(&options).config(&base, true),
        );
        let list_config = write(
            &format!("{rep}/list/config.yaml"),
            &Synthetic::from(&options).config(&base, false),
        );
        if options.runs("follow") {
            runs[0].push(measure(&server, &mut run(&follow_config)));
            runs[1].push(measure(&server, &mut run(&follow_config)));
            runs[2].push(measure(
                &server,
                Command::new(&me).arg("--floor").arg(&all_file),
            ));
        }
        if options.runs("list") {
            runs[3].push(measure(&server, &mut run(&list_config)));
            runs[6].push(measure(&server, &mut run(&list_config)));
            runs[4].push(measure(
                &server,
                Command::new(&me).arg("--floor").arg(&list_file),
            ));
        }
        if let Some(bin) = options.rsspls.as_ref().filter(|_| options.runs("rsspls")) {
            let output = dir.path().join(format!("{rep}/rsspls-feeds"));
            let config = write(
                &format!("{rep}/rsspls.toml"),
                &rsspls_config(&options, &base, &output),
            );
            runs[5].push(measure(
                &server,
                Command::new(bin).arg("--config").arg(&config).env(
                    "XDG_CACHE_HOME",
                    dir.path().join(format!("{rep}/rsspls-cache")),
                ),
            ));
        }
    }
    // The machine's speed drifts between minutes, so ratios are also taken within each
    // repetition (the two programs ran seconds apart) and their median reported.
    let paired = |a: usize, b: usize| {
        let mut ratios: Vec<f64> = runs[a]
            .iter()
            .zip(&runs[b])
            .map(|(a, b)| a.cpu.as_secs_f64() / b.cpu.as_secs_f64().max(1e-9))
            .collect();
        ratios.sort_by(f64::total_cmp);
        let range = match (ratios.first(), ratios.last()) {
            (Some(low), Some(high)) => format!(" (range {low:.2}-{high:.2})"),
            _ => String::new(),
        };
        ratios.get(ratios.len() / 2).map(|median| (*median, range))
    };
    let paired_cold_floor = paired(0, 2);
    let paired_warm_cold = paired(1, 0);
    let paired_list_rsspls = paired(3, 5);
    let [cold, warm, floor_all, list, floor_list, rsspls, list_warm] = runs.map(median);
    let mut table = String::from(
        "| run | pages | wall s | CPU s | CPU ms/page | peak MiB | requests | full downloads | exit |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, cost, pages) in [
        ("feedwright cold, following", &cold, follow_pages),
        ("feedwright warm (nothing changed)", &warm, follow_pages),
        (
            "floor: reqwest + scraper, same pages",
            &floor_all,
            follow_pages,
        ),
        ("feedwright cold, list only", &list, options.sections),
        ("feedwright warm, list only", &list_warm, options.sections),
        (
            "floor: reqwest + scraper, list pages",
            &floor_list,
            options.sections,
        ),
        ("rsspls, list only", &rsspls, options.sections),
    ] {
        if let Some(cost) = cost {
            row(&mut table, name, cost, pages);
        }
    }
    let ratio = |a: &Cost, b: &Cost| a.cpu.as_secs_f64() / b.cpu.as_secs_f64().max(1e-9);
    let show = |paired: &Option<(f64, String)>| {
        paired.as_ref().map_or_else(String::new, |(median, range)| {
            format!("; paired by repetition: median {median:.3}{range}")
        })
    };
    println!(
        "synthetic site: {} sections x (1 list page of {} entries + {} followed articles)\n",
        options.sections, options.entries, options.follow
    );
    println!("{table}");
    if let (Some(cold), Some(warm), Some(floor_all)) = (&cold, &warm, &floor_all) {
        println!(
            "cold with following / floor (CPU per page): {:.2}  (target <= 2){}",
            ratio(cold, floor_all),
            show(&paired_cold_floor)
        );
        println!(
            "warm / cold (CPU): {:.1}%  (target <= 10%){}, full downloads in the warm poll: {}",
            100.0 * ratio(warm, cold),
            show(&paired_warm_cold),
            warm.hits.full
        );
        println!(
            "peak memory of the cold poll: {:.1} MiB (target < 64)",
            cold.max_rss_kib as f64 / 1024.0
        );
    }
    if let Some(list) = &list {
        match &rsspls {
            Some(rsspls) => println!(
                "list only: feedwright / rsspls (CPU per page): {:.2}  (target <= 0.40){}",
                ratio(list, rsspls),
                show(&paired_list_rsspls)
            ),
            None if options.runs("rsspls") => println!(
                "rsspls not found (cargo install rsspls, or --rsspls PATH): comparison skipped"
            ),
            None => {}
        }
        if let Some(floor_list) = &floor_list {
            println!(
                "list only: feedwright / floor (CPU per page): {:.2}",
                ratio(list, floor_list)
            );
        }
    }
}
