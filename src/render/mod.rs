//! Rendering: a section's items as RSS 2.0 (the `rss` crate), Atom 1.0 (`atom_syndication`) and
//! JSON Feed 1.1; the pages around the feeds (index, OPML, status) are in [`site`].
//!
//! Output depends only on the items and the configuration, never on the clock: the feed-level
//! dates are the newest item's, so the same items give byte-identical files. (A feed with no
//! items at all takes the poll's time: something must be written.)
//!
//! Choices that keep the W3C validator quiet: RSS dates in RFC 2822 with the page's offset, the
//! `guid` is the item's absolute link (a permalink), the source of a story is `dc:creator` (RSS
//! `author` must be an e-mail address); the Atom feed has a feed-level author (the site), so
//! entries without a source are valid; entries without a body carry their title as summary;
//! with a `base_url` both formats link to themselves (`rel="self"`). Both XML formats point at
//! `feed.xsl`, which browsers use to show a feed as a readable page; readers ignore it.

pub mod site;

use atom_syndication as atom;
use chrono::{DateTime, FixedOffset, SecondsFormat};
use rss::extension::dublincore::DublinCoreExtension;
use url::Url;

use crate::config::{Format, Section, Site};
use crate::item::Item;
use crate::output::{SiteFile, feed_name};
use feedwright_extract::text::xml_safe;

/// The stylesheet browsers apply to the XML feeds; written beside them.
pub const FEED_XSL: &str = include_str!("../assets/feed.xsl");

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedInfo<'a> {
    pub site: &'a Site,
    pub section: &'a Section,
    /// The public URL of the feeds' folder, if configured.
    pub base_url: Option<&'a Url>,
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
                .unwrap_or(&self.section.title),
        )
    }

    fn link(&self) -> String {
        self.section.home().map_or_else(String::new, Url::to_string)
    }

    /// The feed's own public URL in `format`, when a base URL is configured.
    fn self_url(&self, format: Format) -> Option<String> {
        let name = feed_name(&self.section.id, format);
        self.base_url
            .and_then(|base| base.join(&name).ok())
            .map(String::from)
    }
}

/// Who made the feed: `feedwright <version>`.
pub fn generator() -> String {
    format!("feedwright {}", env!("CARGO_PKG_VERSION"))
}

/// The feed's own date: the newest `updated` of its items.
pub fn feed_updated(items: &[Item]) -> Option<DateTime<FixedOffset>> {
    items
        .iter()
        .map(|i| i.updated)
        .max_by_key(|d| d.timestamp())
}

/// A feed document in `format`, as the bytes of its file.
pub fn feed(format: Format, info: &FeedInfo<'_>, items: &[Item]) -> Vec<u8> {
    match format {
        Format::Rss => rss(info, items),
        Format::Atom => atom(info, items),
        Format::Json => json_feed(info, items),
    }
}

/// Inserts the `xml-stylesheet` instruction after the XML declaration the writers start with.
fn with_stylesheet(mut xml: Vec<u8>) -> Vec<u8> {
    let instruction = format!(
        "\n<?xml-stylesheet type=\"text/xsl\" href=\"{}\"?>\n",
        SiteFile::Stylesheet.name()
    );
    let after_declaration = xml
        .starts_with(b"<?xml")
        .then(|| xml.windows(2).position(|w| w == b"?>"))
        .flatten()
        .map_or(0, |end| end + 2);
    // The writers differ in the whitespace they put after the declaration; none is kept.
    let root = after_declaration
        + xml[after_declaration..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    xml.splice(
        after_declaration..root,
        instruction
            .bytes()
            .skip(usize::from(after_declaration == 0)),
    );
    xml
}

/// The RSS 2.0 document.
pub fn rss(info: &FeedInfo<'_>, items: &[Item]) -> Vec<u8> {
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
    let atom_ext = info
        .self_url(Format::Rss)
        .map(|href| rss::extension::atom::AtomExtension {
            links: vec![atom::Link {
                href,
                rel: "self".into(),
                mime_type: Some(Format::Rss.media_type().into()),
                ..Default::default()
            }],
        });
    let channel = rss::Channel {
        title: info.title(),
        link: info.link(),
        description: info.description(),
        generator: Some(generator()),
        last_build_date: updated.clone(),
        pub_date: updated,
        atom_ext,
        items,
        ..Default::default()
    };
    with_stylesheet(
        channel
            .write_to(Vec::new())
            .unwrap_or_else(|_| unreachable!("writing to memory cannot fail")),
    )
}

/// The Atom 1.0 document.
pub fn atom(info: &FeedInfo<'_>, items: &[Item]) -> Vec<u8> {
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
            links: vec![link("alternate", item.link.as_str(), "text/html")],
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
    let mut links = vec![link("alternate", &info.link(), "text/html")];
    if let Some(href) = info.self_url(Format::Atom) {
        links.push(link("self", &href, Format::Atom.media_type()));
    }
    let feed = atom::Feed {
        title: atom::Text::plain(info.title()),
        id: feed_id(info),
        updated: feed_updated(items).unwrap_or(info.empty_since),
        authors: vec![site_author],
        links,
        subtitle: Some(atom::Text::plain(info.description())),
        generator: Some(atom::Generator {
            value: "feedwright".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            uri: Some(env!("CARGO_PKG_REPOSITORY").into()).filter(|u: &String| !u.is_empty()),
        }),
        entries,
        ..Default::default()
    };
    with_stylesheet(
        feed.write_to(Vec::new())
            .unwrap_or_else(|_| unreachable!("writing to memory cannot fail")),
    )
}

/// The JSON Feed 1.1 document (<https://www.jsonfeed.org/version/1.1/>).
pub fn json_feed(info: &FeedInfo<'_>, items: &[Item]) -> Vec<u8> {
    let rfc3339 = |d: &DateTime<FixedOffset>| d.to_rfc3339_opts(SecondsFormat::Secs, false);
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            let mut entry = serde_json::json!({
                "id": item.link.as_str(),
                "url": item.link.as_str(),
                "title": item.title,
                "date_published": rfc3339(&item.published.at),
                "date_modified": rfc3339(&item.updated),
            });
            match &item.content {
                Some(html) => entry["content_html"] = html.as_str().into(),
                None => entry["content_text"] = item.title.as_str().into(),
            }
            if let Some(source) = &item.source {
                entry["authors"] = serde_json::json!([{ "name": source }]);
            }
            entry
        })
        .collect();
    let mut document = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title(),
        "home_page_url": info.link(),
        "description": info.description(),
        "authors": [{ "name": xml_safe(&info.site.title) }],
        "items": items,
    });
    if let Some(url) = info.self_url(Format::Json) {
        document["feed_url"] = url.into();
    }
    let mut text = serde_json::to_vec_pretty(&document)
        .unwrap_or_else(|_| unreachable!("plain data serializes"));
    text.push(b'\n');
    text
}

/// A stable, unique IRI for the feed: its home page, with the section id as fragment.
fn feed_id(info: &FeedInfo<'_>) -> String {
    match info.section.home() {
        Some(url) => {
            let mut url = url.clone();
            url.set_fragment(Some(&format!("feedwright-{}", info.section.id)));
            url.to_string()
        }
        None => format!("urn:feedwright:{}:{}", info.site.id, info.section.id),
    }
}

fn link(rel: &str, href: &str, mime_type: &str) -> atom::Link {
    atom::Link {
        href: href.to_owned(),
        rel: rel.into(),
        mime_type: Some(mime_type.into()),
        ..Default::default()
    }
}
