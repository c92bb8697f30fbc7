//! The second phase of loading: the plain `Raw*` structs become a [`Config`], with every
//! problem collected rather than returned at the first. One helper per concern: the top-level
//! settings, fetching, a site, its article and related-list selectors, a section, ids, URLs and
//! time formats. Problems are named by [`Key`] paths, which [`super::position`] maps to lines.

use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use url::Url;

use super::raw::{OneOrMany, RawArticle, RawConfig, RawFetch, RawRelated, RawSection, RawSite};
use super::{
    ArticleRules, Config, DEFAULT_KEEP_DAYS, DEFAULT_MAX_FOLLOW, DEFAULT_MAX_ITEMS, FetchSettings,
    Field, Fields, Format, Output, Problem, RelatedRules, STATE_VARIABLE, Section, Site, SiteRules,
    StateLocation, Target,
};
use crate::output;
use feedwright_extract::Zone;

/// A key path as problems name it: `sites[0].sections[1].urls[0]`.
#[derive(Debug, Clone, Default)]
struct Key(String);

impl Key {
    /// The mapping key `name` inside this one.
    fn field(&self, name: &str) -> Key {
        if self.0.is_empty() {
            Key(name.to_owned())
        } else {
            Key(format!("{}.{name}", self.0))
        }
    }

    /// The `i`th element of the list at this key.
    fn index(&self, i: usize) -> Key {
        Key(format!("{}[{i}]", self.0))
    }

    /// Alternative `i` of a selector list; the first is named by the key itself.
    fn alternative(&self, i: usize) -> Key {
        if i == 0 { self.clone() } else { self.index(i) }
    }
}

/// The problems found so far.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn report(&mut self, key: &Key, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.0.clone(),
            message: message.into(),
            position: None,
        });
    }

    /// `value`, or a "missing key" problem at `key` when it is absent.
    fn require<T>(&mut self, value: Option<T>, key: &Key, name: &str) -> Option<T> {
        if value.is_none() {
            self.report(&key.field(name), format!("missing key `{name}`"));
        }
        value
    }

    /// The list at `key.name`, reporting it when missing, and with `empty` when it is empty.
    fn require_list<T>(
        &mut self,
        value: Option<Vec<T>>,
        key: &Key,
        name: &str,
        empty: &str,
    ) -> Vec<T> {
        let Some(list) = self.require(value, key, name) else {
            return Vec::new();
        };
        if list.is_empty() {
            self.report(&key.field(name), empty);
        }
        list
    }
}

/// Ids already taken, across the whole configuration.
#[derive(Default)]
struct Ids {
    sites: HashSet<String>,
    sections: HashSet<String>,
}

/// Validates a configuration read by serde; relative paths are taken from `base`. The
/// problems found (without positions) are appended to `problems`.
pub(super) fn validate(raw: RawConfig, base: &Path, problems: &mut Vec<Problem>) -> Config {
    let mut found = Problems::default();
    let root = Key::default();
    let timezone = raw.timezone.as_deref().map_or_else(Zone::shanghai, |name| {
        timezone(name, &root.field("timezone"), &mut found).unwrap_or_else(Zone::shanghai)
    });
    let max_items = raw.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    if max_items == 0 {
        found.report(&root.field("max_items"), "must be at least 1");
    }
    let config = Config {
        output: Output::parse(raw.output_dir.as_deref().unwrap_or("feeds"), base).unwrap_or_else(
            |problem| {
                found.report(&root.field("output_dir"), problem);
                Output::Folder(base.join("feeds"))
            },
        ),
        base_url: raw
            .base_url
            .as_deref()
            .and_then(|text| base_url(text, &root.field("base_url"), &mut found)),
        formats: formats(raw.formats, &root.field("formats"), &mut found),
        state: state(raw.state, base, &root.field("state"), &mut found),
        max_items,
        keep_days: raw.keep_days.unwrap_or(DEFAULT_KEEP_DAYS),
        fetch: fetch(raw.fetch, &root.field("fetch"), &mut found),
        sites: sites(raw.sites, &root, timezone, &mut found),
    };
    problems.append(&mut found.0);
    config
}

fn base_url(text: &str, key: &Key, found: &mut Problems) -> Option<Url> {
    let with_slash = if text.ends_with('/') {
        text.to_owned()
    } else {
        format!("{text}/")
    };
    http_url(&with_slash, key, found)
}

/// The formats without repeats (default: RSS and Atom).
fn formats(raw: Option<Vec<Format>>, key: &Key, found: &mut Problems) -> Vec<Format> {
    let mut formats = Vec::new();
    for format in raw.unwrap_or_else(|| vec![Format::Rss, Format::Atom]) {
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        found.report(key, "no formats: nothing would be written");
    }
    formats
}

