//! Turning a response body into text.
//!
//! reqwest only looks at the `charset` of the `Content-Type` header; many Chinese pages declare
//! GB2312 or GBK only in a `<meta>` tag, and some declare nothing at all. The label is taken from
//! the HTTP header, else from `<meta charset>` or `<meta http-equiv="Content-Type">` in the first
//! bytes of the page, else from a byte order mark; an undeclared page that is not valid UTF-8 is
//! handed to chardetng. A byte order mark, when present, always wins over a label, as in
//! browsers: it cannot be there by accident. A `<meta>` label of a legacy encoding over bytes
//! that are valid UTF-8 (with non-ASCII text) loses to UTF-8: saved copies of GBK pages keep
//! their `gb2312` tag after being re-encoded. A `utf-8` label over bytes that are mostly not
//! UTF-8 loses to detection. Bytes that are invalid in the chosen encoding become
//! U+FFFD; decoding never fails.

use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8};
use regex::bytes::Regex;

/// How many leading bytes are searched for a `<meta>` declaration (the HTML standard's 1024,
/// doubled: some portals put long comments and scripts before the tag).
const META_PRESCAN_BYTES: usize = 2048;

/// Where the encoding of a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// The `Content-Type` header's charset.
    Header,
    /// A `<meta>` declaration.
    Meta,
    /// A byte order mark.
    Bom,
    /// Guessed from the bytes.
    Detected,
    /// Nothing said: UTF-8.
    Default,
}

/// A decoded page body.
#[derive(Debug)]
pub struct Decoded {
    /// The page's text.
    pub text: String,
    /// The encoding it was decoded from.
    pub encoding: &'static Encoding,
    /// Where that encoding came from.
    pub declared: Declared,
    /// True when some bytes were invalid in the encoding and were replaced.
    pub had_errors: bool,
}

/// Decodes `body` using the `Content-Type` header value (if any) and the page itself.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    // Whether the bytes are UTF-8 is asked at most once: the answer chooses the encoding and,
    // when it is UTF-8, already is the text.
    let checked = std::cell::OnceCell::new();
    let utf8 = || *checked.get_or_init(|| std::str::from_utf8(body).ok());
    let (encoding, declared) = choose(body, content_type, &utf8);
    if encoding == UTF_8
        && Encoding::for_bom(body).is_none()
        && let Some(text) = utf8()
    {
        return Decoded {
            text: text.to_owned(),
            encoding: UTF_8,
            declared,
            had_errors: false,
        };
    }
    let (text, used, had_errors) = encoding.decode(body);
    let declared = if used != encoding {
        Declared::Bom
    } else {
        declared
    };
    Decoded {
        text: text.into_owned(),
        encoding: used,
        declared,
        had_errors,
    }
}

fn choose<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    utf8: &dyn Fn() -> Option<&'a str>,
) -> (&'static Encoding, Declared) {
    if let Some(encoding) = content_type.and_then(charset_from_content_type) {
        return (encoding, Declared::Header);
    }
    if let Some(encoding) = charset_from_meta(body) {
        // Saved and proxied copies keep a `gb2312` tag over bytes re-encoded as UTF-8. Text
        // in a legacy encoding is practically never valid UTF-8 once it has non-ASCII bytes,
        // so such bytes are read as what they are.
        let is_utf8 = || !body.is_ascii() && Encoding::for_bom(body).is_none() && utf8().is_some();
        if encoding != UTF_8 && is_utf8() {
            return (UTF_8, Declared::Detected);
        }
        // And the other way round: a `utf-8` tag over bytes that are not UTF-8 (a blog's
        // template served with a legacy-encoded body) is a label the bytes contradict. A few
        // bad bytes (a truncated character, one corrupt sequence) do not.
        if encoding == UTF_8 && utf8().is_none() && !mostly_utf8(body) {
            return (detect(body), Declared::Detected);
        }
        return (encoding, Declared::Meta);
    }
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return (encoding, Declared::Bom);
    }
    if utf8().is_some() {
        return (UTF_8, Declared::Default);
    }
    (detect(body), Declared::Detected)
}

