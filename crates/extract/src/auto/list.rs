//! Lists of news: repeated siblings (list items, rows, boxes) that each hold one link whose
//! text reads as a headline, on URLs that look like articles. Navigation, breadcrumbs, tag
//! clouds, footers and pagers have short link texts or too few entries, and are not lists.
//! Of the lists found, those that are not news ([`super::news`]) are dropped, and so is every
//! entry that does not lead to a story ([`super::links`]); titles lose the ranks, counters,
//! times and labels that cards and rankings show inside their links.

use url::Url;

use super::byline;
use super::dom::Dom;
use super::links::{Address, PageSite};
use super::news;
use crate::raw::RawEntry;

/// A headline is at least this many characters …
const MIN_TITLE_CHARS: usize = 6;
/// … and at most this many.
const MAX_TITLE_CHARS: usize = 80;
/// An item with more text than this is a section of the page, not a list entry.
const MAX_ITEM_CHARS: u32 = 600;
/// A list has at least this many entries.
const MIN_ENTRIES: usize = 3;
/// A list with at least this many footer or service entries is a footer.
const MAX_SERVICE_ENTRIES: usize = 2;
/// Share of advertisement-dressed entries from which a list is an advertising box.
const MAX_AD_SHARE: f32 = 0.3;
/// Share of a list's entries on the page's own site below which it is another site's box
/// (partners, advertisers), when the page has lists of its own.
const MIN_HOME_SHARE: f32 = 0.2;

/// A link with a headline's length of text, and where it leads.
struct Link {
    index: usize,
    title: String,
    chars: usize,
    url: Url,
    /// A time written inside the link (a card's date).
    time: Option<String>,
}

/// One entry found: its link element, the item holding it and what it says.
struct Found {
    link: usize,
    item: usize,
    url: Url,
    entry: RawEntry,
    /// The item says more than its link: a time, or an excerpt.
    described: bool,
}

/// A list: its element and its entries.
struct List {
    parent: usize,
    entries: Vec<Found>,
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

/// Where the article stands: its elements (`from..to`) without the noise inside them (link
/// lists, asides), which may hold its related news.
#[derive(Debug, Clone, Default)]
pub struct ArticleSpan {
    pub from: usize,
    pub to: usize,
    pub noise: Vec<(usize, usize)>,
}

impl ArticleSpan {
    /// True when element `index` is part of the article's own text.
    fn holds(&self, index: usize) -> bool {
        (self.from..self.to).contains(&index)
            && !self
                .noise
                .iter()
                .any(|&(from, to)| (from..to).contains(&index))
    }
}

/// The news entries of every news list on the page outside the article's own text, in page
/// order, each story once.
pub fn entries(dom: &Dom<'_>, article: Option<&ArticleSpan>, site: &PageSite) -> Vec<Listed> {
    // A list inside the article's text is its related news when it holds no prose.
    let in_text = |i: usize| article.is_some_and(|a| a.holds(i)) && dom.elements[i].prose > 0;
    let links = headline_links(dom, site);
    let lists: Vec<List> = dom
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.hidden && e.links >= MIN_ENTRIES as u32)
        .flat_map(|(parent, _)| lists_at(dom, parent, &links, site, in_text(parent)))
        .filter(|list| is_news(dom, list, site))
        .collect();
    let home = |list: &List| {
        let home = list.entries.iter().filter(|f| site.is_home(&f.url)).count();
        home as f32 / list.entries.len().max(1) as f32
    };
    let page_has_own_lists = lists.iter().any(|l| home(l) >= 0.5);
    let mut found: Vec<Found> = lists
        .into_iter()
        .filter(|l| !page_has_own_lists || home(l) >= MIN_HOME_SHARE || is_described(l))
        .flat_map(|list| {
            let headlines = is_headline_list(&list);
            without_ranks(list.entries)
                .into_iter()
                .filter(move |f| match site.address(&f.url) {
                    Address::Story => true,
                    // An address that says nothing is a story in a list of headlines.
                    Address::Unknown => headlines && is_headline(&f.entry.title),
                    Address::Other => false,
                })
        })
        .filter(|f| {
            !news::is_service_title(&f.entry.title)
                && !news::is_ad_title(&f.entry.title)
                && !news::is_quote(&f.entry.title)
                // A time alone is a forum's "last post" link, not a headline.
                && !is_time_run(&f.entry.title)
                && f.entry.title.chars().count() >= MIN_TITLE_CHARS
        })
        .collect();
    found.sort_by_key(|f| f.link);
    let mut seen = std::collections::HashSet::new();
    found
        .into_iter()
        .filter(|f| seen.insert(f.url.clone()))
        .map(|f| Listed {
            link: dom.elements[f.link].el.id(),
            item: dom.elements[f.item].el.id(),
            entry: f.entry,
        })
        .collect()
}

