//! The record phase: everything a batch read goes into history in one transaction, each
//! section in a savepoint of its own.

use std::sync::Arc;

use chrono::Utc;

use super::shared::Shared;
use super::state::SectionRun;

/// Records every section read in history, in one transaction. When the transaction cannot
/// begin or commit, every section that had something to record fails with that error.
pub(super) fn record(shared: &Shared, runs: Vec<SectionRun>) -> Vec<SectionRun> {
    let now = Utc::now();
    let mut store = shared.store();
    let (runs, committed) = match store.begin() {
        Ok(mut batch) => {
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
