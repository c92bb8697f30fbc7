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

pub mod position;
pub mod schema;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use schemars::JsonSchema;
use scraper::Selector;
use serde::Deserialize;
use url::Url;

use position::{Position, Positions};

/// Default number of items in each feed.
pub const DEFAULT_MAX_ITEMS: usize = 100;
/// Default time zone for times written without an offset.
pub const DEFAULT_TIMEZONE: Tz = Tz::Asia__Shanghai;
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
    #[error("cannot read {path}: {source}")]
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

/// A string or a list of strings: selector alternatives, tried in order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A duration written as `20s`, `250ms`, `10m` or `1h`.
#[derive(Debug, Clone, Copy)]
struct HumanDuration(Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).map(HumanDuration).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid duration {text:?} (examples: 250ms, 20s, 10m, 1h)"
            ))
        })
    }
}

impl JsonSchema for HumanDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+ ?(ms|s|m|min|h)$",
            "examples": ["250ms", "20s", "10m"]
        })
    }
}

/// Parses `250ms`, `20s`, `10m`, `1h` (an integer and a unit).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit.trim() {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" | "min" => n.checked_mul(60).map(Duration::from_secs),
        "h" => n.checked_mul(3600).map(Duration::from_secs),
        _ => None,
    }
}

/// A byte size written as `8MiB`, `512KiB` or a plain number of bytes.
#[derive(Debug, Clone, Copy)]
struct ByteSize(u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Text(String),
        }
        match Written::deserialize(d)? {
            Written::Number(n) => Ok(ByteSize(n)),
            Written::Text(text) => parse_byte_size(&text).map(ByteSize).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid size {text:?} (examples: 8MiB, 512KiB, 100000)"
                ))
            }),
        }
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ByteSize".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [
                { "type": "integer", "minimum": 1 },
                { "type": "string", "pattern": "^[0-9]+ ?(B|KiB|KB|k|MiB|MB|M|GiB|GB|G)?$" }
            ],
            "examples": ["8MiB", "512KiB"]
        })
    }
}

fn parse_byte_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "KB" | "k" => 1024,
        "MiB" | "MB" | "M" => 1024 * 1024,
        "GiB" | "GB" | "G" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(factor)
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

impl Format {
    /// The file name extension, which also names the format in the index.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// The media type a server should send.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    output_dir: Option<PathBuf>,
    /// The public URL of `output_dir`, for self links and absolute links in the index.
    #[serde(default)]
    base_url: Option<String>,
    /// Formats written for every section (default: rss and atom).
    #[serde(default)]
    formats: Option<Vec<Format>>,
    #[serde(default)]
    state: Option<PathBuf>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    max_items: Option<usize>,
    #[serde(default)]
    keep_days: Option<u32>,
    #[serde(default)]
    fetch: RawFetch,
    sites: Vec<RawSite>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    timeout: Option<HumanDuration>,
    retries: Option<u32>,
    max_body: Option<ByteSize>,
    concurrency: Option<usize>,
    per_host_delay: Option<HumanDuration>,
    user_agent: Option<String>,
    respect_robots: Option<bool>,
    #[serde(default)]
    allow_hosts: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSite {
    id: String,
    title: String,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default)]
    article: RawArticle,
    #[serde(default)]
    related: Option<RawList>,
    #[serde(default)]
    follow: bool,
    sections: Vec<RawSection>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    title: Option<OneOrMany>,
    published: Option<OneOrMany>,
    published_format: Option<String>,
    source: Option<OneOrMany>,
    body: Option<OneOrMany>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawList {
    item: OneOrMany,
    title: OneOrMany,
    link: OneOrMany,
    published: Option<OneOrMany>,
    published_format: Option<String>,
    source: Option<OneOrMany>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    /// The section's page for people (default: its first start URL).
    #[serde(default)]
    link: Option<String>,
    urls: Vec<String>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where feed files are written.
    pub output_dir: PathBuf,
    /// The public URL of `output_dir` (ends with `/`).
    pub base_url: Option<Url>,
    /// The formats written for every section, without repeats.
    pub formats: Vec<Format>,
    /// The SQLite history file.
    pub state_path: PathBuf,
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
    pub timezone: Tz,
    pub article: ArticleRules,
    pub list: Option<ListRules>,
    pub follow: bool,
    pub sections: Vec<Section>,
}

