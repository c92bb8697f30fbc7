//! The types that flow between stages: a [`Scraped`] story from this poll, the [`Sightings`]
//! of a poll, and an [`Item`] of a feed, as history keeps it; and the rules for which source of
//! an item's fields wins.

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

// Which source of an item's fields wins. An item's fields can come from three places: a list
// entry (a hot list or a channel page), the article's own page, and the version history already
// holds. The rules live here and nowhere else:
//
// 1. Within one poll, the first sighting of a link wins: a start page's own article comes
//    first, then list entries in page order ([`Sightings::add`]).
// 2. A list entry followed to its own page: the page's fields win, the list's fill the gaps
//    ([`Sightings::complete`]).
// 3. Against history: what an article's page said is not overwritten by a list entry, a field
//    the new sighting lacks keeps its stored value, and the publication time never changes
//    ([`Stored::revised_by`]).
// 4. A listed item is fetched again only while history has nothing from its page, or when
//    the list gives it another title since ([`worth_following`]).

/// A story of this poll, with the title its list gave (if it was listed).
#[derive(Debug, Clone)]
pub struct Sighting {
    pub story: Scraped,
    pub list_title: Option<String>,
}

/// The stories of one poll, each link once.
#[derive(Debug, Default)]
pub struct Sightings {
    list: Vec<Sighting>,
    seen: std::collections::HashSet<Url>,
}

impl Sightings {
    /// Adds a sighting unless its link was seen before in this poll (rule 1).
    pub fn add(&mut self, sighting: Sighting) {
        if self.seen.insert(sighting.story.link.clone()) {
            self.list.push(sighting);
        }
    }

    /// Completes the sighting at `index` with what its own page said (rule 2).
    pub fn complete(&mut self, index: usize, page: Scraped) {
        if let Some(sighting) = self.list.get_mut(index) {
            let listed = &mut sighting.story;
            if !page.title.is_empty() {
                listed.title = page.title;
            }
            listed.published = page.published.or(listed.published);
            listed.source = page.source.or(listed.source.take());
            listed.content = page.content.or(listed.content.take());
            listed.from_article = true;
        }
    }

    /// Every sighting, in the order they were added.
    pub fn as_slice(&self) -> &[Sighting] {
        &self.list
    }
}

/// The fields of an item as history holds them, for comparing with a new sighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub title: String,
    pub source: Option<String>,
    pub content: Option<String>,
    /// The fields come from the article's own page.
    pub from_article: bool,
}

impl Stored {
    /// What history should hold after `seen`, or `None` when the stored fields stay (rule 3).
    pub fn revised_by(&self, seen: &Scraped) -> Option<Stored> {
        let authoritative = seen.from_article || !self.from_article;
        let revised = Stored {
            title: seen.title.clone(),
            source: seen.source.clone().or_else(|| self.source.clone()),
            content: seen.content.clone().or_else(|| self.content.clone()),
            from_article: seen.from_article || self.from_article,
        };
        let changed = revised.title != self.title
            || revised.source != self.source
            || revised.content != self.content;
        (authoritative && changed).then_some(revised)
    }
}

/// What history knows of an item that is listed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// The stored fields come from the article's own page.
    pub from_article: bool,
    /// The title the list gave when the item was last recorded.
    pub list_title: Option<String>,
}

/// True for a sighting that came from a list, not from its own page: one that following may
/// complete.
pub fn is_listed(sighting: &Sighting) -> bool {
    !sighting.story.from_article
}

/// True when a listed item's page is worth fetching (rule 4).
pub fn worth_following(known: Option<&Known>, sighting: &Sighting) -> bool {
    known.is_none_or(|k| !k.from_article || k.list_title != sighting.list_title)
}
