//! The run's policy for a section's feed files: whether they must be written again, and
//! writing them from history's items through the publisher.

use url::Url;

use crate::config::{Config, Format, Section, Site};
use crate::item::Item;
use crate::output::{OutputFile, feed_name};
use crate::publish::{PublishError, Publisher, Written};
use crate::render::{self, FeedInfo};
use crate::store::Rendered;

/// A section's feed files, and whether they must be written again: when their items changed,
/// when the settings they depend on changed (the fingerprint), or when a file is gone.
#[derive(Debug, Clone)]
pub struct FeedPlan {
    /// Every configured format with its file's name, in the configured order.
    pub files: Vec<(Format, String)>,
    fingerprint: String,
    /// The files exist and were written with the current settings.
    current: bool,
}

impl FeedPlan {
    /// The plan for `section`, whose feeds were last written with the settings `rendered` (the
    /// fingerprint history holds, `None` after a change of items).
    pub fn new(
        config: &Config,
        site: &Site,
        section: &Section,
        rendered: Option<&str>,
        publisher: &Publisher,
    ) -> Self {
        let files: Vec<(Format, String)> = config
            .formats
            .iter()
            .map(|&format| (format, feed_name(&section.id, format)))
            .collect();
        let fingerprint = fingerprint(config, site, section);
        let current = rendered == Some(fingerprint.as_str())
            && files.iter().all(|(_, name)| publisher.holds(name));
        FeedPlan {
            files,
            fingerprint,
            current,
        }
    }

    /// True when the files are there and their settings did not change: only new or changed
    /// items make them worth writing.
    pub fn is_current(&self) -> bool {
        self.current
    }

    /// Every file as left alone.
    pub fn unchanged(&self) -> Vec<(Format, Written)> {
        self.files
            .iter()
            .map(|(format, _)| (*format, Written::Unchanged))
            .collect()
    }

    /// Renders and publishes every file from `items`; returns what happened to each, and what
    /// history should note they were written from.
    pub fn write(
        &self,
        publisher: &Publisher,
        info: &FeedInfo<'_>,
        items: &[Item],
    ) -> Result<(Vec<(Format, Written)>, Rendered), PublishError> {
        let written = self
            .files
            .iter()
            .map(|(format, name)| {
                let bytes = render::feed(*format, info, items);
                publisher
                    .put(name, OutputFile::Feed(*format), &bytes)
                    .map(|w| (*format, w))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rendered = Rendered {
            fingerprint: self.fingerprint.clone(),
            items: items.len(),
            updated: render::feed_updated(items),
        };
        Ok((written, rendered))
    }
}

/// Everything besides the items that a section's feed files depend on: when it changes (a new
/// title in the config, another format, a new feedwright), the feeds are written again even if
/// no item changed.
fn fingerprint(config: &Config, site: &Site, section: &Section) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{}",
        env!("CARGO_PKG_VERSION"),
        site.title,
        section.title,
        section.description,
        section.home().map(Url::as_str),
        config.base_url.as_ref().map(Url::as_str),
        config.formats,
        config.max_items
    )
}
