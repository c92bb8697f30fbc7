//! `feedwright watch`: a poll every interval until SIGINT or SIGTERM.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::shutdown::Shutdown;
use super::{ExitStatus, Outcome, report};
use crate::config::Config;
use crate::run::{RunOptions, check_selection, run};

/// Poll forever: one run every interval (with ±10% jitter) until SIGINT or SIGTERM.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The configuration file (read again before every poll).
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Only this section (repeatable).
    #[arg(short, long = "section", value_name = "ID")]
    pub sections: Vec<String>,
    /// Time between two polls.
    #[arg(short, long, value_name = "DURATION", default_value = "10m", value_parser = super::interval)]
    pub interval: Duration,
}

/// Polls until SIGINT or SIGTERM. A signal cancels the poll at its next await point; a
/// section's history transaction and feed writes have none, so a write in progress completes.
/// The configuration and the sections asked for are checked first (exit status 2), then the
/// configuration is read again before every poll.
pub async fn execute(args: WatchArgs) -> Outcome {
    let config = Config::load(&args.config)?;
    check_selection(&config, &args.sections)?;
    let mut stop = Shutdown::new()?;
    tokio::select! {
        () = poll_forever(&args.config, &args.sections, args.interval) => {}
        () = stop.wait() => {}
    }
    say!("stopped");
    Ok(ExitStatus::Success)
}

/// One poll every `interval` (±10% jitter), one line each; errors are printed and polling goes on.
pub(super) async fn poll_forever(config_path: &Path, sections: &[String], interval: Duration) {
    let options = RunOptions {
        sections: sections.to_vec(),
        ..RunOptions::default()
    };
    for poll in 1_u64.. {
        let started = Instant::now();
        let outcome = match Config::load(config_path) {
            Ok(config) => run(&config, &options)
                .await
                .map_err(super::CommandError::from),
            Err(error) => Err(error.into()),
        };
        let wait = interval.mul_f64(0.9 + 0.2 * fastrand::f64());
        match outcome {
            Ok(run_report) => {
                report::print_errors(&run_report);
                say!(
                    "{}",
                    report::poll_line(poll, &run_report, started.elapsed(), wait)
                );
            }
            Err(error) => eprintln!("error: poll {poll}: {}", crate::error_chain(&error)),
        }
        tokio::time::sleep(wait).await;
    }
}