/// The legacy encoding the bytes read as (chardetng's guess).
fn detect(body: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(body, true);
    detector.guess(None, chardetng::Utf8Detection::Deny)
}

/// Invalid sequences allowed per hundred non-ASCII bytes in text still read as UTF-8.
const MAX_INVALID_PER_HUNDRED: usize = 1;

/// True when `body` is UTF-8 but for a few invalid sequences: at most one per hundred of its
/// non-ASCII bytes (legacy encodings' text is invalid at almost every character).
fn mostly_utf8(body: &[u8]) -> bool {
    let non_ascii = body.iter().filter(|b| !b.is_ascii()).count();
    let mut invalid = 0;
    let mut rest = body;
    while let Err(error) = std::str::from_utf8(rest) {
        invalid += 1;
        match error.error_len() {
            Some(len) => rest = &rest[error.valid_up_to() + len..],
            // Cut in the middle of a character: the end of the bytes.
            None => break,
        }
    }
    invalid * 100 <= non_ascii * MAX_INVALID_PER_HUNDRED
}

/// The encoding named by a `Content-Type` value such as `text/html; charset=GBK`.
pub fn charset_from_content_type(value: &str) -> Option<&'static Encoding> {
    value.split(';').skip(1).find_map(|param| {
        let (name, label) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(
            label
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .as_bytes(),
        )
    })
}

