//! The commands of the `feedwright` binary, one module each. `main.rs` parses the command line
//! into their arguments and calls one; each returns an [`ExitStatus`], or a [`CommandError`]
//! that knows its own status, so no error becomes status 1 by accident.

/// Prints a line on stdout; a closed stdout (`feedwright schema | head`) is not an error worth
/// a panic: the rest of the output is dropped and the program goes on to its exit status.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::commands::say_raw(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub mod add;
pub mod check;
pub mod demo;
pub mod extract;
pub mod migrate;
pub mod preview;
mod report;
pub mod run;
pub mod schema;
pub mod serve;
mod shutdown;
pub mod watch;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::ConfigError;
use crate::lock::LockError;
use crate::preview::PreviewError;
use crate::run::RunError;
use crate::zero_config::ExtractError;

/// How a command ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything asked for was done.
    Success = 0,
    /// Some section failed (the others were written), something was flagged, or the command
    /// could not start.
    Failed = 1,
    /// The configuration is invalid, or the command line names something it does not have.
    Config = 2,
    /// Another run holds the state's lock; nothing was touched.
    Locked = 3,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// A command that could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Preview(#[from] PreviewError),
    #[error(transparent)]
    Extract(ExtractError),
    #[error(transparent)]
    Add(Box<add::AddError>),
    #[error(transparent)]
    Migrate(#[from] crate::store::CopyError),
    #[error("output_dir is {output}: serve feeds from a folder, or serve the bucket itself")]
    NotFolder { output: String },
    #[error("state is already {state}: migrate copies a SQLite history (give it with --from)")]
    NotSqlite { state: String },
    #[error("--to {given:?}: {problem}")]
    NotPostgres { given: String, problem: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Anything else the command needs from the system: a runtime, a socket, a folder.
    #[error("{what}")]
    System {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl CommandError {
    /// The exit status this error gives.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            CommandError::Config(_)
            | CommandError::NotFolder { .. }
            | CommandError::NotSqlite { .. }
            | CommandError::NotPostgres { .. } => ExitStatus::Config,
            CommandError::Run(error) => match error {
                RunError::UnknownSection { .. } => ExitStatus::Config,
                RunError::Locked(LockError::Busy { .. }) => ExitStatus::Locked,
                RunError::Locked(LockError::Io { .. })
                | RunError::Store(_)
                | RunError::Publish(_)
                | RunError::Client(_) => ExitStatus::Failed,
            },
            CommandError::Preview(error) => match error {
                PreviewError::UnknownSite(_) => ExitStatus::Config,
                PreviewError::Fetch(_) | PreviewError::NotModified { .. } => ExitStatus::Failed,
            },
            CommandError::Add(error)
                if matches!(
                    **error,
                    add::AddError::Edit(crate::config::edit::EditError::NoSite(_))
                ) =>
            {
                ExitStatus::Config
            }
            CommandError::Extract(_)
            | CommandError::Add(_)
            | CommandError::Migrate(_)
            | CommandError::Store(_)
            | CommandError::System { .. } => ExitStatus::Failed,
        }
    }

    fn system(what: impl Into<String>, source: std::io::Error) -> CommandError {
        CommandError::System {
            what: what.into(),
            source,
        }
    }
}

/// What every command's outcome comes to.
pub type Outcome = Result<ExitStatus, CommandError>;

/// Options every command shares.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Global {
    /// More log detail (-v: info, -vv: debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// Sets up logging on stderr at the level `global` asks for.
pub fn init_logging(global: &Global) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        // html5ever warns of markup it repairs ("foster parenting"): nothing a user can act on.
        tracing_subscriber::EnvFilter::new(format!(
            "feedwright={level},feedwright_extract={level},html5ever=error,warn"
        ))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// How much of a runtime a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// One page or one file: the calling thread is enough, and starts faster.
    OneThread,
    /// Many sections at once: workers for the network, while the pages' CPU work runs on a
    /// pool of its own ([`async_workers`]).
    Workers,
}

/// Runs a command on a runtime of `kind`.
pub fn block_on(kind: Runtime, command: impl Future<Output = Outcome>) -> Outcome {
    let mut builder = match kind {
        Runtime::OneThread => tokio::runtime::Builder::new_current_thread(),
        Runtime::Workers => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(async_workers());
            builder
        }
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| CommandError::system("cannot start the async runtime", e))?
        .block_on(command)
}

/// Cores per async worker. The async workers only wait on sockets, decompress and hand pages
/// over: extraction runs on a CPU pool of one thread per core, and history on the blocking
/// pool. More workers than that only add wake-ups (measured on 200 sections: one worker
/// instead of two spends 7 % less CPU with following, in the same wall time).
const CORES_PER_ASYNC_WORKER: usize = 4;

/// The number of async workers for many sections: one per [`CORES_PER_ASYNC_WORKER`] cores.
fn async_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / CORES_PER_ASYNC_WORKER).max(1))
}

/// The process's exit code for `outcome`, with the error and its causes on stderr.
pub fn exit(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("error: {}", crate::error_chain(&error));
            error.exit_status().into()
        }
    }
}

/// A duration on the command line: `500ms`, `30s`, `10m`, `1h`.
pub fn duration(text: &str) -> Result<Duration, String> {
    crate::config::parse_duration(text).ok_or_else(|| {
        format!("invalid duration {text:?} (examples: 500ms, 30s, 10m, 1h; at most a year)")
    })
}

/// A duration between polls: like [`duration`], but longer than 0.
pub fn interval(text: &str) -> Result<Duration, String> {
    duration(text).and_then(|d| {
        if d.is_zero() {
            Err("must be longer than 0".to_owned())
        } else {
            Ok(d)
        }
    })
}

/// Writes `text` to stdout (see `say!`).
pub(crate) fn say_raw(text: &str) {
    to_stdout(|out| out.write_all(text.as_bytes()));
}

/// Writes to stdout through a buffer, then flushes; a reader that went away (a closed pipe)
/// is not an error, any other failure is said on stderr.
pub(crate) fn to_stdout(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Err(e) = write(&mut out).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write to stdout: {e}");
    }
}
