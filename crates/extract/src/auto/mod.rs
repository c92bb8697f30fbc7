//! Zero-config extraction: the article and the lists of a page, found without selectors.
//!
//! The page is flattened once ([`dom::Dom`]) with the counts every finder weighs. Then:
//! the headline is the visible heading that shares the most with `<title>` ([`title`]), else,
//! on a page that is mostly one piece of prose, the heading right above its first paragraph;
//! the body is the element with the most prose and the least of anything else ([`body`]); the
//! byline (time, source, author) is read from the text between the headline and the first
//! paragraph, else the page's metadata, else the text after the body, else a labelled time
//! anywhere (`发布日期：`), else a date just above the headline ([`byline`]); lists are
//! repeated siblings holding one headline-like link each ([`list`]). A page with a headline
//! and enough prose is an article (its lists are its related news); a page with lists and no
//! article is a list page; anything else is neither. Nothing here is specific to a site.

mod body;
mod byline;
mod dom;
mod links;
mod list;
mod news;
mod title;

pub use byline::first_time as byline_time;

use scraper::{ElementRef, Html};
use url::Url;

use crate::metadata::metadata_times;
use crate::raw::{RawArticle, RawEntry};
use crate::text::body_html_without;
use dom::Dom;

/// Elements scored at most: a pathological page is cut there.
const MAX_ELEMENTS: usize = 60_000;

/// What kind of page it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A headline, and a body however short.
    Article,
    /// Lists of stories and no article.
    List,
    /// Neither an article nor a list: a login wall, an error page, an empty shell.
    None,
}

/// Everything zero-config extraction found on a page.
#[derive(Debug, Clone)]
pub struct AutoPage {
    /// What kind of page it is.
    pub kind: Kind,
    /// The article, on an article page.
    pub article: Option<RawArticle>,
    /// The page's list entries: the related news of an article, the items of a list page.
    pub entries: Vec<RawEntry>,
    /// Where the article's headline and body stand, and each entry's link and item, in the
    /// order of `entries`: what selectors are learned from.
    pub places: Places,
}

/// Where zero-config extraction found things in the document.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// The headline's element.
    pub headline: Option<ego_tree::NodeId>,
    /// The body's element.
    pub body: Option<ego_tree::NodeId>,
    /// Each entry's link element and the list item holding it.
    pub entries: Vec<(ego_tree::NodeId, ego_tree::NodeId)>,
}

/// The page's own metadata.
#[derive(Debug, Default, Clone)]
pub struct Meta {
    /// `<title>`.
    pub title: Option<String>,
    /// `og:title`.
    pub og_title: Option<String>,
    /// `og:image`.
    pub image: Option<String>,
}

