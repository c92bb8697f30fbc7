//! `feedwright run`: one poll of the sections, a line (or a JSON document) about each.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::report::{self, Bar};
use super::{Global, Outcome};
use crate::config::Config;
use crate::run::{Progress, RunOptions, run};

/// Poll every section once and write its feeds.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The configuration file.
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Only this section (repeatable).
    #[arg(short, long = "section", value_name = "ID")]
    pub sections: Vec<String>,
    /// How long to wait for another run's lock before exiting with status 3.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = super::duration)]
    pub lock_wait: Duration,
    /// Print the run's summary as JSON on stdout (for scripts and monitoring).
    #[arg(long)]
    pub json: bool,
}

pub async fn execute(args: RunArgs, global: &Global) -> Outcome {
    let config = Config::load(&args.config)?;
    let bar = (!args.json && !global.quiet && std::io::stderr().is_terminal()).then(Bar::new);
    let mut options = RunOptions {
        sections: args.sections,
        lock_wait: args.lock_wait,
        ..RunOptions::default()
    };
    if let Some(bar) = &bar {
        options.progress = Arc::clone(bar) as Arc<dyn Progress>;
    }
    let run_report = run(config, &options).await?;
    if let Some(bar) = bar {
        bar.bar.finish_and_clear();
    }
    if args.json {
        report::print_json(&run_report);
        return Ok(report::status(&run_report));
    }
    Ok(report::print_lines(&run_report))
}
