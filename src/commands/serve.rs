//! `feedwright serve`: the feeds folder over HTTP until SIGINT or SIGTERM, optionally with the
//! poller beside it.

use std::path::PathBuf;
use std::time::Duration;

use super::shutdown::Shutdown;
use super::{CommandError, ExitStatus, Outcome};
use crate::config::Config;

/// Serve the feeds folder over HTTP (read-only), optionally polling in the background.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The configuration file.
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Address to listen on (loopback unless told otherwise).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Also poll every DURATION (with the same lock as `run`).
    #[arg(long, value_name = "DURATION", value_parser = super::interval)]
    pub poll: Option<Duration>,
}

pub async fn execute(args: ServeArgs) -> Outcome {
    let config = Config::load(&args.config)?;
    let Some(dir) = config.output.folder() else {
        return Err(CommandError::NotFolder {
            output: config.output.to_string(),
        });
    };
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CommandError::system(format!("cannot listen on {}", args.addr), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CommandError::system("cannot read the listening address", e))?;
    say!("serving {} at http://{addr}/", dir.display());
    if let Some(interval) = args.poll {
        tokio::spawn(poll_beside(args.config.clone(), interval));
    }
    let mut stop = Shutdown::new()?;
    axum::serve(listener, crate::serve::router(dir, &config))
        .with_graceful_shutdown(async move { stop.wait().await })
        .await
        .map_err(|e| CommandError::system("the server failed", e))?;
    Ok(ExitStatus::Success)
}

/// Polls every `interval` beside the server. A panic of the poller is reported on stderr, and
/// polling starts again after `interval`: the feeds never go quietly stale.
async fn poll_beside(config_path: PathBuf, interval: Duration) {
    let schedule = super::watch::Schedule {
        interval,
        lease: crate::run::DEFAULT_LEASE,
    };
    loop {
        let path = config_path.clone();
        let polling =
            tokio::spawn(async move { super::watch::poll_forever(&path, &[], schedule).await });
        match polling.await {
            Err(failure) if failure.is_panic() => {
                let panic = failure.into_panic();
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|m| (*m).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                eprintln!("error: the poller panicked ({message}); polling again in {interval:?}");
                tokio::time::sleep(interval).await;
            }
            // Cancelled: the server is shutting down.
            _ => return,
        }
    }
}
