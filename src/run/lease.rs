//! Polling on shared history (PostgreSQL): claim sections, poll them, note their outcomes and
//! release them, while a task renews the run's leases. A `run` claims every selected section
//! at once and skips those another poller holds; a `watch` poll claims the due sections a few
//! at a time, so that the pollers sharing a history share the work.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Place, RunReport, SectionRun, Shared, poll_places};
use crate::store::{Claim, Store, StoreError};

/// A run's name on shared history, the leases it holds, and those it lost.
pub(super) struct Holder {
    name: String,
    /// The key of its liveness lock.
    key: i32,
    lease: Duration,
    /// The sections it holds leases on.
    held: Mutex<HashSet<String>>,
    /// The sections whose leases another poller took: they stop without being written.
    lost: Mutex<HashSet<String>>,
}

impl Holder {
    /// A name no other process has (the host, the process id and a random part), with a
    /// liveness lock on `store`'s connection.
    pub(super) fn new(store: &mut Store, lease: Duration) -> Result<Holder, StoreError> {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "host".to_owned());
        Ok(Holder {
            name: format!("{host}/{}/{:08x}", std::process::id(), fastrand::u32(..)),
            key: store.hold_liveness_lock()?,
            lease,
            held: Mutex::default(),
            lost: Mutex::default(),
        })
    }

    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// True when the lease on `section` was lost to another poller.
    pub(super) fn has_lost(&self, section: &str) -> bool {
        lock(&self.lost).contains(section)
    }

    /// Notes that the leases on `sections` are lost, and says so.
    pub(super) fn lose(&self, sections: impl IntoIterator<Item = String>) {
        let mut held = lock(&self.held);
        let mut lost = lock(&self.lost);
        for section in sections {
            tracing::warn!(
                section,
                "lease lost to another poller: the section stops here, its feed unwritten"
            );
            held.remove(&section);
            lost.insert(section);
        }
    }

    /// Gives up the leases on the sections of `runs`; a failure is logged (the leases run out).
    pub(super) async fn release(&self, shared: &Arc<Shared>, runs: &[SectionRun]) {
        let ids: Vec<String> = runs
            .iter()
            .map(|run| shared.place(run.place).1.id.clone())
            .collect();
        {
            let mut held = lock(&self.held);
            for id in &ids {
                held.remove(id);
            }
        }
        let name = self.name.clone();
        let released = shared
            .with_store(move |store| {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                store.release(&name, &ids)
            })
            .await;
        if let Err(error) = released {
            tracing::warn!(error = %crate::error_chain(&error), "leases not released; they run out");
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The sets are whole after any panic: each change is one insert or remove.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Claims and polls the selected sections (the due ones, a few at a time, for `watch`), and
/// notes in `report` those another poller held.
pub(super) async fn poll_claimed(
    shared: &Arc<Shared>,
    selected: &[Place],
    report: &mut RunReport,
) -> Result<(), StoreError> {
    let renewal = tokio::spawn(renew(Arc::clone(shared)));
    let result = claim_and_poll(shared, selected, report).await;
    renewal.abort();
    result
}

async fn claim_and_poll(
    shared: &Arc<Shared>,
    selected: &[Place],
    report: &mut RunReport,
) -> Result<(), StoreError> {
    let ids: Vec<String> = selected
        .iter()
        .map(|&place| shared.place(place).1.id.clone())
        .collect();
    let due_only = shared.options.due_only;
    let limit = if due_only {
        shared.config.fetch.concurrency * 4
    } else {
        ids.len()
    };
    let enlisted = ids.clone();
    shared
        .with_store(move |store| {
            let sections: Vec<&str> = enlisted.iter().map(String::as_str).collect();
            store.enlist(&sections)
        })
        .await?;
    let mut claimed_ever = HashSet::new();
    loop {
        let claimed = claim(shared, &ids, limit).await?;
        if claimed.is_empty() {
            break;
        }
        let places: Vec<Place> = selected
            .iter()
            .copied()
            .filter(|&place| claimed.contains(&shared.place(place).1.id))
            .collect();
        poll_places(shared, &places, report).await;
        claimed_ever.extend(claimed);
        if !due_only {
            break;
        }
    }
    if !due_only {
        report
            .skipped
            .extend(ids.into_iter().filter(|id| !claimed_ever.contains(id)));
    }
    Ok(())
}

/// Claims up to `limit` of the sections `ids` (only the due ones for `watch`).
async fn claim(
    shared: &Arc<Shared>,
    ids: &[String],
    limit: usize,
) -> Result<HashSet<String>, StoreError> {
    let Some(holder) = &shared.holder else {
        return Ok(HashSet::new());
    };
    let (name, key, lease) = (holder.name.clone(), holder.key, holder.lease);
    let ids = ids.to_vec();
    let due_only = shared.options.due_only;
    let claimed: HashSet<String> = shared
        .with_store(move |store| {
            let sections: Vec<&str> = ids.iter().map(String::as_str).collect();
            store.claim(&Claim {
                holder: &name,
                key,
                sections: &sections,
                due_only,
                limit,
                lease,
            })
        })
        .await?
        .into_iter()
        .collect();
    lock(&holder.held).extend(claimed.iter().cloned());
    Ok(claimed)
}

/// Renews the run's leases every third of their length, until the run aborts this task; the
/// leases a renewal finds taken are lost.
async fn renew(shared: Arc<Shared>) {
    let Some(holder) = &shared.holder else {
        return;
    };
    loop {
        tokio::time::sleep(holder.lease / 3).await;
        let held: Vec<String> = lock(&holder.held).iter().cloned().collect();
        if held.is_empty() {
            continue;
        }
        let (name, lease, asked) = (holder.name.clone(), holder.lease, held.clone());
        let renewed = shared
            .with_store(move |store| {
                let sections: Vec<&str> = asked.iter().map(String::as_str).collect();
                store.renew(&name, &sections, lease)
            })
            .await;
        match renewed {
            // A section released while the renewal ran is no loss.
            Ok(still) => {
                let gone = held.into_iter().filter(|s| !still.contains(s));
                let ours = lock(&holder.held).clone();
                holder.lose(gone.filter(|s| ours.contains(s)));
            }
            Err(error) => {
                tracing::warn!(error = %crate::error_chain(&error), "leases not renewed");
            }
        }
    }
}
