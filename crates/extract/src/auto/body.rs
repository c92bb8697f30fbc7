//! The body: the element that holds the most article-like prose (blocks of sentences) and the
//! least of everything else (menus, link lists, captions of other stories). Each candidate
//! scores its prose characters times the square of their share of its text; the best one is
//! the body, without the link lists and hidden parts inside it.

use super::dom::{Dom, is_block};

/// How much a candidate's share of prose among its text weighs against its amount of prose.
const PURITY_WEIGHT: f32 = 4.0;
/// Less prose than this is no article.
pub const MIN_PROSE: u32 = 60;

/// Words of the class names and ids of page parts that are not the article (as Readability
/// knows them), matched as whole words (`article-copy` and `footnote` are the article's).
const NOT_ARTICLE: [&str; 18] = [
    "reply",
    "banquan",
    "shenming",
    "shengming",
    "disclaimer",
    "statement",
    "foot",
    "footer",
    "sidebar",
    "share",
    "related",
    "recommend",
    "copyright",
    "banner",
    "breadcrumb",
    "toolbar",
    "navbar",
    "advert",
];

/// Stems of such words that name the part in any form (`comments`, `commentlist`,
/// `pinglunbox`, `tuijian_list`).
const NOT_ARTICLE_STEMS: [&str; 5] = ["comment", "pinglun", "tuijian", "xiangguan", "fenxiang"];

/// The body's element, and how much prose it holds.
#[derive(Debug, Clone)]
pub struct Body {
    pub element: usize,
    /// Elements before it that belong to the article: a summary, a caption, an original
    /// headline, between the headline and the body's element.
    pub lead: Vec<usize>,
    /// Elements after it that belong to the article: more paragraphs after an advertisement,
    /// a credit or a sign-off.
    pub tail: Vec<usize>,
    pub prose: u32,
    /// Link characters per visible character.
    pub link_density: f32,
    /// The headline, when it stands inside the body's element: it and what precedes it there
    /// are not the article's text.
    pub headline: Option<usize>,
}

/// How a page's legal notice starts: `版权声明：`, `免责声明`, `反侵权公告：`.
const NOTICE_WORDS: [&str; 4] = ["版权", "侵权", "免责", "声明"];

/// True when the block starts with a legal notice (copyright, disclaimer), which ends many
/// articles but is none of their text.
pub fn is_notice(dom: &Dom<'_>, index: usize) -> bool {
    let element = &dom.elements[index];
    if element.text_start == element.text_end || !is_block(element.el.value().name()) {
        return false;
    }
    let opening: String = dom.texts[element.text_start]
        .text
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '【' | '[' | '（' | '('))
        .chars()
        .take(6)
        .collect();
    NOTICE_WORDS.iter().any(|word| opening.contains(word))
}

/// True when `body` is most of what the page says: its links are few, and so are the
/// page's, and its prose is most of the page's text outside links.
pub fn is_the_page(dom: &Dom<'_>, body: &Body) -> bool {
    let page = &dom.elements[0];
    body.link_density < 0.1
        && page.link_chars * 2 < page.chars
        && body.prose * 2 >= page.chars - page.link_chars
}

/// True when the element's class or id names a part of the page that is not the article.
pub fn is_named_not_article(dom: &Dom<'_>, index: usize) -> bool {
    super::news::names(dom.elements[index].el.value()).any(|word| {
        NOT_ARTICLE.contains(&word.as_str())
            || NOT_ARTICLE_STEMS.iter().any(|stem| word.starts_with(stem))
    })
}

/// How many characters away from the headline halve a candidate's score.
const HALF_DISTANCE: f32 = 1000.0;

