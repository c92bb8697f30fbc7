//! Extraction: a page's HTML and a site's selectors in, raw strings out.
//!
//! Each page is parsed once ([`parse_document`], which bounds how deep it may nest). Every value
//! is the first match among its selector alternatives; text is read without the contents of
//! `script`, `style` and `noscript`, whitespace collapsed. A site without selectors, and a field
//! whose selectors match nothing on a page, get zero-config extraction ([`auto`]) instead
//! ([`extract_for_site`]). Nothing here interprets a value (times, URLs and HTML are the job of
//! `normalize`), so a page that holds nothing gives an empty [`Extracted`], never an error.

pub mod auto;

use std::sync::LazyLock;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

use crate::config::{ArticleRules, Field, RelatedRules, Site, Target};

/// What a page holds, uninterpreted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The article, when the page has one (its title selector matched).
    pub article: Option<RawArticle>,
    /// The page's list entries, in page order.
    pub entries: Vec<RawEntry>,
}

/// An article's fields as found on its page.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawArticle {
    pub title: String,
    /// Texts that may hold the publication time, best first: the `published` selector's match,
    /// then the page's metadata (`article:published_time`, JSON-LD, …).
    pub published: Vec<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    /// The body's inner HTML, unsanitized.
    pub body: Option<String>,
    /// The body's visible text, one line per block (zero-config extraction only).
    pub body_text: Option<String>,
    /// The lead image: `og:image` (zero-config extraction only).
    pub image: Option<String>,
}

/// One entry of a list, as found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub title: String,
    pub href: String,
    pub published: Option<String>,
    pub source: Option<String>,
}

