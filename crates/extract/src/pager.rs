//! The pages of an article split over several: where its next page is.
//!
//! A pager shows `下一页` (or `Next`, `»`), or the numbers of the pages. Either way its links
//! lead to the same story's other pages, whose addresses differ from this page's only by a page
//! number: `46470275.html` → `46470275_1.html`, `…/a.html?page=2`. A link that leads anywhere
//! else (the next story, another site) is no next page. Joining the pages (fetching each once,
//! stopping at a loop or a cap) is the caller's: [`crate::raw::RawArticle::append`] adds a page.

use scraper::{ElementRef, Html};
use url::Url;

/// An article that may go on over more pages, as raw strings or as a normalized page.
pub trait Paged: Sized {
    /// Takes the address of the next page (as written; relative to the page it was found on).
    fn take_next(&mut self) -> Option<String>;
    /// Adds the next page's body after this one's; its own next page becomes this one's.
    fn append(&mut self, page: Self);
}

impl Paged for crate::raw::RawArticle {
    fn take_next(&mut self) -> Option<String> {
        self.next.take()
    }

    fn append(&mut self, page: Self) {
        crate::raw::RawArticle::append(self, page);
    }
}

impl Paged for crate::page::Page {
    fn take_next(&mut self) -> Option<String> {
        self.next_page.take().map(String::from)
    }

    fn append(&mut self, page: Self) {
        crate::page::Page::append(self, page);
    }
}

/// Words of a link to the next page.
const NEXT_WORDS: [&str; 7] = [
    "下一页",
    "下页",
    "下一頁",
    "后一页",
    "next",
    "next page",
    "nextpage",
];

/// Marks a next-page link may show instead of or beside its words.
const NEXT_MARKS: [char; 6] = ['>', '»', '›', '→', '＞', ' '];

/// Bytes of text beyond which a link is no pager's (`下一页 >`, `12`).
const MAX_PAGER_TEXT: usize = 24;

/// The last name of `path` without its extension and page number (`46470275` of
/// `/a/46470275_2.html`).
fn name_base(path: &str) -> &str {
    let name = path.rsplit_once('/').map_or(path, |(_, name)| name);
    let base = name.rsplit_once('.').map_or(name, |(base, _)| base);
    match base.rsplit_once(['_', '-']) {
        Some((kept, number))
            if !kept.is_empty()
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            kept
        }
        _ => base,
    }
}

/// Query parameters that number a story's pages.
const PAGE_PARAMS: [&str; 8] = [
    "page",
    "p",
    "pn",
    "pg",
    "pageno",
    "pagenum",
    "cp",
    "currentpage",
];

/// The link to the next page of the article at `url`, if the page shows a pager.
pub fn next_page(document: &Html, url: &Url) -> Option<Url> {
    // The tree's nodes in the order the parser made them: the page's order, without walking it.
    let links = document
        .tree
        .nodes()
        .filter_map(ElementRef::wrap)
        .filter(|el| el.value().name() == "a" && el.value().attr("href").is_some());
    let mut numbered: Vec<(u32, Url)> = Vec::new();
    let mut by_word = None;
    // Another page of the story names the page's own file, or only changes its query.
    let base = name_base(url.path());
    let may_be_sibling = |href: &str| match base {
        "" => href.contains('?'),
        _ if base.contains('%') => true,
        _ => href.contains(base) || href.starts_with('?'),
    };
    let mut text = String::new();
    for link in links {
        if !link
            .value()
            .attr("href")
            .is_some_and(|href| may_be_sibling(href.trim()))
        {
            continue;
        }
        // Links that may lead to a sibling are few; their words rule most of the rest out.
        text.clear();
        for piece in link.text() {
            text.push_str(piece);
            if text.len() > MAX_PAGER_TEXT {
                break;
            }
        }
        if text.len() > MAX_PAGER_TEXT {
            continue;
        }
        let word = text.trim_matches(|c: char| c.is_whitespace() || NEXT_MARKS.contains(&c));
        let number = word.parse::<u32>().ok();
        if number.is_none() && !NEXT_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
            continue;
        }
        let Some(target) = link
            .value()
            .attr("href")
            .and_then(|href| url.join(href.trim()).ok())
            .filter(|target| is_sibling_page(url, target))
        else {
            continue;
        };
        match number {
            Some(number) => numbered.push((number, target)),
            None => {
                by_word.get_or_insert(target);
            }
        }
    }
    by_word.or_else(|| next_by_number(&numbered))
}

