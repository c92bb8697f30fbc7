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
