//! Lists of news: repeated siblings (list items, rows, boxes) that each hold one link whose
//! text reads as a headline, on URLs that look like articles. Navigation, breadcrumbs, tag
//! clouds, footers and pagers have short link texts or too few entries, and are not lists.

use super::byline;
use super::dom::Dom;
use crate::raw::RawEntry;

/// A headline is at least this many characters …
const MIN_TITLE_CHARS: usize = 6;
/// … and at most this many.
const MAX_TITLE_CHARS: usize = 80;
/// An item with more text than this is a section of the page, not a list entry.
const MAX_ITEM_CHARS: u32 = 600;
/// A list has at least this many entries.
const MIN_ENTRIES: usize = 3;

/// A link with a headline's length of text.
struct Link {
    index: usize,
    title: String,
    chars: usize,
}

/// One entry found: its link element, the item holding it and what it says.
struct Found {
    link: usize,
    item: usize,
    entry: RawEntry,
}

/// An entry and where it stands on the page.
#[derive(Debug, Clone)]
pub struct Listed {
    pub entry: RawEntry,
    /// The link element.
    pub link: ego_tree::NodeId,
    /// The list item holding it.
    pub item: ego_tree::NodeId,
}

/// The news entries of every list on the page outside `skip` (an index range, the article's
/// body), in page order, each link once.
pub fn entries(dom: &Dom<'_>, skip: Option<(usize, usize)>) -> Vec<Listed> {
    // Every link whose text reads as a headline, with that text, worked out once.
    let links: Vec<Link> = dom
        .elements
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            e.el.value().name() == "a"
                && !e.hidden
                && skip.is_none_or(|(from, to)| *i < from || *i >= to)
                && e.el.value().attr("href").is_some_and(is_followable)
        })
        .filter_map(|(index, _)| {
            let headline = |title: String| {
                let chars = title.chars().count();
                (MIN_TITLE_CHARS..=MAX_TITLE_CHARS)
                    .contains(&chars)
                    .then_some(Link {
                        index,
                        title,
                        chars,
                    })
            };
            // A card (one link around a time, a heading and an excerpt) is titled by its
            // heading.
            headline(dom.text(index)).or_else(|| {
                (index + 1..dom.elements[index].end)
                    .find(|&inner| {
                        matches!(
                            dom.elements[inner].el.value().name(),
                            "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                        )
                    })
                    .and_then(|heading| headline(dom.text(heading)))
            })
        })
        .collect();
    let mut found: Vec<Found> = Vec::new();
    for (parent, element) in dom.elements.iter().enumerate() {
        if element.hidden || element.links < MIN_ENTRIES as u32 {
            continue;
        }
        if skip.is_some_and(|(from, to)| parent >= from && parent < to) {
            continue;
        }
        found.extend(list_at(dom, parent, &links));
    }
    found.sort_by_key(|f| f.link);
    let mut seen = std::collections::HashSet::new();
    found
        .into_iter()
        .filter(|f| seen.insert(f.entry.href.clone()))
        .map(|f| Listed {
            link: dom.elements[f.link].el.id(),
            item: dom.elements[f.item].el.id(),
            entry: f.entry,
        })
        .collect()
}

/// The entries of the list whose items are `parent`'s children, if they make a news list.
fn list_at(dom: &Dom<'_>, parent: usize, links: &[Link]) -> Vec<Found> {
    let end = dom.elements[parent].end;
    let mut entries = Vec::new();
    let mut items = 0;
    let mut child = parent + 1;
    while child < end {
        let child_end = dom.elements[child].end;
        if dom.elements[child].chars > 0 {
            items += 1;
            if let Some(found) = entry(dom, child, links) {
                entries.push(found);
            }
        }
        child = child_end;
    }
    let articles = entries
        .iter()
        .filter(|f| looks_like_article(&f.entry.href))
        .count();
    let long_titles = entries
        .iter()
        .filter(|f| f.entry.title.chars().count() >= 10)
        .count();
    let is_list = entries.len() >= MIN_ENTRIES
        && entries.len() * 2 >= items
        && (articles * 2 >= entries.len() || long_titles * 2 >= entries.len());
    if is_list { entries } else { Vec::new() }
}

/// The entry an item holds: its longest headline-like link, with the time and source the item
/// shows beside it.
fn entry(dom: &Dom<'_>, item: usize, links: &[Link]) -> Option<Found> {
    if dom.elements[item].chars > MAX_ITEM_CHARS {
        return None;
    }
    let end = dom.elements[item].end;
    let first = links.partition_point(|l| l.index < item);
    let chosen = links[first..]
        .iter()
        .take_while(|l| l.index < end)
        .max_by_key(|l| (l.chars, std::cmp::Reverse(l.index)))?;
    let (link, title) = (chosen.index, chosen.title.clone());
    let href = dom.elements[link]
        .el
        .value()
        .attr("href")?
        .trim()
        .to_owned();
    let beside = dom.text_outside_links(item);
    let published = byline::first_time(&beside).or_else(|| short_time(&beside));
    Some(Found {
        link,
        item,
        entry: RawEntry {
            title,
            href,
            published,
            source: source_in(dom, item),
        },
    })
}

