//! The `feedwright` command: parses the command line, calls the library, sets the exit status.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use feedwright::config::{Config, ConfigError};
use feedwright::demo::SiteServer;
use feedwright::publish::Written;
use feedwright::run::{RunError, RunOptions, RunReport, SectionSummary, run};

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
        #[arg(short, long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
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
            } => run_once(&config, sections, lock_wait).await,
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
    if error.downcast_ref::<ConfigError>().is_some() {
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

fn duration(text: &str) -> Result<Duration, String> {
    feedwright::config::parse_duration(text)
        .ok_or_else(|| format!("invalid duration {text:?} (examples: 500ms, 30s, 10m, 1h)"))
}

async fn run_once(
    config_path: &Path,
    sections: Vec<String>,
    lock_wait: Duration,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let options = RunOptions {
        sections,
        lock_wait,
    };
    let report = run(&config, &options).await?;
    Ok(report_and_status(&report))
}

/// Polls until SIGINT or SIGTERM. A signal cancels the poll at its next await point; a
/// section's history transaction and feed writes have none, so a write in progress completes.
async fn watch(
    config_path: &Path,
    sections: Vec<String>,
    interval: Duration,
) -> anyhow::Result<ExitCode> {
    let mut stop = Shutdown::new()?;
    let options = RunOptions {
        sections,
        ..RunOptions::default()
    };
    for poll in 1_u64.. {
        let started = std::time::Instant::now();
        let outcome = tokio::select! {
            outcome = async {
                let config = Config::load(config_path)?;
                anyhow::Ok(run(&config, &options).await?)
            } => outcome,
            () = stop.wait() => break,
        };
        let wait = interval.mul_f64(0.9 + 0.2 * fastrand::f64());
        match outcome {
            Ok(report) => {
                for error in report.sections.iter().filter_map(|s| s.as_ref().err()) {
                    eprintln!("error: {error}");
                }
                println!("{}", poll_line(poll, &report, started.elapsed(), wait));
            }
            Err(error) => eprintln!("error: poll {poll}: {error:#}"),
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.wait() => break,
        }
    }
    println!("stopped");
    Ok(ExitCode::SUCCESS)
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
    println!(
        "serving the bundled china.com snapshot at {}",
        server.base()
    );
    let report = run(&config, &RunOptions::default()).await?;
    let status = report_and_status(&report);
    println!("feeds written to {}", config.output_dir.display());
    Ok(status)
}

/// Prints one line per section (failures on stderr) and returns the run's exit status.
fn report_and_status(report: &RunReport) -> ExitCode {
    for section in &report.sections {
        match section {
            Ok(summary) => println!("{}", summary_line(summary)),
            Err(error) => eprintln!("error: {error}"),
        }
    }
    if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn summary_line(s: &SectionSummary) -> String {
    let written = |w: Written| match w {
        Written::Created => "created",
        Written::Replaced => "updated",
        Written::Unchanged => "unchanged",
    };
    format!(
        "{}: {} items ({} new, {} updated), {} pages downloaded, {} unchanged, {} failed; rss {}, atom {}; {:.2}s",
        s.section,
        s.items,
        s.new,
        s.updated,
        s.downloaded,
        s.not_modified,
        s.failed_urls.len(),
        written(s.rss),
        written(s.atom),
        s.elapsed.as_secs_f64()
    )
}
