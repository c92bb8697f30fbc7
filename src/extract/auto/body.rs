//! The body: the element that holds the most article-like prose (blocks of sentences) and the
//! least of everything else (menus, link lists, captions of other stories). Each candidate
//! scores its prose characters minus a share of its other characters; the best one is the
//! body, without the link lists and hidden parts inside it.

use super::dom::{Dom, is_block};

/// What one character of non-prose text costs a candidate, in prose characters.
const NOISE_COST: f32 = 0.35;
/// Less prose than this is no article.
pub const MIN_PROSE: u32 = 60;

/// The body's element, and how much prose it holds.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub element: usize,
    pub prose: u32,
    /// Links per 100 visible characters.
    pub link_density: f32,
}

/// The element that best holds the article's prose, if any holds enough.
pub fn find(dom: &Dom<'_>) -> Option<Body> {
    let mut best: Option<(f32, usize)> = None;
    for (index, element) in dom.elements.iter().enumerate() {
        if element.hidden || element.in_link || element.prose < MIN_PROSE {
            continue;
        }
        let noise = (element.chars - element.prose) as f32;
        let score = element.prose as f32 - NOISE_COST * noise;
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, index));
        }
    }
    let (_, index) = best?;
    let element = &dom.elements[index];
    Some(Body {
        element: index,
        prose: element.prose,
        link_density: element.link_chars as f32 / element.chars.max(1) as f32,
    })
}

/// True for an element inside the body that is not part of the article: hidden, or a list of
/// links (related stories, share bars, tags) with no prose of its own.
pub fn is_noise(dom: &Dom<'_>, index: usize) -> bool {
    let element = &dom.elements[index];
    if element.hidden {
        return true;
    }
    let name = element.el.value().name();
    if matches!(
        name,
        "form" | "nav" | "aside" | "footer" | "button" | "input"
    ) {
        return true;
    }
    element.prose == 0 && element.links >= 2 && element.link_chars * 10 >= element.chars * 6
}

/// The body's visible text outside its noise, one line per block.
pub fn text(dom: &Dom<'_>, body: usize) -> String {
    let element = &dom.elements[body];
    let skipped = noise_ranges(dom, body);
    let mut out = String::new();
    let mut last_block = None;
    for piece in &dom.texts[element.text_start..element.text_end] {
        if skipped
            .iter()
            .any(|&(from, to)| piece.owner >= from && piece.owner < to)
        {
            continue;
        }
        let block = nearest_block(dom, piece.owner);
        if last_block.is_some() && last_block != Some(block) && !out.ends_with('\n') {
            out.push('\n');
        }
        last_block = Some(block);
        out.push_str(&crate::extract::collapse_whitespace(piece.text));
    }
    out.trim().to_owned()
}

/// The subtrees (as index ranges) of the noise inside `body`, outermost only.
pub fn noise_ranges(dom: &Dom<'_>, body: usize) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut index = body + 1;
    let end = dom.elements[body].end;
    while index < end {
        if is_noise(dom, index) {
            let skip_to = dom.elements[index].end;
            ranges.push((index, skip_to));
            index = skip_to;
        } else {
            index += 1;
        }
    }
    ranges
}

fn nearest_block(dom: &Dom<'_>, mut index: usize) -> usize {
    loop {
        let element = &dom.elements[index];
        if is_block(element.el.value().name()) {
            return index;
        }
        match element.parent {
            Some(parent) => index = parent,
            None => return index,
        }
    }
}
