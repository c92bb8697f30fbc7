//! `feedwright extract`: one page through zero-config extraction, for a person or a script.

use std::path::PathBuf;

use super::{CommandError, ExitStatus, Outcome};
use crate::config::{Config, FetchSettings};
use crate::normalize::zone::Zone;
use crate::zero_config::{Source, extract};

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
    let page = extract(&source, &fetch, tz)
        .await
        .map_err(CommandError::Extract)?;
    if args.json {
        let json = serde_json::to_string_pretty(&page)
            .unwrap_or_else(|_| unreachable!("plain data serializes"));
        say!("{json}");
    } else {
        super::say_raw(&page.to_string());
    }
    Ok(ExitStatus::Success)
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
