//! The list's selectors: the items, then the link (also the title) and the time inside each.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Selector};

use super::article::short;
use super::candidates::{compiled, first_with_text, visible};
use super::{Choice, Sample, shorten};
use feedwright_extract::text::plain_text;

/// How many lists' items a list selector must find (and how few others it may add).
pub(super) const ITEM_SHARE: f64 = 0.8;

/// The list selectors: items, then the link (also the title) and the time inside each item.
pub(super) fn list(samples: &[&Sample<'_>]) -> Vec<Choice> {
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
pub(super) fn finds_items(sample: &Sample<'_>, selector: &Selector) -> bool {
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
pub(super) fn inside_items(
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
