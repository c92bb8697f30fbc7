//! Selectors learned from pages: for each field zero-config extraction found, the CSS selectors
//! that pick the same element on every page given, preferring what a template keeps from one
//! article to the next (ids and classes it shares) over positions and generated class names.
//!
//! A field is *pinned* when its selectors pick the right element on every page; otherwise the
//! site keeps zero-config extraction for it. Alternatives are kept, tried in order, when pages
//! of several templates need different selectors.

mod article;
mod candidates;
mod list;

use ego_tree::NodeId;
use scraper::Html;

use article::{article_target, single};
use list::list;

use feedwright_extract::auto::AutoPage;

pub use candidates::is_durable;

/// One page and what zero-config extraction found on it.
pub struct Sample<'a> {
    pub document: &'a Html,
    pub found: &'a AutoPage,
}

/// The selectors chosen for one field, and how well they do on the pages.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The field's key in the configuration: `title`, `published`, … (`item`, `link` in lists).
    pub field: &'static str,
    /// Alternatives, tried in order; empty when nothing was found to learn from.
    pub selectors: Vec<String>,
    /// Pages on which the selectors pick what zero-config extraction found.
    pub right: usize,
    /// Pages on which zero-config extraction found the field.
    pub pages: usize,
    /// What the selectors read on the first page where they are right.
    pub value: Option<String>,
}

impl Choice {
    /// Right on every page that has the field.
    pub fn pinned(&self) -> bool {
        !self.selectors.is_empty() && self.right == self.pages
    }
}

/// Everything learned from a site's pages.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    /// `title`, `published`, `source`, `body`: the fields the article pages showed.
    pub article: Vec<Choice>,
    /// `item`, `title`, `link`, `published`: the fields of the pages' lists.
    pub related: Vec<Choice>,
}

/// Rules to write: a configuration key and its selector alternatives.
pub type Rules = Vec<(&'static str, Vec<String>)>;

impl Learned {
    /// The article rules worth writing: none unless the title is pinned (an article is found
    /// by its title), then every pinned field.
    pub fn article_rules(&self) -> Rules {
        pinned(&self.article, &["title"])
    }

    /// The list rules worth writing: none unless item, title and link are all pinned.
    pub fn related_rules(&self) -> Rules {
        pinned(&self.related, &["item", "title", "link"])
    }
}

/// Every pinned field of `choices`, when all of `required` are pinned; nothing otherwise.
fn pinned(choices: &[Choice], required: &[&str]) -> Rules {
    let complete = required
        .iter()
        .all(|f| choices.iter().any(|c| c.field == *f && c.pinned()));
    if !complete {
        return Vec::new();
    }
    choices
        .iter()
        .filter(|c| c.pinned())
        .map(|c| (c.field, c.selectors.clone()))
        .collect()
}

/// Learns the selectors of the article fields and of the list from `samples`.
pub fn learn(samples: &[Sample<'_>]) -> Learned {
    let articles: Vec<&Sample<'_>> = samples
        .iter()
        .filter(|s| s.found.article.is_some())
        .collect();
    let mut learned = Learned::default();
    if !articles.is_empty() {
        for field in ["title", "published", "source", "body"] {
            let targets: Vec<(&Html, NodeId)> = articles
                .iter()
                .filter_map(|s| article_target(s, field).map(|t| (s.document, t)))
                .collect();
            if !targets.is_empty() {
                learned.article.push(single(field, &targets));
            }
        }
    }
    let lists: Vec<&Sample<'_>> = samples
        .iter()
        .filter(|s| s.found.places.entries.len() >= 3)
        .collect();
    if !lists.is_empty() {
        learned.related = list(&lists);
    }
    learned
}

/// Picks alternatives one at a time, each the one that makes the most pages right given the
/// ones before it (a page is decided by the first alternative that matches anything on it).
fn cover(outcomes: &[Vec<Option<bool>>]) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut best_right = 0;
    loop {
        let next = (0..outcomes.len())
            .filter(|c| !chosen.contains(c))
            .map(|c| {
                let mut trial = chosen.clone();
                trial.push(c);
                (right_pages(&trial, outcomes), std::cmp::Reverse(c))
            })
            .max();
        match next {
            Some((right, std::cmp::Reverse(c))) if right > best_right => {
                chosen.push(c);
                best_right = right;
            }
            _ => return chosen,
        }
    }
}

/// Pages on which the first of `chosen` that matches anything matches the target.
fn right_pages(chosen: &[usize], outcomes: &[Vec<Option<bool>>]) -> usize {
    let pages = outcomes.first().map_or(0, Vec::len);
    (0..pages)
        .filter(|&page| {
            chosen
                .iter()
                .find_map(|&c| outcomes[c][page])
                .unwrap_or(false)
        })
        .count()
}

/// A value as the table shows it: at most 40 characters.
fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}
