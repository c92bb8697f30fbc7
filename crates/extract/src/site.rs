//! A site's page through its selectors, with zero-config extraction where they have nothing to
//! say: the fallback policy.

use url::Url;

use crate::auto;
use crate::document::parse_document;
use crate::pager;
use crate::raw::{Extracted, RawArticle};
use crate::rules::SiteRules;
use crate::selectors::{extract_article, extract_entries};

/// What a site's page gave, and the fields that came from zero-config extraction because the
/// site's selectors for them matched nothing on this page.
#[derive(Debug, Default, Clone)]
pub struct SiteExtraction {
    /// What the page gave.
    pub extracted: Extracted,
    /// `article.title`, `article.published`, … as the configuration names them.
    pub fallbacks: Vec<&'static str>,
}

/// Which parts of a page are wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// A start page: its article, if it is one, and its list.
    ArticleAndList,
    /// A followed page: its article.
    Article,
}

/// Extracts the page at `url` of a site: with its selectors where it has them, with zero-config
/// extraction where it has none (no `article` or `related` rules at all, or none for one of
/// the article's time, source and body) and, field by field, where its selectors match nothing
/// on this page (a fallback, counted). A start page on which the list rules find entries and
/// the article rules no title is a channel page: no article is looked for there.
pub fn extract_for_site(html: &str, url: &Url, site: &SiteRules, wanted: Wanted) -> SiteExtraction {
    let document = parse_document(html);
    let root = document.root_element();
    let (article, related) = (&site.article, site.related.as_ref());
    let zero_config = site.is_zero_config();
    let auto = std::cell::OnceCell::new();
    let auto = || auto.get_or_init(|| auto::extract(&document, url));
    let mut fallbacks = Vec::new();
    let listed = match related {
        Some(rules) if wanted == Wanted::ArticleAndList && !zero_config => {
            Some(extract_entries(root, rules))
        }
        _ => None,
    };
    let article = if zero_config {
        auto().article.clone()
    } else if article.title.is_empty() {
        None
    } else {
        match extract_article(&document, root, article) {
            (Some(mut found), missing) => {
                // Where no `next` selector finds the next page, the page's pager tells.
                if found.next.is_none() {
                    found.next = pager::next_page(&document, url).map(String::from);
                }
                // Fields the site names no selectors for come from zero-config extraction as
                // a matter of course; configured ones that matched nothing are fallbacks.
                let unset = article
                    .optional_fields()
                    .into_iter()
                    .filter(|(_, fields)| fields.is_empty())
                    .map(|(name, _)| name);
                let wanting: Vec<&'static str> = missing.iter().copied().chain(unset).collect();
                // Zero-config extraction runs only when a field wants it.
                if !wanting.is_empty()
                    && let Some(from_auto) = auto().article.as_ref()
                {
                    fill(&mut found, from_auto, &wanting);
                    fallbacks.extend(missing);
                }
                Some(found)
            }
            // The site's list rules find entries where its article rules find no title: a
            // channel page, not an article whose template changed.
            (None, _) if listed.as_ref().is_some_and(|l| !l.is_empty()) => None,
            (None, _) => {
                let from_auto = auto().article.clone();
                if from_auto.is_some() {
                    fallbacks.push("article.title");
                }
                from_auto
            }
        }
    };
    let entries = match related {
        _ if wanted == Wanted::Article => Vec::new(),
        _ if zero_config => auto().entries.clone(),
        None => Vec::new(),
        Some(_) => {
            let entries = listed.unwrap_or_default();
            if entries.is_empty() && !auto().entries.is_empty() {
                fallbacks.push("related.item");
                auto().entries.clone()
            } else {
                entries
            }
        }
    };
    SiteExtraction {
        extracted: Extracted { article, entries },
        fallbacks,
    }
}

/// Fills the `missing` fields of an article found with selectors from zero-config extraction.
fn fill(article: &mut RawArticle, from_auto: &RawArticle, missing: &[&'static str]) {
    for field in missing {
        match *field {
            "article.published" => {
                let mut published = from_auto.published.clone();
                published.append(&mut article.published);
                article.published = published;
            }
            "article.source" => article.source.clone_from(&from_auto.source),
            "article.body" => {
                article.body.clone_from(&from_auto.body);
                article.body_text.clone_from(&from_auto.body_text);
            }
            _ => {}
        }
    }
}
