//! The article's fields: the element that holds each on every sample page, and the selectors
//! that pick it.

use ego_tree::NodeId;
use scraper::{ElementRef, Html};

use super::candidates::{compiled, first_with_text, visible};
use super::{Choice, Sample, cover, right_pages, shorten};
use feedwright_extract::auto::byline_time;
use feedwright_extract::text::plain_text;

/// The element that holds `field` of the sample's article.
pub(super) fn article_target(sample: &Sample<'_>, field: &str) -> Option<NodeId> {
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
pub(super) const MAX_FIELD_CHARS: usize = 200;

/// The visible element with the least text (and no more than [`MAX_FIELD_CHARS`]) for which
/// `holds` is true.
pub(super) fn smallest_holding(
    document: &Html,
    holds: impl Fn(ElementRef<'_>) -> bool,
) -> Option<NodeId> {
    visible(document.root_element())
        .filter(|el| short(*el))
        .filter(|el| holds(*el))
        .min_by_key(|el| plain_text(*el).chars().count())
        .map(|el| el.id())
}

/// True when the element's text is no longer than [`MAX_FIELD_CHARS`].
pub(super) fn short(el: ElementRef<'_>) -> bool {
    el.text()
        .flat_map(str::chars)
        .nth(MAX_FIELD_CHARS)
        .is_none()
}

/// The selectors for one element per page: the alternatives that make the most pages right.
pub(super) fn single(field: &'static str, targets: &[(&Html, NodeId)]) -> Choice {
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
