//! Selectors learned from pages: for each field zero-config extraction found, the CSS selectors
//! that pick the same element on every page given, preferring what a template keeps from one
//! article to the next (ids and classes it shares) over positions and generated class names.
//!
//! A field is *pinned* when its selectors pick the right element on every page; otherwise the
//! site keeps zero-config extraction for it. Alternatives are kept, tried in order, when pages
//! of several templates need different selectors.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};

use crate::config::Target;
use feedwright_extract::auto::{AutoPage, byline_time};
use feedwright_extract::selectors::first_match;
use feedwright_extract::text::plain_text;

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

/// How many lists' items a list selector must find (and how few others it may add).
const ITEM_SHARE: f64 = 0.8;

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

/// The element that holds `field` of the sample's article.
fn article_target(sample: &Sample<'_>, field: &str) -> Option<NodeId> {
    let article = sample.found.article.as_ref()?;
    let places = &sample.found.places;
    match field {
        "title" => places.headline,
        "body" => places.body,
        "published" => {
            let wanted = article.published.first()?;
            smallest_holding(sample.document, |el| {
                byline_time(&plain_text(el)).as_deref() == Some(wanted.as_str())
            })
        }
        "source" => {
            let wanted = article.source.as_deref()?;
            smallest_holding(sample.document, |el| {
                feedwright_extract::page::source_name(&plain_text(el)).as_deref() == Some(wanted)
            })
        }
        _ => None,
    }
}

/// The longest text an element holding one field (a time, a source) has.
const MAX_FIELD_CHARS: usize = 200;

/// The visible element with the least text (and no more than [`MAX_FIELD_CHARS`]) for which
/// `holds` is true.
fn smallest_holding(document: &Html, holds: impl Fn(ElementRef<'_>) -> bool) -> Option<NodeId> {
    visible(document.root_element())
        .filter(|el| short(*el))
        .filter(|el| holds(*el))
        .min_by_key(|el| plain_text(*el).chars().count())
        .map(|el| el.id())
}

/// True when the element's text is no longer than [`MAX_FIELD_CHARS`].
fn short(el: ElementRef<'_>) -> bool {
    el.text()
        .flat_map(str::chars)
        .nth(MAX_FIELD_CHARS)
        .is_none()
}

/// The elements under `scope` that a reader sees (not inside `head`, scripts or styles).
fn visible<'a>(scope: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    scope
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|el| {
            std::iter::once(*el)
                .chain(el.ancestors().filter_map(ElementRef::wrap))
                .all(|a| {
                    !matches!(
                        a.value().name(),
                        "head" | "script" | "style" | "noscript" | "template"
                    )
                })
        })
}

