//! Shared state and several pollers, measured: a real PostgreSQL server and a real Garage S3
//! server on loopback (the tests' own `services`), and the synthetic site of the poll
//! benchmark.
//!
//!     cargo bench --bench shared -- [--repeat 3] [--sections 600] [--only cpu,cycle]
//!
//! - `cpu`: a cold `feedwright run` of 200 sections with following (the poll benchmark's
//!   workload), on SQLite and on PostgreSQL, side by side; the CPU of the feedwright process,
//!   and apart from it the CPU of the PostgreSQL server during the run.
//! - `cycle`: the list pages answer after 50 ms; one `watch` process, then three, start on an
//!   empty history and a bucket; the time until every section was polled and noted once.
//!
//! See BENCHMARKS.md for the numbers and the machine.

#[path = "../tests/common/services.rs"]
#[allow(dead_code)]
mod services;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use feedwright::config::StateLocation;
use feedwright::store::Store;
use feedwright_testsite::SiteServer;
use feedwright_testsite::synthetic::Synthetic;
use services::{Garage, Postgres};

struct Options {
    repeat: usize,
    sections: usize,
    only: Vec<String>,
}

fn options() -> Options {
    let mut options = Options {
        repeat: 3,
        sections: 600,
        only: Vec::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--repeat" => options.repeat = pair[1].parse().expect("--repeat N"),
            "--sections" => options.sections = pair[1].parse().expect("--sections N"),
            "--only" => options.only = pair[1].split(',').map(str::to_owned).collect(),
            _ => {}
        }
    }
    options
}

fn feedwright() -> PathBuf {
    std::env::var_os("FEEDWRIGHT_BENCH_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_feedwright")),
        PathBuf::from,
    )
}

