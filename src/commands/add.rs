//! `feedwright add`: a new site (or a new section of a site) from its URLs, with selectors
//! learned from what zero-config extraction finds on its pages.

use std::path::PathBuf;

use url::Url;

use super::{CommandError, ExitStatus, Outcome};
use crate::config::edit::{self, NewSection, NewSite};
use crate::config::{Config, FetchSettings};
use crate::learn::{Choice, Sample, learn};
use crate::zero_config::{ExtractError, Reader, Source};
use feedwright_extract::auto::{self, AutoPage};

/// A configuration to start from when the file does not exist yet.
const NEW_CONFIG: &str = "\
# feedwright configuration. Every key is described in README.md.
output_dir: feeds
state: feedwright.db
timezone: Asia/Shanghai
";

/// Add a site from its article and channel URLs, with selectors learned from its pages.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Article pages and/or channel list pages of one site.
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// The configuration file to add to (created when it does not exist).
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Add a section to this existing site instead of a new site.
    #[arg(long, value_name = "ID")]
    pub site: Option<String>,
    /// The new section's id (default `news`).
    #[arg(long, value_name = "ID")]
    pub section: Option<String>,
    /// The new site's (or section's) title.
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// Print the YAML and write nothing.
    #[arg(long)]
    pub print: bool,
}

/// Why `add` stopped before writing anything.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error(transparent)]
    Page(#[from] ExtractError),
    #[error("{0} and {1} are on different hosts: add one site at a time")]
    Hosts(Box<Url>, Box<Url>),
    #[error("{0}: a saved page has no site to add; give its http(s) URL")]
    NotWeb(String),
    #[error(transparent)]
    Edit(#[from] edit::EditError),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the configuration with the new site does not load: {0}")]
    Invalid(String),
}

pub async fn execute(args: AddArgs) -> Outcome {
    let (existing, fetch, taken) = existing(&args.config)?;
    let urls = web_urls(&args.urls).map_err(|e| CommandError::Add(Box::new(e)))?;
    let reader = Reader::new(&fetch).map_err(|e| CommandError::Add(Box::new(e.into())))?;
    let mut pages = Vec::new();
    for url in &urls {
        let (url, text, _) = reader
            .text(&Source::Web(url.clone()))
            .await
            .map_err(|e| CommandError::Add(Box::new(e.into())))?;
        let document = feedwright_extract::document::parse_document(&text);
        let found = auto::extract(&document, &url);
        if found.kind == auto::Kind::None {
            return Err(CommandError::Add(Box::new(
                ExtractError::Nothing { url }.into(),
            )));
        }
        pages.push((url, document, found));
    }
    let samples: Vec<Sample<'_>> = pages
        .iter()
        .map(|(_, document, found)| Sample { document, found })
        .collect();
    let learned = learn(&samples);
    let article = learned.article_rules();
    let related = learned.related_rules();
    super::say_raw(&table(
        [
            ("article", &learned.article, !article.is_empty()),
            ("related", &learned.related, !related.is_empty()),
        ],
        &pages,
    ));
    let site_id = site_id(&urls[0]);
    let section = NewSection {
        id: args
            .section
            .clone()
            .unwrap_or_else(|| free_section_id(&taken, &site_id)),
        title: args.site.as_ref().and(args.title.clone()),
        urls: urls.iter().map(Url::to_string).collect(),
    };
    let base = existing.as_deref().unwrap_or(NEW_CONFIG);
    let text = match &args.site {
        Some(site) => edit::add_section(base, site, &section)
            .map_err(|e| CommandError::Add(Box::new(e.into())))?,
        None => edit::add_site(
            base,
            &NewSite {
                id: site_id.clone(),
                title: args.title.clone().unwrap_or_else(|| site_id.clone()),
                article,
                related,
                follow: pages
                    .iter()
                    .any(|(_, _, found)| found.kind == auto::Kind::List),
                section,
            },
        ),
    };
    let folder = args.config.parent().unwrap_or(std::path::Path::new("."));
    Config::from_yaml(&text, folder)
        .map_err(|e| CommandError::Add(Box::new(AddError::Invalid(crate::error_chain(&e)))))?;
    if args.print {
        super::say_raw(&text);
    } else {
        edit::write_atomically(&args.config, &text).map_err(|source| {
            CommandError::Add(Box::new(AddError::Write {
                path: args.config.clone(),
                source,
            }))
        })?;
    }
    // A section added to a site keeps the site's selectors: nothing learned is written.
    let all_pinned = args.site.is_some()
        || learned
            .article
            .iter()
            .chain(&learned.related)
            .all(|c| c.pinned() || c.pages == 0);
    Ok(if all_pinned {
        ExitStatus::Success
    } else {
        ExitStatus::Failed
    })
}

/// The configuration `add` adds to: its text (`None` for a file that does not exist yet, which
/// is started afresh), its fetch settings and the section ids it holds. A file that does not
/// load is never rewritten (exit 2), unless its only problem is that it has no site yet
/// (`sites: []`), which is where a user starts.
fn existing(
    path: &std::path::Path,
) -> Result<(Option<String>, FetchSettings, Vec<String>), CommandError> {
    let text = match std::fs::read_to_string(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok((None, FetchSettings::default(), Vec::new()));
        }
        Err(source) => {
            return Err(crate::config::ConfigError::Read {
                path: path.to_owned(),
                source,
            }
            .into());
        }
        Ok(text) => text,
    };
    match Config::load(path) {
        Ok(config) => {
            let taken = config.sections().map(|(_, s)| s.id.clone()).collect();
            Ok((Some(text), config.fetch, taken))
        }
        Err(crate::config::ConfigError::Invalid { problems, .. })
            if problems.iter().all(|p| p.key == "sites") =>
        {
            // No site yet: the rest of the file is read with a placeholder site in it.
            let folder = path.parent().unwrap_or(std::path::Path::new("."));
            let with_one = edit::add_site(&text, &placeholder_site());
            let config = Config::from_yaml(&with_one, folder)?;
            Ok((Some(text), config.fetch, Vec::new()))
        }
        Err(error) => Err(error.into()),
    }
}