/// Characters of text beside an entry's link from which it is an excerpt.
const MIN_EXCERPT_CHARS: usize = 20;

/// True when most of a list's entries come with a time or an excerpt, as news does and
/// advertising and partners' links do not.
fn is_described(list: &List) -> bool {
    let described = list.entries.iter().filter(|f| f.described).count();
    described * 2 >= list.entries.len()
}

/// Characters from which an entry's title reads as a headline rather than a name or a label.
const HEADLINE_CHARS: usize = 12;

/// True when a title is a headline's length.
fn is_headline(title: &str) -> bool {
    title.chars().count() >= HEADLINE_CHARS
}

/// True when most of a list's entries are headlines.
fn is_headline_list(list: &List) -> bool {
    let headlines = list
        .entries
        .iter()
        .filter(|f| is_headline(&f.entry.title))
        .count();
    headlines * 10 >= list.entries.len() * 7
}

/// Characters of prose a story card's excerpt has at most.
const MAX_EXCERPT_PROSE: u32 = 800;

/// Characters a card may show before its headline: a source, a time.
const MAX_CARD_LEAD_CHARS: u32 = 30;

/// The items of the page's news lists that hold prose of their own after their headline: story
/// cards (a headline link and its excerpt), whose prose is other stories', not the page's.
pub fn cards(dom: &Dom<'_>, site: &PageSite) -> Vec<usize> {
    let links = headline_links(dom, site);
    dom.elements
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.hidden && e.links >= MIN_ENTRIES as u32 && e.prose > 0)
        .flat_map(|(parent, _)| lists_at(dom, parent, &links, site, false))
        .filter(|list| is_news(dom, list, site) && is_uniform(dom, list))
        .flat_map(|list| list.entries)
        .filter(|f| {
            let item = &dom.elements[f.item];
            // The headline comes first, after a source or a time at most: an article's
            // paragraph has its links inside its sentences. An excerpt is a few sentences;
            // an item with more prose is an article set in a list.
            item.prose > 0
                && item.prose <= MAX_EXCERPT_PROSE
                && is_headline(&f.entry.title)
                && dom.distance(item.text_start, dom.elements[f.link].text_start)
                    <= MAX_CARD_LEAD_CHARS
        })
        .map(|f| f.item)
        .collect()
}

/// True when a list's items are one kind of element (`li`, `article`, `div`): repeated cards,
/// not a page's header, main part and footer side by side.
fn is_uniform(dom: &Dom<'_>, list: &List) -> bool {
    let name = |f: &Found| dom.elements[f.item].el.value().name();
    list.entries
        .first()
        .is_some_and(|first| list.entries.iter().all(|f| name(f) == name(first)))
}

/// True when a list is news: not in the page's footer, menus or advertising, not a list of
/// licences and services, not dressed as advertising.
fn is_news(dom: &Dom<'_>, list: &List, site: &PageSite) -> bool {
    let count =
        |test: fn(&str) -> bool| list.entries.iter().filter(|f| test(&f.entry.title)).count();
    let ads = count(news::is_ad_title) as f32 / list.entries.len().max(1) as f32;
    let shown = match news::chrome(dom, list.parent) {
        None => true,
        // The site's stories, whatever their container is named (a template's related news
        // in a slot it backfills, a sidebar styled as a menu): dated, or headlines.
        Some(news::Chrome::Frame) => {
            home_stories(list, site, true)
                || home_stories(list, site, false) && is_headline_list(list)
        }
        // An advertiser's links lead elsewhere, or to the site's services: a slot of the
        // site's own stories is a layout's list (`block-ad-n-layout-list`).
        Some(news::Chrome::Advertising) => home_stories(list, site, false),
    };
    shown && count(news::is_service_title) < MAX_SERVICE_ENTRIES && ads < MAX_AD_SHARE
}

