//! The finish phase: after each batch, every section's outcome (and what its feeds were
//! written from, and when it is due again) is noted in history in one transaction; at the end
//! of the run, the robots.txt copies the run read are kept, then the files beside the feeds
//! are written for every configured section: `status.json`, `index.html`, `feeds.opml` and
//! `feed.xsl`, each only if its bytes change. A failure here is logged, not fatal: the feeds
//! are already written, and a section whose rendering was not noted is rendered again by the
//! next poll.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};

use super::{SectionRun, Shared, State, schedule};
use crate::config::Format;
use crate::output::{OutputFile, SiteFile};
use crate::render::{self, site};
use crate::store::{Note, Outcome, SectionStatus};

/// Notes the outcome of every section of a batch, in one transaction. A failure is logged: the
/// feeds are written, and a section whose rendering was not noted is rendered again next time.
pub(super) fn note(shared: &Shared, runs: &[SectionRun]) {
    let now = Utc::now();
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
                    .status(&section.id)
                    .map_or(0, |status| status.failures)
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
    if let Err(error) = shared.store().note(now, &notes) {
        tracing::error!(error = %crate::error_chain(&error), "section outcomes not noted");
    }
}

/// Keeps the robots.txt copies the run read, then writes the site files from every
/// configured section's status when the run polled anything. Returns when the earliest
/// selected section is due again.
pub(super) fn finish(shared: &Shared, polled: bool) -> Option<DateTime<FixedOffset>> {
    let statuses = {
        let mut store = shared.store();
        if polled {
            let robots = shared.fetcher.robots_renewed();
            if let Err(error) = store.keep_robots(&robots) {
                tracing::warn!(error = %crate::error_chain(&error), "robots.txt copies not kept");
            }
        }
        store.statuses()
    };
    match statuses {
        Ok(mut statuses) => {
            let next_due = next_due(shared, &statuses);
            if polled {
                write_site_files(shared, |id| statuses.remove(id).unwrap_or_default());
            }
            next_due
        }
        Err(error) => {
            tracing::error!(
                error = %crate::error_chain(&error),
                "status.json, index.html and feeds.opml not updated"
            );
            None
        }
    }
}

/// When the earliest of the selected sections is due again (now, for one never polled).
fn next_due(
    shared: &Shared,
    statuses: &HashMap<String, SectionStatus>,
) -> Option<DateTime<FixedOffset>> {
    let only = &shared.options.sections;
    shared
        .config
        .sections()
        .filter(|(_, section)| only.is_empty() || only.contains(&section.id))
        .map(|(_, section)| {
            statuses
                .get(&section.id)
                .and_then(|status| status.next_poll)
                .unwrap_or_else(|| Utc::now().fixed_offset())
        })
        .min()
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
            SiteFile::Status => site::status(&statuses, &config.formats, shared.options.every),
            SiteFile::Index => site::index_html(&listed, links),
            SiteFile::Opml => site::opml(&listed, links),
            SiteFile::Stylesheet if xml_feeds => render::FEED_XSL.to_owned(),
            SiteFile::Stylesheet => continue,
        };
        let written = shared
            .publisher
            .put(file.name(), OutputFile::Site(file), text.as_bytes());
        if let Err(error) = written {
            tracing::error!(error = %crate::error_chain(&error), "{} not updated", file.name());
        }
    }
}
