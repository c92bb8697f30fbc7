//! `feedwright watch`: each section polled when it is due, until SIGINT or SIGTERM.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};

use super::shutdown::Shutdown;
use super::{ExitStatus, Outcome, report};
use crate::config::Config;
use crate::run::{RunOptions, check_selection, run};

/// Poll forever: each section when it is due (its `every:`, else the interval; failures back
/// off), until SIGINT or SIGTERM. On PostgreSQL state, any number of `watch` processes share
/// the sections.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The configuration file (read again before every poll).
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Only this section (repeatable).
    #[arg(short, long = "section", value_name = "ID")]
    pub sections: Vec<String>,
    /// Time between two polls of a section that sets no `every:`, and the longest time
    /// between two checks for due sections.
    #[arg(short, long, value_name = "DURATION", default_value = "10m", value_parser = super::interval)]
    pub interval: Duration,
    /// How long a section claimed on PostgreSQL state stays claimed unless renewed; the
    /// sections of a poller that died are taken over once their leases run out.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = super::interval)]
    pub lease: Duration,
}

/// Polls until SIGINT or SIGTERM. A signal cancels the poll at its next await point; a
/// section's history transaction and feed writes have none, so a write in progress completes.
/// The configuration and the sections asked for are checked first (exit status 2), then the
/// configuration is read again before every poll.
pub async fn execute(args: WatchArgs) -> Outcome {
    let config = Config::load(&args.config)?;
    check_selection(&config, &args.sections)?;
    let mut stop = Shutdown::new()?;
    let schedule = Schedule {
        interval: args.interval,
        lease: args.lease,
    };
    tokio::select! {
        () = poll_forever(&args.config, &args.sections, schedule) => {}
        () = stop.wait() => {}
    }
    say!("stopped");
    Ok(ExitStatus::Success)
}

/// How `watch` paces its polls.
#[derive(Debug, Clone, Copy)]
pub(super) struct Schedule {
    /// The default `every`, and the longest sleep.
    pub(super) interval: Duration,
    /// The lease of a claim on shared history.
    pub(super) lease: Duration,
}

impl Schedule {
    /// The shortest sleep: a quarter of a lease (due sections another poller holds are
    /// checked again this often, and taken over soon after its leases run out), at most the
    /// interval.
    fn recheck(self) -> Duration {
        (self.lease / 4).min(self.interval)
    }

    /// How long to sleep before the next check, when the earliest section is due at `next`.
    fn wait(self, next: Option<DateTime<FixedOffset>>) -> Duration {
        let until = next
            .and_then(|next| (next.to_utc() - Utc::now()).to_std().ok())
            .unwrap_or_default();
        until.clamp(self.recheck(), self.interval)
    }
}

/// A check for due sections every little while, a line for each poll that polled any; errors
/// are printed and polling goes on.
pub(super) async fn poll_forever(config_path: &Path, sections: &[String], schedule: Schedule) {
    let options = RunOptions {
        sections: sections.to_vec(),
        due_only: true,
        every: schedule.interval,
        lease: schedule.lease,
        ..RunOptions::default()
    };
    let mut polls = 0_u64;
    loop {
        let started = Instant::now();
        let outcome = match Config::load(config_path) {
            Ok(config) => run(config, &options)
                .await
                .map_err(super::CommandError::from),
            Err(error) => Err(error.into()),
        };
        let wait = match outcome {
            Ok(run_report) => {
                let wait = schedule.wait(run_report.next_due);
                if !run_report.sections.is_empty() {
                    polls += 1;
                    report::print_errors(&run_report);
                    say!(
                        "{}",
                        report::poll_line(polls, &run_report, started.elapsed(), wait)
                    );
                }
                wait
            }
            Err(error) => {
                polls += 1;
                eprintln!("error: poll {polls}: {}", crate::error_chain(&error));
                schedule.interval
            }
        };
        tokio::time::sleep(wait).await;
    }
}
