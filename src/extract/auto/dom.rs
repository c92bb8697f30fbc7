//! The page flattened for scoring: every element in document order with the counts that
//! zero-config extraction weighs (visible text, link text, punctuation, article-like
//! paragraph text), summed over its subtree in one pass.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};

/// A run of visible text and the element it sits in.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    pub text: &'a str,
    /// The index of the element holding it.
    pub owner: usize,
    /// Inside a link.
    pub in_link: bool,
}

/// One element and its subtree's counts.
#[derive(Debug, Clone)]
pub struct Element<'a> {
    pub el: ElementRef<'a>,
    pub parent: Option<usize>,
    /// One past the index of its last descendant: its subtree is `index..end`.
    pub end: usize,
    /// Its texts are `texts[text_start..text_end]`.
    pub text_start: usize,
    pub text_end: usize,
    /// Not rendered (script, style, `hidden`, `display:none`, …), itself or by an ancestor.
    pub hidden: bool,
    /// Inside a link (or a link itself).
    pub in_link: bool,
    /// Visible characters (whitespace aside) in the subtree.
    pub chars: u32,
    /// …of which inside links.
    pub link_chars: u32,
    /// Links (`a` with an `href`) in the subtree.
    pub links: u32,
    /// Characters of article-like paragraphs: blocks of sentences, not of links.
    pub prose: u32,
    /// Sentence punctuation in the subtree, outside links.
    pub punct: u32,
    /// Characters of text whose nearest block is this element (outside links) …
    own_block_chars: u32,
    /// … and the punctuation among them.
    own_block_punct: u32,
    own_block_link_chars: u32,
}

/// The flattened page.
pub struct Dom<'a> {
    pub elements: Vec<Element<'a>>,
    pub texts: Vec<Text<'a>>,
    /// `offsets[i]`: visible characters before text run `i` (one more entry than `texts`).
    offsets: Vec<u32>,
}

/// Elements whose text nobody sees.
fn is_unrendered(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "head"
            | "title"
            | "select"
            | "option"
            | "textarea"
            | "button"
            | "iframe"
            | "svg"
            | "canvas"
            | "object"
    )
}

/// Elements that start a block of text.
pub fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "td"
            | "th"
            | "li"
            | "dd"
            | "dt"
            | "section"
            | "article"
            | "main"
            | "blockquote"
            | "pre"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "body"
            | "center"
            | "table"
            | "tr"
            | "ul"
            | "ol"
            | "form"
            | "header"
            | "footer"
            | "figure"
            | "figcaption"
            | "text"
    )
}