/// True when nearly every entry is a story of the page's own site (each with a time, when
/// `dated`).
fn home_stories(list: &List, site: &PageSite, dated: bool) -> bool {
    let home = list
        .entries
        .iter()
        .filter(|f| {
            (!dated || f.entry.published.is_some()) && site.is_home(&f.url) && site.is_story(&f.url)
        })
        .count();
    home * 10 >= list.entries.len() * 8
}

/// Every visible link whose text reads as a headline, with that text and where it leads,
/// worked out once.
fn headline_links(dom: &Dom<'_>, site: &PageSite) -> Vec<Link> {
    dom.elements
        .iter()
        .enumerate()
        .filter(|(_, e)| e.el.value().name() == "a" && !e.hidden)
        .filter_map(|(index, e)| {
            let url = site.resolve(e.el.value().attr("href").filter(|h| is_followable(h))?)?;
            let (title, time) = link_title(dom, index);
            let chars = title.chars().count();
            (MIN_TITLE_CHARS..=MAX_TITLE_CHARS)
                .contains(&chars)
                .then_some(Link {
                    index,
                    title,
                    chars,
                    url,
                    time,
                })
        })
        .collect()
}

/// The headline a link shows, and a time it shows with it. A card (one link around a time, a
/// heading and an excerpt) is titled by its heading; otherwise the link's text runs are the
/// title, without the ranks, counters, times and labels at either end.
fn link_title(dom: &Dom<'_>, index: usize) -> (String, Option<String>) {
    let element = &dom.elements[index];
    if let Some(heading) = (index + 1..element.end).find(|&inner| {
        matches!(
            dom.elements[inner].el.value().name(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
        )
    }) {
        return (clean_title(&dom.text(heading)), None);
    }
    let mut runs: Vec<&str> = dom.texts[element.text_start..element.text_end]
        .iter()
        .map(|t| t.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let mut time = None;
    let mut strip = |run: &str| {
        if is_time_run(run) {
            time.get_or_insert_with(|| run.to_owned());
            true
        } else {
            is_decoration(run)
        }
    };
    while runs.len() > 1 && strip(runs[0]) {
        runs.remove(0);
    }
    while runs.len() > 1 && runs.last().is_some_and(|run| strip(run)) {
        runs.pop();
    }
    let joined = crate::text::collapse_whitespace(&runs.join(" "));
    (clean_title(&joined), time)
}

/// True when a run of text is only a time or a date (`04-23 07:37`, `2019-08-06 15:09:13`,
/// `13/02/2022`, `3小时前`).
fn is_time_run(run: &str) -> bool {
    let digits = run.chars().filter(char::is_ascii_digit).count();
    let time_like = run
        .chars()
        .all(|c| c.is_ascii_digit() || "-/:.年月日号时分秒 ".contains(c));
    (digits >= 2
        && time_like
        && byline::first_time(run)
            .or_else(|| short_time(run))
            .is_some())
        || short_time(run).is_some_and(|t| t.chars().count() * 10 >= run.chars().count() * 8)
}

/// Labels that cards and players put beside a headline inside its link.
const LABELS: [&str; 12] = [
    "收看", "收听", "播放", "视频", "音频", "广告", "原文", "详细", "全文", "详情", "专题", "推广",
];

/// True when a run of text is a rank, a counter or a label rather than part of a headline:
/// `3`, `( 48503 )`, `12图`, `0 评`, `收看 05:02`, `[详细]`.
fn is_decoration(run: &str) -> bool {
    let bare: String = run
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '[' | ']'
                        | '【'
                        | '】'
                        | '('
                        | ')'
                        | '（'
                        | '）'
                        | ':'
                        | '：'
                        | ','
                        | '，'
                        | '|'
                        | '/'
                        | '·'
                        | '.'
                )
        })
        .collect();
    let without_digits = bare.trim_start_matches(|c: char| c.is_ascii_digit());
    bare.is_empty()
        || without_digits.is_empty()
        || [
            "图",
            "评",
            "评论",
            "条评论",
            "阅读",
            "次阅读",
            "人阅读",
            "赞",
        ]
        .contains(&without_digits)
        || LABELS.iter().any(|label| {
            bare.strip_prefix(label)
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
        })
}

/// Marks that open an entry's text without being part of its headline.
const LEADING_MARKS: [char; 10] = ['>', '»', '·', '•', '▪', '*', '▶', '►', '-', '|'];