/// The element that best holds the article's prose, if any holds enough. With the headline's
/// element, candidates far from it (a footer, comments) count for less.
pub fn find(dom: &Dom<'_>, headline: Option<usize>) -> Option<Body> {
    let mut scored: Vec<(f32, usize)> = Vec::new();
    for (index, element) in dom.elements.iter().enumerate() {
        let prose = dom.own_prose(index);
        if element.hidden
            || element.in_link
            || element.card
            || prose < MIN_PROSE
            || is_named_not_article(dom, index)
        {
            continue;
        }
        let purity = prose as f32 / element.chars.max(1) as f32;
        let distance = headline.map_or(0, |h| {
            if dom.contains(index, h) {
                0
            } else {
                dom.distance(dom.elements[h].text_end, element.text_start)
            }
        });
        let nearness = 1.0 / (1.0 + distance as f32 / HALF_DISTANCE);
        let score = prose as f32 * purity.powf(PURITY_WEIGHT) * nearness;
        tracing::trace!(
            index,
            element = element.el.value().name(),
            prose = element.prose,
            chars = element.chars,
            score,
            "body candidate"
        );
        scored.push((score, index));
    }
    let best = scored.iter().max_by(|(a, _), (b, _)| a.total_cmp(b));
    let &(_, index) = best?;
    let element = &dom.elements[index];
    Some(Body {
        element: index,
        lead: Vec::new(),
        tail: tail(dom, index),
        prose: element.prose,
        link_density: element.link_chars as f32 / element.chars.max(1) as f32,
        headline: None,
    })
}

/// Characters of text after the headline within which a brief's text starts.
const BRIEF_WINDOW_CHARS: u32 = 400;
/// A brief says at least this much.
const MIN_BRIEF_CHARS: u32 = 8;

/// The body of a brief, a video or a photo page, whose text is too short to stand out as
/// prose: the first block right after the headline (past its byline and page tools) that
/// holds text of its own, with the paragraphs that follow it.
pub fn brief(dom: &Dom<'_>, headline: usize) -> Option<Body> {
    let after = dom.elements[headline].text_end;
    let element = (dom.elements[headline].end..dom.elements.len())
        .take_while(|&i| dom.distance(after, dom.elements[i].text_start) <= BRIEF_WINDOW_CHARS)
        .find(|&i| {
            let e = &dom.elements[i];
            let holds_blocks = (i + 1..e.end).any(|inner| {
                is_block(dom.elements[inner].el.value().name()) && dom.elements[inner].chars > 0
            });
            !e.hidden
                && !e.in_link
                && !e.card
                && is_block(e.el.value().name())
                && !holds_blocks
                && e.chars >= MIN_BRIEF_CHARS
                && e.link_chars * 2 < e.chars
                && !is_named_not_article(dom, i)
                && !is_notice(dom, i)
                && !is_chrome(&dom.text(i))
                && !super::news::is_service_title(&dom.text(i))
        })?;
    // A brief carries its byline: a time between the headline and its text (a site's slogan
    // under its name does not).
    let text_start = dom.elements[element].text_start;
    super::byline::between(dom, after, text_start).published?;
    let e = &dom.elements[element];
    Some(Body {
        element,
        lead: Vec::new(),
        tail: tail(dom, element),
        prose: e.prose,
        link_density: e.link_chars as f32 / e.chars.max(1) as f32,
        headline: None,
    })
}