/// One feed: a set of start pages scraped with its site's rules.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The section's page for people, if configured (else its first start URL is used).
    pub link: Option<Url>,
    pub urls: Vec<Url>,
}

impl Section {
    /// The section's page for people: `link`, else its first start URL.
    pub fn home(&self) -> Option<&Url> {
        self.link.as_ref().or(self.urls.first())
    }
}

/// Where a value is read from: the element's text, or one of its attributes.
#[derive(Debug, Clone)]
pub enum Target {
    Text,
    Attr(String),
}

/// One selector alternative: a CSS selector and what to read from the element it matches.
#[derive(Debug, Clone)]
pub struct Field {
    pub selector: Selector,
    pub target: Target,
    /// The selector as the user wrote it, for messages.
    pub source: String,
}

/// Alternatives for one value, tried in order: the first that matches wins.
pub type Fields = Vec<Field>;

/// Selectors for the article on a page.
#[derive(Debug, Clone, Default)]
pub struct ArticleRules {
    pub title: Fields,
    pub published: Fields,
    pub published_format: Option<String>,
    pub source: Fields,
    pub body: Fields,
}

/// Selectors for a list of items (a hot list, or a channel page's list).
#[derive(Debug, Clone)]
pub struct ListRules {
    pub item: Fields,
    pub title: Fields,
    pub link: Fields,
    pub published: Fields,
    pub published_format: Option<String>,
    pub source: Fields,
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
        let positions = Positions::of(text);
        let unknown = schema::unknown_keys(&positions);
        let raw: RawConfig = if unknown.is_empty() {
            serde_norway::from_str(text).map_err(|e| invalid(vec![syntax_problem(&e)]))?
        } else {
            // Read the rest without the unknown keys, so that its problems are reported too.
            let mut value: serde_norway::Value =
                serde_norway::from_str(text).map_err(|e| invalid(vec![syntax_problem(&e)]))?;
            for problem in &unknown {
                schema::remove(&mut value, &problem.key);
            }
            serde_norway::from_value(value).map_err(|e| {
                let mut problems = unknown.clone();
                problems.push(syntax_problem(&e));
                invalid(problems)
            })?
        };
        let mut problems = Vec::new();
        let config = validate(raw, base, &mut problems);
        for problem in &mut problems {
            problem.position = positions.find(&problem.key);
        }
        let mut problems = [unknown, problems].concat();
        if problems.is_empty() {
            Ok(config)
        } else {
            problems.sort_by_key(|p| p.position.map(|p| (p.line, p.column)));
            Err(invalid(problems))
        }
    }

    /// Every section with its site, in config order.
    pub fn sections(&self) -> impl Iterator<Item = (&Site, &Section)> {
        self.sites
            .iter()
            .flat_map(|site| site.sections.iter().map(move |section| (site, section)))
    }
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

