//! A page as a reader sees it: what zero-config extraction found, normalized. Titles are plain
//! text, times are instants with the precision the page shows, the body is clean HTML with
//! absolute links, and every list entry has an absolute, canonical link.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use url::Url;

use crate::auto::{self, Kind};
use crate::clean::clean;
use crate::document::{parse_document, web_address};
use crate::link::canonical_link;
use crate::raw::RawEntry;
use crate::text::{plain, xml_safe};
use crate::time::{self, Precision, TimeContext};

/// What kind of page it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// One story: a headline, and a body however short.
    Article,
    /// A list of stories and nothing else worth reading.
    List,
}

/// A list entry, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The headline, plain text.
    pub title: String,
    /// The story's canonical link.
    pub link: Url,
    /// The time shown beside the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<FixedOffset>>,
    /// The source shown beside the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Everything zero-config extraction found on a page, normalized.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Where the page was read from.
    pub url: Url,
    /// An article or a list.
    pub kind: PageKind,
    /// The article's headline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The article's publication time, with the offset of the zone it is read in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<FixedOffset>>,
    /// How precise the page's time is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// The author or reporter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The source the article names (`来源：`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The body as clean HTML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// The body's text, one line per block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// The lead image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Url>,
    /// The related news of an article, the items of a list page.
    pub items: Vec<Entry>,
    /// How many pages the article was read from, when more than one.
    #[serde(skip_serializing_if = "is_one")]
    pub pages: usize,
    /// The article's next page, when it goes on over several and it is not joined yet.
    #[serde(skip)]
    pub next_page: Option<Url>,
}

fn is_one(pages: &usize) -> bool {
    *pages == 1
}

impl Page {
    /// The article with its next page's body after its own; the next page's link takes the
    /// place of this one's.
    pub fn append(&mut self, page: Page) {
        let join = |mine: &mut Option<String>, theirs: Option<String>| {
            if let Some(theirs) = theirs.filter(|t| !t.is_empty()) {
                match mine {
                    Some(mine) if !mine.is_empty() => {
                        mine.push('\n');
                        mine.push_str(&theirs);
                    }
                    _ => *mine = Some(theirs),
                }
            }
        };
        join(&mut self.body_html, page.body_html);
        join(&mut self.body_text, page.body_text);
        self.pages += page.pages;
        self.next_page = page.next_page;
    }
}

/// The page at `url` with `html`, extracted with no selectors and normalized; `None` when it
/// holds neither an article nor a list.
///
/// ```
/// use feedwright_extract::{PageKind, TimeContext, Zone, extract};
///
/// let html = r#"<html><head><title>新规发布_新闻频道</title></head><body>
///   <h1>新规发布</h1><div class="info">2024-05-06 09:05:20 来源：新华社</div>
///   <div class="content"><p>记者从有关部门获悉，新规将于下月起施行，涉及出行、就业和社保等多个方面，各地将陆续公布细则。</p></div>
/// </body></html>"#;
/// let url = "https://news.example.com/2024/05/06/1.html".parse().unwrap();
/// let ctx = TimeContext::new(Zone::shanghai(), chrono::Utc::now());
/// let page = extract(html, &url, &ctx).unwrap();
/// assert_eq!(page.kind, PageKind::Article);
/// assert_eq!(page.title.as_deref(), Some("新规发布"));
/// assert_eq!(page.published.unwrap().to_rfc3339(), "2024-05-06T09:05:20+08:00");
/// assert_eq!(page.source.as_deref(), Some("新华社"));
/// ```
pub fn extract(html: &str, url: &Url, ctx: &TimeContext<'_>) -> Option<Page> {
    let document = parse_document(html);
    let page_url = url;
    let url = &web_address(&document, url);
    let found = auto::extract(&document, url);
    let kind = match found.kind {
        Kind::Article => PageKind::Article,
        Kind::List => PageKind::List,
        Kind::None => return None,
    };
    let items = found
        .entries
        .iter()
        .filter_map(|raw| entry(raw, url, ctx))
        .collect();
    let mut page = Page {
        url: page_url.clone(),
        kind,
        title: None,
        published: None,
        precision: None,
        author: None,
        source: None,
        body_html: None,
        body_text: None,
        image: None,
        items,
        pages: 1,
        next_page: None,
    };
    if let Some(raw) = &found.article {
        let texts: Vec<&str> = raw.published.iter().map(String::as_str).collect();
        let time = time::first_with_precision(&texts, ctx, url);
        page.title = Some(plain(&raw.title)).filter(|t| !t.is_empty());
        page.published = time.map(|(at, _)| at);
        page.precision = time.map(|(_, p)| p);
        page.source = raw.source.as_deref().and_then(source_name);
        page.author = raw.author.as_deref().map(xml_safe);
        page.body_html = raw.body.as_deref().map(|b| clean(b, url));
        page.body_text = raw.body_text.as_deref().map(xml_safe);
        page.image = raw.image.as_deref().and_then(|i| canonical_link(url, i));
        page.next_page = raw
            .next
            .as_deref()
            .and_then(|next| url.join(next.trim()).ok());
    }
    Some(page)
}

/// A list entry of the page at `page`, normalized; `None` when its link is not a web link or
/// its title is empty.
pub fn entry(raw: &RawEntry, page: &Url, ctx: &TimeContext<'_>) -> Option<Entry> {
    // A saved page that does not say where it came from lists its neighbours as files.
    let saved = || {
        (page.scheme() == "file")
            .then(|| page.join(raw.href.trim()).ok())
            .flatten()
            .filter(|link| link.scheme() == "file")
    };
    let Some(link) = canonical_link(page, &raw.href).or_else(saved) else {
        tracing::debug!(url = %page, href = raw.href, "list entry skipped: not an http(s) link");
        return None;
    };
    let title = plain(&raw.title);
    if title.is_empty() {
        return None;
    }
    let published = raw
        .published
        .as_deref()
        .and_then(|text| time::first_with_precision(&[text], ctx, page))
        .map(|(at, _)| at);
    Some(Entry {
        title,
        link,
        published,
        source: raw.source.as_deref().and_then(source_name),
    })
}

/// A source name without its `来源：` label.
pub fn source_name(text: &str) -> Option<String> {
    let text = text.trim();
    let name = ["来源：", "来源:", "来源", "Source:"]
        .iter()
        .find_map(|label| text.strip_prefix(label))
        .unwrap_or(text);
    let name = plain(name);
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_lose_their_label() {
        assert_eq!(source_name("来源：新华社").as_deref(), Some("新华社"));
        assert_eq!(source_name(" 来源: 中国军网 ").as_deref(), Some("中国军网"));
        assert_eq!(source_name("观察者网").as_deref(), Some("观察者网"));
        assert_eq!(source_name("来源："), None);
    }
}
