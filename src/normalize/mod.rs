//! Normalization: raw strings from `extract` become [`Scraped`] stories.
//!
//! Links are joined to the page URL and made canonical (they are the items' ids), times become
//! instants ([`time`]), HTML is sanitized ([`html`]), and every text loses the characters XML 1.0
//! forbids. Problems with one value are logged with the page URL and never fail the page.

pub mod html;
pub mod time;
pub mod zone;

use url::Url;

use crate::extract::{RawArticle, RawEntry, collapse_whitespace};
use crate::item::Scraped;
use time::{TimeContext, TimeError};

/// Query parameters that only track the reader; dropped from canonical links.
const TRACKING_PARAMS: [&str; 9] = [
    "spm",
    "scm",
    "gclid",
    "fbclid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "share_token",
];

/// The canonical form of a link: absolute, http(s), scheme and host lowercased (by `url`),
/// without fragment and without tracking parameters (`utm_*`, `spm`, …).
pub fn canonical_link(base: &Url, href: &str) -> Option<Url> {
    let mut url = base.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    url.set_fragment(None);
    if let Some(query) = url.query() {
        // Only the tracking parameters go; the rest of the query stays byte for byte (it may
        // hold GBK escapes or bare keys that a decode and re-encode would change).
        let is_tracking = |pair: &&str| {
            let name = pair
                .split('=')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
        };
        if query.split('&').any(|pair| is_tracking(&pair)) {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| !pair.is_empty() && !is_tracking(pair))
                .collect();
            let kept = kept.join("&");
            url.set_query((!kept.is_empty()).then_some(kept.as_str()));
        }
    }
    Some(url)
}

/// Removes the characters XML 1.0 does not allow (C0 controls but tab and newlines, U+FFFE,
/// U+FFFF), so that no feed is malformed because of a page, and those the W3C validator warns
/// about: C1 controls and U+FFFD, the mark of bytes a page's charset could not decode.
pub fn xml_safe(text: &str) -> String {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFC}' | '\u{10000}'..);
    // Almost every text is clean: one check, one copy.
    if text.chars().all(allowed) {
        return text.to_owned();
    }
    text.chars().filter(|&c| allowed(c)).collect()
}