fn validate(raw: RawConfig, base: &Path, problems: &mut Vec<Problem>) -> Config {
    let mut report = |key: String, message: String| {
        problems.push(Problem {
            key,
            message,
            position: None,
        })
    };
    let timezone = match &raw.timezone {
        Some(name) => parse_timezone(name).unwrap_or_else(|message| {
            report("timezone".into(), message);
            DEFAULT_TIMEZONE
        }),
        None => DEFAULT_TIMEZONE,
    };
    let max_items = raw.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    if max_items == 0 {
        report("max_items".into(), "must be at least 1".into());
    }
    let fetch = validate_fetch(raw.fetch, &mut report);
    let base_url = raw.base_url.as_deref().and_then(|text| {
        let with_slash = if text.ends_with('/') {
            text.to_owned()
        } else {
            format!("{text}/")
        };
        parse_http_url(&with_slash)
            .map_err(|message| report("base_url".into(), message))
            .ok()
    });
    let mut formats = Vec::new();
    for format in raw
        .formats
        .unwrap_or_else(|| vec![Format::Rss, Format::Atom])
    {
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        report(
            "formats".into(),
            "no formats: nothing would be written".into(),
        );
    }
    if raw.sites.is_empty() {
        report("sites".into(), "no sites configured".into());
    }
    let mut site_ids = HashSet::new();
    let mut section_ids = HashSet::new();
    let mut sites = Vec::with_capacity(raw.sites.len());
    for (i, raw_site) in raw.sites.into_iter().enumerate() {
        let key = format!("sites[{i}]");
        check_id(
            &raw_site.id,
            &format!("{key}.id"),
            &mut site_ids,
            "site",
            &mut report,
        );
        let site_tz = match &raw_site.timezone {
            Some(name) => parse_timezone(name).unwrap_or_else(|message| {
                report(format!("{key}.timezone"), message);
                timezone
            }),
            None => timezone,
        };
        let article = ArticleRules {
            title: fields(
                raw_site.article.title,
                &format!("{key}.article.title"),
                &mut report,
            ),
            published: fields(
                raw_site.article.published,
                &format!("{key}.article.published"),
                &mut report,
            ),
            published_format: raw_site.article.published_format,
            source: fields(
                raw_site.article.source,
                &format!("{key}.article.source"),
                &mut report,
            ),
            body: fields(
                raw_site.article.body,
                &format!("{key}.article.body"),
                &mut report,
            ),
        };
        let list = raw_site.related.map(|raw_list| {
            let lkey = format!("{key}.related");
            ListRules {
                item: fields(Some(raw_list.item), &format!("{lkey}.item"), &mut report),
                title: fields(Some(raw_list.title), &format!("{lkey}.title"), &mut report),
                link: link_fields(raw_list.link, &format!("{lkey}.link"), &mut report),
                published: fields(
                    raw_list.published,
                    &format!("{lkey}.published"),
                    &mut report,
                ),
                published_format: raw_list.published_format,
                source: fields(raw_list.source, &format!("{lkey}.source"), &mut report),
            }
        });
        if article.title.is_empty() && list.is_none() {
            report(
                key.clone(),
                "needs `article.title` or `related` selectors: nothing would be scraped".into(),
            );
        }
        if raw_site.sections.is_empty() {
            report(format!("{key}.sections"), "no sections configured".into());
        }
        let mut sections = Vec::with_capacity(raw_site.sections.len());
        for (j, raw_section) in raw_site.sections.into_iter().enumerate() {
            let skey = format!("{key}.sections[{j}]");
            check_id(
                &raw_section.id,
                &format!("{skey}.id"),
                &mut section_ids,
                "section",
                &mut report,
            );
            if raw_section.urls.is_empty() {
                report(format!("{skey}.urls"), "no start URLs".into());
            }
            let urls = raw_section
                .urls
                .iter()
                .enumerate()
                .filter_map(|(k, text)| match parse_http_url(text) {
                    Ok(url) => Some(url),
                    Err(message) => {
                        report(format!("{skey}.urls[{k}]"), message);
                        None
                    }
                })
                .collect();
            let link = raw_section.link.as_deref().and_then(|text| {
                parse_http_url(text)
                    .map_err(|message| report(format!("{skey}.link"), message))
                    .ok()
            });
            sections.push(Section {
                id: raw_section.id,
                title: raw_section.title,
                description: raw_section.description,
                link,
                urls,
            });
        }
        sites.push(Site {
            id: raw_site.id,
            title: raw_site.title,
            timezone: site_tz,
            article,
            list,
            follow: raw_site.follow,
            sections,
        });
    }
    Config {
        output_dir: base.join(raw.output_dir.unwrap_or_else(|| PathBuf::from("feeds"))),
        base_url,
        formats,
        state_path: base.join(raw.state.unwrap_or_else(|| PathBuf::from("feedwright.db"))),
        max_items,
        keep_days: raw.keep_days.unwrap_or(DEFAULT_KEEP_DAYS),
        fetch,
        sites,
    }
}

