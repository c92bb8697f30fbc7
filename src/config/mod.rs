//! Configuration: what the user wrote in `config.yaml`, and the validated [`Config`] the
//! pipeline runs with.
//!
//! Loading happens in two phases, as in ripgrep: serde reads the file into plain `Raw*` structs
//! (unknown keys are rejected), then one fallible step compiles selectors, parses URLs and time
//! zones and checks ids. Every problem found in the second phase is collected, so the user sees
//! all of them at once, each named by its key path (`sites[0].sections[1].urls[0]`) and its line
//! and column ([`position`]). Unknown keys are found before serde runs, against the JSON Schema
//! of the `Raw*` structs ([`schema`]), so that every one of them is reported with the nearest
//! known key.

pub mod edit;
mod place;
pub mod position;
mod raw;
pub mod schema;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use feedwright_extract::Zone;
pub use feedwright_extract::rules::{ArticleRules, Field, Fields, RelatedRules, SiteRules, Target};
use schemars::JsonSchema;
use serde::Deserialize;
use url::Url;

pub use place::{BucketUrl, Output, PostgresUrl, STATE_VARIABLE, StateLocation};
use position::{Position, Positions};
use raw::RawConfig;
pub use raw::parse_duration;

/// Default number of items in each feed.
pub const DEFAULT_MAX_ITEMS: usize = 100;
/// Default number of new list entries a section follows to their pages in one poll: a channel
/// page of 400 links is 400 requests over many polls, never at once.
pub const DEFAULT_MAX_FOLLOW: usize = 30;
/// Default number of days an item stays in history after it was last seen.
pub const DEFAULT_KEEP_DAYS: u32 = 90;
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default cap on a response body.
pub const DEFAULT_MAX_BODY: u64 = 8 * 1024 * 1024;
/// Default number of requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default number of retries after a transient failure.
pub const DEFAULT_RETRIES: u32 = 2;
/// Default minimum gap between two requests to one host.
pub const DEFAULT_PER_HOST_DELAY: Duration = Duration::from_millis(250);

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML, has unknown keys, or has invalid values.
    #[error("{}", ProblemList(.path, .problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One thing wrong in a configuration: where, the key path (empty when unknown), and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
    pub position: Option<Position>,
}

struct ProblemList<'a>(&'a Path, &'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ProblemList(path, problems) = self;
        for (i, problem) in problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", path.display())?;
            if let Some(Position { line, column }) = problem.position {
                write!(f, ":{line}:{column}")?;
            }
            if problem.key.is_empty() {
                write!(f, ": {}", problem.message)?;
            } else {
                write!(f, ": {}: {}", problem.key, problem.message)?;
            }
        }
        Ok(())
    }
}

/// A feed format written for every section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RSS 2.0, `<section>.rss`.
    Rss,
    /// Atom 1.0, `<section>.atom`.
    Atom,
    /// JSON Feed 1.1, `<section>.json`.
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where feed files are written (`output_dir:`).
    pub output: Output,
    /// The public URL of the output (ends with `/`).
    pub base_url: Option<Url>,
    /// The formats written for every section, without repeats.
    pub formats: Vec<Format>,
    /// Where history is kept (`state:`, or the `FEEDWRIGHT_STATE` variable).
    pub state: StateLocation,
    /// Newest items per feed.
    pub max_items: usize,
    /// Days an item is kept in history after it was last seen.
    pub keep_days: u32,
    /// HTTP settings.
    pub fetch: FetchSettings,
    /// Sites, each with its selectors and sections.
    pub sites: Vec<Site>,
}

