//! The `feedwright` command: parses the command line, calls the library, sets the exit status.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use feedwright::config::{Config, ConfigError};
use feedwright::demo::SiteServer;
use feedwright::publish::Written;
use feedwright::run::{Progress, RunError, RunOptions, RunReport, SectionSummary, run};

/// mimalloc instead of the system allocator: parsing HTML makes many small, short-lived
/// allocations, and a poll costs 6-11% less CPU with it (BENCHMARKS.md). Without transparent
/// huge pages, its peak memory stays within a few MiB of glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints a line on stdout; a closed stdout (`feedwright schema | head`) is not an error worth
/// a panic: the rest of the output is dropped and the program goes on to its exit status.
macro_rules! say {
    ($($arg:tt)*) => {
        say_raw(&format!("{}\n", format_args!($($arg)*)))
    };
}

fn say_raw(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write to stdout: {e}");
    }
}

/// Exit status when a section failed (the others were written) or the run could not start.
const EXIT_FAILED: u8 = 1;
/// Exit status for an invalid configuration.
const EXIT_CONFIG: u8 = 2;
/// Exit status when another run holds the state's lock; nothing was touched.
const EXIT_LOCKED: u8 = 3;

/// Real RSS 2.0 and Atom feeds for news sites that have none.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// More log detail (-v: info, -vv: debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Poll every section once and write its feeds.
    Run {
        /// The configuration file.
        #[arg(short, long, default_value = "config.yaml")]
        config: PathBuf,
        /// Only this section (repeatable).
        #[arg(short, long = "section", value_name = "ID")]
        sections: Vec<String>,
        /// How long to wait for another run's lock before exiting with status 3.
        #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = duration)]
        lock_wait: Duration,
        /// Print the run's summary as JSON on stdout (for scripts and monitoring).
        #[arg(long)]
        json: bool,
    },
    /// Validate the configuration without fetching anything (exit status 2 when invalid).
    Check {
        /// The configuration file.
        #[arg(short, long, default_value = "config.yaml")]
        config: PathBuf,
    },
    /// Fetch one page and show what a site's selectors extract from it.
    Preview {
        /// The page to try.
        url: url::Url,
        /// The site whose selectors to use (default: the site with a start page on the same host).
        #[arg(short, long, value_name = "ID")]
        site: Option<String>,
        /// The configuration file.
        #[arg(short, long, default_value = "config.yaml")]
        config: PathBuf,
        /// How many list entries to show.
        #[arg(short = 'n', long, default_value_t = feedwright::preview::DEFAULT_ENTRIES)]
        entries: usize,
    },
    /// Print the JSON Schema of the configuration (for editors).
    Schema,
    /// Serve the feeds folder over HTTP (read-only), optionally polling in the background.
    Serve {
        /// The configuration file.
        #[arg(short, long, default_value = "config.yaml")]
        config: PathBuf,
        /// Address to listen on (loopback unless told otherwise).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Also poll every DURATION (with the same lock as `run`).
        #[arg(long, value_name = "DURATION", value_parser = interval)]
        poll: Option<Duration>,
    },
    /// Poll forever: one run every interval (with ±10% jitter) until SIGINT or SIGTERM.
    Watch {
        /// The configuration file (read again before every poll).
        #[arg(short, long, default_value = "config.yaml")]
        config: PathBuf,
        /// Only this section (repeatable).
        #[arg(short, long = "section", value_name = "ID")]
        sections: Vec<String>,
        /// Time between two polls.
        #[arg(short, long, value_name = "DURATION", default_value = "10m", value_parser = interval)]
        interval: Duration,
    },
    /// Serve bundled china.com-shaped pages on 127.0.0.1 and poll them into feeds (no network).
    Demo {
        /// Where to write the feeds.
        #[arg(short, long, default_value = "feeds")]
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run {
                config,
                sections,
                lock_wait,
                json,
            } => run_once(&config, sections, lock_wait, json, cli.quiet).await,
            Command::Check { config } => check(&config),
            Command::Preview {
                url,
                site,
                config,
                entries,
            } => preview(&config, site.as_deref(), &url, entries).await,
            Command::Serve { config, addr, poll } => serve(&config, addr, poll).await,
            Command::Schema => {
                say!("{:#}", feedwright::config::schema::json_schema());
                Ok(ExitCode::SUCCESS)
            }
            Command::Watch {
                config,
                sections,
                interval,
            } => watch(&config, sections, interval).await,
            Command::Demo { output } => demo(output).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit_status(&error))
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("feedwright={level},warn")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn exit_status(error: &anyhow::Error) -> u8 {
    if error.downcast_ref::<ConfigError>().is_some()
        || error
            .downcast_ref::<feedwright::preview::PreviewError>()
            .is_some_and(|e| matches!(e, feedwright::preview::PreviewError::UnknownSite(_)))
    {
        EXIT_CONFIG
    } else if let Some(RunError::Locked(feedwright::lock::LockError::Busy { .. })) =
        error.downcast_ref()
    {
        EXIT_LOCKED
    } else if let Some(RunError::UnknownSection { .. }) = error.downcast_ref() {
        EXIT_CONFIG
    } else {
        EXIT_FAILED
    }
}

