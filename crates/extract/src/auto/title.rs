//! The headline: the visible heading that shares the most with the page's `<title>` (which
//! adds site and channel names around it), else `og:title`, else the `<title>` without its
//! suffixes.

use super::dom::Dom;
use crate::text::collapse_whitespace;

/// Headings longer than this are not headlines (a paragraph in an `h2`).
const MAX_TITLE_CHARS: usize = 120;
/// A heading worded otherwise than the title shares at least a phrase this long with it.
const SHARED_PHRASE_CHARS: usize = 6;
/// Nor are headings shorter than this (a logo, a channel name).
const MIN_TITLE_CHARS: usize = 4;

/// The headline and the element it was read from (`None` when it came from metadata).
pub struct Headline {
    pub text: String,
    pub element: Option<usize>,
    /// Found without the page's `<title>` vouching for it: the first heading of a page with
    /// no title, or a part of the title that only a link shows.
    pub guessed: bool,
}

/// Characters of `<title>` compared with the page's headings: more than any headline has.
const MAX_COMPARED_TITLE_CHARS: usize = 200;

/// How far before the article's first paragraph a heading may stand to be its headline, on a
/// page whose `<title>` names something else.
const NEAREST_HEADING_CHARS: u32 = 300;

/// The page's headline, if it has one.
pub fn headline(dom: &Dom<'_>, meta: &super::Meta) -> Option<Headline> {
    let whole = meta.title.as_deref().unwrap_or_default();
    // A `<title>` longer than any headline is cut, so that comparing headings with it stays
    // cheap however long a page makes it.
    let title: String = whole.chars().take(MAX_COMPARED_TITLE_CHARS).collect();
    let title = title.as_str();
    let parts = title_parts(title);
    // The most shared with the title; among equals the shortest, then the first. Candidates
    // are the headings, and the elements that show a part of the title and nothing else.
    let mut best: Option<((usize, std::cmp::Reverse<usize>), usize, String)> = None;
    for (index, element) in dom.elements.iter().enumerate() {
        if element.hidden {
            continue;
        }
        let heading = is_heading_like(element.el.value());
        let shows_part = !heading
            && !element.in_link
            && element.link_chars == 0
            && parts
                .iter()
                .any(|part| (element.chars as usize).abs_diff(part.len()) <= 2);
        if !heading && !shows_part {
            continue;
        }
        let text = dom.text(index);
        let compared = comparable(&text);
        let length = compared.len();
        if !(MIN_TITLE_CHARS..=MAX_TITLE_CHARS).contains(&length) {
            continue;
        }
        let shared = if heading {
            longest_common_run(&text, title)
        } else if parts.contains(&compared) {
            length
        } else {
            continue;
        };
        // Most of the heading must be in the title, and a long part of it.
        if shared * 10 < length * 6 || shared < MIN_TITLE_CHARS {
            continue;
        }
        let rank = (shared, std::cmp::Reverse(length));
        if best.as_ref().is_none_or(|(most, _, _)| rank > *most) {
            best = Some((rank, index, text));
        }
    }
    if let Some((_, index, text)) = best {
        // An element that shows the whole `<title>` (a photo viewer's caption) shows the
        // site's name with it: when a heading shows the title's longest part alone, that is
        // the headline.
        let whole = comparable(&text);
        let part_alone = (whole == comparable(title) && whole.contains(&'-'))
            .then(|| without_suffixes(&text))
            .flatten()
            .and_then(|part| {
                let at = shown_at(dom, &part)?;
                is_heading_like(dom.elements[at].el.value()).then_some((at, part))
            });
        if let Some((at, part)) = part_alone {
            return Some(Headline {
                element: Some(at),
                text: part,
                guessed: false,
            });
        }
        return Some(Headline {
            text: continued(dom, index, text, title),
            element: Some(index),
            guessed: false,
        });
    }
    if title.trim().is_empty() && meta.og_title.is_none() {
        return first_heading(dom);
    }
    let text = meta
        .og_title
        .as_deref()
        .map(collapse_whitespace)
        .filter(|t| t.chars().count() >= MIN_TITLE_CHARS)
        .or_else(|| without_suffixes(title))?;
    match shown_at(dom, &text) {
        Some(element) => Some(Headline {
            element: Some(element),
            guessed: dom.elements[element].link_chars == dom.elements[element].chars,
            text,
        }),
        // Not on the page as the metadata words it: the page's one `h1`, if it has one and
        // it shares a phrase with the title (more than a site's or a channel's name), is its
        // headline worded otherwise.
        None => sole_h1(dom)
            .filter(|h| longest_common_run(&h.text, &text) >= SHARED_PHRASE_CHARS)
            .or(Some(Headline {
                element: None,
                guessed: false,
                text,
            })),
    }
}

