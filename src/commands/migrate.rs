//! `feedwright migrate --to postgres://…`: a SQLite history copied into PostgreSQL, under the
//! history's run lock (no run writes it meanwhile) and from one snapshot of it.

use std::path::PathBuf;

use super::{CommandError, ExitStatus, Outcome};
use crate::config::{Config, StateLocation};
use crate::lock::RunLock;
use crate::run::RunError;
use crate::store::Store;

/// Copy the SQLite history into PostgreSQL (the target must hold no items yet).
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// The configuration file; its `state:` is the SQLite history copied.
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// The SQLite history to copy, instead of the configuration's.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// The PostgreSQL database to copy into: postgres://user:pass@host:5432/db.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// How long to wait for a run's lock on the SQLite history before exiting with status 3.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = super::duration)]
    pub lock_wait: std::time::Duration,
}

pub async fn execute(args: MigrateArgs) -> Outcome {
    let source = match args.from {
        Some(path) => path,
        None => match Config::load(&args.config)?.state {
            StateLocation::Sqlite(path) => path,
            StateLocation::Postgres(url) => {
                return Err(CommandError::NotSqlite {
                    state: url.redacted(),
                });
            }
        },
    };
    let target = match StateLocation::parse(&args.to, std::path::Path::new(".")) {
        Ok(StateLocation::Postgres(url)) => url,
        Ok(StateLocation::Sqlite(_)) => {
            return Err(CommandError::NotPostgres {
                given: args.to.clone(),
                problem: "not a postgres:// URL".into(),
            });
        }
        Err(problem) => {
            return Err(CommandError::NotPostgres {
                given: args.to.clone(),
                problem,
            });
        }
    };
    if !source.exists() {
        return Err(CommandError::system(
            format!("no history at {}", source.display()),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    // PostgreSQL's client runs a runtime of its own: it is used off this one's threads.
    let wait = args.lock_wait;
    let (from, to, copied) = crate::run::blocking(move || {
        // No run writes the history while it is copied.
        let _lock = RunLock::acquire(&source, wait).map_err(RunError::Locked)?;
        let mut from = Store::open_file(&source)?;
        let mut to = Store::open(&StateLocation::Postgres(target))?;
        let copied = from.copy_into(&mut to)?;
        Ok::<_, CommandError>((from.place().to_owned(), to.place().to_owned(), copied))
    })
    .await?;
    let counts: Vec<String> = copied
        .iter()
        .map(|(table, rows)| format!("{rows} {table}"))
        .collect();
    say!("copied {} from {from} to {to}", counts.join(", "));
    say!("next: set state: to that URL (or FEEDWRIGHT_STATE) and run as before");
    Ok(ExitStatus::Success)
}