/// HTTP settings shared by every request of a run.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub timeout: Duration,
    pub retries: u32,
    pub max_body: u64,
    pub concurrency: usize,
    pub per_host_delay: Duration,
    pub user_agent: String,
    /// Obey robots.txt.
    pub respect_robots: bool,
    /// Hosts that followed links may reach besides the start URLs' hosts.
    pub allow_hosts: Vec<String>,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            max_body: DEFAULT_MAX_BODY,
            concurrency: DEFAULT_CONCURRENCY,
            per_host_delay: DEFAULT_PER_HOST_DELAY,
            user_agent: default_user_agent(),
            respect_robots: true,
            allow_hosts: Vec::new(),
        }
    }
}

/// `feedwright/<version> (+<repository>)`.
pub fn default_user_agent() -> String {
    format!(
        "feedwright/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// A site: one set of selectors and one time zone for all of its sections.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub title: String,
    pub timezone: Zone,
    /// Its selectors: the article's, and those of the related/hot-news list of its pages (and
    /// the list of its channel pages).
    pub rules: SiteRules,
    pub follow: bool,
    /// The most new list entries followed per section and poll.
    pub max_follow: usize,
    pub sections: Vec<Section>,
}

/// One feed: a set of start pages scraped with its site's rules.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The section's page for people, if configured (else its first start URL is used).
    pub link: Option<Box<Url>>,
    pub urls: Vec<Url>,
    /// Time between two polls by `watch`; `None` for `watch`'s interval.
    pub every: Option<Duration>,
}

impl Section {
    /// The section's page for people: `link`, else its first start URL.
    pub fn home(&self) -> Option<&Url> {
        self.link.as_deref().or(self.urls.first())
    }
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::from_yaml(&text, base).map_err(|e| match e {
            ConfigError::Invalid { problems, .. } => ConfigError::Invalid {
                path: path.to_owned(),
                problems,
            },
            read @ ConfigError::Read { .. } => read,
        })
    }

    /// Parses and validates configuration text; relative paths are taken from `base`.
    pub fn from_yaml(text: &str, base: &Path) -> Result<Config, ConfigError> {
        let invalid = |problems| ConfigError::Invalid {
            path: PathBuf::from("<config>"),
            problems,
        };
        // A valid file is read by serde alone (every struct denies unknown keys), through a
        // deserializer that streams the parser's events instead of loading them all first (a
        // config of 10,000 sections would cost 15 MB more at its peak). The positions and the
        // schema's known keys are worked out only when there are problems to place, and the
        // problems are found and worded by the reader that gives them positions.
        let (raw, unknown, positions) = match serde_saphyr::from_str::<RawConfig>(text) {
            Ok(raw) => (raw, Vec::new(), None),
            Err(_) => {
                let positions = Positions::of(text);
                let unknown = schema::unknown_keys(&positions);
                let raw = read_without(text, &unknown).map_err(invalid)?;
                (raw, unknown, Some(positions))
            }
        };
        let mut problems = Vec::new();
        let config = validate::validate(raw, base, &mut problems);
        if problems.is_empty() && unknown.is_empty() {
            return Ok(config);
        }
        let positions = positions.unwrap_or_else(|| Positions::of(text));
        for problem in &mut problems {
            // A key of the document itself (a missing `sites`) is at its start.
            problem.position = positions
                .find(&problem.key)
                .or(Some(Position { line: 1, column: 1 }));
        }
        let mut problems = [unknown, problems].concat();
        problems.sort_by_key(|p| p.position.map(|p| (p.line, p.column)));
        Err(invalid(problems))
    }

    /// Every section with its site, in config order.
    pub fn sections(&self) -> impl Iterator<Item = (&Site, &Section)> {
        self.sites
            .iter()
            .flat_map(|site| site.sections.iter().map(move |section| (site, section)))
    }
}

/// The configuration read without the `unknown` keys, so that the problems of the rest are
/// reported too; the problems serde finds in it otherwise.
fn read_without(text: &str, unknown: &[Problem]) -> Result<RawConfig, Vec<Problem>> {
    if unknown.is_empty() {
        return serde_norway::from_str(text).map_err(|e| vec![syntax_problem(&e)]);
    }
    let mut value: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| vec![syntax_problem(&e)])?;
    for problem in unknown {
        schema::remove(&mut value, &problem.key);
    }
    serde_norway::from_value(value).map_err(|e| {
        let mut problems = unknown.to_vec();
        problems.push(syntax_problem(&e));
        problems
    })
}

