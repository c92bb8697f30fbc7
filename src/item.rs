//! The types that flow between stages: a [`Scraped`] story from this poll, and an [`Item`] of a
//! feed, as history keeps it.

use chrono::{DateTime, FixedOffset};
use url::Url;

/// A story as this poll found it, normalized: absolute canonical link, plain-text title, an
/// instant if the page gave one, sanitized HTML content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scraped {
    pub link: Url,
    pub title: String,
    pub published: Option<DateTime<FixedOffset>>,
    pub source: Option<String>,
    pub content: Option<String>,
    /// True when the fields come from the article's own page, not from a list entry.
    pub from_article: bool,
}

/// Where an item's publication time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written on the page (article or list).
    Page,
    /// Nowhere: the item is dated when it was first seen.
    FirstSeen,
}

impl Origin {
    /// The name stored in history.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Page => "page",
            Origin::FirstSeen => "first_seen",
        }
    }

    /// Reads a stored name; unknown names are treated as `FirstSeen`.
    pub fn from_stored(name: &str) -> Origin {
        if name == "page" {
            Origin::Page
        } else {
            Origin::FirstSeen
        }
    }
}

/// An item's publication time, fixed when it was first stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub at: DateTime<FixedOffset>,
    pub origin: Origin,
}

/// One entry of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The canonical link: the item's link, RSS guid and Atom id.
    pub link: Url,
    pub title: String,
    pub published: Published,
    /// When the item last changed (its title, source or content); `published` until then.
    pub updated: DateTime<FixedOffset>,
    pub source: Option<String>,
    pub content: Option<String>,
}