/// A site that only makes a configuration without sites loadable.
fn placeholder_site() -> NewSite {
    NewSite {
        id: "placeholder".into(),
        title: "placeholder".into(),
        article: Vec::new(),
        related: Vec::new(),
        follow: false,
        section: NewSection {
            id: "placeholder".into(),
            title: None,
            urls: vec!["https://example.com/".into()],
        },
    }
}

/// The id of a new site's section: `news` when it is free, else the site's id, else the site's
/// id numbered (`china-2`).
fn free_section_id(taken: &[String], site: &str) -> String {
    std::iter::once("news".to_owned())
        .chain(std::iter::once(site.to_owned()))
        .chain((2..).map(|n| format!("{site}-{n}")))
        .find(|id| !taken.contains(id))
        .unwrap_or_else(|| unreachable!("the numbered ids never run out"))
}

/// The URLs, all http(s) and all on one host.
fn web_urls(texts: &[String]) -> Result<Vec<Url>, AddError> {
    let mut urls: Vec<Url> = Vec::new();
    for text in texts {
        let Source::Web(url) = Source::parse(text)? else {
            return Err(AddError::NotWeb(text.clone()));
        };
        if let Some(first) = urls.first()
            && first.host_str() != url.host_str()
        {
            return Err(AddError::Hosts(Box::new(first.clone()), Box::new(url)));
        }
        urls.push(url);
    }
    Ok(urls)
}

/// A site id from its host: the name before the public suffix (`news.china.com` → `china`).
fn site_id(url: &Url) -> String {
    const SUFFIXES: [&str; 10] = [
        "com", "cn", "net", "org", "gov", "edu", "co", "uk", "hk", "tw",
    ];
    let host = url.host_str().unwrap_or("site");
    let mut labels: Vec<&str> = host.split('.').filter(|l| *l != "www").collect();
    while labels.len() > 1 && labels.last().is_some_and(|l| SUFFIXES.contains(l)) {
        labels.pop();
    }
    labels.last().copied().unwrap_or("site").to_owned()
}

/// The table of each field: the selectors chosen, the pages they were right on, what they read,
/// and whether they are written: a field not pinned is left to zero-config extraction, and so
/// is every field of a part whose key fields (the article's title; a list's item, title and
/// link) are not all pinned.
fn table(parts: [(&str, &[Choice], bool); 2], pages: &[(Url, scraper::Html, AutoPage)]) -> String {
    let mut out = String::from("pages:\n");
    for (index, (url, _, found)) in pages.iter().enumerate() {
        out.push_str(&format!("  {}. {url} ({:?})\n", index + 1, found.kind));
    }
    for (part, choices, written) in parts {
        for choice in choices {
            let selectors = if choice.selectors.is_empty() {
                "—".to_owned()
            } else {
                choice.selectors.join(" | ")
            };
            let verdict = if !choice.pinned() {
                "  ← not pinned: stays on zero-config"
            } else if !written {
                "  ← not written: the part's key fields are not pinned, it stays on zero-config"
            } else {
                ""
            };
            out.push_str(&format!(
                "{part}.{:<10} {selectors}  [{}/{} pages] {}{verdict}\n",
                choice.field,
                choice.right,
                choice.pages,
                choice.value.as_deref().unwrap_or("")
            ));
        }
    }
    out
}