/// A serde error as a problem: its message without the location, which moves to `position`.
fn syntax_problem(error: &serde_norway::Error) -> Problem {
    let text = error.to_string();
    let message = match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    };
    Problem {
        key: String::new(),
        message,
        position: error.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::raw::parse_byte_size;
    use super::*;

    const MINIMAL: &str = r#"
sites:
  - id: s
    title: S
    article: { title: "h1" }
    sections:
      - { id: a, title: A, urls: ["https://example.com/a"] }
"#;

    #[test]
    fn defaults_apply() {
        let config = Config::from_yaml(MINIMAL, Path::new("/srv")).unwrap();
        assert_eq!(config.output, Output::Folder(PathBuf::from("/srv/feeds")));
        assert_eq!(
            config.state,
            StateLocation::Sqlite(PathBuf::from("/srv/feedwright.db"))
        );
        assert_eq!(config.max_items, DEFAULT_MAX_ITEMS);
        assert_eq!(config.sites[0].timezone, Zone::shanghai());
        assert!(config.fetch.user_agent.starts_with("feedwright/"));
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let text = r#"
timezone: Mars/Olympus
sites:
  - id: Bad Id
    title: S
    article: { title: ["h1", "h1[["], published: "time@datetime" }
    sections:
      - { id: a, title: A, urls: ["ftp://example.com/a", "not a url"] }
      - { id: a, title: A2, urls: [] }
"#;
        let Err(ConfigError::Invalid { problems, .. }) = Config::from_yaml(text, Path::new("."))
        else {
            panic!("expected invalid config");
        };
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "timezone",
                "sites[0].id",
                "sites[0].article.title[1]",
                "sites[0].sections[0].urls[0]",
                "sites[0].sections[0].urls[1]",
                "sites[0].sections[1].id",
                "sites[0].sections[1].urls",
            ]
        );
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let text = MINIMAL
            .replace("title: S", "title: S\n    folow: true")
            .replace("sites:", "max_item: 5\nsites:");
        let err = Config::from_yaml(&text, Path::new("."))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "<config>:2:1: max_item: unknown key `max_item` (did you mean `max_items`?)\n\
             <config>:6:5: sites[0].folow: unknown key `folow` (did you mean `follow`?)"
        );
    }

    #[test]
    fn type_errors_point_at_their_line() {
        let text = MINIMAL.replace("sites:", "max_items: many\nsites:");
        let err = Config::from_yaml(&text, Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("<config>:2:12: max_items: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_top_level_key_points_at_the_document() {
        let err = Config::from_yaml("max_items: 5\n", Path::new("."))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "<config>:1:1: sites: missing key `sites`");
    }

    #[test]
    fn attribute_targets_are_split_off() {
        let text = MINIMAL.replace(
            r#"title: "h1""#,
            r#"title: "h1", published: "time@datetime""#,
        );
        let config = Config::from_yaml(&text, Path::new(".")).unwrap();
        let field = &config.sites[0].rules.article.published[0];
        assert!(matches!(&field.target, Target::Attr(a) if a == "datetime"));
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("ten"), None);
        assert_eq!(parse_duration("8784h"), Some(raw::MAX_DURATION));
        assert_eq!(
            parse_duration("8785h"),
            None,
            "longer than a year is a typo"
        );
        assert_eq!(parse_duration("5000000000000000h"), None);
        assert_eq!(parse_byte_size("8MiB"), Some(8 << 20));
        assert_eq!(parse_byte_size("1000"), Some(1000));
        assert_eq!(parse_byte_size("8 parsecs"), None);
    }
}