/// The first visible element whose whole text is `text` (whitespace aside), else the first
/// that shows at least half of it from its start (a headline set on two lines): where a
/// headline taken from metadata stands on the page.
fn shown_at(dom: &Dom<'_>, text: &str) -> Option<usize> {
    let wanted: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let length = wanted.chars().count() as u32;
    let shows = |index: usize, whole: bool| {
        let element = &dom.elements[index];
        let fits = if whole {
            element.chars == length
        } else {
            element.chars * 2 >= length && element.chars < length
        };
        if element.hidden || element.in_link || !fits {
            return false;
        }
        let shown: String = dom
            .text(index)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if whole {
            shown == wanted
        } else {
            wanted.starts_with(&shown)
        }
    };
    (0..dom.elements.len())
        .find(|&i| shows(i, true))
        .or_else(|| (0..dom.elements.len()).find(|&i| shows(i, false)))
}

/// A headline set on two lines (a title and its subtitle in the next element) is whole in
/// `<title>`: the next text is appended when the title goes on with it.
fn continued(dom: &Dom<'_>, heading: usize, text: String, title: &str) -> String {
    let squeeze = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let title = squeeze(title);
    let Some(next) = dom.texts.get(dom.elements[heading].text_end) else {
        return text;
    };
    let next_text = squeeze(next.text);
    let whole = format!("{}{next_text}", squeeze(&text));
    if next_text.chars().count() >= 2 && !next.in_link && title.contains(&whole) {
        format!("{text}{}", next.text.trim())
    } else {
        text
    }
}

/// The page's one visible `h1` of headline length, outside links, when it has exactly one: a
/// headline worded otherwise than the `<title>`.
fn sole_h1(dom: &Dom<'_>) -> Option<Headline> {
    let mut found =
        dom.elements.iter().enumerate().filter(|(_, e)| {
            e.el.value().name() == "h1" && !e.hidden && !e.in_link && e.links == 0
        });
    let (index, _) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let text = dom.text(index);
    (MIN_TITLE_CHARS..=MAX_TITLE_CHARS)
        .contains(&text.chars().count())
        .then_some(Headline {
            text,
            element: Some(index),
            guessed: false,
        })
}

/// On a page with no title at all, the first heading that is not a link.
fn first_heading(dom: &Dom<'_>) -> Option<Headline> {
    dom.elements
        .iter()
        .enumerate()
        .find_map(|(index, element)| {
            if element.hidden || element.in_link || !is_heading_like(element.el.value()) {
                return None;
            }
            let text = dom.text(index);
            (MIN_TITLE_CHARS..=MAX_TITLE_CHARS)
                .contains(&text.chars().count())
                .then_some(Headline {
                    text,
                    element: Some(index),
                    guessed: true,
                })
        })
}

/// The heading that stands closest before text run `paragraph` (the article's first
/// paragraph): the headline of a page whose `<title>` names only the site (then within
/// [`NEAREST_HEADING_CHARS`]), or that has no title at all.
pub fn nearest_before(dom: &Dom<'_>, meta: &super::Meta, paragraph: usize) -> Option<Headline> {
    let untitled = meta.title.as_deref().is_none_or(|t| t.trim().is_empty());
    let within = if untitled {
        u32::MAX
    } else {
        NEAREST_HEADING_CHARS
    };
    let index = (0..dom.elements.len())
        .filter(|&index| {
            let element = &dom.elements[index];
            !element.hidden
                && !element.in_link
                && element.links == 0
                && element.text_end <= paragraph
                && element.text_start < element.text_end
                && is_heading_like(element.el.value())
                && dom.distance(element.text_end, paragraph) <= within
                && (MIN_TITLE_CHARS..=MAX_TITLE_CHARS).contains(&comparable(&dom.text(index)).len())
        })
        .max_by_key(|&index| dom.elements[index].text_end)?;
    Some(Headline {
        text: without_decoration(&dom.text(index)),
        element: Some(index),
        guessed: false,
    })
}

