//! The finish phase: after each batch, every section's outcome (and what its feeds were
//! written from) is noted in history in one transaction; at the end of the run, the
//! robots.txt copies the run read are kept, then the files beside the feeds are written for
//! every configured section: `status.json`, `index.html`, `feeds.opml` and `feed.xsl`, each
//! only if its bytes change. A failure here is logged, not fatal: the feeds are already
//! written, and a section whose rendering was not noted is rendered again by the next poll.

use chrono::Utc;

use super::{SectionRun, Shared, State};
use crate::config::Format;
use crate::output::SiteFile;
use crate::publish::publish;
use crate::render::{self, site};
use crate::store::{Outcome, SectionStatus, Store, StoreError};

/// Notes the outcome of every section of a batch, in one transaction. A failure is logged: the
/// feeds are written, and a section whose rendering was not noted is rendered again next time.
pub(super) fn note(shared: &Shared, runs: &[SectionRun]) {
    let store = shared.store();
    if let Err(error) = note_outcomes(shared, &store, runs) {
        tracing::error!(error = %crate::error_chain(&error), "section outcomes not noted");
    }
}

/// Keeps the robots.txt copies the run read, then writes the site files from every
/// configured section's status.
pub(super) fn finish(shared: &Shared) {
    let statuses = {
        let store = shared.store();
        let robots = shared.fetcher.robots_renewed();
        if let Err(error) = store.in_transaction(|store| store.keep_robots(&robots)) {
            tracing::warn!(error = %crate::error_chain(&error), "robots.txt copies not kept");
        }
        store.statuses()
    };
    match statuses {
        Ok(mut statuses) => write_site_files(shared, |id| statuses.remove(id).unwrap_or_default()),
        Err(error) => tracing::error!(
            error = %crate::error_chain(&error),
            "status.json, index.html and feeds.opml not updated"
        ),
    }
}

/// Notes every section's outcome in one transaction.
fn note_outcomes(shared: &Shared, store: &Store, runs: &[SectionRun]) -> Result<(), StoreError> {
    let now = Utc::now();
    store.in_transaction(|store| {
        runs.iter().try_for_each(|run| {
            let section = &shared.place(run.place).1.id;
            match &run.state {
                State::Written { summary, rendered } => {
                    let fallbacks = summary.fallbacks;
                    store.record_outcome(section, now, Outcome::Written { fallbacks })?;
                    rendered
                        .as_ref()
                        .map_or(Ok(()), |r| store.set_rendered(section, r))
                }
                State::Failed(error) => {
                    let message = crate::error_chain(error);
                    store.record_outcome(section, now, Outcome::Failed(&message))
                }
                State::Read(_) | State::Recorded { .. } => Ok(()),
            }
        })
    })
}

/// Writes every site file from each configured section's status.
fn write_site_files(shared: &Shared, mut status_of: impl FnMut(&str) -> SectionStatus) {
    let config = &shared.config;
    let (statuses, listed): (Vec<_>, Vec<_>) = config
        .sections()
        .map(|(site, section)| {
            let status = status_of(&section.id);
            let listed = site::Listed {
                site,
                section,
                items: status.items,
                updated: status.feed_updated,
            };
            ((section, status), listed)
        })
        .unzip();
    let links = site::Links {
        base_url: config.base_url.as_ref(),
        formats: &config.formats,
    };
    let xml_feeds = config
        .formats
        .iter()
        .any(|f| matches!(f, Format::Rss | Format::Atom));
    for file in SiteFile::ALL {
        let text = match file {
            SiteFile::Status => site::status(&statuses, &config.formats),
            SiteFile::Index => site::index_html(&listed, links),
            SiteFile::Opml => site::opml(&listed, links),
            SiteFile::Stylesheet if xml_feeds => render::FEED_XSL.to_owned(),
            SiteFile::Stylesheet => continue,
        };
        if let Err(error) = publish(&config.output_dir.join(file.name()), text.as_bytes()) {
            tracing::error!(error = %crate::error_chain(&error), "{} not updated", file.name());
        }
    }
}