/// Metadata that may carry an article's publication time, in order of preference: a CSS
/// selector and the attribute holding the time.
const META_TIME_SOURCES: [(&str, &str); 9] = [
    (r#"meta[property="article:published_time"]"#, "content"),
    (r#"meta[name="article:published_time"]"#, "content"),
    (r#"meta[property="og:time"]"#, "content"),
    (r#"meta[property="og:release_date"]"#, "content"),
    (r#"meta[name="pubdate"]"#, "content"),
    (r#"meta[name="publishdate"]"#, "content"),
    (r#"meta[name="PubDate"]"#, "content"),
    (r#"meta[itemprop="datePublished"]"#, "content"),
    (r#"time[itemprop="datePublished"]"#, "datetime"),
];

const JSON_LD_SOURCE: &str = r#"script[type="application/ld+json"]"#;

static META_TIMES: LazyLock<Vec<(Selector, &'static str)>> = LazyLock::new(|| {
    META_TIME_SOURCES
        .iter()
        .map(|(css, attr)| {
            (
                Selector::parse(css).expect("static selector is valid"),
                *attr,
            )
        })
        .collect()
});

/// Any metadata time or JSON-LD block: one selector, so one pass over the document.
static ANY_METADATA: LazyLock<Selector> = LazyLock::new(|| {
    let all: Vec<&str> = META_TIME_SOURCES
        .iter()
        .map(|(css, _)| *css)
        .chain([JSON_LD_SOURCE])
        .collect();
    Selector::parse(&all.join(", ")).expect("static selector is valid")
});

static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse(JSON_LD_SOURCE).expect("static selector is valid"));

/// How deep elements may nest before the rest of a page is ignored. html5ever's tree builder
/// looks through its whole stack of open elements for many tags, so a page nested 100,000 deep
/// would cost minutes; real pages stay within a few hundred.
pub const MAX_NESTING: usize = 4096;

/// Elements that hold nothing, or that the parser closes by itself when the next one opens:
/// they do not deepen a page.
const FLAT: [&str; 20] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "td", "tr", "option", "dt", "dd",
];

/// Parses a page, ignoring whatever lies deeper than [`MAX_NESTING`] open elements.
pub fn parse_document(html: &str) -> Html {
    let cut = nesting_cut(html);
    if cut < html.len() {
        tracing::warn!(
            "page nested deeper than {MAX_NESTING} elements: its last {} bytes are ignored",
            html.len() - cut
        );
    }
    Html::parse_document(&html[..cut])
}

/// Where a page's elements, counted by their tags, first nest deeper than [`MAX_NESTING`]; the
/// page's length when they never do.
fn nesting_cut(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = html[at..].find('<') {
        at += found + 1;
        match bytes.get(at) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_end = bytes[at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |n| at + n);
                let name = html[at..name_end].to_ascii_lowercase();
                let tag_end = html[name_end..]
                    .find('>')
                    .map_or(bytes.len(), |n| name_end + n);
                let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
                if !self_closing && !FLAT.contains(&name.as_str()) {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return at - 1;
                    }
                }
            }
            _ => {}
        }
    }
    html.len()
}

/// Extracts the article (if `article` rules are given and its title matches) and the list
/// entries (if `related` rules are given) of one page.
pub fn extract(
    html: &str,
    article: Option<&ArticleRules>,
    related: Option<&RelatedRules>,
) -> Extracted {
    let document = parse_document(html);
    let root = document.root_element();
    Extracted {
        article: article.and_then(|rules| extract_article(&document, root, rules).0),
        entries: related.map_or_else(Vec::new, |rules| extract_entries(root, rules)),
    }
}

/// What a site's page gave, and the fields that came from zero-config extraction because the
/// site's selectors for them matched nothing on this page.
#[derive(Debug, Default, Clone)]
pub struct SiteExtraction {
    pub extracted: Extracted,
    /// `article.title`, `article.published`, … as the configuration names them.
    pub fallbacks: Vec<&'static str>,
}

/// Which parts of a page are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// A start page: its article, if it is one, and its list.
    ArticleAndList,
    /// A followed page: its article.
    Article,
}

/// Extracts a page of a site: with its selectors where it has them, with zero-config
/// extraction where it has none (no `article` or `related` rules at all, or none for one of
/// the article's time, source and body) and, field by field, where its selectors match nothing
/// on this page (a fallback, counted). A start page on which the list rules find entries and
/// the article rules no title is a channel page: no article is looked for there.
pub fn extract_for_site(html: &str, site: &Site, wanted: Wanted) -> SiteExtraction {
    let document = parse_document(html);
    let root = document.root_element();
    let (article, related) = (&site.article, site.related.as_ref());
    let zero_config = site.is_zero_config();
    let auto = std::cell::OnceCell::new();
    let auto = || auto.get_or_init(|| auto::extract(&document));
    let mut fallbacks = Vec::new();
    let listed = match related {
        Some(rules) if wanted == Wanted::ArticleAndList && !zero_config => {
            Some(extract_entries(root, rules))
        }
        _ => None,
    };
    let article = if zero_config {
        auto().article.clone()
    } else if article.title.is_empty() {
        None
    } else {
        match extract_article(&document, root, article) {
            (Some(mut found), missing) => {
                // Fields the site names no selectors for come from zero-config extraction as
                // a matter of course; configured ones that matched nothing are fallbacks.
                let unset = optional_fields(article)
                    .into_iter()
                    .filter(|(_, fields)| fields.is_empty())
                    .map(|(name, _)| name);
                let wanting: Vec<&'static str> = missing.iter().copied().chain(unset).collect();
                if let Some(from_auto) = auto().article.as_ref().filter(|_| !wanting.is_empty()) {
                    fill(&mut found, from_auto, &wanting);
                    fallbacks.extend(missing);
                }
                Some(found)
            }
            // The site's list rules find entries where its article rules find no title: a
            // channel page, not an article whose template changed.
            (None, _) if listed.as_ref().is_some_and(|l| !l.is_empty()) => None,
            (None, _) => {
                let from_auto = auto().article.clone();
                if from_auto.is_some() {
                    fallbacks.push("article.title");
                }
                from_auto
            }
        }
    };
    let entries = match related {
        _ if wanted == Wanted::Article => Vec::new(),
        _ if zero_config => auto().entries.clone(),
        None => Vec::new(),
        Some(_) => {
            let entries = listed.unwrap_or_default();
            if entries.is_empty() && !auto().entries.is_empty() {
                fallbacks.push("related.item");
                auto().entries.clone()
            } else {
                entries
            }
        }
    };
    SiteExtraction {
        extracted: Extracted { article, entries },
        fallbacks,
    }
}

/// The article's fields other than its title, as the configuration names them, with their
/// selectors, in the order [`fill`] knows them.
fn optional_fields(rules: &ArticleRules) -> [(&'static str, &[Field]); 3] {
    [
        ("article.published", &rules.published),
        ("article.source", &rules.source),
        ("article.body", &rules.body),
    ]
}

/// Fills the `missing` fields of an article found with selectors from zero-config extraction.
fn fill(article: &mut RawArticle, from_auto: &RawArticle, missing: &[&'static str]) {
    for field in missing {
        match *field {
            "article.published" => {
                let mut published = from_auto.published.clone();
                published.append(&mut article.published);
                article.published = published;
            }
            "article.source" => article.source.clone_from(&from_auto.source),
            "article.body" => {
                article.body.clone_from(&from_auto.body);
                article.body_text.clone_from(&from_auto.body_text);
            }
            _ => {}
        }
    }
}

/// The article the selectors find (when the title matches), and the configured fields among
/// published, source and body that matched nothing.
fn extract_article(
    document: &Html,
    root: ElementRef<'_>,
    rules: &ArticleRules,
) -> (Option<RawArticle>, Vec<&'static str>) {
    let Some(title) = first_value(root, &rules.title) else {
        return (None, Vec::new());
    };
    let selected = first_value(root, &rules.published);
    let source = first_value(root, &rules.source);
    let body = rules
        .body
        .iter()
        .find_map(|field| root.select(&field.selector).next())
        .map(|body| body_html_without(body, &|_| false));
    let absent = [selected.is_none(), source.is_none(), body.is_none()];
    let missing = optional_fields(rules)
        .into_iter()
        .zip(absent)
        .filter(|((_, fields), absent)| !fields.is_empty() && *absent)
        .map(|((name, _), _)| name)
        .collect();
    let mut published: Vec<String> = selected.into_iter().collect();
    published.extend(metadata_times(document));
    let article = RawArticle {
        title,
        published,
        source,
        author: None,
        body,
        body_text: None,
        image: None,
    };
    (Some(article), missing)
}

fn extract_entries(root: ElementRef<'_>, rules: &RelatedRules) -> Vec<RawEntry> {
    let Some(items) = rules.item.iter().find_map(|field| {
        let matched: Vec<ElementRef<'_>> = root.select(&field.selector).collect();
        (!matched.is_empty()).then_some(matched)
    }) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let href = first_value(item, &rules.link)?;
            let title = first_value(item, &rules.title)?;
            Some(RawEntry {
                title,
                href,
                published: first_value(item, &rules.published),
                source: first_value(item, &rules.source),
            })
        })
        .collect()
}

/// Which alternative of each field matched on a page: what `feedwright preview` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMatch {
    /// `article.title`, `related.link`, …
    pub field: &'static str,
    /// The selector that matched, as written; `None` when none did.
    pub matched: Option<String>,
    /// Every alternative, as written.
    pub alternatives: Vec<String>,
}

/// For every configured field, the alternative that matched (list fields: in the first entry).
pub fn diagnose(
    html: &str,
    article: &ArticleRules,
    related: Option<&RelatedRules>,
) -> Vec<FieldMatch> {
    let document = parse_document(html);
    let root = document.root_element();
    // The alternative that gives a value under `scope` (none without a scope).
    let check = |field: &'static str, fields: &[Field], scope: Option<ElementRef<'_>>| FieldMatch {
        field,
        matched: scope.and_then(|scope| {
            fields
                .iter()
                .find(|f| first_value(scope, std::slice::from_ref(f)).is_some())
                .map(|f| f.source.clone())
        }),
        alternatives: fields.iter().map(|f| f.source.clone()).collect(),
    };
    let mut found: Vec<FieldMatch> = [
        ("article.title", &article.title),
        ("article.published", &article.published),
        ("article.source", &article.source),
        ("article.body", &article.body),
    ]
    .into_iter()
    .filter(|(_, fields)| !fields.is_empty())
    .map(|(name, fields)| check(name, fields, Some(root)))
    .collect();
    if let Some(related) = related {
        let first = related
            .item
            .iter()
            .find_map(|f| root.select(&f.selector).next().map(|item| (f, item)));
        found.push(FieldMatch {
            field: "related.item",
            matched: first.map(|(f, _)| f.source.clone()),
            alternatives: related.item.iter().map(|f| f.source.clone()).collect(),
        });
        let item = first.map(|(_, item)| item);
        found.extend(
            [
                ("related.title", &related.title),
                ("related.link", &related.link),
                ("related.published", &related.published),
                ("related.source", &related.source),
            ]
            .into_iter()
            .filter(|(_, fields)| !fields.is_empty())
            .map(|(name, fields)| check(name, fields, item)),
        );
    }
    found
}

/// The first non-empty value among the alternatives, searched under `scope`.
fn first_value(scope: ElementRef<'_>, fields: &[Field]) -> Option<String> {
    fields.iter().find_map(|field| {
        first_match(scope, &field.selector, &field.target).map(|(_, value)| value)
    })
}

/// The first element under `scope` that `selector` matches and whose `target` is not empty,
/// with that value: how one selector alternative reads a value.
pub fn first_match<'a>(
    scope: ElementRef<'a>,
    selector: &Selector,
    target: &Target,
) -> Option<(ElementRef<'a>, String)> {
    scope.select(selector).find_map(|el| {
        let value = match target {
            Target::Text => plain_text(el),
            Target::Attr(name) => collapse_whitespace(el.value().attr(name)?),
        };
        (!value.is_empty()).then_some((el, value))
    })
}