fn interval(text: &str) -> Result<Duration, String> {
    duration(text).and_then(|d| {
        if d.is_zero() {
            Err("must be longer than 0".to_owned())
        } else {
            Ok(d)
        }
    })
}

fn duration(text: &str) -> Result<Duration, String> {
    feedwright::config::parse_duration(text)
        .ok_or_else(|| format!("invalid duration {text:?} (examples: 500ms, 30s, 10m, 1h)"))
}

async fn run_once(
    config_path: &Path,
    sections: Vec<String>,
    lock_wait: Duration,
    json: bool,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let bar = (!json && !quiet && std::io::stderr().is_terminal()).then(Bar::new);
    let mut options = RunOptions {
        sections,
        lock_wait,
        ..RunOptions::default()
    };
    if let Some(bar) = &bar {
        options.progress = Arc::clone(bar) as Arc<dyn Progress>;
    }
    let report = run(&config, &options).await?;
    if let Some(bar) = bar {
        bar.bar.finish_and_clear();
    }
    if json {
        say!("{:#}", report_json(&report));
        return Ok(status(&report));
    }
    Ok(report_and_status(&report))
}

/// A progress bar over the pages of a run, with the sections done as its message.
struct Bar {
    bar: indicatif::ProgressBar,
    sections: AtomicUsize,
}

impl Bar {
    fn new() -> Arc<Bar> {
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed:>3} [{bar:30}] {pos}/{len} pages  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Arc::new(Bar {
            bar,
            sections: AtomicUsize::new(0),
        })
    }
}

impl Progress for Bar {
    fn pages_planned(&self, n: usize) {
        self.bar.inc_length(n as u64);
    }

    fn page_done(&self) {
        self.bar.inc(1);
    }

    fn section_done(&self, section: &str) {
        let done = self.sections.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar
            .set_message(format!("{done} sections done, last: {section}"));
    }
}

/// Serves the feeds folder until SIGINT or SIGTERM; with `poll`, runs the poller beside it.
async fn serve(
    config_path: &Path,
    addr: std::net::SocketAddr,
    poll: Option<Duration>,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    say!(
        "serving {} at http://{}/",
        config.output_dir.display(),
        listener.local_addr()?
    );
    if let Some(interval) = poll {
        let config_path = config_path.to_owned();
        tokio::spawn(async move { poll_forever(&config_path, Vec::new(), interval).await });
    }
    let mut stop = Shutdown::new()?;
    axum::serve(listener, feedwright::serve::router(&config))
        .with_graceful_shutdown(async move { stop.wait().await })
        .await
        .context("the server failed")?;
    Ok(ExitCode::SUCCESS)
}

fn check(config_path: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    say!(
        "{}: ok: {} sites, {} sections",
        config_path.display(),
        config.sites.len(),
        config.sections().count()
    );
    Ok(ExitCode::SUCCESS)
}

