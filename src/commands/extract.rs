//! `feedwright extract`: one page through zero-config extraction, for a person or a script.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::SecondsFormat;
use feedwright_extract::{Page, PageKind, Zone};

use super::{CommandError, ExitStatus, Outcome};
use crate::config::{Config, FetchSettings};
use crate::zero_config::{Reader, Source};

/// Fetch one page (or read a saved one) and show its article or list, found with no selectors.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// The page: an http(s) URL, or `file:` and the path of a saved page.
    pub url: String,
    /// Print the result as JSON (keys: kind, url, title, published, precision, author, source,
    /// body_html, body_text, image, items).
    #[arg(long)]
    pub json: bool,
    /// Read times in this site's time zone, and fetch with the configuration's settings.
    #[arg(short, long, value_name = "ID")]
    pub site: Option<String>,
    /// The configuration file (used when it exists, or when --site is given).
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
}

pub async fn execute(args: ExtractArgs) -> Outcome {
    let source = Source::parse(&args.url).map_err(CommandError::Extract)?;
    let (fetch, tz) = settings(&args)?;
    let reader = Reader::new(&fetch).map_err(CommandError::Extract)?;
    let page = reader
        .extract(&source, &tz)
        .await
        .map_err(CommandError::Extract)?;
    if args.json {
        let json = serde_json::to_string_pretty(&page)
            .unwrap_or_else(|_| unreachable!("plain data serializes"));
        say!("{json}");
    } else {
        super::say_raw(&show(&page));
    }
    Ok(ExitStatus::Success)
}

/// The page as a person reads it: the article's fields, its body line by line, then the list.
fn show(page: &Page) -> String {
    let mut out = String::new();
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let rfc3339 =
        |at: &chrono::DateTime<chrono::FixedOffset>| at.to_rfc3339_opts(SecondsFormat::Secs, false);
    // Writing to a String cannot fail.
    let mut line = |text: String| {
        let _ = writeln!(out, "{text}");
    };
    line(format!("page       {}", page.url));
    match page.kind {
        PageKind::Article => {
            line("kind       article".into());
            line(format!("title      {}", or_dash(&page.title)));
            let precision = page
                .precision
                .map(|p| format!(" ({})", p.name()))
                .unwrap_or_default();
            line(format!(
                "published  {}{precision}",
                or_dash(&page.published.as_ref().map(rfc3339))
            ));
            line(format!("source     {}", or_dash(&page.source)));
            line(format!("author     {}", or_dash(&page.author)));
            if let Some(image) = &page.image {
                line(format!("image      {image}"));
            }
            let text = page.body_text.as_deref().unwrap_or_default();
            line(format!("body       {} characters", text.chars().count()));
            for body_line in text.lines().filter(|l| !l.trim().is_empty()) {
                line(format!("  | {body_line}"));
            }
            line(String::new());
            line(format!("related    {} items", page.items.len()));
        }
        PageKind::List => {
            line("kind       list".into());
            line(format!("items      {}", page.items.len()));
        }
    }
    for (i, item) in page.items.iter().enumerate() {
        line(format!("  {:>3}. {}", i + 1, item.title));
        line(format!("       {}", item.link));
        if let Some(published) = &item.published {
            line(format!("       {}", rfc3339(published)));
        }
    }
    out
}

/// The fetch settings and the time zone: the configuration's (and its site's) when there is
/// one, the defaults otherwise.
fn settings(args: &ExtractArgs) -> Result<(FetchSettings, Zone), CommandError> {
    if args.site.is_none() && !args.config.exists() {
        return Ok((FetchSettings::default(), Zone::shanghai()));
    }
    let config = Config::load(&args.config)?;
    let tz = match &args.site {
        Some(id) => config
            .sites
            .iter()
            .find(|s| &s.id == id)
            .map(|s| s.timezone.clone())
            .ok_or_else(|| crate::preview::PreviewError::UnknownSite(id.clone()))?,
        None => config
            .sites
            .first()
            .map_or_else(Zone::shanghai, |s| s.timezone.clone()),
    };
    Ok((config.fetch, tz))
}