/// Every metadata time of the page, in order of preference, found in one pass over the document
/// in which only `meta`, `time` and `script` elements are matched against the selectors.
fn metadata_times(document: &Html) -> Vec<String> {
    let mut found: Vec<(usize, String)> = Vec::new();
    let candidates = document
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|el| matches!(el.value().name(), "meta" | "time" | "script"))
        .filter(|el| ANY_METADATA.matches(el));
    for el in candidates {
        if JSON_LD.matches(&el) {
            if let Some(date) = json_ld_date(&el.text().collect::<String>()) {
                found.push((META_TIMES.len(), date));
            }
            continue;
        }
        let Some((rank, attr)) = META_TIMES
            .iter()
            .enumerate()
            .find_map(|(rank, (selector, attr))| selector.matches(&el).then_some((rank, *attr)))
        else {
            continue;
        };
        let value = el.value().attr(attr).unwrap_or_default().trim();
        if !value.is_empty() && !found.iter().any(|(r, _)| *r == rank) {
            found.push((rank, value.to_owned()));
        }
    }
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().map(|(_, value)| value).collect()
}

/// `datePublished` of a JSON-LD block (searched at any depth, `@graph` included).
fn json_ld_date(text: &str) -> Option<String> {
    fn search(value: &serde_json::Value) -> Option<String> {
        match value {
            serde_json::Value::Object(map) => map
                .get("datePublished")
                .and_then(|v| v.as_str().map(str::to_owned))
                .or_else(|| map.values().find_map(search)),
            serde_json::Value::Array(items) => items.iter().find_map(search),
            _ => None,
        }
    }
    search(&serde_json::from_str(text).ok()?)
}

