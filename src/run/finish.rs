//! The finish phase: after each batch, every section's outcome (and what its feeds were
//! written from, and when it is due again) is noted in history in one transaction; at the end
//! of the run, the robots.txt copies the run read are kept, then the files beside the feeds
//! are written for every configured section: `status.json`, `index.html`, `feeds.opml` and
//! `feed.xsl`, each only if its bytes change. A failure here is logged, not fatal: the feeds
//! are already written, and a section whose rendering was not noted is rendered again by the
//! next poll.

use std::io::Write;

use chrono::{DateTime, FixedOffset, Utc};

use super::{SectionRun, Shared, State, schedule};
use crate::config::{Format, Section, Site};
use crate::output::{OutputFile, SiteFile};
use crate::render::{self, site};
use crate::store::{Note, Outcome, SectionStatus, Store, StoreError};

/// Notes the outcome of every section of a batch, in one transaction, then frees the pages
/// history cached for the batch. A failure is logged: the feeds are written, and a section
/// whose rendering was not noted is rendered again next time.
pub(super) fn note(shared: &Shared, runs: &[SectionRun]) {
    let now = shared.clock.now();
    let messages: Vec<Option<String>> = runs
        .iter()
        .map(|run| match &run.state {
            State::Failed(error) => Some(crate::error_chain(error)),
            _ => None,
        })
        .collect();
    let notes: Vec<Note<'_>> = runs
        .iter()
        .zip(&messages)
        .filter_map(|(run, message)| {
            let (site, section) = shared.place(run.place);
            let (outcome, rendered) = match (&run.state, message) {
                (State::Written { summary, rendered }, _) => (
                    Outcome::Written {
                        fallbacks: summary.fallbacks,
                    },
                    rendered.as_ref(),
                ),
                (State::Failed(_), Some(message)) => (Outcome::Failed(message), None),
                _ => return None,
            };
            let failures = match outcome {
                Outcome::Written { .. } => 0,
                Outcome::Failed(_) => shared
                    .with_status(&section.id, |status| status.map_or(0, |s| s.failures))
                    .saturating_add(1),
            };
            let every = section.every.unwrap_or(shared.options.every);
            let local_now = now.with_timezone(&site.timezone).fixed_offset();
            Some(Note {
                section: &section.id,
                outcome,
                rendered,
                failures,
                next_poll: schedule::next_poll(local_now, every, failures),
            })
        })
        .collect();
    let mut store = shared.store();
    if let Err(error) = store.note(now, &notes) {
        tracing::error!(error = %crate::error_chain(&error), "section outcomes not noted");
    }
    release_memory(&mut store);
}

/// Keeps the robots.txt copies the run read, then writes the site files from every
/// configured section's status when the run polled anything. Returns when the earliest
/// selected section is due again.
pub(super) fn finish(shared: &Shared, polled: bool) -> Option<DateTime<FixedOffset>> {
    if polled {
        let robots = shared.fetcher.robots_renewed();
        if let Err(error) = shared.store().keep_robots(&robots) {
            tracing::warn!(error = %crate::error_chain(&error), "robots.txt copies not kept");
        }
        write_site_files(shared);
    }
    match next_due(shared) {
        Ok(next_due) => Some(shared.clock.here(next_due)),
        Err(error) => {
            tracing::error!(error = %crate::error_chain(&error), "schedules not read");
            None
        }
    }
}

/// When the earliest of the selected sections is due again (now, for one never polled).
fn next_due(shared: &Shared) -> Result<DateTime<FixedOffset>, StoreError> {
    let only = &shared.options.sections;
    let selected: Vec<&str> = shared
        .config
        .sections()
        .map(|(_, section)| section.id.as_str())
        .filter(|id| only.is_empty() || only.iter().any(|o| o == id))
        .collect();
    let mut earliest = None;
    for chunk in selected.chunks(STATUS_CHUNK) {
        match read_once(shared, |store| store.earliest_poll(chunk))? {
            Some(at) => earliest = Some(earliest.map_or(at, |e: DateTime<Utc>| e.min(at))),
            None => return Ok(shared.clock.now().fixed_offset()),
        }
    }
    Ok(earliest
        .unwrap_or_else(|| shared.clock.now())
        .fixed_offset())
}