/// The encoding declared by a `<meta>` tag near the start of the page.
fn charset_from_meta(body: &[u8]) -> Option<&'static Encoding> {
    static META: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i-u)<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:\-]+)"#)
            .expect("static regex is valid")
    });
    let head = &body[..body.len().min(META_PRESCAN_BYTES)];
    let label = META.captures(head)?.get(1)?.as_bytes();
    let encoding = Encoding::for_label(label)?;
    // A page that is readable as ASCII cannot really be UTF-16 (the HTML standard's rule).
    if encoding == encoding_rs::UTF_16BE || encoding == encoding_rs::UTF_16LE {
        Some(UTF_8)
    } else {
        Some(encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{BIG5, GB18030, GBK};

    const TEXT: &str = "北约：暂未考虑在日设办事处";

    fn page(meta: &str, encoding: &'static Encoding) -> Vec<u8> {
        let html =
            format!("<html><head>{meta}<title>t</title></head><body><h1>{TEXT}</h1></body></html>");
        encoding.encode(&html).0.into_owned()
    }

    #[test]
    fn header_charset_wins_over_meta() {
        let body = page(r#"<meta charset="utf-8">"#, GBK);
        let decoded = decode(&body, Some("text/html; charset=GBK"));
        assert_eq!(decoded.declared, Declared::Header);
        assert!(decoded.text.contains(TEXT));
    }

    #[test]
    fn meta_charset_and_http_equiv() {
        for meta in [
            r#"<meta charset="gb2312">"#,
            r#"<meta charset=gb2312>"#,
            r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#,
            r#"<META HTTP-EQUIV="content-type" CONTENT="text/html;charset=GB2312" />"#,
        ] {
            let decoded = decode(&page(meta, GBK), Some("text/html"));
            assert_eq!(decoded.declared, Declared::Meta, "{meta}");
            assert_eq!(decoded.encoding, GBK, "{meta}");
            assert!(decoded.text.contains(TEXT), "{meta}");
            assert!(!decoded.had_errors, "{meta}");
        }
    }

    /// A saved copy re-encoded as UTF-8 keeps its `gb2312` tag: its bytes are read as UTF-8.
    #[test]
    fn utf8_bytes_under_a_gb2312_tag_are_utf8() {
        let body = page(r#"<meta charset="gb2312">"#, UTF_8);
        let decoded = decode(&body, None);
        assert_eq!(decoded.encoding, UTF_8);
        assert_eq!(decoded.declared, Declared::Detected);
        assert!(decoded.text.contains(TEXT));
        let ascii = decode(b"<meta charset=\"gb2312\"><p>news</p>", None);
        assert_eq!(ascii.encoding, GBK, "plain ASCII keeps its label");
    }

    /// A `utf-8` tag over GBK bytes loses to what the bytes are; a UTF-8 page with one bad
    /// byte keeps its tag.
    #[test]
    fn gbk_bytes_under_a_utf8_tag_are_gbk() {
        let paragraph =
            "<p>阿里巴巴：制造孤独的CEO，支付宝的博客文章，讲述企业家的故事。</p>".repeat(5);
        let html = format!("<meta charset=\"utf-8\"><h1>{TEXT}</h1>{paragraph}");
        let decoded = decode(&GBK.encode(&html).0, None);
        assert_eq!(decoded.declared, Declared::Detected);
        assert!(decoded.text.contains(TEXT), "{}", decoded.text);
        let mut one_bad = html.into_bytes();
        one_bad.insert(40, 0xFF);
        let decoded = decode(&one_bad, None);
        assert_eq!(
            (decoded.encoding, decoded.declared),
            (UTF_8, Declared::Meta)
        );
        assert!(decoded.text.contains("支付宝的博客"));
    }

    #[test]
    fn gb18030_and_big5_pages() {
        let body = page(r#"<meta charset="gb18030">"#, GB18030);
        assert!(decode(&body, None).text.contains(TEXT));
        let big5 = "<meta charset=\"big5\"><p>中華網新聞</p>";
        let body = BIG5.encode(big5).0.into_owned();
        assert!(decode(&body, None).text.contains("中華網新聞"));
    }

    #[test]
    fn bom_then_utf8_default() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice(TEXT.as_bytes());
        let decoded = decode(&body, None);
        assert_eq!(decoded.declared, Declared::Bom);
        assert_eq!(decoded.text, TEXT);
        let decoded = decode(TEXT.as_bytes(), None);
        assert_eq!(decoded.declared, Declared::Default);
        assert_eq!(decoded.text, TEXT);
    }

    #[test]
    fn a_bom_wins_over_the_header_and_meta_labels() {
        let html = format!(r#"<meta charset="gbk"><h1>{TEXT}</h1>"#);
        let utf8 = [&[0xEF, 0xBB, 0xBF], html.as_bytes()].concat();
        let utf16 = |bom: [u8; 2], unit: fn(u16) -> [u8; 2]| -> Vec<u8> {
            bom.into_iter()
                .chain(html.encode_utf16().flat_map(unit))
                .collect()
        };
        let utf16le = utf16([0xFF, 0xFE], u16::to_le_bytes);
        let utf16be = utf16([0xFE, 0xFF], u16::to_be_bytes);
        for (body, encoding) in [
            (&utf8, UTF_8),
            (&utf16le, encoding_rs::UTF_16LE),
            (&utf16be, encoding_rs::UTF_16BE),
        ] {
            for header in [
                Some("text/html; charset=gbk"),
                Some("text/html; charset=big5"),
                None,
            ] {
                let decoded = decode(body, header);
                let case = format!("{} BOM, header {header:?}", encoding.name());
                assert_eq!(decoded.encoding, encoding, "{case}");
                assert_eq!(decoded.declared, Declared::Bom, "{case}");
                assert_eq!(decoded.text, html, "{case}: decoded, BOM removed");
                assert!(!decoded.had_errors, "{case}");
            }
        }
    }

    #[test]
    fn undeclared_gbk_is_detected() {
        let text =
            "中华网新闻频道：北约秘书长表示该议题仍在讨论中，中国外交部重申冷战思维不合时宜。";
        let body = GBK.encode(text).0.into_owned();
        let decoded = decode(&body, Some("text/html"));
        assert_eq!(decoded.declared, Declared::Detected);
        assert_eq!(decoded.text, text);
    }

    #[test]
    fn invalid_bytes_are_replaced() {
        let decoded = decode(b"ok \xff\xfe\xfd end", Some("text/html; charset=utf-8"));
        assert!(decoded.had_errors);
        assert!(decoded.text.starts_with("ok ") && decoded.text.ends_with(" end"));
    }

    #[test]
    fn unknown_labels_fall_through() {
        assert_eq!(
            charset_from_content_type("text/html; charset=klingon"),
            None
        );
        assert_eq!(
            charset_from_content_type("text/html;charset=\"GB2312\""),
            Some(GBK)
        );
    }
}