/// Words that start a relative time (`昨天 10:20`) or are one (`刚刚`).
const DAY_WORDS: [&str; 4] = ["今天", "昨天", "前天", "刚刚"];
/// Units of `N…前` (`3小时前`).
const AGO_UNITS: [&str; 4] = ["秒前", "分钟前", "小时前", "天前"];

/// A time lists show besides full dates, as written: year-less (`06-28 17:08`, `6月28日`),
/// relative (`3小时前`, `半小时前`, `刚刚`) or with a day word (`昨天 10:20`); normalization
/// reads it against the moment of the fetch.
fn short_time(text: &str) -> Option<String> {
    if let Some(at) = DAY_WORDS.iter().filter_map(|w| text.find(w)).min() {
        let taken: String = text[at..]
            .chars()
            .take_while(|c| !matches!(c, '|' | '｜' | '·'))
            .take(12)
            .collect();
        return Some(taken.trim().to_owned());
    }
    if text.contains("半小时前") {
        return Some("半小时前".to_owned());
    }
    let chars: Vec<char> = text.chars().collect();
    for start in 0..chars.len() {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
            continue;
        }
        let digits = chars[start..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let rest: String = chars[start + digits..].iter().take(12).collect();
        if let Some(unit) = AGO_UNITS.iter().find(|u| rest.starts_with(*u)) {
            let number: String = chars[start..start + digits].iter().collect();
            return Some(format!("{number}{unit}"));
        }
        if digits <= 2
            && let Some(found) = month_day(&chars[start..])
        {
            return Some(found);
        }
    }
    None
}

/// `MM-DD HH:MM`, `MM/DD HH:MM`, `M月D日[ HH:MM]` at the start of `chars`, as written.
fn month_day(chars: &[char]) -> Option<String> {
    let digits = |from: usize| {
        chars[from.min(chars.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let month = digits(0);
    let separator = *chars.get(month)?;
    if !matches!(separator, '-' | '/' | '月') {
        return None;
    }
    let day = digits(month + 1);
    if !(1..=2).contains(&day) {
        return None;
    }
    let mut end = month + 1 + day;
    if separator == '月' {
        if chars.get(end) != Some(&'日') && chars.get(end) != Some(&'号') {
            return None;
        }
        end += 1;
    }
    let mut at = end;
    while chars.get(at).is_some_and(|c| c.is_whitespace()) {
        at += 1;
    }
    let hour = digits(at);
    let with_time = (1..=2).contains(&hour)
        && matches!(chars.get(at + hour), Some(':' | '：'))
        && digits(at + hour + 1) == 2;
    if with_time {
        end = at + hour + 3;
    } else if separator != '月' {
        return None;
    }
    Some(chars[..end].iter().collect())
}

/// The text of an element of the item whose class names a source (`item_source`).
fn source_in(dom: &Dom<'_>, item: usize) -> Option<String> {
    (item + 1..dom.elements[item].end)
        .find(|&i| {
            let e = &dom.elements[i];
            !e.in_link
                && e.el
                    .value()
                    .attr("class")
                    .is_some_and(|c| c.to_ascii_lowercase().contains("source"))
        })
        .map(|i| dom.text(i))
        .filter(|t| !t.is_empty())
}

/// A link worth following: not a script, an anchor on this page, or a mail address.
fn is_followable(href: &str) -> bool {
    let href = href.trim().to_ascii_lowercase();
    !(href.is_empty()
        || href.starts_with('#')
        || href.starts_with("javascript:")
        || href.starts_with("mailto:"))
}

/// URLs of articles carry ids or dates (`/2024/05/13/…`, `/a/20240513/…`, `doc-…5076.shtml`)
/// or end as documents; those of channels and menus rarely do.
fn looks_like_article(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    let mut run = 0;
    let mut longest = 0;
    for c in path.chars() {
        if c.is_ascii_digit() {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest >= 4
        || [".html", ".htm", ".shtml", ".shtm"]
            .iter()
            .any(|e| path.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn short_times_as_lists_write_them() {
        let cases = [
            ("新华社 06-28 17:08 评论", Some("06-28 17:08")),
            ("6月28日 17:08", Some("6月28日 17:08")),
            ("6月28日", Some("6月28日")),
            ("3小时前", Some("3小时前")),
            ("观察者网 26分钟前", Some("26分钟前")),
            ("半小时前", Some("半小时前")),
            ("昨天 10:20 | 新华社", Some("昨天 10:20")),
            ("刚刚", Some("刚刚")),
            ("阅读 1234 评论 56", None),
            ("5-3 比分", None),
        ];
        for (text, expected) in cases {
            assert_eq!(short_time(text).as_deref(), expected, "{text}");
        }
    }
}
