//! Zero-config extraction on the real-page corpus (`tests/fixtures/real/`): the CPU each page
//! costs, whole `feedwright extract` processes and the stages inside one.
//!
//! `cargo bench --bench extract` builds nothing itself: it runs `target/release/feedwright`
//! (build it first with `cargo build --release`, or name another binary with
//! `FEEDWRIGHT_BENCH_BIN`), each page served over loopback HTTP as the hidden set is (a
//! `charset=utf-8` header when the bytes are UTF-8), and reports the CPU time (user + system)
//! of each process, best of `--repeat` (default 5). Then it times the stages in this process:
//! decoding, parsing, zero-config extraction, normalization.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use feedwright_extract::TimeContext;
use feedwright_extract::auto;
use feedwright_extract::charset;
use feedwright_testsite::{Resource, SiteServer};
use scraper::Html;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");

fn pages() -> Vec<(String, Vec<u8>)> {
    let mut pages = Vec::new();
    for folder in ["articles", "lists"] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(Path::new(CORPUS).join(folder))
            .expect("the corpus exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
            .collect();
        names.sort();
        for path in names {
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            pages.push((name, std::fs::read(&path).expect("a page")));
        }
    }
    pages
}

fn served(bytes: &[u8]) -> Resource {
    let mut resource = Resource::html(bytes.to_vec());
    if std::str::from_utf8(bytes).is_ok() {
        resource.headers = vec![(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
        )];
    }
    resource
}

/// CPU time (user + system) of the children reaped so far.
fn children_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn repeat() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let pages = pages();
    let repeat = repeat();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = std::env::var("FEEDWRIGHT_BENCH_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/feedwright").to_owned()
    });
    let map: HashMap<String, Resource> = pages
        .iter()
        .map(|(name, bytes)| (format!("/{name}"), served(bytes)))
        .collect();
    let server = runtime
        .block_on(SiteServer::start(map))
        .expect("the server starts");
    let empty = tempfile::tempdir().expect("a folder without config.yaml");
    let config = empty.path().join("config.yaml");
    std::fs::write(
        &config,
        "fetch: { per_host_delay: 0ms, respect_robots: false }\nsites:\n  - { id: corpus, title: corpus, article: { title: h1 }, sections: [{ id: all, urls: [\"http://127.0.0.1/\"] }] }\n",
    )
    .expect("a config");
    let mut process_ms = Vec::new();
    for (name, _) in &pages {
        let url = server.url(&format!("/{name}")).to_string();
        let best = (0..repeat)
            .map(|_| {
                let before = children_cpu();
                let status = std::process::Command::new(&binary)
                    .args(["extract", "--json", &url, "-c"])
                    .arg(&config)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status()
                    .expect("the binary runs");
                let _ = status;
                children_cpu() - before
            })
            .min()
            .unwrap_or_default();
        process_ms.push(best.as_secs_f64() * 1000.0);
    }
    let mean = process_ms.iter().sum::<f64>() / process_ms.len() as f64;
    println!(
        "feedwright extract, whole process over loopback HTTP, {} pages, best of {repeat}: mean {mean:.2} ms CPU, median {:.2} ms, max {:.2} ms",
        pages.len(),
        median(process_ms.clone()),
        process_ms.iter().copied().fold(0.0, f64::max)
    );

    let ctx = TimeContext::new(feedwright_extract::Zone::shanghai(), chrono::Utc::now());
    let url = url::Url::parse("https://corpus.invalid/page.html").expect("a URL");
    let mut stages = [0.0f64; 4];
    let rounds = repeat.max(3);
    for _ in 0..rounds {
        for (_, bytes) in &pages {
            let header = std::str::from_utf8(bytes)
                .is_ok()
                .then_some("text/html; charset=utf-8");
            let started = Instant::now();
            let text = charset::decode(bytes, header).text;
            let decoded = Instant::now();
            let document = Html::parse_document(&text);
            let parsed = Instant::now();
            let found = auto::extract(&document, &url);
            let extracted = Instant::now();
            let page = feedwright_extract::extract(&text, &url, &ctx);
            let whole = Instant::now();
            std::hint::black_box((found, page));
            stages[0] += (decoded - started).as_secs_f64();
            stages[1] += (parsed - decoded).as_secs_f64();
            stages[2] += (extracted - parsed).as_secs_f64();
            stages[3] += (whole - extracted).as_secs_f64();
        }
    }
    let per_page = |total: f64| total * 1000.0 / (rounds * pages.len()) as f64;
    println!("in one process, mean per page:");
    println!(
        "  decode                      {:.2} ms",
        per_page(stages[0])
    );
    println!(
        "  parse (html5ever)           {:.2} ms",
        per_page(stages[1])
    );
    println!(
        "  zero-config extraction      {:.2} ms",
        per_page(stages[2])
    );
    println!(
        "  parse + extract + normalize {:.2} ms (feedwright_extract::extract)",
        per_page(stages[3])
    );
}
