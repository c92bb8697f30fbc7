//! The files around the feeds: `index.html` (for people, with autodiscovery links for
//! browsers and readers), `feeds.opml` (one import subscribes to every section) and
//! `status.json` (for monitoring). Links are relative, or absolute under `base_url`.

use std::cell::RefCell;
use std::io::{self, Write};

use chrono::{DateTime, FixedOffset};
use url::Url;

use super::generator;
use crate::config::{Format, Section, Site};
use crate::output::{SiteFile, feed_name};
use crate::store::SectionStatus;

/// One section as the index shows it.
#[derive(Debug, Clone)]
pub struct Listed<'a> {
    pub site: &'a Site,
    pub section: &'a Section,
    pub items: usize,
    pub updated: Option<DateTime<FixedOffset>>,
}

/// Where the index's links point.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    pub base_url: Option<&'a Url>,
    pub formats: &'a [Format],
}

impl Links<'_> {
    fn to(&self, name: &str) -> String {
        match self.base_url.and_then(|b| b.join(name).ok()) {
            Some(url) => url.to_string(),
            None => name.to_owned(),
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#6e6e73;--bg:#fbfbfd;--card:#fff;--line:#e5e5ea;--accent:#c8102e}
@media (prefers-color-scheme:dark){:root{--fg:#f5f5f7;--muted:#a1a1a6;--bg:#111113;--card:#1c1c1e;--line:#2c2c2e;--accent:#ff5a5f}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 -apple-system,'PingFang SC','Hiragino Sans GB','Noto Sans CJK SC','Microsoft YaHei',system-ui,sans-serif}
main{max-width:860px;margin:0 auto;padding:40px 20px}h1{font-size:28px;margin:0 0 4px}p.lead{color:var(--muted);margin:0 0 28px}
ul{list-style:none;margin:0;padding:0}li{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 20px;margin:0 0 12px}
h2{font-size:19px;margin:0 0 4px}h2 a{color:inherit;text-decoration:none}h2 a:hover{text-decoration:underline}
.meta{color:var(--muted);font-size:14px;margin:0 0 10px}.formats a{display:inline-block;margin:0 8px 0 0;padding:3px 12px;border-radius:999px;border:1px solid var(--accent);color:var(--accent);text-decoration:none;font-size:14px}
.formats a:hover{background:var(--accent);color:#fff}footer{color:var(--muted);font-size:13px;margin-top:28px}footer a{color:inherit}
";

/// `index.html`: every section with its title, item count, last update and subscribe links.
/// `sections` are the configured sections (for the head's autodiscovery links), `listed` the
/// same sections with what their feeds hold, both in config order.
pub fn index_html<'a>(
    out: &mut dyn Write,
    links: Links<'_>,
    sections: impl Iterator<Item = &'a Section>,
    listed: impl Iterator<Item = io::Result<Listed<'a>>>,
) -> io::Result<()> {
    out.write_all(b"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n")?;
    out.write_all(b"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")?;
    out.write_all("<title>Feeds · 订阅源</title>\n".as_bytes())?;
    writeln!(
        out,
        "<meta name=\"generator\" content=\"{}\">",
        escape(&generator())
    )?;
    for section in sections {
        for &format in links.formats {
            writeln!(
                out,
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">",
                format.media_type(),
                escape(&section.title),
                escape(&links.to(&feed_name(&section.id, format)))
            )?;
        }
    }
    writeln!(
        out,
        "<style>{}</style>\n</head>\n<body>\n<main>",
        STYLE.trim()
    )?;
    out.write_all("<h1>Feeds · 订阅源</h1>\n".as_bytes())?;
    writeln!(
        out,
        "<p class=\"lead\">Copy a feed's link into your feed reader, or import <a href=\"{}\">all of them (OPML)</a>. 复制订阅链接到阅读器即可订阅。</p>",
        escape(&links.to(SiteFile::Opml.name()))
    )?;
    out.write_all(b"<ul>\n")?;
    for entry in listed {
        let entry = entry?;
        let home = entry.section.home().map(Url::as_str).unwrap_or("#");
        let updated = entry
            .updated
            .map(|d| {
                format!(
                    ", last update <time datetime=\"{}\">{}</time>",
                    d.to_rfc3339(),
                    d.format("%Y-%m-%d %H:%M %:z")
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "<li id=\"{}\"><h2><a href=\"{}\">{}</a></h2>\n<p class=\"meta\">{} · {} items{}</p>\n<p class=\"formats\">",
            escape(&entry.section.id),
            escape(home),
            escape(&entry.section.title),
            escape(&entry.site.title),
            entry.items,
            updated
        )?;
        for &format in links.formats {
            write!(
                out,
                "<a href=\"{}\" type=\"{}\">{}</a>",
                escape(&links.to(&feed_name(&entry.section.id, format))),
                format.media_type(),
                format.label()
            )?;
        }
        out.write_all(b"</p></li>\n")?;
    }
    writeln!(
        out,
        "</ul>\n<footer>Made by {} · <a href=\"{}\">status</a></footer>\n</main>\n</body>\n</html>",
        escape(&generator()),
        escape(&links.to(SiteFile::Status.name()))
    )
}

/// `feeds.opml`: OPML 2.0 with one outline per site and one feed per section (the first
/// configured format).
pub fn opml(out: &mut dyn Write, sites: &[Site], links: Links<'_>) -> io::Result<()> {
    let format = links.formats.first().copied().unwrap_or(Format::Rss);
    out.write_all(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n")?;
    writeln!(
        out,
        "<head><title>Feeds</title><docs>http://opml.org/spec2.opml</docs></head>\n<body>"
    )?;
    for site in sites.iter().filter(|site| !site.sections.is_empty()) {
        writeln!(
            out,
            "<outline text=\"{0}\" title=\"{0}\">",
            escape(&site.title)
        )?;
        for section in &site.sections {
            writeln!(
                out,
                "<outline type=\"rss\" version=\"{}\" text=\"{1}\" title=\"{1}\" xmlUrl=\"{2}\" htmlUrl=\"{3}\"/>",
                format.opml_version(),
                escape(&section.title),
                escape(&links.to(&feed_name(&section.id, format))),
                escape(section.home().map(Url::as_str).unwrap_or_default()),
            )?;
        }
        out.write_all(b"</outline>\n")?;
    }
    out.write_all(b"</body>\n</opml>\n")
}

/// `status.json`: the health of every configured section, in config order. A section without
/// `every:` is polled every `every`. The sections are serialized as `sections` yields them,
/// so a status of 10,000 sections is written without holding them all.
pub fn status<'a>(
    out: &mut dyn Write,
    sections: impl Iterator<Item = io::Result<(&'a Section, SectionStatus)>>,
    formats: &[Format],
    every: std::time::Duration,
) -> io::Result<()> {
    /// One section's entry, its keys in the sorted order a JSON object of `serde_json`
    /// writes.
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        atom: Option<String>,
        /// Seconds between two polls after a success.
        every_seconds: u64,
        /// Polls failed in a row: each doubles the delay, up to six hours.
        failures: u32,
        fallbacks: usize,
        id: &'a str,
        items: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        json: Option<String>,
        last_error: Option<String>,
        last_error_at: Option<String>,
        last_success: Option<String>,
        next_poll: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        rss: Option<String>,
        title: &'a str,
    }
    #[derive(serde::Serialize)]
    #[serde(bound(serialize = "Streamed<I>: serde::Serialize"))]
    struct Document<I> {
        generator: String,
        sections: Streamed<I>,
    }
    let file = |section: &Section, format: Format| {
        formats
            .contains(&format)
            .then(|| feed_name(&section.id, format))
    };
    let entries = sections.map(|entry| {
        entry.map(|(section, status)| Entry {
            atom: file(section, Format::Atom),
            every_seconds: section.every.unwrap_or(every).as_secs(),
            failures: status.failures,
            fallbacks: status.fallbacks,
            id: &section.id,
            items: status.items,
            json: file(section, Format::Json),
            last_error: status.last_error,
            last_error_at: status.last_error_at,
            last_success: status.last_success,
            next_poll: status
                .next_poll
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            rss: file(section, Format::Rss),
            title: &section.title,
        })
    });
    let document = Document {
        generator: generator(),
        sections: Streamed(RefCell::new(Some(entries))),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

/// A sequence serialized from an iterator as it yields, once; an item that is an error stops
/// the serialization with it.
struct Streamed<I>(RefCell<Option<I>>);

impl<I, T> serde::Serialize for Streamed<I>
where
    I: Iterator<Item = io::Result<T>>,
    T: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let items = self
            .0
            .borrow_mut()
            .take()
            .ok_or_else(|| S::Error::custom("a streamed sequence is serialized once"))?;
        let mut seq = serializer.serialize_seq(None)?;
        for item in items {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}
