//! SIGINT (Ctrl-C) or SIGTERM: what stops `watch` and `serve`.

use super::CommandError;

/// Waits for SIGINT or SIGTERM.
pub(super) struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    pub(super) fn new() -> Result<Shutdown, CommandError> {
        Ok(Shutdown {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| CommandError::system("cannot listen for SIGTERM", e))?,
        })
    }

    pub(super) async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