/// A text as plain, XML-safe, whitespace-collapsed text.
pub fn plain(text: &str) -> String {
    xml_safe(&collapse_whitespace(text))
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

/// The first readable time among `texts`, logging the ones that could not be read.
fn first_time(
    texts: &[&str],
    ctx: &TimeContext<'_>,
    page: &Url,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    first_time_with_precision(texts, ctx, page).map(|(at, _)| at)
}

/// The first readable time among `texts` with the precision its text shows.
pub fn first_time_with_precision(
    texts: &[&str],
    ctx: &TimeContext<'_>,
    page: &Url,
) -> Option<(chrono::DateTime<chrono::FixedOffset>, time::Precision)> {
    let mut last_error = None;
    for (index, text) in texts.iter().enumerate() {
        match time::parse(text, ctx) {
            Ok(at) => {
                return Some(refined(
                    (at, time::Precision::of(text)),
                    &texts[index + 1..],
                    ctx,
                ));
            }
            Err(error) => {
                if let TimeError::InFuture { .. } = error {
                    tracing::warn!(url = %page, %error, "time ignored");
                }
                last_error = Some(error);
            }
        }
    }
    if let Some(error) = last_error {
        tracing::warn!(url = %page, %error, "no usable time");
    }
    None
}

/// A time the page shows only to the day, made as precise as a later candidate of the same
/// local day (a byline's date and the metadata's full time).
fn refined(
    found: (chrono::DateTime<chrono::FixedOffset>, time::Precision),
    later: &[&str],
    ctx: &TimeContext<'_>,
) -> (chrono::DateTime<chrono::FixedOffset>, time::Precision) {
    if found.1 != time::Precision::Day {
        return found;
    }
    let day = found.0.with_timezone(&ctx.tz).date_naive();
    later
        .iter()
        .filter_map(|text| Some((time::parse(text, ctx).ok()?, time::Precision::of(text))))
        .find(|(at, precision)| {
            *precision > time::Precision::Day && at.with_timezone(&ctx.tz).date_naive() == day
        })
        .unwrap_or(found)
}

/// The article of the page at `url`.
pub fn article(raw: &RawArticle, url: &Url, ctx: &TimeContext<'_>) -> Option<Scraped> {
    let link = canonical_link(url, "")?;
    let texts: Vec<&str> = raw.published.iter().map(String::as_str).collect();
    Some(Scraped {
        title: plain(&raw.title),
        published: first_time(&texts, ctx, url),
        source: raw.source.as_deref().and_then(source_name),
        content: raw
            .body
            .as_deref()
            .map(|body| html::clean(body, url))
            .filter(|c| !c.is_empty()),
        link,
        from_article: true,
    })
}

/// A list entry of the page at `page`; `None` when its link is not a web link.
pub fn entry(raw: &RawEntry, page: &Url, ctx: &TimeContext<'_>) -> Option<Scraped> {
    let Some(link) = canonical_link(page, &raw.href) else {
        tracing::debug!(url = %page, href = raw.href, "list entry skipped: not an http(s) link");
        return None;
    };
    let title = plain(&raw.title);
    if title.is_empty() {
        return None;
    }
    Some(Scraped {
        link,
        title,
        published: raw
            .published
            .as_deref()
            .and_then(|text| first_time(&[text], ctx, page)),
        source: raw.source.as_deref().and_then(source_name),
        content: None,
        from_article: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://News.China.com/socialgd/10000169/20240506/46470275.html").unwrap()
    }

    #[test]
    fn links_join_every_href_form() {
        let cases = [
            (
                "/socialgd/10000169/20240628/46741101.html",
                "https://news.china.com/socialgd/10000169/20240628/46741101.html",
            ),
            (
                "../20240628/46741102.html",
                "https://news.china.com/socialgd/10000169/20240628/46741102.html",
            ),
            (
                "46741103.html",
                "https://news.china.com/socialgd/10000169/20240506/46741103.html",
            ),
            (
                "//military.china.com/news/",
                "https://military.china.com/news/",
            ),
            (
                "HTTPS://NEWS.CHINA.COM/a.html#comment",
                "https://news.china.com/a.html",
            ),
            (
                "/a.html?utm_source=x&id=3&spm=a.b&UTM_medium=y",
                "https://news.china.com/a.html?id=3",
            ),
            ("/a.html?utm_source=x", "https://news.china.com/a.html"),
            ("/search?123", "https://news.china.com/search?123"),
            (
                "/s?q=%D6%D0&utm_medium=x",
                "https://news.china.com/s?q=%D6%D0",
            ),
        ];
        for (href, expected) in cases {
            assert_eq!(
                canonical_link(&page(), href).unwrap().as_str(),
                expected,
                "{href}"
            );
        }
        for href in ["javascript:void(0)", "mailto:a@b.c", "data:text/html,x"] {
            assert_eq!(canonical_link(&page(), href), None, "{href}");
        }
    }

    #[test]
    fn sources_lose_their_label() {
        assert_eq!(source_name("来源：新华社").as_deref(), Some("新华社"));
        assert_eq!(source_name(" 来源: 中国军网 ").as_deref(), Some("中国军网"));
        assert_eq!(source_name("观察者网").as_deref(), Some("观察者网"));
        assert_eq!(source_name("来源："), None);
    }

    #[test]
    fn a_day_is_made_as_precise_as_a_later_time_of_the_same_day() {
        let ctx = TimeContext {
            tz: zone::Zone::shanghai(),
            now: chrono::Utc::now(),
            format: None,
        };
        let shown = |texts: &[&str]| {
            first_time_with_precision(texts, &ctx, &page())
                .map(|(at, precision)| (at.to_rfc3339(), precision))
        };
        assert_eq!(
            shown(&["2025-04-22", "2025-04-22T08:12:08.913Z"]),
            Some((
                "2025-04-22T08:12:08.913+00:00".into(),
                time::Precision::Second
            ))
        );
        // Another day, or nothing finer, leaves the day as shown.
        assert_eq!(
            shown(&["2025-04-22", "2025-04-22T20:12:08Z"]),
            Some(("2025-04-22T00:00:00+08:00".into(), time::Precision::Day))
        );
        assert_eq!(
            shown(&["2025-04-22 16:12", "2025-04-22T08:12:08Z"]),
            Some(("2025-04-22T16:12:00+08:00".into(), time::Precision::Minute))
        );
    }

    #[test]
    fn xml_forbidden_characters_go() {
        assert_eq!(
            xml_safe("a\u{0}b\u{8}c\td\u{fffe}e\u{1F600}"),
            "abc\tde\u{1F600}"
        );
    }
}