fn fetch(raw: RawFetch, key: &Key, found: &mut Problems) -> FetchSettings {
    let defaults = FetchSettings::default();
    let concurrency = raw.concurrency.unwrap_or(defaults.concurrency);
    if concurrency == 0 {
        found.report(&key.field("concurrency"), "must be at least 1");
    }
    let timeout = raw.timeout.map_or(defaults.timeout, |d| d.0);
    if timeout.is_zero() {
        found.report(&key.field("timeout"), "must be longer than 0");
    }
    let max_body = raw.max_body.map_or(defaults.max_body, |b| b.0);
    if max_body == 0 {
        found.report(&key.field("max_body"), "must be at least 1 byte");
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

fn sites(raw: Option<Vec<RawSite>>, root: &Key, timezone: Zone, found: &mut Problems) -> Vec<Site> {
    let key = root.field("sites");
    let raw = found.require_list(raw, root, "sites", "no sites configured");
    let mut ids = Ids::default();
    raw.into_iter()
        .enumerate()
        .map(|(i, site)| self::site(site, &key.index(i), timezone.clone(), &mut ids, found))
        .collect()
}

fn site(raw: RawSite, key: &Key, timezone: Zone, ids: &mut Ids, found: &mut Problems) -> Site {
    let id = found.require(raw.id, key, "id").unwrap_or_default();
    check_id(&id, &key.field("id"), "site", &mut ids.sites, found);
    let title = found.require(raw.title, key, "title").unwrap_or_default();
    let timezone = match raw.timezone.as_deref() {
        Some(name) => self::timezone(name, &key.field("timezone"), found).unwrap_or(timezone),
        None => timezone,
    };
    let article = article(raw.article, &key.field("article"), found);
    let related = raw
        .related
        .map(|related| self::related(related, &key.field("related"), found));
    let sections_key = key.field("sections");
    let mut sections: Vec<Section> = found
        .require_list(raw.sections, key, "sections", "no sections configured")
        .into_iter()
        .enumerate()
        .map(|(j, raw)| section(raw, &sections_key.index(j), &title, ids, found))
        .collect();
    // Collected in place, the sections keep the room of the larger raw ones they came from.
    sections.shrink_to_fit();
    Site {
        id,
        title,
        timezone,
        rules: SiteRules { article, related },
        follow: raw.follow,
        max_follow: match raw.max_follow {
            Some(0) => {
                found.report(&key.field("max_follow"), "must be at least 1");
                DEFAULT_MAX_FOLLOW
            }
            Some(n) => n,
            None => DEFAULT_MAX_FOLLOW,
        },
        sections,
    }
}

fn article(raw: RawArticle, key: &Key, found: &mut Problems) -> ArticleRules {
    ArticleRules {
        title: fields(raw.title, &key.field("title"), Target::Text, found),
        published: fields(raw.published, &key.field("published"), Target::Text, found),
        published_format: published_format(
            raw.published_format,
            &key.field("published_format"),
            found,
        ),
        source: fields(raw.source, &key.field("source"), Target::Text, found),
        body: fields(raw.body, &key.field("body"), Target::Text, found),
        next: fields(
            raw.next,
            &key.field("next"),
            Target::Attr("href".into()),
            found,
        ),
    }
}

fn related(raw: RawRelated, key: &Key, found: &mut Problems) -> RelatedRules {
    let item = found.require(raw.item, key, "item");
    let title = found.require(raw.title, key, "title");
    let link = found.require(raw.link, key, "link");
    let href = Target::Attr("href".into());
    RelatedRules {
        item: fields(item, &key.field("item"), Target::Text, found),
        title: fields(title, &key.field("title"), Target::Text, found),
        link: fields(link, &key.field("link"), href, found),
        published: fields(raw.published, &key.field("published"), Target::Text, found),
        published_format: published_format(
            raw.published_format,
            &key.field("published_format"),
            found,
        ),
        source: fields(raw.source, &key.field("source"), Target::Text, found),
    }
}

fn section(
    raw: RawSection,
    key: &Key,
    site_title: &str,
    ids: &mut Ids,
    found: &mut Problems,
) -> Section {
    let id = found.require(raw.id, key, "id").unwrap_or_default();
    check_id(&id, &key.field("id"), "section", &mut ids.sections, found);
    if output::is_reserved(&id) {
        found.report(
            &key.field("id"),
            format!(
                "section id {id:?} is reserved for the files beside the feeds ({})",
                output::reserved_ids().join(", ")
            ),
        );
    }
    let urls_key = key.field("urls");
    let mut urls: Vec<Url> = found
        .require_list(raw.urls, key, "urls", "no start URLs")
        .iter()
        .enumerate()
        .filter_map(|(k, text)| http_url(text, &urls_key.index(k), found))
        .collect();
    // Collecting leaves room for four; a config of 10,000 sections holds one each.
    urls.shrink_to_fit();
    let link = raw
        .link
        .as_deref()
        .and_then(|text| http_url(text, &key.field("link"), found))
        // Boxed: most sections set no link, and an unset `Option<Url>` takes a whole URL's room.
        .map(Box::new);
    Section {
        title: raw.title.unwrap_or_else(|| format!("{site_title} · {id}")),
        id,
        description: raw.description,
        link,
        urls,
        every: raw.every.map(|every| every.0).filter(|every| {
            if every.is_zero() {
                found.report(&key.field("every"), "must be longer than 0");
            }
            !every.is_zero()
        }),
    }
}

/// Where history is kept: `FEEDWRIGHT_STATE` when it is set, else `state:`, else
/// `feedwright.db` beside the config.
fn state(raw: Option<String>, base: &Path, key: &Key, found: &mut Problems) -> StateLocation {
    let fallback = || StateLocation::Sqlite(base.join("feedwright.db"));
    let (text, from) = match std::env::var(STATE_VARIABLE) {
        Ok(text) if !text.is_empty() => (text, format!("({STATE_VARIABLE}) ")),
        _ => match raw {
            Some(text) => (text, String::new()),
            None => return fallback(),
        },
    };
    StateLocation::parse(&text, base).unwrap_or_else(|problem| {
        found.report(key, format!("{from}{problem}"));
        fallback()
    })
}

fn timezone(name: &str, key: &Key, found: &mut Problems) -> Option<Zone> {
    let parsed = Zone::named(name);
    if parsed.is_none() {
        found.report(
            key,
            format!("unknown time zone {name:?} (use an IANA name such as Asia/Shanghai)"),
        );
    }
    parsed
}

fn http_url(text: &str, key: &Key, found: &mut Problems) -> Option<Url> {
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(e) => {
            found.report(key, format!("invalid URL {text:?}: {e}"));
            return None;
        }
    };
    if matches!(url.scheme(), "http" | "https") && url.host().is_some() {
        Some(url)
    } else {
        found.report(key, format!("{text:?} is not an http(s) URL"));
        None
    }
}

fn check_id(id: &str, key: &Key, what: &str, seen: &mut HashSet<String>, found: &mut Problems) {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !id.starts_with('-');
    if !valid {
        found.report(
            key,
            format!(
                "{what} id {id:?} must be 1-64 characters of [a-z0-9_-], not starting with '-'"
            ),
        );
    } else if !seen.insert(id.to_owned()) {
        found.report(key, format!("duplicate {what} id {id:?}"));
    }
}

/// A `published_format` that can read a time: chrono must accept it, and a time written with it
/// must read back as a date.
fn published_format(raw: Option<String>, key: &Key, found: &mut Problems) -> Option<String> {
    let format = raw?;
    match reads_back(&format) {
        Ok(()) => Some(format),
        Err(why) => {
            found.report(key, format!("unusable time format {format:?}: {why}"));
            None
        }
    }
}

fn reads_back(format: &str) -> Result<(), &'static str> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err("chrono does not know one of its % specifiers");
    }
    let sample: DateTime<FixedOffset> = "2024-05-06T09:05:20+08:00"
        .parse()
        .map_err(|_| "internal sample time")?;
    let mut text = String::new();
    write!(text, "{}", sample.format(format)).map_err(|_| "chrono cannot write a time with it")?;
    let date = DateTime::parse_from_str(&text, format)
        .map(|d| d.date_naive())
        .or_else(|_| NaiveDateTime::parse_from_str(&text, format).map(|d| d.date()))
        .or_else(|_| NaiveDate::parse_from_str(&text, format));
    match date {
        Ok(date) if date == sample.date_naive() => Ok(()),
        _ => Err("it does not read back a full date (year, month and day)"),
    }
}

