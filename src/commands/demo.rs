//! `feedwright demo`: the bundled china.com-shaped pages served on loopback and polled.

use std::path::PathBuf;

use super::{CommandError, Outcome, report};
use crate::config::{Output, StateLocation};
use crate::demo::DemoServer;
use crate::run::{RunOptions, run};

/// Serve bundled china.com-shaped pages on 127.0.0.1 and poll them into feeds (no network).
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Where to write the feeds.
    #[arg(short, long, default_value = "feeds")]
    pub output: PathBuf,
}

pub async fn execute(args: DemoArgs) -> Outcome {
    let server = DemoServer::start()
        .await
        .map_err(|e| CommandError::system("cannot start the fixture server", e))?;
    let state = tempfile::tempdir().map_err(|e| {
        CommandError::system("cannot create a temporary folder for the demo's history", e)
    })?;
    let here = std::env::current_dir()
        .map_err(|e| CommandError::system("cannot read the current folder", e))?;
    let mut config = server.config(&here)?;
    config.output = Output::Folder(args.output);
    config.state = StateLocation::Sqlite(state.path().join("demo.db"));
    say!(
        "serving the bundled china.com snapshot at {}",
        server.base()
    );
    let run_report = run(config.clone(), &RunOptions::default()).await?;
    let status = report::print_lines(&run_report);
    say!("feeds written to {}", config.output);
    Ok(status)
}
