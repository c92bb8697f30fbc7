//! Normalization: what extraction found on a page becomes [`Scraped`] stories, the items of
//! history.
//!
//! The extraction crate does the work (canonical links, which are the items' ids; instants
//! from the time catalogue; sanitized HTML; XML-safe text); this stage shapes the result as an
//! item and says which kind of sighting it is. Problems with one value are logged with the
//! page's URL and never fail the page.

use feedwright_extract::clean::clean;
use feedwright_extract::link::canonical_link;
use feedwright_extract::page::{self, source_name};
use feedwright_extract::raw::{RawArticle, RawEntry};
use feedwright_extract::text::plain;
use feedwright_extract::time::{self, TimeContext};
use url::Url;

use crate::item::Scraped;

/// The article of the page at `url`.
pub fn article(raw: &RawArticle, url: &Url, ctx: &TimeContext<'_>) -> Option<Scraped> {
    let link = canonical_link(url, "")?;
    let texts: Vec<&str> = raw.published.iter().map(String::as_str).collect();
    Some(Scraped {
        title: plain(&raw.title),
        published: time::first_with_precision(&texts, ctx, url).map(|(at, _)| at),
        source: raw.source.as_deref().and_then(source_name),
        content: raw
            .body
            .as_deref()
            .map(|body| clean(body, url))
            .filter(|c| !c.is_empty()),
        link,
        from_article: true,
    })
}

/// A list entry of the page at `url`; `None` when its link is not a web link or it has no
/// title.
pub fn entry(raw: &RawEntry, url: &Url, ctx: &TimeContext<'_>) -> Option<Scraped> {
    let entry = page::entry(raw, url, ctx)?;
    Some(Scraped {
        link: entry.link,
        title: entry.title,
        published: entry.published,
        source: entry.source,
        content: None,
        from_article: false,
    })
}
