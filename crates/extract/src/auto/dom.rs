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
    /// Its own text (outside child blocks) reads as a paragraph of an article: sentences,
    /// and longer than any byline.
    pub paragraph: bool,
    /// It is a story card of a list (a headline link and its excerpt), or inside one: another
    /// story.
    pub card: bool,
    /// Prose characters of the story cards in the subtree: prose that is not this page's.
    pub card_prose: u32,
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

/// Characters from which a block of sentences is a paragraph rather than a byline.
const PARAGRAPH_CHARS: u32 = 100;

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

/// Hidden by an attribute: `hidden`, or an inline style with `display:none`. A block hidden
/// with `visibility:hidden` still takes its place on the page, and pages use it for what their
/// scripts reveal (WeChat's article body): it counts as shown.
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
        style.contains("display:none")
    })
}

/// Sentence punctuation: what separates prose from lists of titles.
pub fn is_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '！' | '？' | '；' | '、' | '“' | '”' | ',' | '.' | '!' | '?' | ';'
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

/// The flattening in progress: the elements and texts so far, the open elements (innermost
/// last) and, among them, the blocks.
struct Builder<'a> {
    elements: Vec<Element<'a>>,
    texts: Vec<Text<'a>>,
    open: Vec<usize>,
    blocks: Vec<usize>,
}

impl<'a> Builder<'a> {
    fn open_element(&mut self, el: ElementRef<'a>) {
        let e = el.value();
        let parent = self.open.last().copied();
        let inherited = parent.map(|p| &self.elements[p]);
        let is_link = e.name() == "a" && e.attr("href").is_some();
        let hidden = inherited.is_some_and(|p| p.hidden)
            || is_unrendered(e.name())
            || hidden_by_attribute(e);
        let in_link = inherited.is_some_and(|p| p.in_link) || is_link;
        let index = self.elements.len();
        self.elements.push(Element {
            el,
            parent,
            end: index + 1,
            text_start: self.texts.len(),
            text_end: self.texts.len(),
            hidden,
            in_link,
            chars: 0,
            link_chars: 0,
            links: u32::from(is_link),
            prose: 0,
            punct: 0,
            paragraph: false,
            own_block_chars: 0,
            own_block_punct: 0,
            own_block_link_chars: 0,
            card: false,
            card_prose: 0,
        });
        self.open.push(index);
        if is_block(e.name()) {
            self.blocks.push(index);
        }
    }

    /// Counts a text run for the element holding it and for its nearest block.
    fn add_text(&mut self, text: &'a str) {
        let Some(&owner) = self.open.last() else {
            return;
        };
        let holder = &self.elements[owner];
        let (chars, punct) = visible_chars(text);
        if holder.hidden || chars == 0 {
            return;
        }
        let in_link = holder.in_link;
        self.texts.push(Text {
            text,
            owner,
            in_link,
        });
        let block = &mut self.elements[self.blocks.last().copied().unwrap_or(owner)];
        if in_link {
            block.own_block_link_chars += chars;
        } else {
            block.own_block_chars += chars;
            block.own_block_punct += punct;
        }
        let holder = &mut self.elements[owner];
        holder.chars += chars;
        if in_link {
            holder.link_chars += chars;
        } else {
            holder.punct += punct;
        }
    }

    fn close_element(&mut self, id: ego_tree::NodeId) {
        if let Some(&top) = self.open.last()
            && self.elements[top].el.id() == id
        {
            self.open.pop();
            if self.blocks.last() == Some(&top) {
                self.blocks.pop();
            }
            self.elements[top].end = self.elements.len();
            self.elements[top].text_end = self.texts.len();
        }
    }

    /// Ends the elements still open (a page cut short), scores each block's prose and adds
    /// every subtree's counts up.
    fn finish(mut self) -> Dom<'a> {
        for &open in &self.open {
            self.elements[open].end = self.elements.len();
            self.elements[open].text_end = self.texts.len();
        }
        let elements = &mut self.elements;
        for element in elements.iter_mut() {
            element.prose = prose_of(
                element.own_block_chars,
                element.own_block_punct,
                element.own_block_link_chars,
            );
            element.paragraph = element.prose >= PARAGRAPH_CHARS;
        }
        // Children come after their parents: summing backwards adds every subtree up.
        for index in (1..elements.len()).rev() {
            if let Some(parent) = elements[index].parent {
                let (chars, link_chars, links, prose, punct) = {
                    let c = &elements[index];
                    (c.chars, c.link_chars, c.links, c.prose, c.punct)
                };
                let parent = &mut elements[parent];
                parent.chars += chars;
                parent.link_chars += link_chars;
                parent.links += links;
                parent.prose += prose;
                parent.punct += punct;
            }
        }
        let mut offsets = Vec::with_capacity(self.texts.len() + 1);
        let mut total = 0;
        offsets.push(0);
        for text in &self.texts {
            total += visible_chars(text.text).0;
            offsets.push(total);
        }
        Dom {
            elements: self.elements,
            texts: self.texts,
            offsets,
        }
    }
}

impl<'a> Dom<'a> {
    /// Flattens `document`, keeping at most `max_elements` elements (pathological pages are
    /// cut there rather than scored without bound).
    pub fn of(document: &'a Html, max_elements: usize) -> Dom<'a> {
        let mut builder = Builder {
            elements: Vec::new(),
            texts: Vec::new(),
            open: Vec::new(),
            blocks: Vec::new(),
        };
        for edge in document.root_element().traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(_) => {
                        let Some(el) = ElementRef::wrap(node) else {
                            continue;
                        };
                        if builder.elements.len() >= max_elements {
                            break;
                        }
                        builder.open_element(el);
                    }
                    Node::Text(t) => builder.add_text(t),
                    _ => {}
                },
                Edge::Close(node) => builder.close_element(node.id()),
            }
        }
        builder.finish()
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
        crate::text::collapse_whitespace(&pieces.collect::<Vec<_>>().join(" "))
    }

    /// The visible text of element `index` outside its links.
    pub fn text_outside_links(&self, index: usize) -> String {
        let element = &self.elements[index];
        let pieces = self.texts[element.text_start..element.text_end]
            .iter()
            .filter(|t| !t.in_link)
            .map(|t| t.text);
        crate::text::collapse_whitespace(&pieces.collect::<Vec<_>>().join(" "))
    }

    /// The nearest block holding text run `text`.
    pub fn block_of(&self, text: usize) -> usize {
        let mut index = self.texts[text].owner;
        while !is_block(self.elements[index].el.value().name()) {
            match self.elements[index].parent {
                Some(parent) => index = parent,
                None => break,
            }
        }
        index
    }

    /// Marks the elements `cards` as story cards, and counts their prose for their ancestors.
    pub fn mark_cards(&mut self, cards: &[usize]) {
        for &card in cards {
            if self.elements[card].card {
                continue;
            }
            let prose = self.elements[card].prose;
            // The card and all inside it (its excerpt's paragraph is no article's body).
            for inner in card..self.elements[card].end {
                self.elements[inner].card = true;
            }
            let mut at = Some(card);
            while let Some(i) = at {
                self.elements[i].card_prose += prose;
                at = self.elements[i].parent;
            }
        }
    }

    /// Prose characters of element `index` that are its own, not its story cards'.
    pub fn own_prose(&self, index: usize) -> u32 {
        let element = &self.elements[index];
        element.prose.saturating_sub(element.card_prose)
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
