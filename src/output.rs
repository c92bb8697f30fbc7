//! Every file feedwright writes into the feeds folder: its name, its media type, and which
//! section ids it reserves. `render`, `run` (which publishes) and `serve` ask this module;
//! none of them spells a file name or a media type of its own.
//!
//! A section's feeds are `<id>.<ext>`, one per configured [`Format`]. Beside them sit four site
//! files ([`SiteFile`]): `index.html`, `feeds.opml`, `feed.xsl` and `status.json`. A section
//! id equal to the stem of a site file (`status`, `index`, `feeds`, `feed`) is refused when the
//! configuration loads, so that no feed can overwrite a site file or be taken for one.

use std::collections::HashMap;

use crate::config::{Config, Format};

/// A file of the feeds folder that is not a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteFile {
    /// Every section with its subscribe links, for people.
    Index,
    /// OPML 2.0 of every section's feed.
    Opml,
    /// The stylesheet browsers apply to the XML feeds.
    Stylesheet,
    /// Per-section health, for monitoring.
    Status,
}

impl SiteFile {
    /// Every site file, in the order a run writes them.
    pub const ALL: [SiteFile; 4] = [
        SiteFile::Status,
        SiteFile::Index,
        SiteFile::Opml,
        SiteFile::Stylesheet,
    ];

    /// The file's name in the feeds folder.
    pub fn name(self) -> &'static str {
        match self {
            SiteFile::Index => "index.html",
            SiteFile::Opml => "feeds.opml",
            SiteFile::Stylesheet => "feed.xsl",
            SiteFile::Status => "status.json",
        }
    }

    /// The media type a server sends it with.
    pub fn media_type(self) -> &'static str {
        match self {
            SiteFile::Index => "text/html; charset=utf-8",
            SiteFile::Opml => "text/x-opml; charset=utf-8",
            SiteFile::Stylesheet => "text/xsl; charset=utf-8",
            SiteFile::Status => "application/json; charset=utf-8",
        }
    }

    /// The name without its extension: a section id that must not be used.
    fn stem(self) -> &'static str {
        let name = self.name();
        name.split_once('.').map_or(name, |(stem, _)| stem)
    }
}

impl Format {
    /// The feed file's extension, which also names the format in the index and reports.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// The media type of the format, as feed readers expect it.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }

    /// The name people read in the index.
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::Json => "JSON Feed",
        }
    }

    /// The `version` an OPML outline gives for a feed of this format.
    pub fn opml_version(self) -> &'static str {
        match self {
            Format::Rss => "RSS2",
            Format::Atom => "ATOM",
            Format::Json => "JSONFEED",
        }
    }
}

/// The file name of section `id`'s feed in `format`: `<id>.<rss|atom|json>`.
pub fn feed_name(id: &str, format: Format) -> String {
    format!("{id}.{}", format.extension())
}

/// True when `id` cannot name a section because a site file has it as its stem.
pub fn is_reserved(id: &str) -> bool {
    SiteFile::ALL.iter().any(|file| file.stem() == id)
}

/// The stems that [`is_reserved`] refuses, for messages.
pub fn reserved_ids() -> Vec<&'static str> {
    SiteFile::ALL.iter().map(|file| file.stem()).collect()
}

/// What a file of the feeds folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFile {
    Feed(Format),
    Site(SiteFile),
}

impl OutputFile {
    /// The file's media type, as it is stored in a bucket.
    pub fn media_type(self) -> String {
        match self {
            OutputFile::Feed(format) => format!("{}; charset=utf-8", format.media_type()),
            OutputFile::Site(file) => file.media_type().to_owned(),
        }
    }

    /// How long a CDN in front of a bucket may keep the file: a feed or a page for five
    /// minutes (a poll interval's order), `status.json` not at all (monitoring wants it
    /// fresh), the stylesheet for a day (it changes only with feedwright).
    pub fn cache_control(self) -> &'static str {
        match self {
            OutputFile::Feed(_) | OutputFile::Site(SiteFile::Index | SiteFile::Opml) => {
                "public, max-age=300"
            }
            OutputFile::Site(SiteFile::Status) => "no-cache",
            OutputFile::Site(SiteFile::Stylesheet) => "public, max-age=86400",
        }
    }
}

/// Every file `config` makes feedwright write, by name.
pub fn every_file(config: &Config) -> HashMap<String, OutputFile> {
    let feeds = config.sections().flat_map(|(_, section)| {
        config
            .formats
            .iter()
            .map(|&format| (feed_name(&section.id, format), OutputFile::Feed(format)))
    });
    SiteFile::ALL
        .iter()
        .map(|&file| (file.name().to_owned(), OutputFile::Site(file)))
        .chain(feeds)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_file_stems_are_reserved() {
        assert_eq!(reserved_ids(), ["status", "index", "feeds", "feed"]);
        assert!(is_reserved("status"));
        assert!(!is_reserved("news"));
        for format in [Format::Rss, Format::Atom, Format::Json] {
            for file in SiteFile::ALL {
                assert_ne!(feed_name("news", format), file.name());
            }
        }
    }
}