impl Meta {
    /// The metadata of `document`, wherever it stands (saved pages put `<title>` in odd places).
    fn of(document: &Html) -> Meta {
        let mut meta = Meta::default();
        for el in document
            .root_element()
            .descendants()
            .filter_map(ElementRef::wrap)
        {
            let e = el.value();
            match e.name() {
                "title" if meta.title.is_none() => {
                    meta.title = Some(el.text().collect::<String>());
                }
                "meta" => {
                    let key = e.attr("property").or_else(|| e.attr("name"));
                    let content = e.attr("content").map(str::to_owned);
                    match key {
                        Some("og:title") if meta.og_title.is_none() => meta.og_title = content,
                        Some("og:image") if meta.image.is_none() => meta.image = content,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        meta
    }
}

/// Extracts the page at `url` with no selectors (the URL tells its own links and site from
/// others').
pub fn extract(document: &Html, url: &Url) -> AutoPage {
    let mut dom = Dom::of(document, MAX_ELEMENTS);
    let site = links::PageSite::new(url);
    let cards = list::cards(&dom, &site);
    dom.mark_cards(&cards);
    let dom = dom;
    let meta = Meta::of(document);
    let prose = body::find(&dom, None);
    let nearest = || {
        prose
            .as_ref()
            .and_then(|body| title::nearest_before(&dom, &meta, prose_start(&dom, body)))
    };
    let headline = match title::headline(&dom, &meta) {
        // A name far from the article's prose (a logo, a channel's name) gives way to the
        // heading right above its first paragraph.
        Some(h) if h.element.is_some() && !h.guessed => match nearest() {
            Some(near) if is_name(&h.text) && is_far(&dom, &h, prose.as_ref()) => Some(near),
            _ => Some(h),
        },
        // Without a headline the title vouches for, on a page that is mostly one piece of
        // prose, the heading right above its first paragraph is the headline.
        other => prose
            .as_ref()
            .filter(|body| body::is_the_page(&dom, body))
            .and_then(|_| nearest())
            .or(other),
    };
    let headline_at = headline.as_ref().and_then(|h| h.element);
    let body = body::find(&dom, headline_at).map(|mut body| {
        if let Some(h) = headline_at.filter(|&h| h < body.element) {
            body.lead = body::lead(&dom, h, body.element);
        }
        body.headline = headline_at.filter(|&h| dom.contains(body.element, h));
        body
    });
    tracing::debug!(
        headline = headline.as_ref().map(|h| h.text.as_str()),
        from = headline.as_ref().and_then(|h| h.element).map(|h| describe(&dom, h)),
        body = body.as_ref().map(|b| describe(&dom, b.element)),
        lead = body.as_ref().map(|b| b.lead.len()),
        tail = ?body.as_ref().map(|b| b.tail.iter().map(|&t| describe(&dom, t)).collect::<Vec<_>>()),
        prose = body.as_ref().map(|b| b.prose),
        link_density = body.as_ref().map(|b| b.link_density),
        "zero-config extraction"
    );
    let body = body.filter(|b| b.link_density < 0.35).or_else(|| {
        // A brief, a video or a photo page: a headline the title vouches for, and a few
        // words under it; under a headline as short as a name (a masthead's), a sentence.
        headline
            .as_ref()
            .filter(|h| !h.guessed && !is_names(&h.text))
            .and_then(|h| {
                body::brief(&dom, h.element?).filter(|b| b.prose > 0 || !is_name(&h.text))
            })
    });
    // An article shows its headline: a page whose only title is its metadata (a channel's
    // front page, a feed of flash news) is no article, however much prose it holds.
    // A "headline" made of names (`BBC News, 中文 - 主页`) is a front page's title, not a
    // story's, unless the page is one piece of prose; a headline as short as a name needs a
    // byline under it (a site's `V2EX` over its footer's slogan has none).
    let article = match (&headline, &body) {
        (Some(headline), Some(body))
            if headline.element.is_some()
                && (body::is_the_page(&dom, body)
                    || !is_names(&headline.text)
                        && (!is_name(&headline.text) || has_byline_time(&dom, headline, body))) =>
        {
            let mut found = article(document, &dom, &meta, headline, body);
            found.next = crate::pager::next_page(document, url).map(String::from);
            Some(found)
        }
        _ => None,
    };
    let span = article.as_ref().and(body.as_ref()).map(|b| {
        let last = b.tail.last().copied().unwrap_or(b.element);
        list::ArticleSpan {
            from: b.lead.first().copied().unwrap_or(b.element),
            to: dom.elements[last].end,
            noise: body::parts(b)
                .flat_map(|part| body::noise_ranges(&dom, part, b.headline))
                .collect(),
        }
    });
    let listed = list::entries(&dom, span.as_ref(), &site);
    let kind = if article.is_some() {
        Kind::Article
    } else if !listed.is_empty() {
        Kind::List
    } else {
        Kind::None
    };
    let places = Places {
        headline: article
            .as_ref()
            .and(headline.as_ref())
            .and_then(|h| h.element)
            .map(|h| dom.elements[h].el.id()),
        body: article
            .as_ref()
            .and(body.as_ref())
            .map(|b| dom.elements[b.element].el.id()),
        entries: listed.iter().map(|l| (l.link, l.item)).collect(),
    };
    AutoPage {
        kind,
        article,
        entries: listed.into_iter().map(|l| l.entry).collect(),
        places,
    }
}

fn article(
    document: &Html,
    dom: &Dom<'_>,
    meta: &Meta,
    headline: &title::Headline,
    body: &body::Body,
) -> RawArticle {
    let body_element = &dom.elements[body.element];
    // The byline follows the headline, before the article's first paragraph (a date in the
    // text is the event's, not the page's); without a headline on the page, it precedes the
    // body.
    let after_headline = headline
        .element
        .map(|h| byline::between(dom, dom.elements[h].text_end, prose_start(dom, body)))
        .or_else(|| Some(byline::before(dom, body_element.text_start)));
    let after_body = byline::after(dom, body_element.text_end);
    let byline = after_headline.unwrap_or_default();
    let mut published: Vec<String> = byline.published.into_iter().collect();
    published.extend(metadata_times(document));
    // Then a date just above the headline (a blog's or a newspaper page's), before the text
    // after the body, where comments carry their own dates.
    let above = headline
        .element
        .and_then(|h| byline::just_before(dom, dom.elements[h].text_start).published);
    published.extend(above);
    published.extend(after_body.published);
    if published.is_empty() {
        // Then a labelled time anywhere.
        published.extend(byline::labelled_time(dom));
    }
    let source = byline
        .source
        .or_else(|| {
            headline
                .element
                .and_then(|h| source_element(dom, h, body.element))
        })
        .or(after_body.source);
    let noise: std::collections::HashSet<ego_tree::NodeId> = body::parts(body)
        .flat_map(|part| body::noise_ranges(dom, part, body.headline))
        .map(|(from, _)| dom.elements[from].el.id())
        .collect();
    let skip = |id: ego_tree::NodeId| noise.contains(&id);
    let mut html = String::new();
    for part in body::parts(body) {
        if part == body.element {
            html.push_str(&body_html_without(body_element.el, &skip));
        } else {
            html.push_str("<div>");
            html.push_str(&body_html_without(dom.elements[part].el, &skip));
            html.push_str("</div>");
        }
    }
    RawArticle {
        title: without_picture_counter(&headline.text),
        published,
        source,
        author: byline.author.or(after_body.author),
        body: Some(html),
        body_text: Some(body::text(dom, body)),
        image: meta.image.clone(),
        next: None,
    }
}

/// A gallery's headline without the counter of the picture shown (`标题 ( 1 /22)`, `标题（3/5）`):
/// every picture's page shows the same story.
fn without_picture_counter(headline: &str) -> String {
    let Some(open) = headline.rfind(['(', '（']) else {
        return headline.to_owned();
    };
    let counter: String = headline[open..]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let inner = counter
        .trim_start_matches(['(', '（'])
        .strip_suffix([')', '）'])
        .and_then(|inner| inner.split_once('/'));
    let numbers = inner.is_some_and(|(shown, of)| {
        [shown, of]
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    match headline[..open].trim_end() {
        kept if numbers && !kept.is_empty() => kept.to_owned(),
        _ => headline.to_owned(),
    }
}

/// Characters of text between a headline and the article's first paragraph from which the
/// headline is another part of the page's.
const FAR_HEADLINE_CHARS: u32 = 1500;

/// Characters below which a headline may be a name rather than a story's headline.
const MAX_NAME_CHARS: usize = 10;

/// True when a headline is short enough to be a site's or a channel's name.
fn is_name(text: &str) -> bool {
    text.chars().filter(|c| !c.is_whitespace()).count() < MAX_NAME_CHARS
}

/// A part of a title of names is a word or two (`BBC`, `中文`, `主页`); a headline's clauses
/// are longer.
const MAX_NAME_PART_CHARS: usize = 5;

/// True when a text is names only (`BBC News , 中文 - 主页`): several parts between spaces and
/// separators, each a word or two, and no sentence.
fn is_names(text: &str) -> bool {
    let parts: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '|' | '_' | '·' | '｜' | '丨'))
        .filter(|part| !part.trim_matches(',').is_empty())
        .collect();
    let sentence = text.contains(['。', '！', '？', '!', '?', '，']);
    parts.len() >= 2
        && !sentence
        && parts
            .iter()
            .all(|p| p.chars().count() <= MAX_NAME_PART_CHARS)
}

/// True when a time stands between `headline` and the first paragraph of `body`: a story's
/// byline.
fn has_byline_time(dom: &Dom<'_>, headline: &title::Headline, body: &body::Body) -> bool {
    headline.element.is_some_and(|h| {
        byline::between(dom, dom.elements[h].text_end, prose_start(dom, body))
            .published
            .is_some()
    })
}

/// True when `headline` stands far before the prose of `body`, or after its start.
fn is_far(dom: &Dom<'_>, headline: &title::Headline, body: Option<&body::Body>) -> bool {
    let (Some(h), Some(body)) = (headline.element, body) else {
        return false;
    };
    let start = prose_start(dom, body);
    let end = dom.elements[h].text_end;
    end > start || dom.distance(end, start) > FAR_HEADLINE_CHARS
}

/// The first text run of the article's paragraphs.
fn prose_start(dom: &Dom<'_>, body: &body::Body) -> usize {
    let texts = || {
        body::parts(body)
            .flat_map(|part| dom.elements[part].text_start..dom.elements[part].text_end)
    };
    // A paragraph, else (an article of short paragraphs) the first sentences.
    texts()
        .find(|&text| dom.elements[dom.block_of(text)].paragraph)
        .or_else(|| {
            texts().find(|&text| {
                let block = dom.block_of(text);
                let heading = matches!(
                    dom.elements[block].el.value().name(),
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                );
                dom.elements[block].prose > 0
                    && !heading
                    && body.headline.is_none_or(|h| block >= dom.elements[h].end)
            })
        })
        .unwrap_or(dom.texts.len())
}

/// An element as a person finds it in the page: `div#main.article.content`.
fn describe(dom: &Dom<'_>, index: usize) -> String {
    let e = dom.elements[index].el.value();
    let mut out = e.name().to_owned();
    if let Some(id) = e.id() {
        out.push('#');
        out.push_str(id);
    }
    for class in e.classes() {
        out.push('.');
        out.push_str(class);
    }
    out
}

/// The text of an element between the headline and the body whose class or id names a
/// source (`chan_newsInfo_source`, `source`), without its `来源：` label.
fn source_element(dom: &Dom<'_>, headline: usize, body: usize) -> Option<String> {
    let end = if body > headline {
        body
    } else {
        (headline + 40).min(dom.elements.len())
    };
    (headline + 1..end)
        .find(|&i| {
            let e = dom.elements[i].el.value();
            let named =
                |v: Option<&str>| v.is_some_and(|v| v.to_ascii_lowercase().contains("source"));
            !dom.elements[i].hidden && (named(e.attr("class")) || named(e.attr("id")))
        })
        .map(|i| dom.text(i))
        .map(|t| {
            t.trim_start_matches(['来', '源', '：', ':', ' '])
                .trim()
                .to_owned()
        })
        .filter(|t| (2..=24).contains(&t.chars().count()))
}