fn fields(raw: Option<OneOrMany>, key: &Key, target: Target, found: &mut Problems) -> Fields {
    let Some(raw) = raw else { return Vec::new() };
    let alternatives = raw.into_vec();
    if alternatives.is_empty() {
        found.report(key, "empty list of selectors");
    }
    alternatives
        .into_iter()
        .enumerate()
        .filter_map(|(i, text)| field(text, &target, &key.alternative(i), found))
        .collect()
}

/// Compiles one `selector` or `selector@attribute` alternative.
fn field(text: String, default_target: &Target, key: &Key, found: &mut Problems) -> Option<Field> {
    Field::parse(&text, default_target)
        .map_err(|invalid| found.report(key, invalid.to_string()))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::reads_back;

    #[test]
    fn formats_that_cannot_read_a_date_are_refused() {
        assert!(reads_back("%Y-%m-%d %H:%M:%S").is_ok());
        assert!(reads_back("%Y年%m月%d日 %H:%M").is_ok());
        assert!(reads_back("%d/%m/%Y").is_ok());
        assert!(reads_back("%Y-%m-%d %Q").is_err(), "unknown specifier");
        assert!(reads_back("%H:%M").is_err(), "no date");
        assert!(reads_back("%m-%d %H:%M").is_err(), "no year");
        assert!(reads_back("%").is_err(), "dangling percent");
    }
}