/// The text of an element without script, style and noscript contents, whitespace collapsed.
pub fn plain_text(el: ElementRef<'_>) -> String {
    let mut text = String::new();
    let mut skipping = 0usize;
    for edge in el.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) if is_hidden(e.name()) => skipping += 1,
                Node::Text(t) if skipping == 0 => text.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value()
                    && is_hidden(e.name())
                {
                    skipping -= 1;
                }
            }
        }
    }
    collapse_whitespace(&text)
}

/// The inner HTML of a body, without script, style and noscript nor the elements `skip`
/// names, with lazy images' real sources (`data-original`, `data-src`, …) in place of their
/// placeholders.
fn body_html_without(body: ElementRef<'_>, skip: &dyn Fn(ego_tree::NodeId) -> bool) -> String {
    let mut html = String::new();
    let mut skipping = 0usize;
    let skipped = |node: ego_tree::NodeRef<'_, Node>| match node.value() {
        Node::Element(e) => is_hidden(e.name()) || skip(node.id()),
        _ => false,
    };
    for edge in body.traverse() {
        match edge {
            Edge::Open(node) if node.id() != body.id() => match node.value() {
                Node::Element(_) if skipped(node) => skipping += 1,
                Node::Element(e) if skipping == 0 => open_tag(e, &mut html),
                Node::Text(t) if skipping == 0 => escape_into(t, false, &mut html),
                _ => {}
            },
            Edge::Close(node) if node.id() != body.id() => {
                if let Node::Element(e) = node.value() {
                    if skipped(node) {
                        skipping -= 1;
                    } else if skipping == 0 && !is_void(e.name()) {
                        html.push_str("</");
                        html.push_str(e.name());
                        html.push('>');
                    }
                }
            }
            _ => {}
        }
    }
    html
}

