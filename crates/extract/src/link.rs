//! Links as ids: absolute, canonical, without what only tracks the reader.

use url::Url;

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
}
