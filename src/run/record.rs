//! The record phase: everything a batch read goes into history in one transaction, each
//! section in a savepoint of its own.

use std::sync::Arc;

use super::shared::Shared;
use super::state::SectionRun;
use crate::store::{Batch, StoreError};

/// Records every section read in history, in one transaction. When the transaction cannot
/// begin or commit, every section that had something to record fails with that error.
pub(super) fn record(shared: &Shared, runs: Vec<SectionRun>) -> Vec<SectionRun> {
    let now = shared.clock.now();
    let mut store = shared.store();
    let (runs, committed) = match store.begin() {
        Ok(mut batch) => {
            let runs = match fence(shared, &mut batch, runs) {
                Ok(runs) => runs,
                Err((runs, error)) => {
                    let error = Arc::new(error);
                    let runs = runs
                        .into_iter()
                        .map(|run| run.record(shared, Err(&error), now))
                        .collect();
                    return runs;
                }
            };
            let runs: Vec<SectionRun> = runs
                .into_iter()
                .map(|run| run.record(shared, Ok(&mut batch), now))
                .collect();
            (runs, batch.commit())
        }
        Err(error) => {
            let error = Arc::new(error);
            let runs = runs
                .into_iter()
                .map(|run| run.record(shared, Err(&error), now))
                .collect();
            (runs, Ok(()))
        }
    };
    match committed {
        Ok(()) => runs,
        Err(error) => {
            let error = Arc::new(error);
            runs.into_iter()
                .map(|run| run.fail_if_recorded(shared, &error))
                .collect()
        }
    }
}

/// On shared history, stops the sections whose leases the run no longer holds, and keeps the
/// others' lease rows locked until the batch commits: no other poller can take them while the
/// run records them. A renewal may have found some lost already.
fn fence(
    shared: &Shared,
    batch: &mut Batch<'_>,
    runs: Vec<SectionRun>,
) -> Result<Vec<SectionRun>, (Vec<SectionRun>, StoreError)> {
    let Some(holder) = &shared.holder else {
        return Ok(runs);
    };
    let ids: Vec<&str> = runs
        .iter()
        .map(|run| shared.place(run.place).1.id.as_str())
        .collect();
    let held = match batch.still_held(holder.name(), &ids) {
        Ok(held) => held,
        Err(error) => return Err((runs, error)),
    };
    let lost: Vec<String> = ids
        .iter()
        .filter(|id| !held.contains(**id) && !holder.has_lost(id))
        .map(|id| (*id).to_owned())
        .collect();
    holder.lose(lost);
    Ok(runs
        .into_iter()
        .map(|run| match holder.has_lost(&shared.place(run.place).1.id) {
            true => run.lose(),
            false => run,
        })
        .collect())
}