/// Writes the site files while no other poller does, from history as it is then: the files
/// never go back to an older read of it.
fn write_site_files(shared: &Shared) {
    if let Err(error) = shared.store().hold_site_files() {
        tracing::error!(error = %crate::error_chain(&error), "site files not updated");
        return;
    }
    write_each_site_file(shared);
    if let Err(error) = shared.store().release_site_files() {
        tracing::warn!(error = %crate::error_chain(&error), "site files' lock kept until the run ends");
    }
}

/// Writes every site file from each configured section's status, which is read from history
/// a chunk of sections at a time, as the files are written. The first file that cannot be
/// written stops the rest, so the files stay a set written from the same history.
fn write_each_site_file(shared: &Shared) {
    let config = &shared.config;
    let links = site::Links {
        base_url: config.base_url.as_ref(),
        formats: &config.formats,
    };
    let xml_feeds = config
        .formats
        .iter()
        .any(|f| matches!(f, Format::Rss | Format::Atom));
    for file in SiteFile::ALL {
        let render = |out: &mut dyn Write| match file {
            SiteFile::Status => site::status(
                out,
                with_status(shared)
                    .map(|entry| entry.map(|(_, section, status)| (section, status))),
                &config.formats,
                shared.options.every,
            ),
            SiteFile::Index => site::index_html(
                out,
                links,
                config.sections().map(|(_, section)| section),
                with_status(shared).map(|entry| {
                    entry.map(|(site, section, status)| site::Listed {
                        site,
                        section,
                        items: status.items,
                        updated: status.feed_updated,
                    })
                }),
            ),
            SiteFile::Opml => site::opml(out, &config.sites, links),
            SiteFile::Stylesheet => out.write_all(render::FEED_XSL.as_bytes()),
        };
        if file == SiteFile::Stylesheet && !xml_feeds {
            continue;
        }
        let written = shared
            .publisher
            .put_with(file.name(), OutputFile::Site(file), render);
        if let Err(error) = written {
            tracing::error!(
                error = %crate::error_chain(&error),
                "{} and the site files after it not updated", file.name()
            );
            return;
        }
    }
}

/// Reads from history what will not be read again in this run, then frees the pages SQLite
/// cached for it: a status row holds what its feeds were written from, and 10,000 of them
/// would fill the cache.
fn read_once<T>(
    shared: &Shared,
    read: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut store = shared.store();
    let read = read(&mut store);
    release_memory(&mut store);
    read
}

/// Frees the pages SQLite cached; a failure costs only memory, and is logged.
fn release_memory(store: &mut Store) {
    if let Err(error) = store.release_memory() {
        tracing::warn!(error = %crate::error_chain(&error), "history's page cache not freed");
    }
}

/// Sections read from history at a time for the site files and the schedules.
const STATUS_CHUNK: usize = 200;

/// Every configured section with its status, in config order; the statuses are read from
/// history a chunk at a time, so only one chunk is held.
struct WithStatus<'a, I> {
    shared: &'a Shared,
    sections: I,
    chunk: std::vec::IntoIter<(&'a Site, &'a Section, SectionStatus)>,
}

/// Every configured section with its status (see [`WithStatus`]).
fn with_status(shared: &Shared) -> WithStatus<'_, impl Iterator<Item = (&Site, &Section)>> {
    WithStatus {
        shared,
        sections: shared.config.sections(),
        chunk: Vec::new().into_iter(),
    }
}

impl<'a, I: Iterator<Item = (&'a Site, &'a Section)>> Iterator for WithStatus<'a, I> {
    type Item = std::io::Result<(&'a Site, &'a Section, SectionStatus)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(entry) = self.chunk.next() {
            return Some(Ok(entry));
        }
        let sections: Vec<(&Site, &Section)> = self.sections.by_ref().take(STATUS_CHUNK).collect();
        if sections.is_empty() {
            return None;
        }
        let ids: Vec<&str> = sections.iter().map(|(_, s)| s.id.as_str()).collect();
        let mut statuses = match read_once(self.shared, |store| store.statuses_of(&ids)) {
            Ok(statuses) => statuses,
            Err(error) => {
                return Some(Err(std::io::Error::other(crate::error_chain(&error))));
            }
        };
        self.chunk = sections
            .into_iter()
            .map(|(site, section)| {
                let status = statuses.remove(&section.id).unwrap_or_default();
                (site, section, status)
            })
            .collect::<Vec<_>>()
            .into_iter();
        self.chunk.next().map(Ok)
    }
}
