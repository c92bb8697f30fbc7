//! The write phase: the feeds of each recorded section whose items or settings changed are
//! rendered from history and published.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};

use super::read::Read;
use super::shared::{Place, Shared};
use super::state::{SectionRun, State};
use super::{SectionError, SectionSummary, store_error};
use crate::config::Format;
use crate::halt;
use crate::publish::Written;
use crate::render::FeedInfo;
use crate::store::Changes;

/// Writes a recorded section's feeds from history, unless nothing they show changed.
pub(super) async fn write(shared: Arc<Shared>, run: SectionRun) -> SectionRun {
    let section = &shared.place(run.place).1.id;
    // A lease lost since the batch was recorded: the poller that took it writes the feeds.
    let lost = shared.holder.as_ref().is_some_and(|h| h.has_lost(section));
    let run = if lost { run.lose() } else { run };
    let run = match run.state {
        State::Recorded { read, changes, now } => {
            let (place, started) = (run.place, run.started);
            let state = shared
                .off_runtime(move |shared| write_feeds(shared, place, started, read, changes, now))
                .await;
            if matches!(
                state,
                State::Written {
                    rendered: Some(_),
                    ..
                }
            ) {
                halt::at(halt::Point::Written);
            }
            SectionRun { state, ..run }
        }
        _ => run,
    };
    shared.options.progress.section_done(section);
    run
}

fn write_feeds(
    shared: &Shared,
    place: Place,
    started: Instant,
    read: Read,
    changes: Changes,
    now: DateTime<FixedOffset>,
) -> State {
    let (site, section) = shared.place(place);
    let summary = |items: usize, written: Vec<(Format, Written)>| SectionSummary {
        section: section.id.clone(),
        items,
        new: changes.new,
        updated: changes.updated,
        failed_urls: read.followed.failed.clone(),
        downloaded: read.validated.len() + read.followed.read,
        not_modified: read.not_modified,
        written,
        fallbacks: read.fallbacks + read.followed.fallbacks,
        elapsed: started.elapsed(),
    };
    if !changes.changed() && read.plan.is_current() {
        return State::Written {
            summary: summary(read.status_items, read.plan.unchanged()),
            rendered: None,
        };
    }
    let items = match shared.store().items(&section.id, shared.config.max_items) {
        Ok(items) => items,
        Err(error) => return State::Failed(store_error(section, Arc::new(error))),
    };
    let info = FeedInfo {
        site,
        section,
        base_url: shared.config.base_url.as_ref(),
        empty_since: now,
    };
    match read.plan.write(&shared.publisher, &info, &items) {
        Ok((written, rendered)) => State::Written {
            summary: summary(items.len(), written),
            rendered: Some(rendered),
        },
        Err(source) => State::Failed(SectionError::Publish {
            section: section.id.clone(),
            source,
        }),
    }
}
