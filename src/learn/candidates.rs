//! Candidate selectors of an element, most durable first: its id, its tag with each class,
//! the same under its nearest named ancestors; and which names a template keeps.

use ego_tree::NodeId;
use scraper::{ElementRef, Selector};

use crate::config::Target;
use feedwright_extract::selectors::first_match;

/// The candidate selectors of every element given (each below its `within`, when given),
/// each once, in the order found, compiled.
pub(super) fn compiled<'a>(
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
pub(super) fn candidates(el: ElementRef<'_>, within: Option<NodeId>) -> Vec<String> {
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
pub(super) fn own_selectors(el: ElementRef<'_>) -> Vec<String> {
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
pub(super) fn anchor(el: ElementRef<'_>) -> Option<String> {
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
pub(super) fn looks_hashed(name: &str) -> bool {
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

/// The elements under `scope` that a reader sees (not inside `head`, scripts or styles).
pub(super) fn visible<'a>(scope: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
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

/// The element a selector reads a text value from under `scope`, as extraction reads it.
pub(super) fn first_with_text(scope: ElementRef<'_>, selector: &Selector) -> Option<NodeId> {
    first_match(scope, selector, &Target::Text).map(|(el, _)| el.id())
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