/// A headline without the marks, dates, counters and labels that lists write into it:
/// `> 标题`, `13/02/2022 标题`, `标题 2020-09-27`, `标题 ( 48503 )`, `标题 [ 2021-05-19 ]`,
/// `标题[详细]`.
fn clean_title(text: &str) -> String {
    let mut title = without_labels(text.trim())
        .trim_start_matches(|c: char| LEADING_MARKS.contains(&c) || c.is_whitespace())
        .to_owned();
    for marker in ["[详细]", "[全文]", "[详情]", ">>", "»"] {
        if let Some(kept) = title.strip_suffix(marker) {
            title = kept.trim_end().to_owned();
        }
    }
    // A counter or a date in brackets at the end: `标题 ( 48503 )`, `标题 [ 2021-05-19 ]`.
    if let Some(open) = title.rfind(['(', '（', '[', '【']) {
        let tail = &title[open..];
        let inner = tail.trim_matches(|c: char| {
            matches!(c, '(' | ')' | '（' | '）' | '[' | ']' | '【' | '】') || c.is_whitespace()
        });
        let closed = tail.ends_with([')', '）', ']', '】']);
        let counter = !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit());
        if open > 0 && closed && (counter || is_time_word(inner)) {
            title = title[..open].trim_end().to_owned();
        }
    }
    let words: Vec<&str> = title.split(' ').collect();
    let first_time = words.iter().take_while(|w| is_time_word(w)).count();
    let last_time = words.iter().rev().take_while(|w| is_time_word(w)).count();
    if first_time + last_time < words.len() {
        title = words[first_time..words.len() - last_time].join(" ");
    }
    title
}

/// Words a card writes for when a story came, before its headline (`前日 US stocks…`).
const WHEN_WORDS: [&str; 7] = ["今天", "昨天", "前天", "刚刚", "今日", "昨日", "前日"];

/// A headline without the labels a card writes before it between bullets
/// (`Breaking News • 前日 US stocks…`): short parts before the last ` • `, then a word of
/// when.
fn without_labels(text: &str) -> &str {
    let Some((labels, rest)) = text.rsplit_once(" • ") else {
        return text;
    };
    let short = labels
        .split(" • ")
        .all(|label| label.split_whitespace().count() <= 3 && label.chars().count() <= 20);
    if !short || rest.chars().count() < MIN_TITLE_CHARS {
        return text;
    }
    WHEN_WORDS
        .iter()
        .find_map(|w| rest.strip_prefix(w).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or(rest)
}

/// A word of a date or a time of day: `2019-08-06`, `15:09:13`, `13/02/2022`, `04-23`,
/// `2024年5月21日`.
fn is_time_word(word: &str) -> bool {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    digits >= 4
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | ':' | '.' | '年' | '月' | '日'))
        && word
            .chars()
            .any(|c| matches!(c, '-' | '/' | ':' | '年' | '月'))
}

/// A ranking's entries without their ranks: when the titles open with 1, 2, 3… in order, the
/// numbers are the list's, not the headlines'.
fn without_ranks(mut entries: Vec<Found>) -> Vec<Found> {
    let rank = |title: &str| -> Option<(u32, usize)> {
        let digits = title.chars().take_while(char::is_ascii_digit).count();
        if !(1..=2).contains(&digits) {
            return None;
        }
        let number = title[..digits].parse().ok()?;
        let rest = &title[digits..];
        let gap = rest.len()
            - rest
                .trim_start_matches(|c: char| {
                    c.is_whitespace() || matches!(c, '.' | '、' | '．' | ':')
                })
                .len();
        (gap > 0).then_some((number, digits + gap))
    };
    let ranks: Vec<Option<(u32, usize)>> = entries.iter().map(|f| rank(&f.entry.title)).collect();
    let in_order = ranks.windows(2).filter(|pair| match pair {
        [Some((a, _)), Some((b, _))] => *b == a + 1,
        _ => false,
    });
    if entries.len() >= MIN_ENTRIES && in_order.count() + 1 >= entries.len() * 2 / 3 {
        for (found, rank) in entries.iter_mut().zip(ranks) {
            if let Some((_, cut)) = rank {
                found.entry.title = found.entry.title[cut..].to_owned();
            }
        }
    }
    entries
}

