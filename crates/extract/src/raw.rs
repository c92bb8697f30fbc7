//! What a page holds, found but not yet interpreted: strings as the page writes them.

/// What a page holds, uninterpreted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The article, when the page has one (its title selector matched).
    pub article: Option<RawArticle>,
    /// The page's list entries, in page order.
    pub entries: Vec<RawEntry>,
}

/// An article's fields as found on its page.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawArticle {
    /// The headline as shown.
    pub title: String,
    /// Texts that may hold the publication time, best first: the `published` selector's match,
    /// then the page's metadata (`article:published_time`, JSON-LD, …).
    pub published: Vec<String>,
    /// The source (`来源：…`), label and all.
    pub source: Option<String>,
    /// The author or reporter.
    pub author: Option<String>,
    /// The body's inner HTML, unsanitized.
    pub body: Option<String>,
    /// The body's visible text, one line per block (zero-config extraction only).
    pub body_text: Option<String>,
    /// The lead image: `og:image` (zero-config extraction only).
    pub image: Option<String>,
    /// The address of the article's next page, when it is split over several.
    pub next: Option<String>,
}

impl RawArticle {
    /// The article with its next page's body after its own; the next page's link takes the
    /// place of this one's.
    pub fn append(&mut self, page: RawArticle) {
        let join = |mine: &mut Option<String>, theirs: Option<String>, between: &str| {
            if let Some(theirs) = theirs.filter(|t| !t.trim().is_empty()) {
                match mine {
                    Some(mine) if !mine.is_empty() => {
                        mine.push_str(between);
                        mine.push_str(&theirs);
                    }
                    _ => *mine = Some(theirs),
                }
            }
        };
        join(&mut self.body, page.body, "\n");
        join(&mut self.body_text, page.body_text, "\n");
        self.next = page.next;
    }
}

/// One entry of a list, as found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawEntry {
    /// The entry's headline.
    pub title: String,
    /// The link as written (relative or absolute).
    pub href: String,
    /// The time shown beside it, as written.
    pub published: Option<String>,
    /// The source shown beside it.
    pub source: Option<String>,
}