async fn preview(
    config_path: &Path,
    site: Option<&str>,
    url: &url::Url,
    entries: usize,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let site = feedwright::preview::choose_site(&config, site, url)?;
    let shown = feedwright::preview::preview(&config, site, url, entries).await?;
    say_raw(&shown.to_string());
    Ok(if shown.has_warnings() {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The run's summary as JSON: `{"ok": bool, "sections": [...]}`.
fn report_json(report: &RunReport) -> serde_json::Value {
    let sections: Vec<serde_json::Value> = report
        .sections
        .iter()
        .map(|section| match section {
            Ok(s) => {
                let mut entry = serde_json::json!({
                    "section": s.section,
                    "ok": true,
                    "items": s.items,
                    "new": s.new,
                    "updated": s.updated,
                    "downloaded": s.downloaded,
                    "not_modified": s.not_modified,
                    "failed_urls": s.failed_urls,
                    "seconds": s.elapsed.as_secs_f64(),
                });
                for (format, w) in &s.written {
                    entry[format.extension()] = written(*w).into();
                }
                entry
            }
            Err(e) => serde_json::json!({
                "section": e.section(),
                "ok": false,
                "error": chain(e),
            }),
        })
        .collect();
    serde_json::json!({ "ok": report.all_ok(), "sections": sections })
}

fn written(w: Written) -> &'static str {
    match w {
        Written::Created => "created",
        Written::Replaced => "updated",
        Written::Unchanged => "unchanged",
    }
}

fn status(report: &RunReport) -> ExitCode {
    if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// Polls until SIGINT or SIGTERM. A signal cancels the poll at its next await point; a
/// section's history transaction and feed writes have none, so a write in progress completes.
/// The configuration is checked first (exit status 2), then read again before every poll.
async fn watch(
    config_path: &Path,
    sections: Vec<String>,
    interval: Duration,
) -> anyhow::Result<ExitCode> {
    Config::load(config_path)?;
    let mut stop = Shutdown::new()?;
    tokio::select! {
        () = poll_forever(config_path, sections, interval) => {}
        () = stop.wait() => {}
    }
    say!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// One poll every `interval` (±10% jitter), one line each; errors are printed and polling goes on.
async fn poll_forever(config_path: &Path, sections: Vec<String>, interval: Duration) {
    let options = RunOptions {
        sections,
        ..RunOptions::default()
    };
    for poll in 1_u64.. {
        let started = std::time::Instant::now();
        let outcome = async {
            let config = Config::load(config_path)?;
            anyhow::Ok(run(&config, &options).await?)
        }
        .await;
        let wait = interval.mul_f64(0.9 + 0.2 * fastrand::f64());
        match outcome {
            Ok(report) => {
                for error in report.sections.iter().filter_map(|s| s.as_ref().err()) {
                    eprintln!("error: {}", chain(error));
                }
                say!("{}", poll_line(poll, &report, started.elapsed(), wait));
            }
            Err(error) => eprintln!("error: poll {poll}: {error:#}"),
        }
        tokio::time::sleep(wait).await;
    }
}

/// An error and its causes, `: `-separated, as anyhow's `{:#}` prints them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

fn poll_line(poll: u64, report: &RunReport, elapsed: Duration, next: Duration) -> String {
    let ok: Vec<&SectionSummary> = report
        .sections
        .iter()
        .filter_map(|s| s.as_ref().ok())
        .collect();
    format!(
        "poll {poll}: {} sections written, {} failed; {} new, {} updated items; {} pages downloaded; {:.2}s; next in {}s",
        ok.len(),
        report.sections.len() - ok.len(),
        ok.iter().map(|s| s.new).sum::<usize>(),
        ok.iter().map(|s| s.updated).sum::<usize>(),
        ok.iter().map(|s| s.downloaded).sum::<usize>(),
        elapsed.as_secs_f64(),
        next.as_secs()
    )
}

/// SIGINT (Ctrl-C) or SIGTERM.
struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn new() -> anyhow::Result<Shutdown> {
        Ok(Shutdown {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("cannot listen for SIGTERM")?,
        })
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn demo(output: PathBuf) -> anyhow::Result<ExitCode> {
    let server = SiteServer::bundled()
        .await
        .context("cannot start the fixture server")?;
    let state =
        tempfile::tempdir().context("cannot create a temporary folder for the demo's history")?;
    let mut config = server.config(&std::env::current_dir()?)?;
    config.output_dir = output;
    config.state_path = state.path().join("demo.db");
    say!(
        "serving the bundled china.com snapshot at {}",
        server.base()
    );
    let report = run(&config, &RunOptions::default()).await?;
    let status = report_and_status(&report);
    say!("feeds written to {}", config.output_dir.display());
    Ok(status)
}

/// Prints one line per section (failures on stderr) and returns the run's exit status.
fn report_and_status(report: &RunReport) -> ExitCode {
    for section in &report.sections {
        match section {
            Ok(summary) => say!("{}", summary_line(summary)),
            Err(error) => eprintln!("error: {}", chain(error)),
        }
    }
    status(report)
}

fn summary_line(s: &SectionSummary) -> String {
    let files: Vec<String> = s
        .written
        .iter()
        .map(|(format, w)| format!("{} {}", format.extension(), written(*w)))
        .collect();
    format!(
        "{}: {} items ({} new, {} updated), {} pages downloaded, {} unchanged, {} failed; {}; {:.2}s",
        s.section,
        s.items,
        s.new,
        s.updated,
        s.downloaded,
        s.not_modified,
        s.failed_urls.len(),
        files.join(", "),
        s.elapsed.as_secs_f64()
    )
}
