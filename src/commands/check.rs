//! `feedwright check`: the configuration validated without fetching anything.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::config::Config;

/// Validate the configuration without fetching anything (exit status 2 when invalid).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The configuration file.
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
}

pub fn execute(args: CheckArgs) -> Outcome {
    let config = Config::load(&args.config)?;
    say!(
        "{}: ok: {} sites, {} sections",
        args.config.display(),
        config.sites.len(),
        config.sections().count()
    );
    Ok(ExitStatus::Success)
}
