//! Polling on shared history (PostgreSQL): claim sections, poll them, note their outcomes and
//! release them, while a task renews the run's leases. A `run` claims every selected section
//! at once and skips those another poller holds; a `watch` poll claims the due sections a few
//! at a time, so that the pollers sharing a history share the work.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::{Place, RunReport, SectionRun, Shared, poll_places};
use crate::store::{Claim, StoreError};

/// A run's name on shared history, and how long its claims last.
pub(super) struct Holder {
    name: String,
    lease: Duration,
}

impl Holder {
    /// A name no other process has: the host, the process id and a random part.
    pub(super) fn new(lease: Duration) -> Holder {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "host".to_owned());
        Holder {
            name: format!("{host}/{}/{:08x}", std::process::id(), fastrand::u32(..)),
            lease,
        }
    }

    /// Gives up the leases on the sections of `runs`; a failure is logged (the leases run out).
    pub(super) async fn release(&self, shared: &Arc<Shared>, runs: &[SectionRun]) {
        let ids: Vec<String> = runs
            .iter()
            .map(|run| shared.place(run.place).1.id.clone())
            .collect();
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
        report.skipped = ids
            .into_iter()
            .filter(|id| !claimed_ever.contains(id))
            .collect();
    }
    Ok(())
}

/// Claims up to `limit` of the sections `ids` (only the due ones for `watch`).
async fn claim(
    shared: &Arc<Shared>,
    ids: &[String],
    limit: usize,
) -> Result<HashSet<String>, StoreError> {
    let (name, lease) = match &shared.holder {
        Some(holder) => (holder.name.clone(), holder.lease),
        None => return Ok(HashSet::new()),
    };
    let ids = ids.to_vec();
    let due_at = shared.options.due_only.then(Utc::now);
    shared
        .with_store(move |store| {
            let sections: Vec<&str> = ids.iter().map(String::as_str).collect();
            store.claim(&Claim {
                holder: &name,
                sections: &sections,
                due_at,
                limit,
                lease,
            })
        })
        .await
        .map(|claimed| claimed.into_iter().collect())
}

/// Renews the run's leases every third of their length, until the run aborts this task.
async fn renew(shared: Arc<Shared>) {
    let Some(holder) = &shared.holder else {
        return;
    };
    let (name, lease) = (holder.name.clone(), holder.lease);
    loop {
        tokio::time::sleep(lease / 3).await;
        let name = name.clone();
        let renewed = shared
            .with_store(move |store| store.renew(&name, lease))
            .await;
        if let Err(error) = renewed {
            tracing::warn!(error = %crate::error_chain(&error), "leases not renewed");
        }
    }
}
