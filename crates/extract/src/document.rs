//! Parsing a page into a document, with a guard against pages nested too deep to parse in
//! reasonable time.

use scraper::{Html, Selector};
use url::Url;

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

/// The address the links of the page at `url` are read against. A web page's own; a saved
/// page (a `file:` URL) tells where it came from with `<base href>`, `<link rel=canonical>`
/// or `og:url`, and without them its relative links lead nowhere on the web.
pub fn web_address(document: &Html, url: &Url) -> Url {
    if matches!(url.scheme(), "http" | "https") {
        return url.clone();
    }
    let said = Selector::parse(
        r#"base[href], link[rel="canonical"][href], meta[property="og:url"][content]"#,
    )
    .unwrap_or_else(|_| unreachable!("static selector"));
    document
        .select(&said)
        .filter_map(|el| {
            el.value()
                .attr("href")
                .or_else(|| el.value().attr("content"))
        })
        .filter_map(|address| Url::parse(address.trim()).ok())
        .find(|address| matches!(address.scheme(), "http" | "https"))
        .unwrap_or_else(|| url.clone())
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
}