/// Hidden by an attribute: `hidden`, or an inline style with `display:none`.
fn hidden_by_attribute(el: &scraper::node::Element) -> bool {
    if el.attr("hidden").is_some() {
        return true;
    }
    el.attr("style").is_some_and(|style| {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

/// Sentence punctuation: what separates prose from lists of titles.
pub fn is_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '！' | '？' | '；' | '：' | '、' | '“' | '”' | ',' | '.' | '!' | '?' | ';'
    )
}

/// Characters that count as text (whitespace aside).
pub fn visible_chars(text: &str) -> (u32, u32) {
    let mut chars = 0;
    let mut punct = 0;
    for c in text.chars() {
        if !c.is_whitespace() {
            chars += 1;
            if is_punct(c) {
                punct += 1;
            }
        }
    }
    (chars, punct)
}

impl<'a> Dom<'a> {
    /// Flattens `document`, keeping at most `max_elements` elements (pathological pages are
    /// cut there rather than scored without bound).
    pub fn of(document: &'a Html, max_elements: usize) -> Dom<'a> {
        let mut elements: Vec<Element<'a>> = Vec::new();
        let mut texts: Vec<Text<'a>> = Vec::new();
        // The open elements, innermost last, with the nearest block among them.
        let mut stack: Vec<usize> = Vec::new();
        let mut blocks: Vec<usize> = Vec::new();
        for edge in document.root_element().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(e) => {
                        let Some(el) = ElementRef::wrap(node) else {
                            continue;
                        };
                        if elements.len() >= max_elements {
                            break;
                        }
                        let parent = stack.last().copied();
                        let inherited = parent.map(|p| &elements[p]);
                        let hidden = inherited.is_some_and(|p| p.hidden)
                            || is_unrendered(e.name())
                            || hidden_by_attribute(e);
                        let in_link = inherited.is_some_and(|p| p.in_link)
                            || (e.name() == "a" && e.attr("href").is_some());
                        let index = elements.len();
                        elements.push(Element {
                            el,
                            parent,
                            end: index + 1,
                            text_start: texts.len(),
                            text_end: texts.len(),
                            hidden,
                            in_link,
                            chars: 0,
                            link_chars: 0,
                            links: u32::from(e.name() == "a" && e.attr("href").is_some()),
                            prose: 0,
                            punct: 0,
                            own_block_chars: 0,
                            own_block_punct: 0,
                            own_block_link_chars: 0,
                        });
                        stack.push(index);
                        if is_block(e.name()) {
                            blocks.push(index);
                        }
                    }
                    Node::Text(t) => {
                        let Some(&owner) = stack.last() else {
                            continue;
                        };
                        let holder = &elements[owner];
                        if holder.hidden {
                            continue;
                        }
                        let in_link = holder.in_link;
                        let (chars, punct) = visible_chars(t);
                        if chars == 0 {
                            continue;
                        }
                        texts.push(Text {
                            text: t,
                            owner,
                            in_link,
                        });
                        let block = blocks.last().copied().unwrap_or(owner);
                        let block = &mut elements[block];
                        if in_link {
                            block.own_block_link_chars += chars;
                        } else {
                            block.own_block_chars += chars;
                            block.own_block_punct += punct;
                        }
                        let holder = &mut elements[owner];
                        holder.chars += chars;
                        if in_link {
                            holder.link_chars += chars;
                        } else {
                            holder.punct += punct;
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let Some(&top) = stack.last()
                        && elements[top].el.id() == node.id()
                    {
                        stack.pop();
                        if blocks.last() == Some(&top) {
                            blocks.pop();
                        }
                        elements[top].end = elements.len();
                        elements[top].text_end = texts.len();
                    }
                }
            }
        }
        // Whatever was cut short ends where the page was cut.
        for &open in &stack {
            elements[open].end = elements.len();
            elements[open].text_end = texts.len();
        }
        for element in &mut elements {
            element.prose = prose_of(
                element.own_block_chars,
                element.own_block_punct,
                element.own_block_link_chars,
            );
        }
        // Children come after their parents: summing backwards adds every subtree up.
        for index in (1..elements.len()).rev() {
            if let Some(parent) = elements[index].parent {
                let child = elements[index].clone();
                let parent = &mut elements[parent];
                parent.chars += child.chars;
                parent.link_chars += child.link_chars;
                parent.links += child.links;
                parent.prose += child.prose;
                parent.punct += child.punct;
            }
        }
        let mut offsets = Vec::with_capacity(texts.len() + 1);
        let mut total = 0;
        offsets.push(0);
        for text in &texts {
            total += visible_chars(text.text).0;
            offsets.push(total);
        }
        Dom {
            elements,
            texts,
            offsets,
        }
    }

    /// Visible characters between text runs `from` and `to` (either order).
    pub fn distance(&self, from: usize, to: usize) -> u32 {
        let at = |i: usize| self.offsets[i.min(self.texts.len())];
        at(from).abs_diff(at(to))
    }

    /// The visible text of element `index`, pieces joined, whitespace collapsed.
    pub fn text(&self, index: usize) -> String {
        let element = &self.elements[index];
        let pieces = self.texts[element.text_start..element.text_end]
            .iter()
            .map(|t| t.text);
        crate::extract::collapse_whitespace(&pieces.collect::<Vec<_>>().join(" "))
    }

    /// The visible text of element `index` outside its links.
    pub fn text_outside_links(&self, index: usize) -> String {
        let element = &self.elements[index];
        let pieces = self.texts[element.text_start..element.text_end]
            .iter()
            .filter(|t| !t.in_link)
            .map(|t| t.text);
        crate::extract::collapse_whitespace(&pieces.collect::<Vec<_>>().join(" "))
    }

    /// True when `inner` is `outer` or inside it.
    pub fn contains(&self, outer: usize, inner: usize) -> bool {
        inner >= outer && inner < self.elements[outer].end
    }
}

/// The article-like characters of a block: its own text, if it reads as sentences (enough of
/// it, with punctuation) rather than as a list of links or labels.
fn prose_of(chars: u32, punct: u32, link_chars: u32) -> u32 {
    let sentences = chars >= 10 && punct >= 1 && punct * 80 >= chars;
    let mostly_text = link_chars * 2 <= chars;
    if sentences && mostly_text { chars } else { 0 }
}
