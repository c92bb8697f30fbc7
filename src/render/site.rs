//! The files around the feeds: `index.html` (for people, with autodiscovery links for
//! browsers and readers), `feeds.opml` (one import subscribes to every section) and
//! `status.json` (for monitoring). Links are relative, or absolute under `base_url`.

use std::fmt::Write;

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
pub fn index_html(listed: &[Listed<'_>], links: Links<'_>) -> String {
    let mut html =
        String::from("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<title>Feeds · 订阅源</title>\n");
    let _ = writeln!(
        html,
        "<meta name=\"generator\" content=\"{}\">",
        escape(&generator())
    );
    for entry in listed {
        for &format in links.formats {
            let _ = writeln!(
                html,
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">",
                format.media_type(),
                escape(&entry.section.title),
                escape(&links.to(&feed_name(&entry.section.id, format)))
            );
        }
    }
    let _ = writeln!(
        html,
        "<style>{}</style>\n</head>\n<body>\n<main>",
        STYLE.trim()
    );
    html.push_str("<h1>Feeds · 订阅源</h1>\n");
    let _ = writeln!(
        html,
        "<p class=\"lead\">Copy a feed's link into your feed reader, or import <a href=\"{}\">all of them (OPML)</a>. 复制订阅链接到阅读器即可订阅。</p>",
        escape(&links.to(SiteFile::Opml.name()))
    );
    html.push_str("<ul>\n");
    for entry in listed {
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
        let _ = writeln!(
            html,
            "<li id=\"{}\"><h2><a href=\"{}\">{}</a></h2>\n<p class=\"meta\">{} · {} items{}</p>\n<p class=\"formats\">",
            escape(&entry.section.id),
            escape(home),
            escape(&entry.section.title),
            escape(&entry.site.title),
            entry.items,
            updated
        );
        for &format in links.formats {
            let _ = write!(
                html,
                "<a href=\"{}\" type=\"{}\">{}</a>",
                escape(&links.to(&feed_name(&entry.section.id, format))),
                format.media_type(),
                format.label()
            );
        }
        html.push_str("</p></li>\n");
    }
    let _ = writeln!(
        html,
        "</ul>\n<footer>Made by {} · <a href=\"{}\">status</a></footer>\n</main>\n</body>\n</html>",
        escape(&generator()),
        escape(&links.to(SiteFile::Status.name()))
    );
    html
}

/// `feeds.opml`: OPML 2.0 with one outline per site and one feed per section (the first
/// configured format).
pub fn opml(listed: &[Listed<'_>], links: Links<'_>) -> String {
    let format = links.formats.first().copied().unwrap_or(Format::Rss);
    let mut opml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n");
    let _ = writeln!(
        opml,
        "<head><title>Feeds</title><docs>http://opml.org/spec2.opml</docs></head>\n<body>"
    );
    let mut sites: Vec<&Site> = Vec::new();
    for entry in listed {
        if !sites.iter().any(|s| s.id == entry.site.id) {
            sites.push(entry.site);
        }
    }
    for site in sites {
        let _ = writeln!(
            opml,
            "<outline text=\"{0}\" title=\"{0}\">",
            escape(&site.title)
        );
        for entry in listed.iter().filter(|e| e.site.id == site.id) {
            let _ = writeln!(
                opml,
                "<outline type=\"rss\" version=\"{}\" text=\"{1}\" title=\"{1}\" xmlUrl=\"{2}\" htmlUrl=\"{3}\"/>",
                format.opml_version(),
                escape(&entry.section.title),
                escape(&links.to(&feed_name(&entry.section.id, format))),
                escape(entry.section.home().map(Url::as_str).unwrap_or_default()),
            );
        }
        opml.push_str("</outline>\n");
    }
    opml.push_str("</body>\n</opml>\n");
    opml
}

/// `status.json`: the health of every configured section, in config order.
/// A section without `every:` is polled every `every`.
pub fn status(
    sections: &[(&Section, SectionStatus)],
    formats: &[Format],
    every: std::time::Duration,
) -> String {
    /// One section's entry, its keys in the sorted order a JSON object of `serde_json`
    /// writes, each value borrowed: a status of 10,000 sections is written without a tree of
    /// values in memory.
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
        last_error: &'a Option<String>,
        last_error_at: &'a Option<String>,
        last_success: &'a Option<String>,
        next_poll: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        rss: Option<String>,
        title: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Document<'a> {
        generator: String,
        sections: Vec<Entry<'a>>,
    }
    let file = |section: &Section, format: Format| {
        formats
            .contains(&format)
            .then(|| feed_name(&section.id, format))
    };
    let document = Document {
        generator: generator(),
        sections: sections
            .iter()
            .map(|(section, status)| Entry {
                atom: file(section, Format::Atom),
                every_seconds: section.every.unwrap_or(every).as_secs(),
                failures: status.failures,
                fallbacks: status.fallbacks,
                id: &section.id,
                items: status.items,
                json: file(section, Format::Json),
                last_error: &status.last_error,
                last_error_at: &status.last_error_at,
                last_success: &status.last_success,
                next_poll: status
                    .next_poll
                    .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                rss: file(section, Format::Rss),
                title: &section.title,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|_| unreachable!("plain data serializes"));
    text.push('\n');
    text
}