/// A heading without the separators some templates trail it with (`标题- -`).
fn without_decoration(text: &str) -> String {
    text.trim_end_matches(|c: char| c.is_whitespace() || is_separator(c))
        .to_owned()
}

/// Headings, and the elements sites style as headings (`class="title"`, `id="artibodyTitle"`,
/// `class="tit2"`).
fn is_heading_like(element: &scraper::node::Element) -> bool {
    match element.name() {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => true,
        "div" | "p" | "span" | "strong" | "font" | "td" | "b" => {
            let named = |value: Option<&str>| {
                value.is_some_and(|v| {
                    let v = v.to_ascii_lowercase();
                    v.contains("title")
                        || v.contains("heading")
                        || v.contains("headline")
                        || v.contains("biaoti")
                        || v.split([' ', '-', '_']).any(is_tit)
                })
            };
            named(element.attr("class")) || named(element.attr("id"))
        }
        _ => false,
    }
}

/// `tit`, `tit2`: the abbreviation of "title" templates use.
fn is_tit(word: &str) -> bool {
    word.strip_prefix("tit")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
}

/// The parts of a title between its separators, and the whole title, as titles are compared
/// ([`comparable`]), each long enough to be a headline.
fn title_parts(title: &str) -> Vec<Vec<char>> {
    let whole = comparable(title);
    let mut parts: Vec<Vec<char>> = whole
        .split(|&c| c == '-')
        .filter(|part| part.len() >= MIN_TITLE_CHARS)
        .map(<[char]>::to_vec)
        .collect();
    if !parts.contains(&whole) && whole.len() >= MIN_TITLE_CHARS {
        parts.push(whole);
    }
    parts
}

/// A `<title>` without the site and channel names around the headline: its longest part
/// between separators.
fn without_suffixes(title: &str) -> Option<String> {
    let title = collapse_whitespace(title);
    let best = title
        .split(['_', '|', '｜', '-', '»', '›', '>'])
        .map(str::trim)
        .max_by_key(|part| part.chars().count())?;
    (best.chars().count() >= MIN_TITLE_CHARS).then(|| best.to_owned())
}

/// Separators titles write in many ways (`——`, `-`, `丨`, `|`, `_`): compared as one.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '—' | '-' | '–' | '_' | '|' | '｜' | '丨' | '·' | '•' | '»' | '›' | '>'
    )
}

/// The characters of `text` as titles are compared: no whitespace, each run of separators one.
fn comparable(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let c = if is_separator(c) { '-' } else { c };
        if !(c == '-' && out.last() == Some(&'-')) {
            out.push(c);
        }
    }
    out
}

/// The length in characters of the longest run of characters `a` and `b` share (whitespace
/// aside, separators alike).
pub fn longest_common_run(a: &str, b: &str) -> usize {
    let a = comparable(a);
    let b = comparable(b);
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    let mut best = 0;
    for &ca in &a {
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = if ca == cb { previous[j] + 1 } else { 0 };
            best = best.max(current[j + 1]);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_runs_and_suffixes() {
        assert_eq!(
            longest_common_run("北约：暂未考虑", "北约：暂未考虑_新闻_中华网"),
            7
        );
        assert_eq!(longest_common_run("中华网", "北约"), 0);
        assert_eq!(
            longest_common_run("增强——前4个月", "增强-前4个月-今日头条"),
            7
        );
        assert_eq!(
            without_suffixes("北约：暂未考虑在日设办事处_新闻频道_中华网").as_deref(),
            Some("北约：暂未考虑在日设办事处")
        );
    }
}
