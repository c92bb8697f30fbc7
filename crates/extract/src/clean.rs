//! Article HTML made safe for feed readers.
//!
//! ammonia keeps an allowlist of tags and attributes: no script, style, iframe, form, event
//! handler or `javascript:` URL survives. Every `href`, `src`, `poster` and `srcset` becomes
//! absolute against the page (a feed reader has no base URL), and images carry
//! `referrerpolicy="no-referrer"`, because china.com images refuse foreign referers.

use std::borrow::Cow;
use std::cell::RefCell;

use ammonia::{Builder, UrlRelative};
use url::Url;

use crate::text::xml_safe;

thread_local! {
    /// The allowlist, built once per thread: building it costs as much as sanitizing a body.
    static SANITIZER: RefCell<Builder<'static>> = RefCell::new(sanitizer());
    /// The page being sanitized, for the `srcset` filter (ammonia takes one filter per builder).
    static PAGE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

fn sanitizer() -> Builder<'static> {
    let mut builder = Builder::default();
    builder
        .add_tags(["video", "audio", "source", "picture"])
        // The W3C feed validator flags these as unknown or risky.
        .rm_tags(["rtc", "bdo"])
        .add_tag_attributes("img", ["srcset", "sizes", "loading"])
        .add_tag_attributes("source", ["src", "srcset", "type", "media", "sizes"])
        .add_tag_attributes("video", ["src", "poster", "width", "height"])
        .add_tag_attributes("audio", ["src"])
        .set_tag_attribute_value("img", "referrerpolicy", "no-referrer")
        .attribute_filter(|_element, attribute, value| match attribute {
            "srcset" => Some(Cow::Owned(PAGE.with_borrow(|page| match page {
                Some(base) => absolute_srcset(value, base),
                None => String::new(),
            }))),
            _ => Some(Cow::Borrowed(value)),
        });
    builder
}

/// Sanitizes `html` from the page at `base`.
pub fn clean(html: &str, base: &Url) -> String {
    PAGE.set(Some(base.clone()));
    let cleaned = SANITIZER.with_borrow_mut(|sanitizer| {
        sanitizer
            .url_relative(UrlRelative::RewriteWithBase(base.clone()))
            .clean(html)
            .to_string()
    });
    PAGE.set(None);
    xml_safe(cleaned.trim())
}

/// `srcset` candidates (`url [descriptor], …`) with absolute http(s) URLs; others are dropped.
fn absolute_srcset(value: &str, base: &Url) -> String {
    value
        .split(',')
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let url = base.join(parts.next()?).ok()?;
            if !matches!(url.scheme(), "http" | "https") {
                return None;
            }
            let descriptor: Vec<&str> = parts.collect();
            Some(if descriptor.is_empty() {
                url.to_string()
            } else {
                format!("{url} {}", descriptor.join(" "))
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.china.com/socialgd/10000169/20240506/46470275.html").unwrap()
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let html = r#"<p onclick="steal()">a<script>alert(1)</script><style>p{}</style></p>
            <iframe src="https://ads.example/"></iframe><form action="/x"><input name=q></form>
            <a href="javascript:alert(1)">x</a><img src="x.jpg" onerror="steal()">"#;
        let out = clean(html, &base());
        for bad in [
            "script",
            "alert",
            "style",
            "iframe",
            "form",
            "input",
            "onclick",
            "onerror",
            "javascript",
        ] {
            assert!(!out.contains(bad), "{bad} survived in {out}");
        }
        assert!(
            out.contains(r#"<a rel="noopener noreferrer">x</a>"#),
            "{out}"
        );
    }

    #[test]
    fn urls_become_absolute_and_images_private() {
        let html = r#"<a href="/domestic/">国内</a><img src="../../images/a.jpg" srcset="a-1x.jpg 1x, /a-2x.jpg 2x, javascript:x 3x">
            <video poster="p.jpg" src="//v.china.com/v.mp4"></video>"#;
        let out = clean(html, &base());
        assert!(
            out.contains(r#"href="https://news.china.com/domestic/""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://news.china.com/socialgd/images/a.jpg""#),
            "{out}"
        );
        assert!(
            out.contains(r#"srcset="https://news.china.com/socialgd/10000169/20240506/a-1x.jpg 1x, https://news.china.com/a-2x.jpg 2x""#),
            "{out}"
        );
        assert!(out.contains(r#"referrerpolicy="no-referrer""#), "{out}");
        assert!(
            out.contains(r#"poster="https://news.china.com/socialgd/10000169/20240506/p.jpg""#),
            "{out}"
        );
        assert!(out.contains(r#"src="https://v.china.com/v.mp4""#), "{out}");
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(clean("<p>a\u{1}b\u{b}c</p>", &base()), "<p>abc</p>");
    }
}
