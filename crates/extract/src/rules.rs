//! Selector rules: what a site's configuration says about where its fields stand.
//!
//! A value is read by one of several alternatives, tried in order ([`Fields`]); each is a CSS
//! selector and what to read from the element it matches ([`Field`], written
//! `selector` or `selector@attribute`). [`SiteRules`] gathers the article's and the list's.

use scraper::Selector;

/// Where a value is read from: the element's text, or one of its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The element's visible text, whitespace collapsed.
    Text,
    /// The value of the named attribute.
    Attr(String),
}

/// One selector alternative: a CSS selector and what to read from the element it matches.
#[derive(Debug, Clone)]
pub struct Field {
    /// The compiled selector.
    pub selector: Selector,
    /// What is read from the element it matches.
    pub target: Target,
    /// The alternative as the user wrote it, for messages.
    pub source: String,
}

/// A selector alternative that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CSS selector {text:?}: {why}")]
pub struct InvalidSelector {
    /// The alternative as written.
    pub text: String,
    /// What is wrong with it.
    pub why: String,
}

impl Field {
    /// Compiles `selector` or `selector@attribute`; without an attribute, `default` is read.
    ///
    /// ```
    /// use feedwright_extract::rules::{Field, Target};
    ///
    /// let field = Field::parse("time@datetime", &Target::Text).unwrap();
    /// assert_eq!(field.target, Target::Attr("datetime".into()));
    /// assert!(Field::parse("h1[[", &Target::Text).is_err());
    /// ```
    pub fn parse(text: &str, default: &Target) -> Result<Field, InvalidSelector> {
        let (css, target) = match text.rsplit_once('@') {
            Some((css, attr)) if is_attribute_name(attr) => (css, Target::Attr(attr.to_owned())),
            _ => (text, default.clone()),
        };
        match Selector::parse(css) {
            Ok(selector) => Ok(Field {
                selector,
                target,
                source: text.to_owned(),
            }),
            Err(e) => {
                // scraper prefixes some errors with a note for its developers; the last line
                // names the problem.
                let why = e.to_string();
                Err(InvalidSelector {
                    text: text.to_owned(),
                    why: why.lines().last().unwrap_or_default().to_owned(),
                })
            }
        }
    }
}

fn is_attribute_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
}

/// Alternatives for one value, tried in order: the first that gives a value wins.
pub type Fields = Vec<Field>;

/// Selectors for the article on a page.
#[derive(Debug, Clone, Default)]
pub struct ArticleRules {
    /// The headline; a page where it matches nothing has no article by these rules.
    pub title: Fields,
    /// The text holding the publication time.
    pub published: Fields,
    /// A chrono format the publication time is written in, tried before the catalogue.
    pub published_format: Option<String>,
    /// The source (`来源：…`).
    pub source: Fields,
    /// The element whose inner HTML is the body.
    pub body: Fields,
    /// The link to the article's next page, when it is split over several.
    pub next: Fields,
}

impl ArticleRules {
    /// The fields other than the title, as the configuration names them, with their
    /// selectors.
    pub fn optional_fields(&self) -> [(&'static str, &[Field]); 3] {
        [
            ("article.published", &self.published),
            ("article.source", &self.source),
            ("article.body", &self.body),
        ]
    }
}

/// Selectors for a list of items (a hot list, or a channel page's list).
#[derive(Debug, Clone, Default)]
pub struct RelatedRules {
    /// Each entry of the list.
    pub item: Fields,
    /// The entry's title, within the item.
    pub title: Fields,
    /// The entry's link (its `href` unless written otherwise), within the item.
    pub link: Fields,
    /// The entry's time, within the item.
    pub published: Fields,
    /// A chrono format the entries' times are written in.
    pub published_format: Option<String>,
    /// The entry's source, within the item.
    pub source: Fields,
}

/// Everything a site says about its pages: article rules (perhaps none) and list rules.
#[derive(Debug, Clone, Default)]
pub struct SiteRules {
    /// The article's selectors; an empty `title` means none.
    pub article: ArticleRules,
    /// The list's selectors.
    pub related: Option<RelatedRules>,
}

impl SiteRules {
    /// True when there is no selector at all: zero-config extraction reads the site's pages.
    pub fn is_zero_config(&self) -> bool {
        self.article.title.is_empty() && self.related.is_none()
    }
}