/// Attributes that hold a lazy image's real source, best first, and the attribute they replace.
const LAZY_SOURCES: [(&str, &str); 5] = [
    ("data-original", "src"),
    ("data-src", "src"),
    ("data-lazy-src", "src"),
    ("data-actualsrc", "src"),
    ("data-srcset", "srcset"),
];

fn open_tag(element: &scraper::node::Element, html: &mut String) {
    html.push('<');
    html.push_str(element.name());
    let lazy: Vec<(&str, &str)> = if matches!(element.name(), "img" | "source") {
        LAZY_SOURCES
            .iter()
            .filter_map(|(from, to)| {
                element
                    .attr(from)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*to, v))
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut written: Vec<&str> = Vec::new();
    let is_lazy = |name: &str| LAZY_SOURCES.iter().any(|(from, _)| *from == name);
    for (name, value) in lazy.iter().copied().chain(element.attrs()) {
        if written.contains(&name) || is_lazy(name) {
            continue;
        }
        written.push(name);
        html.push(' ');
        html.push_str(name);
        html.push_str("=\"");
        escape_into(value, true, html);
        html.push('"');
    }
    html.push('>');
}

fn escape_into(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' if !attribute => out.push_str("&lt;"),
            '>' if !attribute => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

fn is_hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "noscript" | "template")
}

