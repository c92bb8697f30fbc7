//! `feedwright extract`: pages through zero-config extraction, for a person or a script: one
//! page, or a crawl's worth in one process (`--jsonl`).

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::SecondsFormat;
use feedwright_extract::{Page, PageKind, Zone};
use futures::StreamExt;
use serde::Serialize;

use super::{CommandError, ExitStatus, Outcome};
use crate::config::{Config, FetchSettings};
use crate::zero_config::{Reader, Source};

/// Show the article or list of pages (fetched, or saved), found with no selectors.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Pages: http(s) URLs, paths (or `file:` paths) of saved pages, folders of saved pages
    /// (every .html/.htm/.shtml file inside), or `-` to read such inputs from standard input,
    /// one per line.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Print JSON: the page's object for one input, an array for several (keys: input, kind,
    /// url, title, published, precision, author, source, body_html, body_text, image, pages,
    /// items).
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON object per input and line, in input order; an input that failed gives
    /// `{"input": …, "error": …}` and the others go on.
    #[arg(long)]
    pub jsonl: bool,
    /// Read times in this site's time zone, and fetch with the configuration's settings.
    #[arg(short, long, value_name = "ID")]
    pub site: Option<String>,
    /// The configuration file (used when it exists, or when --site is given).
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
}

/// One input's result, as `--json` and `--jsonl` print it.
#[derive(Serialize)]
struct Extracted<'a> {
    input: &'a str,
    #[serde(flatten)]
    page: Option<&'a Page>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn execute(args: ExtractArgs) -> Outcome {
    let (fetch, tz) = settings(&args)?;
    let inputs = inputs(&args.inputs)?;
    let reader = Reader::new(&fetch).map_err(CommandError::Extract)?;
    let concurrency = fetch.concurrency.max(1);
    // Pages are read a few at a time (web pages wait on the network) and shown in input
    // order as each is ready.
    let mut results = futures::stream::iter(inputs.iter())
        .map(|input| {
            let (reader, tz) = (&reader, &tz);
            async move {
                let result = match Source::parse(input) {
                    Ok(source) => reader.extract(&source, tz).await,
                    Err(error) => Err(error),
                };
                (input.as_str(), result)
            }
        })
        .buffered(concurrency);
    let single = inputs.len() == 1;
    let mut failed = None;
    let mut array = Vec::new();
    while let Some((input, result)) = results.next().await {
        let (page, error) = match &result {
            Ok(page) => (Some(page), None),
            Err(error) => (None, Some(crate::error_chain(error))),
        };
        if args.jsonl || args.json {
            let line = Extracted {
                input,
                page,
                error: error.clone(),
            };
            if args.jsonl {
                say!("{}", json(&line, false));
            } else {
                array.push(json(&line, true));
            }
        } else if let Some(page) = page {
            if !single {
                say!("== {input}");
            }
            super::say_raw(&show(page));
        }
        if let Err(error) = result {
            if !args.jsonl && !args.json || single {
                eprintln!("error: {}", crate::error_chain(&error));
            }
            failed.get_or_insert(error);
        }
    }
    if args.json {
        match array.as_slice() {
            [one] => say!("{one}"),
            many => say!("[\n{}\n]", many.join(",\n")),
        }
    }
    Ok(if failed.is_some() {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}

/// `value` as JSON text, pretty or on one line.
fn json(value: &impl Serialize, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.unwrap_or_else(|_| unreachable!("plain data serializes"))
}

/// The inputs, with `-` replaced by the lines of standard input and folders by the saved
/// pages they hold (sorted, at any depth).
fn inputs(given: &[String]) -> Result<Vec<String>, CommandError> {
    let mut out = Vec::new();
    for input in given {
        if input == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                CommandError::system("cannot read the inputs from standard input", e)
            })?;
            out.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned),
            );
        } else if std::path::Path::new(input).is_dir() {
            out.extend(saved_pages(std::path::Path::new(input))?);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

/// Extensions of saved pages.
const PAGE_EXTENSIONS: [&str; 3] = ["html", "htm", "shtml"];

/// The saved pages under `folder`, at any depth, sorted by path.
fn saved_pages(folder: &std::path::Path) -> Result<Vec<String>, CommandError> {
    let mut pages = Vec::new();
    let mut folders = vec![folder.to_owned()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| CommandError::system(format!("cannot read {}", folder.display()), e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| PAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            {
                pages.push(path);
            }
        }
    }
    pages.sort();
    Ok(pages
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
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
            if page.pages > 1 {
                line(format!("pages      {}", page.pages));
            }
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