/// The next page among a pager's numbered links: the current page is the number that is not a
/// link (a pager writes the page shown as plain text), else the first.
fn next_by_number(numbered: &[(u32, Url)]) -> Option<Url> {
    let highest = numbered.iter().map(|(n, _)| *n).max()?;
    let current = (1..=highest)
        .find(|n| !numbered.iter().any(|(m, _)| m == n))
        .unwrap_or(1);
    numbered
        .iter()
        .find(|(n, _)| *n == current + 1)
        .map(|(_, url)| url.clone())
}

/// True when `other` is another page of the story at `page`: the same host, path and query
/// but for a page number (`_2` before the extension, a `page=` parameter).
pub fn is_sibling_page(page: &Url, other: &Url) -> bool {
    let without_fragment = |u: &Url| {
        let mut u = u.clone();
        u.set_fragment(None);
        u
    };
    without_fragment(page) != without_fragment(other)
        && page.host_str() == other.host_str()
        && stem(page) == stem(other)
}

/// A page's address without its page number: the path with a trailing `_N` or `-N` of its last
/// name removed, and the query without page parameters.
fn stem(url: &Url) -> (String, Vec<(String, String)>) {
    let path = url.path();
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    let base = name_base(path);
    let query = url
        .query_pairs()
        .filter(|(name, _)| !PAGE_PARAMS.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    (format!("{folder}/{base}.{extension}"), query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(html: &str, url: &str) -> Option<String> {
        let url = Url::parse(url).unwrap();
        next_page(&Html::parse_document(html), &url).map(String::from)
    }

    #[test]
    fn a_next_link_of_the_same_story() {
        let page = "https://news.example.com/2024/0506/46470275.html";
        let pager = r#"<div class="pager"><span>1</span><a href="46470275_1.html">2</a>
            <a href="46470275_2.html">3</a><a href="46470275_1.html">下一页 &gt;</a></div>"#;
        assert_eq!(
            next(pager, page).as_deref(),
            Some("https://news.example.com/2024/0506/46470275_1.html")
        );
        let numbers_only =
            r#"<a href="46470275.html">1</a><b>2</b><a href="46470275_2.html">3</a>"#;
        assert_eq!(
            next(
                numbers_only,
                "https://news.example.com/2024/0506/46470275_1.html"
            )
            .as_deref(),
            Some("https://news.example.com/2024/0506/46470275_2.html")
        );
        let query = r#"<a href="?id=7&page=2">Next »</a>"#;
        assert_eq!(
            next(query, "https://bbs.example.com/read.php?id=7").as_deref(),
            Some("https://bbs.example.com/read.php?id=7&page=2")
        );
        let folder = r#"<a href="/news/2024/">1</a><a href="/news/2024/?page=2">下一页</a>"#;
        assert_eq!(
            next(folder, "https://news.example.com/news/2024/").as_deref(),
            Some("https://news.example.com/news/2024/?page=2")
        );
        let absolute = r#"<a href="https://news.example.com/a/46470275-2.html">Next</a>"#;
        assert_eq!(
            next(absolute, "https://news.example.com/a/46470275.html").as_deref(),
            Some("https://news.example.com/a/46470275-2.html")
        );
    }

    #[test]
    fn the_next_story_and_other_sites_are_no_next_page() {
        let page = "https://news.example.com/2024/0506/46470275.html";
        for html in [
            r#"<a href="46470276.html">下一页</a>"#,
            r#"<a href="https://other.example.net/2024/0506/46470275_1.html">下一页</a>"#,
            r#"<a href="46470275.html#comments">下一页</a>"#,
            r#"<a href="46470275_1.html">下一篇</a>"#,
        ] {
            assert_eq!(next(html, page), None, "{html}");
        }
    }
}
