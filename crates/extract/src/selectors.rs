//! The selector engine: a page's values read by a site's CSS selectors.
//!
//! Every value is the first match among its selector alternatives; text is read without the
//! contents of `script`, `style` and `noscript`, whitespace collapsed. Nothing here interprets a
//! value (times, links and HTML are read later), so a page that holds nothing gives an empty
//! [`Extracted`], never an error.

use scraper::{ElementRef, Html, Selector};

use crate::document::parse_document;
use crate::metadata::metadata_times;
use crate::raw::{Extracted, RawArticle, RawEntry};
use crate::rules::{ArticleRules, Field, RelatedRules, Target};
use crate::text::{body_html_without, collapse_whitespace, is_editor_line, plain_text};

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

/// The article the selectors find (when the title matches), and the configured fields among
/// published, source and body that matched nothing.
pub(crate) fn extract_article(
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
        // The first element that shows something, as every other value is read.
        .find_map(|field| {
            root.select(&field.selector)
                .find(|el| el.text().any(|t| !t.trim().is_empty()))
        })
        .map(|body| body_html_without(body, &|id| is_editor_block(body, id)));
    let absent = [selected.is_none(), source.is_none(), body.is_none()];
    let missing = rules
        .optional_fields()
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
        next: first_value(root, &rules.next),
    };
    (Some(article), missing)
}

pub(crate) fn extract_entries(root: ElementRef<'_>, rules: &RelatedRules) -> Vec<RawEntry> {
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

/// True when the node `id` inside `body` is a block that holds only an editor's sign-off line.
fn is_editor_block(body: ElementRef<'_>, id: ego_tree::NodeId) -> bool {
    body.tree()
        .get(id)
        .and_then(ElementRef::wrap)
        .filter(|el| matches!(el.value().name(), "p" | "div" | "span" | "section"))
        // Most blocks are told apart by their first words, without reading them whole.
        .filter(|el| {
            el.text()
                .map(str::trim_start)
                .find(|t| !t.is_empty())
                .is_some_and(|t| t.starts_with(['（', '(', '【', '[', '责', '编', '校']))
        })
        .is_some_and(|el| is_editor_line(&plain_text(el)))
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
pub fn first_value(scope: ElementRef<'_>, fields: &[Field]) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(alternatives: &[&str], target: &Target) -> Vec<Field> {
        alternatives
            .iter()
            .map(|text| Field::parse(text, target).unwrap())
            .collect()
    }

    fn rules() -> (ArticleRules, RelatedRules) {
        let text = |alternatives: &[&str]| fields(alternatives, &Target::Text);
        let article = ArticleRules {
            title: text(&["h1.missing", "h1#t"]),
            published: text(&["#info"]),
            source: text(&[".src"]),
            body: text(&["#body"]),
            ..ArticleRules::default()
        };
        let related = RelatedRules {
            item: text(&[".item_list li"]),
            title: text(&["h3 a"]),
            link: fields(&["h3 a"], &Target::Attr("href".into())),
            published: text(&[".item_time"]),
            ..RelatedRules::default()
        };
        (article, related)
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

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let (article, list) = rules();
            let page = crate::charset::decode(&bytes, None);
            let _ = extract(&page.text, Some(&article), Some(&list));
        }

        #[test]
        fn tag_soup_never_panics(soup in r#"(<(h1|div|ul|li|h3|a|em|p|script|img)( id="t"| class="item_list"| href="[^"]{0,8}"| data-original="x")?>|</(h1|div|ul|li|h3|a|em|p|script)>|[^<]{0,12}){0,40}"#) {
            let (article, list) = rules();
            let _ = extract(&soup, Some(&article), Some(&list));
        }
    }
}
