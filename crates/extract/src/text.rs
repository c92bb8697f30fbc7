//! HTML to text, and an element back to HTML: visible text without scripts and styles,
//! whitespace collapsed; a body's inner HTML without what extraction left out, lazy images
//! woken up.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};

/// The text of an element without script, style and noscript contents, whitespace collapsed.
pub fn plain_text(el: ElementRef<'_>) -> String {
    let mut text = String::new();
    let mut skipping = 0usize;
    for edge in el.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) if is_hidden(e.name()) => skipping += 1,
                Node::Text(t) if skipping == 0 => text.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value()
                    && is_hidden(e.name())
                {
                    skipping -= 1;
                }
            }
        }
    }
    collapse_whitespace(&text)
}

/// The inner HTML of a body, without script, style and noscript nor the elements `skip`
/// names, with lazy images' real sources (`data-original`, `data-src`, …) in place of their
/// placeholders.
pub(crate) fn body_html_without(
    body: ElementRef<'_>,
    skip: &dyn Fn(ego_tree::NodeId) -> bool,
) -> String {
    let mut html = String::new();
    let mut skipping = 0usize;
    let skipped = |node: ego_tree::NodeRef<'_, Node>| match node.value() {
        Node::Element(e) => is_hidden(e.name()) || skip(node.id()),
        _ => false,
    };
    for edge in body.traverse() {
        match edge {
            Edge::Open(node) if node.id() != body.id() => match node.value() {
                Node::Element(_) if skipped(node) => skipping += 1,
                Node::Element(e) if skipping == 0 => open_tag(e, &mut html),
                Node::Text(t) if skipping == 0 => escape_into(t, false, &mut html),
                _ => {}
            },
            Edge::Close(node) if node.id() != body.id() => {
                if let Node::Element(e) = node.value() {
                    if skipped(node) {
                        skipping -= 1;
                    } else if skipping == 0 && !is_void(e.name()) {
                        html.push_str("</");
                        html.push_str(e.name());
                        html.push('>');
                    }
                }
            }
            _ => {}
        }
    }
    html
}

/// Attributes that hold a lazy image's real source, best first, and the attribute they replace.
const LAZY_SOURCES: [(&str, &str); 5] = [
    ("data-original", "src"),
    ("data-src", "src"),
    ("data-lazy-src", "src"),
    ("data-actualsrc", "src"),
    ("data-srcset", "srcset"),
];

fn open_tag(element: &scraper::node::Element, html: &mut String) {
    html.push('<');
    html.push_str(element.name());
    let lazy: Vec<(&str, &str)> = if matches!(element.name(), "img" | "source") {
        LAZY_SOURCES
            .iter()
            .filter_map(|(from, to)| {
                element
                    .attr(from)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*to, v))
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut written: Vec<&str> = Vec::new();
    let is_lazy = |name: &str| LAZY_SOURCES.iter().any(|(from, _)| *from == name);
    for (name, value) in lazy.iter().copied().chain(element.attrs()) {
        if written.contains(&name) || is_lazy(name) {
            continue;
        }
        written.push(name);
        html.push(' ');
        html.push_str(name);
        html.push_str("=\"");
        escape_into(value, true, html);
        html.push('"');
    }
    html.push('>');
}

fn escape_into(text: &str, attribute: bool, out: &mut String) {
    // The escaped characters are ASCII: the text between them is copied as it is.
    let mut copied = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'&' => "&amp;",
            b'<' if !attribute => "&lt;",
            b'>' if !attribute => "&gt;",
            b'"' if attribute => "&quot;",
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        out.push_str(escape);
        copied = at + 1;
    }
    out.push_str(&text[copied..]);
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

fn is_hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "noscript" | "template")
}

/// Trims and collapses every run of whitespace (U+00A0 and U+3000 included) to one space.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Removes the characters XML 1.0 does not allow (C0 controls but tab and newlines, U+FFFE,
/// U+FFFF), so that no feed is malformed because of a page, and those the W3C validator warns
/// about: C1 controls and U+FFFD, the mark of bytes a page's charset could not decode.
pub fn xml_safe(text: &str) -> String {
    // Almost every text is clean: one check of its bytes, one copy.
    if is_xml_safe(text.as_bytes()) {
        return text.to_owned();
    }
    text.chars().filter(|&c| is_xml_safe_char(c)).collect()
}

fn is_xml_safe_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFC}' | '\u{10000}'..)
}

/// True when every character of the UTF-8 `bytes` is one [`xml_safe`] keeps, read from the
/// bytes: C0 controls and DEL are single bytes, C1 controls `C2 80`–`C2 9F`, U+FFFD to U+FFFF
/// `EF BF BD`–`EF BF BF`.
fn is_xml_safe(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(at, &byte)| match byte {
        b'\t' | b'\n' | b'\r' | 0x20..=0x7E => true,
        0xC2 => !matches!(bytes.get(at + 1), Some(0x80..=0x9F)),
        0xEF => {
            !(bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBD..=0xBF)))
        }
        0x80..=0xFF => true,
        _ => false,
    })
}

/// A text as plain, XML-safe, whitespace-collapsed text.
pub fn plain(text: &str) -> String {
    xml_safe(&collapse_whitespace(text))
}

/// Labels of an editor's sign-off line (`（责任编辑：卢其龙 CN070）`).
const EDITOR_LABELS: [&str; 4] = ["责任编辑", "责编", "编辑", "校对"];

/// An editor's line is at most this long.
const MAX_EDITOR_LINE_CHARS: usize = 40;

/// True when `text` is an editor's sign-off line: `（责任编辑：卢其龙 CN070）`, `责编：张三`.
/// It names who edited the page, not what happened.
pub fn is_editor_line(text: &str) -> bool {
    let text = text.trim();
    let inner = text.trim_start_matches(['（', '(', '【', '[', ' ']);
    text.chars().count() <= MAX_EDITOR_LINE_CHARS
        && EDITOR_LABELS.iter().any(|label| {
            inner
                .strip_prefix(label)
                .is_some_and(|rest| rest.trim_start().starts_with(['：', ':']))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_forbidden_characters_go() {
        assert_eq!(
            xml_safe("a\u{0}b\u{8}c\td\u{fffe}e\u{1F600}"),
            "abc\tde\u{1F600}"
        );
    }

    proptest::proptest! {
        #[test]
        fn the_byte_check_agrees_with_the_characters(text in "(.|[\\x00-\\x20\\x7f-\\xa0\\u{fffc}-\\u{ffff}]){0,40}") {
            proptest::prop_assert_eq!(
                is_xml_safe(text.as_bytes()),
                text.chars().all(is_xml_safe_char)
            );
        }

        #[test]
        fn escaping_round_trips(text in "(.|[&<>\"]){0,40}") {
            let mut out = String::new();
            escape_into(&text, false, &mut out);
            let back = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            proptest::prop_assert_eq!(back, text);
        }
    }

    #[test]
    fn editor_lines() {
        assert!(is_editor_line("（责任编辑：卢其龙 CN070）"));
        assert!(is_editor_line("责编：Demi Xia"));
        assert!(is_editor_line("[编辑: 王敏]"));
        assert!(!is_editor_line("编辑部收到读者来信，反映小区停车难问题。"));
        assert!(!is_editor_line(
            "责任编辑制度是出版管理的重要一环：它要求每一部书稿都有专人负责审读、加工和把关，确保质量。"
        ));
    }
}