/// Trims and collapses every run of whitespace (U+00A0 and U+3000 included) to one space.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_cut_and_ordinary_pages_are_not() {
        let deep = format!("<html><body>{}x", "<div>".repeat(MAX_NESTING + 10));
        let cut = nesting_cut(&deep);
        assert!(cut < deep.len());
        assert_eq!(deep[..cut].matches("<div>").count(), MAX_NESTING - 2);
        let flat = format!(
            "<html><body>{}</body></html>",
            "<p>段落<br/><img src=x>".repeat(10_000)
        );
        assert_eq!(nesting_cut(&flat), flat.len());
        let closed = "<div><span>a</span></div>".repeat(10_000);
        assert_eq!(nesting_cut(&closed), closed.len());
    }
    use crate::config::Config;
    use std::path::Path;

    fn rules() -> (ArticleRules, RelatedRules) {
        let yaml = r##"
sites:
  - id: s
    title: S
    article:
      title: ["h1.missing", "h1#t"]
      published: "#info"
      source: ".src"
      body: "#body"
    related:
      item: ".item_list li"
      title: "h3 a"
      link: "h3 a"
      published: ".item_time"
    sections: [{ id: a, title: A, urls: ["https://example.com/"] }]
"##;
        let mut config = Config::from_yaml(yaml, Path::new(".")).unwrap();
        let site = config.sites.remove(0);
        (site.article, site.related.unwrap())
    }

    #[test]
    fn article_and_list() {
        let html = r##"<html><head><meta property="article:published_time" content="2024-05-06T09:05:20+08:00">
            <script>var t = "h1";</script></head><body>
            <h1 id="t">标题<script>document.write("广告")</script>　一</h1>
            <div id="info">关键词：<br>2024-05-06&nbsp;09:05:20&nbsp;&nbsp;<span class="src">观察者网</span></div>
            <div id="body"><p>正文</p></div>
            <ul class="item_list">
              <li><h3><a href="/a.html"> 甲 </a></h3><em class="item_time">2024-06-28 17:08:56</em></li>
              <li><h3><a>no link</a></h3></li>
              <li><h3><a href="b.html">乙</a></h3></li>
            </ul></body></html>"##;
        let (article, list) = rules();
        let out = extract(html, Some(&article), Some(&list));
        let a = out.article.unwrap();
        assert_eq!(a.title, "标题 一");
        assert_eq!(
            a.published,
            [
                "关键词：2024-05-06 09:05:20 观察者网",
                "2024-05-06T09:05:20+08:00"
            ]
        );
        assert_eq!(a.source.as_deref(), Some("观察者网"));
        assert_eq!(a.body.as_deref(), Some("<p>正文</p>"));
        assert_eq!(out.entries.len(), 2);
        assert_eq!(out.entries[0].title, "甲");
        assert_eq!(out.entries[0].href, "/a.html");
        assert_eq!(
            out.entries[0].published.as_deref(),
            Some("2024-06-28 17:08:56")
        );
        assert_eq!(out.entries[1].published, None);
    }

    #[test]
    fn body_keeps_markup_drops_scripts_and_wakes_lazy_images() {
        let (article, _) = rules();
        let html = r##"<h1 id=t>t</h1><div id="body"><p class="x">a &amp; b &lt;c&gt;</p><script>alert(1)</script>
            <p><img src="/placeholder.gif" data-original="/real.jpg" alt='say "hi"'><br></p><style>p{}</style></div>"##;
        let body = extract(html, Some(&article), None)
            .article
            .unwrap()
            .body
            .unwrap();
        assert_eq!(
            body,
            "<p class=\"x\">a &amp; b &lt;c&gt;</p>\n            <p><img src=\"/real.jpg\" alt=\"say &quot;hi&quot;\"><br></p>"
        );
    }

    #[test]
    fn channel_page_has_no_article() {
        let (article, list) = rules();
        let out = extract(
            "<ul class=item_list><li><h3><a href=x>x</a></h3></li></ul>",
            Some(&article),
            Some(&list),
        );
        assert!(out.article.is_none());
        assert_eq!(out.entries.len(), 1);
    }

    #[test]
    fn json_ld_graph() {
        let text = r##"{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","datePublished":"2024-05-06T09:05:20+08:00"}]}"##;
        assert_eq!(
            json_ld_date(text).as_deref(),
            Some("2024-05-06T09:05:20+08:00")
        );
        assert_eq!(json_ld_date("not json"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let (article, list) = rules();
            let page = crate::fetch::charset::decode(&bytes, None);
            let _ = extract(&page.text, Some(&article), Some(&list));
        }

        #[test]
        fn tag_soup_never_panics(soup in r#"(<(h1|div|ul|li|h3|a|em|p|script|img)( id="t"| class="item_list"| href="[^"]{0,8}"| data-original="x")?>|</(h1|div|ul|li|h3|a|em|p|script)>|[^<]{0,12}){0,40}"#) {
            let (article, list) = rules();
            let _ = extract(&soup, Some(&article), Some(&list));
        }
    }
}
