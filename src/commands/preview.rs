//! `feedwright preview`: one page through a site's selectors, shown field by field.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::config::Config;
use crate::preview::{DEFAULT_ENTRIES, choose_site, preview};

/// Fetch one page and show what a site's selectors extract from it.
#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// The page to try.
    pub url: url::Url,
    /// The site whose selectors to use (default: the site with a start page on the same host).
    #[arg(short, long, value_name = "ID")]
    pub site: Option<String>,
    /// The configuration file.
    #[arg(short, long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// How many list entries to show.
    #[arg(short = 'n', long, default_value_t = DEFAULT_ENTRIES)]
    pub entries: usize,
}

pub async fn execute(args: PreviewArgs) -> Outcome {
    let config = Config::load(&args.config)?;
    let site = choose_site(&config, args.site.as_deref(), &args.url)?;
    let shown = preview(&config, site, &args.url, args.entries).await?;
    super::say_raw(&shown.to_string());
    Ok(if shown.has_warnings() {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}
