//! The `feedwright` command: parses the command line, calls the library, sets the exit status.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
            Command::Run { config, sections } => run_once(&config, sections).await,
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

async fn run_once(config_path: &Path, sections: Vec<String>) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path)?;
    let options = RunOptions {
        sections,
        ..RunOptions::default()
    };
    let report = run(&config, &options).await?;
    Ok(report_and_status(&report))
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