/// The parts of `holder` after the headline inside it (a byline, a summary), without noise.
fn after_headline(dom: &Dom<'_>, holder: usize, headline: usize) -> Vec<usize> {
    let mut found = Vec::new();
    let mut node = holder;
    while node != headline {
        let mut child = node + 1;
        let mut next = None;
        while child < dom.elements[node].end {
            if dom.contains(child, headline) {
                next = Some(child);
            } else if child > headline && !is_noise(dom, child) {
                found.push(child);
            }
            child = dom.elements[child].end;
        }
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    found.sort_unstable();
    found
}

/// A line this short after the last paragraph is a credit or a sign-off (`新华社发（刘满仓摄）`).
const MAX_SIGN_OFF_CHARS: u32 = 50;

/// An element after the body this small, with no prose, may be an advertisement between two
/// parts of the article.
const MAX_INSERT_CHARS: u32 = 200;

/// The siblings after the body's element that hold more of the article: paragraphs (mostly
/// prose), skipping small inserts between them, up to the first sibling that is neither; then
/// the short lines that sign the article off.
fn tail(dom: &Dom<'_>, body: usize) -> Vec<usize> {
    let Some(parent) = dom.elements[body].parent else {
        return Vec::new();
    };
    let mut siblings = Vec::new();
    let mut sibling = dom.elements[body].end;
    while sibling < dom.elements[parent].end {
        siblings.push(sibling);
        sibling = dom.elements[sibling].end;
    }
    let is_paragraph = |i: usize| {
        let e = &dom.elements[i];
        // Prose of story cards is other stories'.
        let prose = dom.own_prose(i);
        !e.hidden
            && prose > 0
            && prose * 2 >= e.chars
            && !is_named_not_article(dom, i)
            && !is_notice(dom, i)
    };
    let is_insert = |i: usize| {
        let e = &dom.elements[i];
        e.prose == 0
            && e.chars <= MAX_INSERT_CHARS
            && !is_named_not_article(dom, i)
            && !is_notice(dom, i)
    };
    let run = siblings
        .iter()
        .take_while(|&&i| is_paragraph(i) || is_insert(i))
        .count();
    let last = siblings[..run].iter().rposition(|&i| is_paragraph(i));
    let mut tail: Vec<usize> = match last {
        Some(last) => siblings[..=last]
            .iter()
            .copied()
            .filter(|&i| is_paragraph(i))
            .collect(),
        None => Vec::new(),
    };
    let rest = last.map_or(0, |last| last + 1);
    tail.extend(siblings[rest..].iter().copied().take_while(|&i| {
        let e = &dom.elements[i];
        e.chars > 0
            && e.chars <= MAX_SIGN_OFF_CHARS
            && e.links == 0
            && !e.hidden
            && !is_named_not_article(dom, i)
            && !is_after_matter(dom, i)
    }));
    tail
}

/// Every element of the body in page order: its lead, its element, its tail.
pub fn parts(body: &Body) -> impl Iterator<Item = usize> + '_ {
    body.lead
        .iter()
        .chain([&body.element])
        .chain(&body.tail)
        .copied()
}

/// Most characters of lead taken whole; past this only its prose is taken.
const MAX_LEAD_CHARS: u32 = 400;

/// The elements between the headline (element `headline`) and the body's element that belong
/// to the article: the siblings before the body's element and before each of its ancestors,
/// up to the one that holds the headline, without noise.
pub fn lead(dom: &Dom<'_>, headline: usize, body: usize) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    let mut current = body;
    while let Some(parent) = dom.elements[current].parent {
        let mut sibling = parent + 1;
        let mut before: Vec<usize> = Vec::new();
        while sibling < current {
            if dom.contains(sibling, headline) {
                before = after_headline(dom, sibling, headline);
            } else if sibling > headline && !is_noise(dom, sibling) {
                before.push(sibling);
            }
            sibling = dom.elements[sibling].end;
        }
        before.extend(found);
        found = before;
        if dom.contains(parent, headline) {
            break;
        }
        current = parent;
    }
    // The byline and the tools around it (share, font size, print) are not the article.
    found.retain(|&i| dom.elements[i].paragraph || !is_chrome(&dom.text(i)));
    let chars: u32 = found.iter().map(|&i| dom.elements[i].chars).sum();
    if chars > MAX_LEAD_CHARS {
        found.retain(|&i| dom.elements[i].prose > 0);
    }
    found
}

/// Words of the tools pages put around an article.
const CHROME_WORDS: [&str; 7] = ["分享", "来源", "字号", "打印", "收藏", "评论", "责任编辑"];

/// True for a line of byline or page tools: a date, a source label, a share bar.
fn is_chrome(text: &str) -> bool {
    super::byline::first_time(text).is_some() || CHROME_WORDS.iter().any(|w| text.contains(w))
}

/// True for an element inside the body that is not part of the article: hidden, or a list of
/// links (related stories, share bars, tags) with no prose of its own.
pub fn is_noise(dom: &Dom<'_>, index: usize) -> bool {
    let element = &dom.elements[index];
    if element.hidden || element.card || is_named_not_article(dom, index) {
        return true;
    }
    let name = element.el.value().name();
    if matches!(
        name,
        "form" | "nav" | "aside" | "footer" | "button" | "input"
    ) {
        return true;
    }
    element.prose == 0 && element.links >= 2 && element.link_chars * 10 >= element.chars * 6
}

