//! Rendering: a section's items as RSS 2.0 (the `rss` crate) and Atom 1.0 (`atom_syndication`).
//!
//! Output depends only on the items and the configuration, never on the clock: the feed-level
//! dates are the newest item's, so the same items give byte-identical files.
//!
//! Choices that keep the W3C validator quiet: RSS dates in RFC 2822 with the page's offset, the
//! `guid` is the item's absolute link (a permalink), the source of a story is `dc:creator` (RSS
//! `author` must be an e-mail address); the Atom feed has a feed-level author (the site), so
//! entries without a source are valid, and entries carry both `published` and `updated`.

use atom_syndication as atom;
use chrono::{DateTime, FixedOffset};
use rss::extension::dublincore::DublinCoreExtension;

use crate::config::{Section, Site};
use crate::item::Item;
use crate::normalize::xml_safe;
use crate::store::SectionStatus;

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedInfo<'a> {
    pub site: &'a Site,
    pub section: &'a Section,
    /// The feed's date when it has no items (the poll's time).
    pub empty_since: DateTime<FixedOffset>,
}

impl FeedInfo<'_> {
    fn title(&self) -> String {
        xml_safe(&self.section.title)
    }

    fn description(&self) -> String {
        xml_safe(
            self.section
                .description
                .as_deref()
                .unwrap_or(&format!("{}: {}", self.site.title, self.section.title)),
        )
    }

    fn link(&self) -> String {
        self.section
            .urls
            .first()
            .map_or_else(String::new, |u| u.to_string())
    }

    fn generator(&self) -> String {
        format!("feedwright {}", env!("CARGO_PKG_VERSION"))
    }
}

/// The feed's own date: the newest `updated` of its items.
fn feed_updated(items: &[Item]) -> Option<DateTime<FixedOffset>> {
    items
        .iter()
        .map(|i| i.updated)
        .max_by_key(|d| d.timestamp())
}

/// The RSS 2.0 document.
pub fn rss(info: &FeedInfo<'_>, items: &[Item]) -> String {
    let updated = Some(feed_updated(items).unwrap_or(info.empty_since).to_rfc2822());
    let items: Vec<rss::Item> = items
        .iter()
        .map(|item| rss::Item {
            title: Some(item.title.clone()),
            link: Some(item.link.to_string()),
            description: item.content.clone(),
            guid: Some(rss::Guid {
                value: item.link.to_string(),
                permalink: true,
            }),
            pub_date: Some(item.published.at.to_rfc2822()),
            dublin_core_ext: item.source.as_ref().map(|source| DublinCoreExtension {
                creators: vec![source.clone()],
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let channel = rss::Channel {
        title: info.title(),
        link: info.link(),
        description: info.description(),
        generator: Some(info.generator()),
        last_build_date: updated.clone(),
        pub_date: updated,
        items,
        ..Default::default()
    };
    channel.to_string()
}

/// The Atom 1.0 document.
pub fn atom(info: &FeedInfo<'_>, items: &[Item]) -> String {
    let site_author = atom::Person {
        name: xml_safe(&info.site.title),
        ..Default::default()
    };
    let entries: Vec<atom::Entry> = items
        .iter()
        .map(|item| atom::Entry {
            id: item.link.to_string(),
            title: atom::Text::plain(item.title.clone()),
            updated: item.updated,
            published: Some(item.published.at),
            authors: item
                .source
                .iter()
                .map(|source| atom::Person {
                    name: source.clone(),
                    ..Default::default()
                })
                .collect(),
            links: vec![alternate(item.link.as_str())],
            content: item.content.as_ref().map(|html| atom::Content {
                value: Some(html.clone()),
                content_type: Some("html".into()),
                ..Default::default()
            }),
            // Readers (and the W3C validator) want some text in every entry.
            summary: item
                .content
                .is_none()
                .then(|| atom::Text::plain(item.title.clone())),
            ..Default::default()
        })
        .collect();
    let feed = atom::Feed {
        title: atom::Text::plain(info.title()),
        id: feed_id(info),
        updated: feed_updated(items).unwrap_or(info.empty_since),
        authors: vec![site_author],
        links: vec![alternate(&info.link())],
        subtitle: Some(atom::Text::plain(info.description())),
        generator: Some(atom::Generator {
            value: "feedwright".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            uri: Some(env!("CARGO_PKG_REPOSITORY").into()).filter(|u: &String| !u.is_empty()),
        }),
        entries,
        ..Default::default()
    };
    feed.to_string()
}

/// A stable, unique IRI for the feed: its first start page, with the section id as fragment.
fn feed_id(info: &FeedInfo<'_>) -> String {
    let mut url = info.section.urls.first().cloned();
    match &mut url {
        Some(url) => {
            url.set_fragment(Some(&format!("feedwright-{}", info.section.id)));
            url.to_string()
        }
        None => format!("urn:feedwright:{}:{}", info.site.id, info.section.id),
    }
}

fn alternate(href: &str) -> atom::Link {
    atom::Link {
        href: href.to_owned(),
        rel: "alternate".into(),
        mime_type: Some("text/html".into()),
        ..Default::default()
    }
}

/// `status.json`: the health of every configured section, in config order.
pub fn status(sections: &[(&Section, SectionStatus)]) -> String {
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        id: &'a str,
        title: &'a str,
        #[serde(flatten)]
        status: &'a SectionStatus,
        rss: String,
        atom: String,
    }
    let entries: Vec<Entry<'_>> = sections
        .iter()
        .map(|(section, status)| Entry {
            id: &section.id,
            title: &section.title,
            status,
            rss: format!("{}.rss", section.id),
            atom: format!("{}.atom", section.id),
        })
        .collect();
    let document = serde_json::json!({
        "generator": format!("feedwright {}", env!("CARGO_PKG_VERSION")),
        "sections": entries,
    });
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|_| unreachable!("plain data serializes"));
    text.push('\n');
    text
}
