//! What the user wrote: `config.yaml` read by serde into plain structs, before any check.
//!
//! Keys a configuration must have are `Option`s here (and `required` in the JSON Schema), so
//! that a missing one is reported by validation with its position, beside every other problem,
//! instead of stopping serde at the first.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Format;

/// A string or a list of strings: selector alternatives, tried in order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A duration written as `20s`, `250ms`, `10m` or `1h`.
#[derive(Debug, Clone, Copy)]
pub(super) struct HumanDuration(pub(super) Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).map(HumanDuration).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid duration {text:?} (examples: 250ms, 20s, 10m, 1h; at most a year)"
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

/// Durations are at most this long: longer ones are typos, and would overflow the clocks they
/// are added to.
pub const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

/// Parses `250ms`, `20s`, `10m`, `1h` (an integer and a unit), up to a year (`MAX_DURATION`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let duration = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n.checked_mul(60)?),
        "h" => Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    };
    (duration <= MAX_DURATION).then_some(duration)
}

/// A byte size written as `8MiB`, `512KiB` or a plain number of bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct ByteSize(pub(super) u64);

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

pub(super) fn parse_byte_size(text: &str) -> Option<u64> {
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    /// A folder, or `s3://bucket/prefix`.
    #[serde(default)]
    pub(super) output_dir: Option<String>,
    /// The public URL of `output_dir`, for self links and absolute links in the index.
    #[serde(default)]
    pub(super) base_url: Option<String>,
    /// Formats written for every section (default: rss and atom).
    #[serde(default)]
    pub(super) formats: Option<Vec<Format>>,
    /// A SQLite file, or `postgres://user:pass@host:5432/db`.
    #[serde(default)]
    pub(super) state: Option<String>,
    #[serde(default)]
    pub(super) timezone: Option<String>,
    #[serde(default)]
    pub(super) max_items: Option<usize>,
    #[serde(default)]
    pub(super) keep_days: Option<u32>,
    #[serde(default)]
    pub(super) fetch: RawFetch,
    #[schemars(required)]
    pub(super) sites: Option<Vec<RawSite>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub(super) timeout: Option<HumanDuration>,
    pub(super) retries: Option<u32>,
    pub(super) max_body: Option<ByteSize>,
    pub(super) concurrency: Option<usize>,
    pub(super) per_host_delay: Option<HumanDuration>,
    pub(super) user_agent: Option<String>,
    pub(super) respect_robots: Option<bool>,
    #[serde(default)]
    pub(super) allow_hosts: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSite {
    #[schemars(required)]
    pub(super) id: Option<String>,
    #[schemars(required)]
    pub(super) title: Option<String>,
    #[serde(default)]
    pub(super) timezone: Option<String>,
    #[serde(default)]
    pub(super) article: RawArticle,
    #[serde(default)]
    pub(super) related: Option<RawRelated>,
    #[serde(default)]
    pub(super) follow: bool,
    /// The most new list entries followed per section and poll (the rest on later polls).
    #[serde(default)]
    pub(super) max_follow: Option<usize>,
    #[schemars(required)]
    pub(super) sections: Option<Vec<RawSection>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArticle {
    pub(super) title: Option<OneOrMany>,
    pub(super) published: Option<OneOrMany>,
    pub(super) published_format: Option<String>,
    pub(super) source: Option<OneOrMany>,
    pub(super) body: Option<OneOrMany>,
    /// The link to the next page of an article split over several (`下一页`).
    pub(super) next: Option<OneOrMany>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelated {
    #[schemars(required)]
    pub(super) item: Option<OneOrMany>,
    #[schemars(required)]
    pub(super) title: Option<OneOrMany>,
    #[schemars(required)]
    pub(super) link: Option<OneOrMany>,
    pub(super) published: Option<OneOrMany>,
    pub(super) published_format: Option<String>,
    pub(super) source: Option<OneOrMany>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSection {
    #[schemars(required)]
    pub(super) id: Option<String>,
    /// The feed's title (default: the site's title and the section id).
    #[serde(default)]
    pub(super) title: Option<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    /// The section's page for people (default: its first start URL).
    #[serde(default)]
    pub(super) link: Option<String>,
    #[schemars(required)]
    pub(super) urls: Option<Vec<String>>,
    /// Time between two polls by `watch` (default: `watch`'s interval).
    #[serde(default)]
    pub(super) every: Option<HumanDuration>,
}
