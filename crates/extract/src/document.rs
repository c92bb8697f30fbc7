//! Parsing a page into a document, with a guard against pages nested too deep to parse in
//! reasonable time.
//!
//! html5ever's tree builder looks through its stack of open elements for many tags (a `<p>`
//! closes the paragraph open in its scope), so its work is the sum, over the page's tags, of
//! how deep each one opens. On real pages that sum is below the page's length (at most 0.4 per
//! byte on the 180 corpus pages, none deeper than 110); 100,000 paragraphs under 4,000 open
//! elements make it hundreds per byte, and the parse seconds long. The guard estimates
//! the sum in one pass over the bytes and ignores the rest of a page that goes over
//! [`MAX_NESTING`] open elements or over its budget of work: parsing then costs about the same
//! per byte whatever the page's shape.

use memchr::{memchr, memmem};
use scraper::{Html, Selector};
use url::Url;

/// How deep elements may nest before the rest of a page is ignored (a page nested 100,000
/// deep would cost minutes); real pages stay within a few dozen.
pub const MAX_NESTING: usize = 4096;

/// The parser's work (open elements looked through) a page may cost per byte…
const WORK_PER_BYTE: usize = 8;

/// …beyond this allowance, which lets any page nest [`MAX_NESTING`] deep once.
const WORK_ALLOWANCE: usize = MAX_NESTING * MAX_NESTING;

/// Parses a page, ignoring whatever lies deeper than [`MAX_NESTING`] open elements or beyond
/// the parser's budget of work.
pub fn parse_document(html: &str) -> Html {
    let cut = nesting_cut(html);
    if cut < html.len() {
        tracing::warn!(
            "page nested too deep to parse in reasonable time: its last {} bytes are ignored",
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

/// Where a page's elements, counted by their tags, first nest deeper than [`MAX_NESTING`] or
/// first cost more work than the page's budget; the page's length when they never do. Comments and the text of raw-text elements (scripts,
/// styles, `<title>`, `<textarea>`…) are skipped: a script's `i<n` is no tag. One pass over
/// the page, without allocating.
fn nesting_cut(html: &str) -> usize {
    let bytes = html.as_bytes();
    // Most pages have too few tags to nest that deep: counting them is cheaper than reading them.
    if tag_marks(bytes) <= MAX_NESTING {
        return bytes.len();
    }
    let budget = WORK_ALLOWANCE.saturating_add(WORK_PER_BYTE.saturating_mul(bytes.len()));
    let mut depth = 0usize;
    let mut work = 0usize;
    let mut at = 0;
    while let Some(found) = memchr(b'<', &bytes[at..]) {
        let open = at + found;
        at = open + 1;
        match bytes.get(at) {
            Some(b'!') if bytes[at..].starts_with(b"!--") => {
                at = memmem::find(&bytes[at + 3..], b"-->").map_or(bytes.len(), |end| at + end + 6);
            }
            // Flat elements were not counted open: their ends close nothing counted.
            Some(b'/') if !matches!(Kind::of(tag_name(&bytes[at + 1..])), Kind::Flat) => {
                depth = depth.saturating_sub(1);
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = tag_name(&bytes[at..]);
                let name_len = name.len();
                // A tag without its `>` runs to the end of the page: nothing after it is markup.
                let Some(end) = memchr(b'>', &bytes[at + name_len..]) else {
                    return bytes.len();
                };
                let tag_end = at + name_len + end;
                at = tag_end + 1;
                work += depth;
                if work > budget {
                    return open;
                }
                match Kind::of(name) {
                    Kind::Flat => {}
                    Kind::RawText => at = raw_text_end(bytes, at, name),
                    Kind::Other if bytes[tag_end - 1] == b'/' => {}
                    Kind::Other => {
                        depth += 1;
                        if depth > MAX_NESTING {
                            return open;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    bytes.len()
}

/// The tag name at the start of `bytes`.
fn tag_name(bytes: &[u8]) -> &[u8] {
    let len = bytes
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(bytes.len());
    &bytes[..len]
}

/// How many `<` the page has, counted a block at a time (so that the count vectorizes).
fn tag_marks(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|block| {
            let in_block = block
                .iter()
                .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'<')));
            usize::from(in_block)
        })
        .sum()
}

/// What an element's tag does to the nesting.
enum Kind {
    /// It holds nothing, or the parser closes it by itself when the next one opens.
    Flat,
    /// Its content is text, not markup, up to its closing tag.
    RawText,
    /// It nests.
    Other,
}

impl Kind {
    fn of(name: &[u8]) -> Kind {
        let mut lower = [0u8; 8];
        let Some(lower) = lower.get_mut(..name.len()) else {
            return Kind::Other;
        };
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        match &*lower {
            b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"link"
            | b"meta" | b"source" | b"track" | b"wbr" | b"p" | b"li" | b"td" | b"tr"
            | b"option" | b"dt" | b"dd" => Kind::Flat,
            b"script" | b"style" | b"title" | b"textarea" | b"xmp" | b"iframe" | b"noembed"
            | b"noframes" | b"noscript" => Kind::RawText,
            _ => Kind::Other,
        }
    }
}

/// Where the text of the raw-text element `name` that starts at `from` ends: at its closing
/// tag, or at the page's end.
fn raw_text_end(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut at = from;
    while let Some(found) = memchr(b'<', &bytes[at..]) {
        let close = at + found;
        let after = close + 2;
        let closes = bytes.get(close + 1) == Some(&b'/')
            && bytes
                .get(after..after + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && bytes
                .get(after + name.len())
                .is_none_or(|b| !b.is_ascii_alphanumeric());
        if closes {
            return close;
        }
        at = close + 1;
    }
    bytes.len()
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

    #[test]
    fn scripts_styles_and_comments_are_no_markup() {
        let comparisons = "if (i<n) { i++; } ".repeat(MAX_NESTING + 1000);
        let page = format!(
            "<html><head><script>{comparisons}</script><STYLE>a<b{{}}</STYLE></head>\
             <body><!-- {} --><div><p>正文</p></div></body></html>",
            "<div>".repeat(MAX_NESTING + 10)
        );
        assert_eq!(nesting_cut(&page), page.len());
        let unclosed = format!("<html><body><script>{comparisons}");
        assert_eq!(nesting_cut(&unclosed), unclosed.len());
    }

    #[test]
    fn many_tags_deep_down_are_cut_at_the_budget() {
        let paragraphs = "<p>x</p><span>y</span>".repeat(100_000);
        let deep = format!("<html><body>{}{paragraphs}", "<div>".repeat(4000));
        let cut = nesting_cut(&deep);
        assert!(cut < deep.len() / 4, "cut at {cut} of {}", deep.len());
        let shallow = format!("<html><body><div><div>{paragraphs}</div></div>");
        assert_eq!(nesting_cut(&shallow), shallow.len());
        let once = format!(
            "{}<p>正文</p>{}",
            "<div>".repeat(4000),
            "</div>".repeat(4000)
        );
        let page = format!("<html><body>{once}{}", "<p>a</p>".repeat(5000));
        assert_eq!(nesting_cut(&page), page.len());
    }

    #[test]
    fn tags_without_their_end_end_the_markup() {
        let page = format!("<div>{}", "<a".repeat(100_000));
        assert_eq!(nesting_cut(&page), page.len());
    }
}
