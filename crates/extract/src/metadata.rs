//! What a page says of itself in its `<head>`: publication times in `<meta>` tags, `<time>`
//! elements and JSON-LD blocks.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

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

/// Every metadata time of the page, in order of preference, found in one pass over the document
/// in which only `meta`, `time` and `script` elements are matched against the selectors.
pub fn metadata_times(document: &Html) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_graph() {
        let text = r##"{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle","datePublished":"2024-05-06T09:05:20+08:00"}]}"##;
        assert_eq!(
            json_ld_date(text).as_deref(),
            Some("2024-05-06T09:05:20+08:00")
        );
        assert_eq!(json_ld_date("not json"), None);
    }
}