/// The lists among `parent`'s children: all of them, when most hold an entry; else each run
/// of at least three consecutive entries (a `延伸阅读` block among an article's paragraphs).
/// In the article's own text (`in_text`), only runs of items without prose count.
fn lists_at(
    dom: &Dom<'_>,
    parent: usize,
    links: &[Link],
    site: &PageSite,
    in_text: bool,
) -> Vec<List> {
    let end = dom.elements[parent].end;
    let mut entries = Vec::new();
    let mut runs: Vec<Vec<usize>> = vec![Vec::new()];
    let mut items = 0;
    let mut child = parent + 1;
    while child < end {
        let child_end = dom.elements[child].end;
        if dom.elements[child].chars > 0 && !is_inline_aside(dom, child) {
            items += 1;
            let found =
                entry(dom, child, links).filter(|_| !in_text || dom.elements[child].prose == 0);
            match found {
                Some(found) => {
                    if let Some(run) = runs.last_mut() {
                        run.push(entries.len());
                    }
                    entries.push(found);
                }
                None => runs.push(Vec::new()),
            }
        }
        child = child_end;
    }
    let is_news_like = |entries: &[Found]| {
        let articles = entries.iter().filter(|f| site.is_story(&f.url)).count();
        let long_titles = entries
            .iter()
            .filter(|f| f.entry.title.chars().count() >= 10)
            .count();
        entries.len() >= MIN_ENTRIES
            && (articles * 2 >= entries.len() || long_titles * 2 >= entries.len())
    };
    if !in_text && entries.len() * 2 >= items && is_news_like(&entries) {
        return vec![List { parent, entries }];
    }
    let mut entries: Vec<Option<Found>> = entries.into_iter().map(Some).collect();
    runs.into_iter()
        .filter(|run| run.len() >= MIN_ENTRIES)
        .map(|run| {
            run.iter()
                .filter_map(|&i| entries[i].take())
                .collect::<Vec<Found>>()
        })
        .filter(|run| is_news_like(run))
        .map(|entries| List { parent, entries })
        .collect()
}

/// Inline elements that, without a link, are a flat list's bullets, times and counters
/// between its links (`<font>v</font> <a>…</a> <font>2005-07-13</font><br>`), not its items.
fn is_inline_aside(dom: &Dom<'_>, index: usize) -> bool {
    let element = &dom.elements[index];
    element.links == 0
        && matches!(
            element.el.value().name(),
            "font" | "span" | "em" | "small" | "b" | "i" | "strong" | "label" | "sup" | "sub"
        )
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
    let href = dom.elements[chosen.index]
        .el
        .value()
        .attr("href")?
        .trim()
        .to_owned();
    let beside = dom.text_outside_links(item);
    let published = byline::first_time(&beside)
        .or_else(|| short_time(&beside))
        .or_else(|| chosen.time.clone());
    let described = published.is_some() || beside.chars().count() >= MIN_EXCERPT_CHARS;
    Some(Found {
        link: chosen.index,
        item,
        url: chosen.url.clone(),
        entry: RawEntry {
            title: chosen.title.clone(),
            href,
            published,
            source: source_in(dom, item),
        },
        described,
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

#[cfg(test)]
mod tests {
    use super::{clean_title, short_time};

    #[test]
    fn headlines_lose_what_lists_write_around_them() {
        let cases = [
            ("> 台风登陆 多地停课停工", "台风登陆 多地停课停工"),
            ("13/02/2022 台风登陆 多地停课停工", "台风登陆 多地停课停工"),
            (
                "2024年5月21日 台风登陆 多地停课停工",
                "台风登陆 多地停课停工",
            ),
            ("台风登陆 多地停课停工 2020-09-27", "台风登陆 多地停课停工"),
            ("台风登陆 多地停课停工 ( 48503 )", "台风登陆 多地停课停工"),
            (
                "台风登陆 多地停课停工 [ 2021-05-19 ]",
                "台风登陆 多地停课停工",
            ),
            (
                "台风登陆 多地停课停工【2021-05-19】",
                "台风登陆 多地停课停工",
            ),
            ("台风登陆 多地停课停工[详细]", "台风登陆 多地停课停工"),
            (
                "Breaking News • 前日 US stocks fall as yields rise",
                "US stocks fall as yields rise",
            ),
            ("二十大报告（2022）全文", "二十大报告（2022）全文"),
            ("2024 年 中国经济 展望", "2024 年 中国经济 展望"),
            ("A • B", "A • B"),
        ];
        for (text, expected) in cases {
            assert_eq!(clean_title(text), expected, "{text}");
        }
    }

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