fn validate_fetch(raw: RawFetch, report: &mut impl FnMut(String, String)) -> FetchSettings {
    let defaults = FetchSettings::default();
    let concurrency = raw.concurrency.unwrap_or(defaults.concurrency);
    if concurrency == 0 {
        report("fetch.concurrency".into(), "must be at least 1".into());
    }
    let timeout = raw.timeout.map_or(defaults.timeout, |d| d.0);
    if timeout.is_zero() {
        report("fetch.timeout".into(), "must be longer than 0".into());
    }
    let max_body = raw.max_body.map_or(defaults.max_body, |b| b.0);
    if max_body == 0 {
        report("fetch.max_body".into(), "must be at least 1 byte".into());
    }
    FetchSettings {
        timeout,
        retries: raw.retries.unwrap_or(defaults.retries),
        max_body,
        concurrency: concurrency.max(1),
        per_host_delay: raw.per_host_delay.map_or(defaults.per_host_delay, |d| d.0),
        user_agent: raw.user_agent.unwrap_or(defaults.user_agent),
        respect_robots: raw.respect_robots.unwrap_or(defaults.respect_robots),
        allow_hosts: raw
            .allow_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
    }
}

fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("unknown time zone {name:?} (use an IANA name such as Asia/Shanghai)"))
}

fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("invalid URL {text:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(format!("{text:?} is not an http(s) URL")),
    }
}

fn check_id(
    id: &str,
    key: &str,
    seen: &mut HashSet<String>,
    what: &str,
    report: &mut impl FnMut(String, String),
) {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !id.starts_with('-');
    if !valid {
        report(
            key.into(),
            format!(
                "{what} id {id:?} must be 1-64 characters of [a-z0-9_-], not starting with '-'"
            ),
        );
    } else if !seen.insert(id.to_owned()) {
        report(key.into(), format!("duplicate {what} id {id:?}"));
    }
}

fn fields(raw: Option<OneOrMany>, key: &str, report: &mut impl FnMut(String, String)) -> Fields {
    compile_fields(raw, key, Target::Text, report)
}

fn link_fields(raw: OneOrMany, key: &str, report: &mut impl FnMut(String, String)) -> Fields {
    compile_fields(Some(raw), key, Target::Attr("href".into()), report)
}

/// Compiles `selector` or `selector@attribute` alternatives.
fn compile_fields(
    raw: Option<OneOrMany>,
    key: &str,
    default_target: Target,
    report: &mut impl FnMut(String, String),
) -> Fields {
    let Some(raw) = raw else { return Vec::new() };
    let alternatives = raw.into_vec();
    if alternatives.is_empty() {
        report(key.into(), "empty list of selectors".into());
    }
    alternatives
        .into_iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let (css, target) = match text.rsplit_once('@') {
                Some((css, attr)) if is_attribute_name(attr) => {
                    (css, Target::Attr(attr.to_owned()))
                }
                _ => (text.as_str(), default_target.clone()),
            };
            match Selector::parse(css) {
                Ok(selector) => Some(Field {
                    selector,
                    target,
                    source: text.clone(),
                }),
                Err(e) => {
                    let key = if i == 0 {
                        key.to_owned()
                    } else {
                        format!("{key}[{i}]")
                    };
                    // scraper prefixes some errors with a note for its developers; the last
                    // line names the problem.
                    let why = e.to_string();
                    let why = why.lines().last().unwrap_or_default();
                    report(key, format!("invalid CSS selector {text:?}: {why}"));
                    None
                }
            }
        })
        .collect()
}

fn is_attribute_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
}

#[cfg(test)]
mod tests {
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
        assert_eq!(config.output_dir, PathBuf::from("/srv/feeds"));
        assert_eq!(config.state_path, PathBuf::from("/srv/feedwright.db"));
        assert_eq!(config.max_items, DEFAULT_MAX_ITEMS);
        assert_eq!(config.sites[0].timezone, Tz::Asia__Shanghai);
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
    fn attribute_targets_are_split_off() {
        let text = MINIMAL.replace(
            r#"title: "h1""#,
            r#"title: "h1", published: "time@datetime""#,
        );
        let config = Config::from_yaml(&text, Path::new(".")).unwrap();
        let field = &config.sites[0].article.published[0];
        assert!(matches!(&field.target, Target::Attr(a) if a == "datetime"));
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("ten"), None);
        assert_eq!(parse_byte_size("8MiB"), Some(8 << 20));
        assert_eq!(parse_byte_size("1000"), Some(1000));
        assert_eq!(parse_byte_size("8 parsecs"), None);
    }
}
