//! A large history: 1,000 sections × 1,000 items (1,000,000 items, no bodies), as years of
//! polling leave it. Measures the file's size per item, the CPU of the store work of a warm
//! poll of one section (its 50 listed items seen again, nothing new), and whether pruning by
//! `keep_days` keeps the file's size bounded while items come and go.
//!
//!     cargo bench --bench history -- [--sections 1000] [--items 1000]
//!
//! The history is written in a temporary folder through the store's own API.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use feedwright::item::{Scraped, Sighting};
use feedwright::store::{Prune, Store};
use url::Url;

/// Items a list page shows, seen again by every warm poll.
const LISTED: usize = 50;

fn option(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Item `n` of section `s`: a china.com-shaped link, a headline of 24 characters, a source.
fn sighting(s: usize, n: usize, start: DateTime<FixedOffset>) -> Sighting {
    Sighting {
        story: Scraped {
            link: Url::parse(&format!(
                "https://news.china.com/socialgd/10000169/20240506/{}.html",
                46_000_000 + s * 100_000 + n
            ))
            .expect("a link"),
            title: format!("北约暂未考虑在日本设立办事处的传言第{n:06}号消息"),
            published: Some(start + chrono::Duration::minutes(n as i64)),
            source: Some("新华社".into()),
            content: None,
            from_article: false,
        },
        list_title: None,
    }
}

/// The size of the history's files (the database and its write-ahead log).
fn size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn checkpointed(path: &Path, store: Store) -> Store {
    drop(store);
    Store::open_file(path).expect("the history opens")
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("history: bench");
        return;
    }
    let sections = option("--sections", 1000);
    let items = option("--items", 1000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("feedwright.db");
    let mut store = Store::open_file(&path).expect("the history opens");
    let start: DateTime<FixedOffset> = "2024-01-01T08:00:00+08:00".parse().expect("a time");
    let now = start + chrono::Duration::days(1);
    let keep_all = Prune {
        keep_days: 90,
        keep: 100,
    };
    let filled = thread_cpu();
    for s in 0..sections {
        let sightings: Vec<Sighting> = (0..items).map(|n| sighting(s, n, start)).collect();
        store
            .record(&format!("s{s}"), &sightings, &[], now, keep_all)
            .expect("recorded");
    }
    let fill_cpu = thread_cpu() - filled;
    store = checkpointed(&path, store);
    let total = sections * items;
    let bytes = size(&path);
    println!(
        "history of {total} items ({sections} sections x {items}), no bodies: {:.1} MiB, {:.0} bytes per item; filled in {:.1} s of CPU",
        bytes as f64 / 1048576.0,
        bytes as f64 / total as f64,
        fill_cpu.as_secs_f64()
    );

    // A warm poll of one section: its newest LISTED items seen again, a day later.
    let later = now + chrono::Duration::days(1);
    let polled = sections.min(200);
    let warm = thread_cpu();
    for s in 0..polled {
        let sightings: Vec<Sighting> = (items - LISTED..items)
            .map(|n| sighting(s, n, start))
            .collect();
        store
            .record(&format!("s{s}"), &sightings, &[], later, keep_all)
            .expect("recorded");
    }
    let per_poll = (thread_cpu() - warm).as_secs_f64() * 1000.0 / polled as f64;
    println!(
        "warm poll of one section ({LISTED} listed items seen again, nothing new): {per_poll:.3} ms of CPU for its store work (mean of {polled} sections; target <= 2 ms)"
    );

    // Churn: every 30 days each section lists LISTED new items; items unseen for 90 days go
    // (each section keeps at least its feed's 100). The file must stop growing.
    let mut sizes = Vec::new();
    for round in 1..=8 {
        let at = later + chrono::Duration::days(30 * round);
        for s in 0..sections {
            let first = items + (round as usize - 1) * LISTED;
            let sightings: Vec<Sighting> = (first..first + LISTED)
                .map(|n| sighting(s, n, start))
                .collect();
            store
                .record(&format!("s{s}"), &sightings, &[], at, keep_all)
                .expect("recorded");
        }
        store = checkpointed(&path, store);
        sizes.push(size(&path));
    }
    let mib: Vec<String> = sizes
        .iter()
        .map(|b| format!("{:.1}", *b as f64 / 1048576.0))
        .collect();
    println!(
        "file size (MiB) after each of 8 rounds of 30 days (new items in, items unseen for 90 days out): {}",
        mib.join(", ")
    );
}