/// The selectors for one element per page: the alternatives that make the most pages right.
fn single(field: &'static str, targets: &[(&Html, NodeId)]) -> Choice {
    let compiled = compiled(
        targets
            .iter()
            .filter_map(|(document, target)| document.tree.get(*target))
            .filter_map(ElementRef::wrap)
            .map(|el| (el, None)),
    );
    // For each candidate and page: nothing matched, or whether the first match is the target.
    let outcomes: Vec<Vec<Option<bool>>> = compiled
        .iter()
        .map(|(_, selector)| {
            targets
                .iter()
                .map(|(document, target)| {
                    first_with_text(document.root_element(), selector).map(|id| id == *target)
                })
                .collect()
        })
        .collect();
    let chosen = cover(&outcomes);
    let right = right_pages(&chosen, &outcomes);
    let value = targets.iter().find_map(|(document, target)| {
        let el = document.tree.get(*target).and_then(ElementRef::wrap)?;
        Some(shorten(&plain_text(el)))
    });
    Choice {
        field,
        selectors: chosen.iter().map(|&c| compiled[c].0.clone()).collect(),
        right,
        pages: targets.len(),
        value,
    }
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

/// The element a selector reads a text value from under `scope`, as extraction reads it.
fn first_with_text(scope: ElementRef<'_>, selector: &Selector) -> Option<NodeId> {
    first_match(scope, selector, &Target::Text).map(|(el, _)| el.id())
}

/// The list selectors: items, then the link (also the title) and the time inside each item.
fn list(samples: &[&Sample<'_>]) -> Vec<Choice> {
    let first = samples[0];
    let Some(item) = first
        .found
        .places
        .entries
        .first()
        .and_then(|(_, item)| first.document.tree.get(*item))
        .and_then(ElementRef::wrap)
    else {
        return Vec::new();
    };
    let item_choice = compiled([(item, None)].into_iter())
        .into_iter()
        .map(|(text, selector)| {
            let right = samples.iter().filter(|s| finds_items(s, &selector)).count();
            (right, text, selector)
        })
        .max_by_key(|(right, text, _)| (*right, std::cmp::Reverse(text.len())));
    let Some((right, item_text, item_selector)) = item_choice else {
        return Vec::new();
    };
    let mut choices = vec![Choice {
        field: "item",
        selectors: vec![item_text],
        right,
        pages: samples.len(),
        value: Some(format!("{} items", first.found.places.entries.len())),
    }];
    let link = inside_items(
        "link",
        samples,
        &item_selector,
        |sample, index| Some(sample.found.places.entries[index].0),
        |el| shorten(&plain_text(el)),
    );
    let mut title = link.clone();
    title.field = "title";
    choices.extend([title, link]);
    let has_times = samples
        .iter()
        .any(|s| s.found.entries.iter().any(|e| e.published.is_some()));
    if has_times {
        choices.push(inside_items(
            "published",
            samples,
            &item_selector,
            |sample, index| {
                let wanted = sample.found.entries[index].published.as_deref()?;
                let item = ElementRef::wrap(
                    sample
                        .document
                        .tree
                        .get(sample.found.places.entries[index].1)?,
                )?;
                visible(item)
                    .filter(|el| short(*el) && plain_text(*el).contains(wanted))
                    .min_by_key(|el| plain_text(*el).chars().count())
                    .map(|el| el.id())
            },
            plain_text,
        ));
    }
    choices
}

/// True when `selector` finds most of the sample's list items and few other elements.
fn finds_items(sample: &Sample<'_>, selector: &Selector) -> bool {
    let wanted: HashSet<NodeId> = sample
        .found
        .places
        .entries
        .iter()
        .map(|(_, item)| *item)
        .collect();
    let matched: Vec<NodeId> = sample.document.select(selector).map(|el| el.id()).collect();
    let found = matched.iter().filter(|id| wanted.contains(id)).count();
    found as f64 >= ITEM_SHARE * wanted.len() as f64
        && matched.len() as f64 <= wanted.len() as f64 / ITEM_SHARE + 2.0
}

/// The selector, relative to each list item, that picks the element `target` names in most
/// items of every page.
fn inside_items(
    field: &'static str,
    samples: &[&Sample<'_>],
    item_selector: &Selector,
    target: impl Fn(&Sample<'_>, usize) -> Option<NodeId>,
    show: impl Fn(ElementRef<'_>) -> String,
) -> Choice {
    // Targets per page: (item element, wanted element) of every entry the item selector finds.
    let pages: Vec<Vec<(ElementRef<'_>, NodeId)>> = samples
        .iter()
        .map(|sample| {
            let items: HashSet<NodeId> = sample
                .document
                .select(item_selector)
                .map(|el| el.id())
                .collect();
            (0..sample.found.places.entries.len())
                .filter(|&i| items.contains(&sample.found.places.entries[i].1))
                .filter_map(|i| {
                    let item = ElementRef::wrap(
                        sample.document.tree.get(sample.found.places.entries[i].1)?,
                    )?;
                    Some((item, target(sample, i)?))
                })
                .collect()
        })
        .collect();
    let pool = compiled(pages.iter().flatten().take(5).filter_map(|(item, wanted)| {
        let el = item.tree().get(*wanted).and_then(ElementRef::wrap)?;
        Some((el, Some(item.id())))
    }));
    let with_targets = pages.iter().filter(|p| !p.is_empty()).count();
    let best = pool
        .iter()
        .map(|(text, selector)| {
            let right = pages
                .iter()
                .filter(|targets| {
                    let hits = targets
                        .iter()
                        .filter(|(item, wanted)| first_with_text(*item, selector) == Some(*wanted))
                        .count();
                    !targets.is_empty() && hits as f64 >= ITEM_SHARE * targets.len() as f64
                })
                .count();
            (right, std::cmp::Reverse(text.len()), text.clone())
        })
        .max();
    let value = pages
        .iter()
        .flatten()
        .next()
        .and_then(|(item, wanted)| item.tree().get(*wanted).and_then(ElementRef::wrap))
        .map(show);
    match best {
        Some((right, _, text)) if right > 0 => Choice {
            field,
            selectors: vec![text],
            right,
            pages: with_targets,
            value,
        },
        _ => Choice {
            field,
            selectors: Vec::new(),
            right: 0,
            pages: with_targets,
            value,
        },
    }
}

/// The candidate selectors of every element given (each below its `within`, when given),
/// each once, in the order found, compiled.
fn compiled<'a>(
    elements: impl Iterator<Item = (ElementRef<'a>, Option<NodeId>)>,
) -> Vec<(String, Selector)> {
    let mut pool: Vec<String> = Vec::new();
    for (el, within) in elements {
        for candidate in candidates(el, within) {
            if !pool.contains(&candidate) {
                pool.push(candidate);
            }
        }
    }
    pool.into_iter()
        .filter_map(|s| Selector::parse(&s).ok().map(|c| (s, c)))
        .collect()
}

/// Selectors that may pick `el`, most durable first: its id, its tag with each of its classes,
/// then the same under each of its nearest named ancestors (below `within`, when given).
fn candidates(el: ElementRef<'_>, within: Option<NodeId>) -> Vec<String> {
    let own = own_selectors(el);
    let mut out = own.clone();
    if within.is_some() {
        out.push(el.value().name().to_owned());
    }
    let ancestors = el
        .ancestors()
        .take_while(|a| Some(a.id()) != within)
        .filter_map(ElementRef::wrap)
        .filter_map(anchor)
        .take(3);
    for anchor in ancestors {
        out.push(format!("{anchor} {}", el.value().name()));
        for selector in own.iter().filter(|s| !s.starts_with('#')) {
            out.push(format!("{anchor} {selector}"));
        }
    }
    out
}

/// `#id` and `tag.class` for each durable id and class of `el`.
fn own_selectors(el: ElementRef<'_>) -> Vec<String> {
    let e = el.value();
    let mut out = Vec::new();
    if let Some(id) = e.id().filter(|id| is_durable(id)) {
        out.push(format!("#{id}"));
    }
    for class in e.classes().filter(|c| is_durable(c)) {
        out.push(format!("{}.{class}", e.name()));
    }
    out
}

/// How an ancestor is named in a selector: `#id`, else `.class`.
fn anchor(el: ElementRef<'_>) -> Option<String> {
    let e = el.value();
    if let Some(id) = e.id().filter(|id| is_durable(id)) {
        return Some(format!("#{id}"));
    }
    e.classes()
        .find(|c| is_durable(c))
        .map(|class| format!(".{class}"))
}

/// An id or class a template keeps: a plain CSS name, not generated (`css-1x2y3z`, a hash, a
/// number that changes from one article to the next).
pub fn is_durable(name: &str) -> bool {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    let digits = name.chars().filter(char::is_ascii_digit).count();
    let generated_prefix = ["css-", "sc-", "jsx-", "emotion-", "svelte-"]
        .iter()
        .any(|p| name.starts_with(p));
    plain && name.len() <= 40 && digits <= 2 && !generated_prefix && !looks_hashed(name)
}

/// A part of the name that reads as a hash: six or more letters and digits mixed, or with no
/// vowel.
fn looks_hashed(name: &str) -> bool {
    name.split(['-', '_']).any(|part| {
        let long = part.len() >= 6;
        let mixed = part.chars().any(|c| c.is_ascii_digit())
            && part.chars().any(|c| c.is_ascii_alphabetic());
        let vowelless = !part
            .chars()
            .any(|c| matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y'));
        long && (mixed || vowelless)
    })
}

/// A value as the table shows it: at most 40 characters.
fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_not_durable() {
        for name in [
            "article_title",
            "chan_newsInfo",
            "main-content",
            "h1",
            "item_list",
        ] {
            assert!(is_durable(name), "{name}");
        }
        for name in [
            "css-1x2y3z",
            "bbc-1qn0xuy",
            "sc-bdVaJa",
            "a8f3c2d1",
            "post-20240513",
            "x y",
            "1col",
        ] {
            assert!(!is_durable(name), "{name}");
        }
    }
}