/// CPU seconds of this process's waited-for children so far.
fn children_cpu() -> f64 {
    // SAFETY: `usage` is a plain C struct that getrusage fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; the pointer is valid for the call.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// CPU seconds of the process `pid` and of its children it waited for (a PostgreSQL server
/// reaps the backend of every closed connection).
fn process_tree_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // utime, stime, cutime, cstime are fields 14-17 of stat, 12-15 after the name.
    let ticks: f64 = fields.get(11..15).map_or(0.0, |f| f.iter().sum());
    // SAFETY: sysconf has no preconditions.
    ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// One line of results: the median of `values` and their spread, and the target if any.
fn line(label: &str, values: &[f64], unit: &str, target: &str) {
    let text = format!(
        "  {label:<30}{:.2} {unit}  ({})",
        median(values.to_vec()),
        spread(values)
    );
    if target.is_empty() {
        println!("{text}");
    } else {
        println!("{text}   {target}");
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0, f64::max);
    format!("{min:.2}–{max:.2}")
}

fn write_config(path: &Path, head: &str, site: &Synthetic, base: &str, follow: bool) {
    std::fs::write(path, format!("{head}{}", site.config(base, follow))).expect("a config");
}

/// A cold run on SQLite and on PostgreSQL, side by side, `repeat` times.
fn cpu(options: &Options, runtime: &tokio::runtime::Runtime, pg: &Postgres) {
    let site = Synthetic {
        sections: 200,
        entries: 40,
        follow: 5,
        articles: false,
    };
    let server = runtime
        .block_on(SiteServer::start(site.pages("http://other.example")))
        .expect("the site");
    let dir = tempfile::tempdir().expect("a folder");
    let (mut sqlite, mut postgres, mut server_cpu) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..options.repeat {
        let db = pg.database(&format!("cpu{rep}"));
        for (name, state) in [("sqlite", "feedwright.db".to_owned()), ("pg", db)] {
            let folder = dir.path().join(format!("{rep}-{name}"));
            std::fs::create_dir_all(&folder).expect("a folder");
            let config = folder.join("config.yaml");
            write_config(
                &config,
                &format!("state: {state}\n"),
                &site,
                &server.base(),
                true,
            );
            let (before, pg_before) = (children_cpu(), process_tree_cpu(pg.pid()));
            let status = Command::new(feedwright())
                .args(["run", "-q", "-c"])
                .arg(&config)
                .stdout(Stdio::null())
                .status()
                .expect("feedwright runs");
            assert!(status.success(), "{name} run failed");
            let spent = children_cpu() - before;
            if name == "sqlite" {
                sqlite.push(spent);
            } else {
                postgres.push(spent);
                server_cpu.push(process_tree_cpu(pg.pid()) - pg_before);
            }
        }
    }
    let ratios: Vec<f64> = postgres.iter().zip(&sqlite).map(|(p, s)| p / s).collect();
    println!(
        "cold run, 200 sections with following ({} series)",
        options.repeat
    );
    line("feedwright CPU on SQLite", &sqlite, "s", "");
    line("feedwright CPU on PostgreSQL", &postgres, "s", "");
    line("PostgreSQL / SQLite", &ratios, "×", "≤ 1.5×");
    line(
        "the PostgreSQL server's own CPU during the run:",
        &server_cpu,
        "s",
        "",
    );
}

/// What one cycle took: its wall time, and the CPU time of the watchers, of the PostgreSQL
/// server and of the Garage server.
struct Cycle {
    wall: f64,
    watchers_cpu: f64,
    postgres_cpu: f64,
    garage_cpu: f64,
}

/// The time `watchers` processes take to poll every section of an empty history once.
fn one_cycle(
    watchers: usize,
    config: &Path,
    (pg, garage): (&Postgres, &Garage),
    db: &str,
    sections: usize,
) -> Cycle {
    // The schema is there before the clock starts, as it is after a first deployment.
    let state = StateLocation::parse(db, Path::new(".")).expect("a PostgreSQL URL");
    std::thread::spawn(move || Store::open(&state).map(drop))
        .join()
        .expect("the schema thread")
        .expect("the schema");
    let started = Instant::now();
    let cpu_before = (
        children_cpu(),
        process_tree_cpu(pg.pid()),
        process_tree_cpu(garage.pid()),
    );
    let mut children: Vec<_> = (0..watchers)
        .map(|_| {
            Command::new(feedwright())
                .args(["watch", "-q", "--interval", "1h", "-c"])
                .arg(config)
                .envs(garage.env())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("watch starts")
        })
        .collect();
    let noted = "SELECT count(*) FROM section_status WHERE last_success IS NOT NULL";
    loop {
        let done: usize = Postgres::query(db, noted)
            .first()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if done >= sections {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "a cycle ends");
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = started.elapsed().as_secs_f64();
    let (postgres_cpu, garage_cpu) = (
        process_tree_cpu(pg.pid()) - cpu_before.1,
        process_tree_cpu(garage.pid()) - cpu_before.2,
    );
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    Cycle {
        wall,
        watchers_cpu: children_cpu() - cpu_before.0,
        postgres_cpu,
        garage_cpu,
    }
}

/// One watcher, then three, over a site that answers after 50 ms, `repeat` times.
fn cycle(options: &Options, runtime: &tokio::runtime::Runtime, pg: &Postgres, garage: &Garage) {
    let site = Synthetic {
        sections: options.sections,
        entries: 20,
        follow: 0,
        articles: false,
    };
    let pages = site
        .pages("http://other.example")
        .into_iter()
        .map(|(path, page)| (path, page.delayed(Duration::from_millis(50))))
        .collect();
    let server = runtime
        .block_on(SiteServer::start(pages))
        .expect("the site");
    let dir = tempfile::tempdir().expect("a folder");
    let (mut one, mut three) = (Vec::new(), Vec::new());
    let mut cpu = [[0.0; 3]; 2];
    for rep in 0..options.repeat {
        for watchers in [1, 3] {
            let name = format!("cycle{rep}x{watchers}");
            let db = pg.database(&name);
            garage.bucket(&name);
            let config = dir.path().join(format!("{name}.yaml"));
            write_config(
                &config,
                &format!("state: {db}\noutput_dir: s3://{name}/feeds\n"),
                &site,
                &server.base(),
                false,
            );
            let took = one_cycle(watchers, &config, (pg, garage), &db, site.sections);
            let row = usize::from(watchers == 3);
            cpu[row][0] += took.watchers_cpu / options.repeat as f64;
            cpu[row][1] += took.postgres_cpu / options.repeat as f64;
            cpu[row][2] += took.garage_cpu / options.repeat as f64;
            if watchers == 1 { &mut one } else { &mut three }.push(took.wall);
        }
    }
    let ratios: Vec<f64> = three.iter().zip(&one).map(|(t, o)| t / o).collect();
    println!(
        "one cycle of {} sections, pages answering after 50 ms, feeds to a bucket ({} series)",
        site.sections, options.repeat
    );
    line("1 watch process", &one, "s", "");
    line("3 watch processes", &three, "s", "");
    line("3 / 1", &ratios, "×", "≤ 0.45×");
    for (row, watchers) in [(0, 1), (1, 3)] {
        println!(
            "  CPU per cycle with {watchers}: watchers {:.2} s, PostgreSQL {:.2} s, Garage {:.2} s (means)",
            cpu[row][0], cpu[row][1], cpu[row][2]
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("shared: bench");
        return;
    }
    let options = options();
    let runs = |part: &str| options.only.is_empty() || options.only.iter().any(|o| o == part);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let pg = Postgres::start();
    if runs("cpu") {
        cpu(&options, &runtime, &pg);
    }
    if runs("cycle") {
        let garage = Garage::start();
        cycle(&options, &runtime, &pg, &garage);
    }
}