/// The body's visible text (lead, element, tail) outside noise, one line per block.
pub fn text(dom: &Dom<'_>, body: &Body) -> String {
    let mut out = String::new();
    for part in parts(body) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&text_of(dom, part, body.headline));
    }
    out.trim().to_owned()
}

fn text_of(dom: &Dom<'_>, body: usize, headline: Option<usize>) -> String {
    let element = &dom.elements[body];
    let skipped = noise_ranges(dom, body, headline);
    let mut out = String::new();
    let mut last_block = None;
    for piece in &dom.texts[element.text_start..element.text_end] {
        if skipped
            .iter()
            .any(|&(from, to)| piece.owner >= from && piece.owner < to)
        {
            continue;
        }
        let block = nearest_block(dom, piece.owner);
        if last_block.is_some() && last_block != Some(block) && !out.ends_with('\n') {
            out.push('\n');
        }
        last_block = Some(block);
        out.push_str(&crate::text::collapse_whitespace(piece.text));
    }
    out.trim().to_owned()
}

/// Headings of the lists that follow an article.
const LIST_HEADINGS: [&str; 8] = [
    "相关新闻",
    "相关阅读",
    "延伸阅读",
    "推荐阅读",
    "相关推荐",
    "热点新闻",
    "更多新闻",
    "相关报道",
];

/// True when a block after the article's last words is the page's, not the article's: a
/// legal notice, an editor's line, a lone link (`关闭`, `返回顶部`), a list's heading.
fn is_after_matter(dom: &Dom<'_>, index: usize) -> bool {
    let e = &dom.elements[index];
    if !is_block(e.el.value().name()) || e.chars == 0 {
        return false;
    }
    let text = dom.text(index);
    let short = text.chars().count() <= MAX_SIGN_OFF_CHARS as usize;
    is_notice(dom, index)
        || crate::text::is_editor_line(&text)
        || short && e.link_chars == e.chars
        || short && LIST_HEADINGS.iter().any(|h| text.contains(h))
}

/// The subtrees (as index ranges) of the noise inside `body`, outermost only: with the
/// `headline` inside it, the headline and what stands before it too.
pub fn noise_ranges(dom: &Dom<'_>, body: usize, headline: Option<usize>) -> Vec<(usize, usize)> {
    let above = headline
        .filter(|&h| dom.contains(body, h))
        .map_or(0, |h| dom.elements[h].end);
    let mut ranges = Vec::new();
    let mut index = body + 1;
    let end = dom.elements[body].end;
    // A legal notice is noise after the article's last paragraph; inside the article a
    // paragraph that opens with `声明` or `版权` is the article's (`声明指出，…`).
    let last_paragraph = (index..end)
        .rev()
        .find(|&i| dom.elements[i].prose > 0)
        .map_or(body, |i| dom.elements[i].end);
    // Before its first paragraph, a line of byline and page tools (`发布时间：… | 字体放大`)
    // is the page's, not the article's.
    let first_paragraph = (index..end)
        .find(|&i| dom.elements[i].paragraph)
        .unwrap_or(end);
    while index < end {
        let headed = dom.elements[index].end <= above;
        let notice = index >= last_paragraph && is_after_matter(dom, index);
        let tools = index < first_paragraph
            && is_block(dom.elements[index].el.value().name())
            && dom.elements[index].prose == 0
            && dom.elements[index].end <= first_paragraph
            && is_chrome(&dom.text(index));
        if headed || notice || tools || is_noise(dom, index) {
            let skip_to = dom.elements[index].end;
            ranges.push((index, skip_to));
            index = skip_to;
        } else {
            index += 1;
        }
    }
    ranges
}

fn nearest_block(dom: &Dom<'_>, mut index: usize) -> usize {
    loop {
        let element = &dom.elements[index];
        if is_block(element.el.value().name()) {
            return index;
        }
        match element.parent {
            Some(parent) => index = parent,
            None => return index,
        }
    }
}
