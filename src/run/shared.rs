//! What the section tasks of a run share: the configuration, the HTTP client, history, the
//! place feeds go, the statuses of the batch being polled and the run's leases.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::RunOptions;
use super::blocking;
use super::clock::Clock;
use super::cpu::CpuPool;
use super::lease::Holder;
use crate::config::{Config, Section, Site};
use crate::fetch::Fetcher;
use crate::lock::RunLock;
use crate::publish::Publisher;
use crate::store::{SectionStatus, Store};

/// Where a section is in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    pub(super) site: usize,
    pub(super) section: usize,
}

/// Shared by the section tasks of a run. The run's lock lives here, so it is released only when
/// the last section task is gone, even when the run itself is cancelled.
pub(super) struct Shared {
    pub(super) config: Arc<Config>,
    pub(super) options: RunOptions,
    pub(super) fetcher: Fetcher,
    pub(super) store: Mutex<Store>,
    pub(super) publisher: Publisher,
    /// History's and the bucket's calls block and must leave the runtime's threads
    /// (PostgreSQL's client runs a runtime of its own); a SQLite file and a folder are used
    /// in place.
    pub(super) off_runtime: bool,
    /// Calls off the runtime in flight at once ([`MAX_OFF_RUNTIME`]).
    pub(super) off_runtime_slots: tokio::sync::Semaphore,
    /// The statuses of the batch being polled, as history held them when it began.
    pub(super) statuses: Mutex<HashMap<String, SectionStatus>>,
    /// History's clock, which schedules are read on.
    pub(super) clock: Clock,
    /// The threads pages are extracted on.
    pub(super) cpu: CpuPool,
    /// The run's name and leases on shared history.
    pub(super) holder: Option<Holder>,
    pub(super) _lock: Option<RunLock>,
}

/// Calls to history and the bucket that run off the runtime at once. History is one connection
/// behind a lock: more threads would only wait for it, each a thread to start and to wake
/// (200 sections on PostgreSQL spent a quarter of their CPU switching between such threads).
/// A few let a feed's upload overlap another section's history call.
pub(super) const MAX_OFF_RUNTIME: usize = 4;

impl Shared {
    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
        // A panicking section task cannot leave the connection inconsistent: every write is a
        // transaction that the engine rolls back, so a poisoned lock is safe to reuse.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The site and the section at `place`.
    pub(super) fn place(&self, place: Place) -> (&Site, &Section) {
        let site = &self.config.sites[place.site];
        (site, &site.sections[place.section])
    }

    /// `look` at the status of `section` (of the batch being polled) as history held it.
    pub(super) fn with_status<T>(
        &self,
        section: &str,
        look: impl FnOnce(Option<&SectionStatus>) -> T,
    ) -> T {
        let statuses = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        look(statuses.get(section))
    }

    /// Runs `work`, off the runtime's threads when history or the bucket needs it.
    pub(super) async fn off_runtime<T, F>(self: &Arc<Self>, work: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&Shared) -> T + Send + 'static,
    {
        if !self.off_runtime {
            return work(self);
        }
        // The semaphore is never closed, so a permit always comes.
        let _slot = self.off_runtime_slots.acquire().await;
        let shared = Arc::clone(self);
        blocking(move || work(&shared)).await
    }

    /// Runs `work` on history (see [`Shared::off_runtime`]).
    pub(super) async fn with_store<T, F>(self: &Arc<Self>, work: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> T + Send + 'static,
    {
        self.off_runtime(move |shared| work(&mut shared.store()))
            .await
    }
}
