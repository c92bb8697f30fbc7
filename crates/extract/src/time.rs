//! Times as Chinese news pages write them, turned into instants.
//!
//! Pages write times without an offset (`2024-05-06 09:05:20`), without a year (`5月6日 09:05`),
//! relative to the reader (`3小时前`, `昨天 22:17`), or in machine forms (RFC 3339, RFC 2822,
//! epoch seconds or milliseconds). [`parse`] finds the first time in a text full of other words
//! (`关键词：`, `来源：`, a source name, `&nbsp;`), reads naive times in the site's IANA zone, and
//! resolves year-less, relative and day-word forms against the moment of the fetch in that zone.
//! A result more than a day after that moment is refused: it is a misreading, not a date.

use std::sync::LazyLock;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Utc,
};
use regex::{Captures, Regex, RegexSet};
use url::Url;

use crate::zone::Zone;

/// How far ahead of the fetch a time may be before it is taken for a misreading.
pub const MAX_FUTURE: Duration = Duration::days(1);

/// What a time is resolved against.
#[derive(Debug, Clone)]
pub struct TimeContext<'a> {
    /// The zone of times written without an offset.
    pub tz: Zone,
    /// The moment of the fetch: relative and year-less forms count from it.
    pub now: DateTime<Utc>,
    /// A chrono format pinned by the site (`published_format`), tried before everything else.
    pub format: Option<&'a str>,
}

impl<'a> TimeContext<'a> {
    /// Times read in `tz`, against a fetch at `now`, with no pinned format.
    pub fn new(tz: Zone, now: DateTime<Utc>) -> TimeContext<'a> {
        TimeContext {
            tz,
            now,
            format: None,
        }
    }
}

/// A text in which no usable time was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("no time found in {0:?}")]
    /// Nothing in the text reads as a time.
    NotFound(String),
    #[error("{text:?} reads as {at}, more than a day after the fetch")]
    /// The text reads as a time too far after the fetch to be a publication time.
    InFuture {
        /// The text.
        text: String,
        /// The time it reads as.
        at: DateTime<FixedOffset>,
    },
}

/// The first time written in `text`, as an instant with the page's (or the zone's) offset.
pub fn parse(text: &str, ctx: &TimeContext<'_>) -> Result<DateTime<FixedOffset>, TimeError> {
    let cleaned = clean(text);
    let whole = cleaned.trim();
    let found = ctx
        .format
        .and_then(|format| with_format(&cleaned, format, &ctx.tz))
        .or_else(|| epoch(whole))
        .or_else(|| plain_local(whole).and_then(|naive| local(&ctx.tz, naive)))
        .or_else(|| machine(whole, &ctx.tz))
        .or_else(|| scan(&cleaned, ctx));
    match found {
        Some(at) if at.with_timezone(&Utc) > ctx.now + MAX_FUTURE => Err(TimeError::InFuture {
            text: text.to_owned(),
            at,
        }),
        Some(at) => Ok(at),
        None => Err(TimeError::NotFound(text.to_owned())),
    }
}

/// How precise a time is as the page writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// A date.
    Day,
    /// A date and a time to the minute.
    Minute,
    /// A date and a time to the second.
    Second,
}

impl Precision {
    /// The precision of the time written in `text`: seconds for machine forms (epochs, RFC
    /// 3339 with seconds), else as many time-of-day fields as it shows.
    pub fn of(text: &str) -> Precision {
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Precision::Second;
        }
        // An offset (`+08:00`) says nothing of the precision.
        let text = match text.len().checked_sub(6).and_then(|at| text.get(at..)) {
            Some(tail) if tail.starts_with(['+', '-']) && tail.as_bytes()[3] == b':' => {
                &text[..text.len() - 6]
            }
            _ => text,
        };
        let separators = text.matches([':', '：', '时']).count();
        match separators {
            _ if text.contains('秒') => Precision::Second,
            0 => Precision::Day,
            1 => Precision::Minute,
            _ => Precision::Second,
        }
    }

    /// Its name, as `feedwright extract` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Minute => "minute",
            Precision::Second => "second",
        }
    }
}

/// Spaces for the invisible separators pages put around times.
fn clean(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect()
}

fn with_format(text: &str, format: &str, tz: &Zone) -> Option<DateTime<FixedOffset>> {
    text.char_indices().find_map(|(i, _)| {
        let rest = &text[i..];
        DateTime::parse_and_remainder(rest, format)
            .map(|(at, _)| at)
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_and_remainder(rest, format)
                    .ok()
                    .and_then(|(naive, _)| local(tz, naive))
            })
            .or_else(|| {
                NaiveDate::parse_and_remainder(rest, format)
                    .ok()
                    .and_then(|(date, _)| local(tz, date.and_time(NaiveTime::MIN)))
            })
    })
}

/// A whole text that is an epoch number: seconds (9-10 digits) or milliseconds (12-13 digits).
fn epoch(text: &str) -> Option<DateTime<FixedOffset>> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = text.parse().ok()?;
    let at = match text.len() {
        9 | 10 => DateTime::from_timestamp(n, 0)?,
        12 | 13 => DateTime::from_timestamp_millis(n)?,
        _ => return None,
    };
    Some(at.fixed_offset())
}

/// A whole text that is exactly `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`, the form most list
/// pages write, read without the regex scan. Anything else, an impossible date included, is
/// left to [`scan`], which reads these texts the same way.
fn plain_local(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let separators_at =
        |positions: &[usize], separator: u8| positions.iter().all(|&i| b[i] == separator);
    let shape_ok = match b.len() {
        16 => separators_at(&[13], b':'),
        19 => separators_at(&[13, 16], b':'),
        _ => false,
    };
    if !shape_ok || !separators_at(&[4, 7], b'-') || b[10] != b' ' {
        return None;
    }
    let field = |at: usize, len: usize| -> Option<u32> {
        let digits = &b[at..at + len];
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(field(0, 4)? as i32, field(5, 2)?, field(8, 2)?)?;
    let seconds = if b.len() == 19 { field(17, 2)? } else { 0 };
    let time = NaiveTime::from_hms_opt(field(11, 2)?, field(14, 2)?, seconds)?;
    Some(date.and_time(time))
}

/// A whole text in a machine form metadata uses: RFC 3339 (`2024-05-10T05:54:20+08:00`),
/// the same without an offset (read in `tz`), or a bare date (`2024-05-10`, midnight in `tz`).
/// Read without the regex scan, which reads these texts the same way.
fn machine(text: &str, tz: &Zone) -> Option<DateTime<FixedOffset>> {
    if !text.starts_with(|c: char| c.is_ascii_digit()) || text.len() > 35 {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .and_then(|naive| local(tz, naive))
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .filter(|_| text.len() == 10)
                .and_then(|date| local(tz, date.and_time(NaiveTime::MIN)))
        })
}

/// A time form found in a text, before it is resolved against the zone and the fetch time.
#[derive(Debug, Clone, Copy)]
enum Found {
    Exact(DateTime<FixedOffset>),
    Local(NaiveDateTime),
    YearLess {
        month: u32,
        day: u32,
        time: NaiveTime,
    },
    Ago(Duration),
    DaysAgo {
        days: i64,
        time: NaiveTime,
    },
}

/// One way of writing a time: a pattern and how to read its match.
struct Form {
    pattern: Regex,
    read: fn(&Captures<'_>) -> Option<Found>,
}

/// A time of day after a date, with the day of the week the date may carry before it
/// (`星期日 15:05`, `(日) 下午3時05分`).
const TIME: &str = r"(?:\s*(?:[(（]?\s*(?:星期|礼拜|禮拜|週|周)[一二三四五六日天]\s*[)）]?|[(（][一二三四五六日][)）])?\s*(?:T|\s)?\s*(?P<mer>上午|下午|晚上|中午|凌晨|早上|清晨|傍晚)?\s*(?P<h>[0-9]{1,2})\s*[:：时時]\s*(?P<mi>[0-9]{1,2})(?:\s*[:：分]\s*(?P<s>[0-9]{1,2}))?)?";

static FORMS: LazyLock<Vec<Form>> = LazyLock::new(|| {
    let form = |pattern: &str, read| Form {
        pattern: Regex::new(pattern).expect("static regex is valid"),
        read,
    };
    vec![
        form(
            r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})[T ](?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,][0-9]+)?)?\s*(?P<off>Z|[+-][0-9]{2}:?[0-9]{2})",
            read_offset,
        ),
        form(
            r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?[0-9]{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+[0-9]{4}\s+[0-9]{2}:[0-9]{2}(?::[0-9]{2})?\s*(?:[+-][0-9]{4}|GMT|UTC|UT|Z|[ECMP][SD]T)",
            read_rfc2822,
        ),
        form(
            &format!(
                r"(?P<y>[0-9]{{4}})\s*[-/.年]\s*(?P<mo>[0-9]{{1,2}})\s*[-/.月]\s*(?P<d>[0-9]{{1,2}})\s*日?{TIME}"
            ),
            read_ymd,
        ),
        form(
            &format!(r"(?P<y>[0-9]{{2}})\.(?P<mo>[0-9]{{1,2}})\.(?P<d>[0-9]{{1,2}}){TIME}"),
            read_ymd,
        ),
        form(
            &format!(r"(?P<mo>[0-9]{{1,2}})/(?P<d>[0-9]{{1,2}})/(?P<y>[0-9]{{4}}){TIME}"),
            read_ymd,
        ),
        form(
            &format!(r"(?P<mo>[0-9]{{1,2}})\s*月\s*(?P<d>[0-9]{{1,2}})\s*[日号]{TIME}"),
            read_year_less,
        ),
        form(
            r"(?P<mo>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})\s+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?",
            read_year_less,
        ),
        form(r"刚刚|刚才", |_| Some(Found::Ago(Duration::zero()))),
        form(r"半\s*(?:个)?\s*小时前", |_| {
            Some(Found::Ago(Duration::minutes(30)))
        }),
        form(
            r"(?P<n>[0-9]{1,4})\s*(?P<unit>秒|秒钟|分钟|分|小时|个小时|天|日|周|星期|个星期|个月)\s*前",
            read_ago,
        ),
        form(
            &format!(r"(?P<word>今天|今日|昨天|昨日|前天){TIME}"),
            read_day_word,
        ),
        form(
            r"(?P<mer>上午|下午|晚上|中午|凌晨|早上|清晨|傍晚)\s*(?P<h>[0-9]{1,2})\s*[:：时時]\s*(?P<mi>[0-9]{1,2})(?:[:：](?P<s>[0-9]{2}))?",
            |c| {
                Some(Found::DaysAgo {
                    days: 0,
                    time: read_time(c)?,
                })
            },
        ),
        form(
            r"^\s*(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?\s*$",
            |c| {
                Some(Found::DaysAgo {
                    days: 0,
                    time: read_time(c)?,
                })
            },
        ),
    ]
});

/// All the forms' patterns in one automaton: one pass over a text tells which forms can match,
/// and only those are searched for their captures.
static ANY_FORM: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(FORMS.iter().map(|f| f.pattern.as_str())).expect("static regexes are valid")
});

/// The earliest form in `text` that reads as a real time, resolved.
fn scan(text: &str, ctx: &TimeContext<'_>) -> Option<DateTime<FixedOffset>> {
    let mut candidates: Vec<(usize, usize, Found)> = ANY_FORM
        .matches(text)
        .into_iter()
        .map(|i| &FORMS[i])
        .flat_map(|form| {
            form.pattern.captures_iter(text).filter_map(|caps| {
                let whole = caps.get(0)?;
                if !at_number_boundary(text, whole.start(), whole.end()) {
                    return None;
                }
                Some((whole.start(), whole.end(), (form.read)(&caps)?))
            })
        })
        .collect();
    candidates.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
    candidates
        .into_iter()
        .find_map(|(_, _, found)| resolve(found, ctx))
}

/// A match must not start or end in the middle of a number (`12024-05-06`, `2024-05-067`).
fn at_number_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
}

fn resolve(found: Found, ctx: &TimeContext<'_>) -> Option<DateTime<FixedOffset>> {
    let now_local = ctx.now.with_timezone(&ctx.tz);
    match found {
        Found::Exact(at) => Some(at),
        Found::Local(naive) => local(&ctx.tz, naive),
        Found::Ago(ago) => Some((now_local - ago).fixed_offset()),
        Found::DaysAgo { days, time } => {
            let date = now_local.date_naive() - Duration::days(days);
            local(&ctx.tz, date.and_time(time))
        }
        Found::YearLess { month, day, time } => {
            let limit = ctx.now + MAX_FUTURE;
            (0..8).find_map(|back| {
                let date = NaiveDate::from_ymd_opt(now_local.year() - back, month, day)?;
                local(&ctx.tz, date.and_time(time)).filter(|at| at.with_timezone(&Utc) <= limit)
            })
        }
    }
}

/// A wall-clock time in `tz`; in a DST gap the first valid moment after it, when ambiguous the
/// earlier one.
fn local(tz: &Zone, naive: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.fixed_offset()),
        LocalResult::None => (1..=4).find_map(|quarters| {
            tz.from_local_datetime(&(naive + Duration::minutes(15 * quarters)))
                .earliest()
                .map(|at| at.fixed_offset())
        }),
    }
}

fn number(caps: &Captures<'_>, name: &str) -> Option<u32> {
    caps.name(name)?.as_str().parse().ok()
}

fn read_time(caps: &Captures<'_>) -> Option<NaiveTime> {
    let Some(hour) = number(caps, "h") else {
        return Some(NaiveTime::MIN);
    };
    let hour = on_24_hour_clock(caps.name("mer").map(|m| m.as_str()), hour);
    NaiveTime::from_hms_opt(hour, number(caps, "mi")?, number(caps, "s").unwrap_or(0))
}

/// The words of a part of the day written before a time of the 12-hour clock (`下午3:05`).
pub(crate) const MERIDIEMS: [&str; 8] = [
    "上午", "凌晨", "早上", "清晨", "中午", "下午", "晚上", "傍晚",
];

/// `hour` on the 24-hour clock, when `meridiem` (one of [`MERIDIEMS`]) says which part of the
/// day it is in: `下午3` is 15, `上午12` is 0.
pub(crate) fn on_24_hour_clock(meridiem: Option<&str>, hour: u32) -> u32 {
    match (meridiem, hour) {
        (Some("下午" | "晚上" | "傍晚"), h @ 1..=11) => h + 12,
        (Some("中午"), h @ 1..=10) => h + 12,
        (Some("上午" | "凌晨" | "早上" | "清晨"), 12) => 0,
        (_, h) => h,
    }
}

fn read_ymd(caps: &Captures<'_>) -> Option<Found> {
    let year_text = caps.name("y")?.as_str();
    let year: i32 = year_text.parse().ok()?;
    let year = if year_text.len() == 2 {
        2000 + year
    } else {
        year
    };
    let date = NaiveDate::from_ymd_opt(year, number(caps, "mo")?, number(caps, "d")?)?;
    Some(Found::Local(date.and_time(read_time(caps)?)))
}

fn read_year_less(caps: &Captures<'_>) -> Option<Found> {
    let (month, day) = (number(caps, "mo")?, number(caps, "d")?);
    // Reject impossible dates now, so that the next candidate gets its chance.
    NaiveDate::from_ymd_opt(2024, month, day)?;
    Some(Found::YearLess {
        month,
        day,
        time: read_time(caps)?,
    })
}

fn read_offset(caps: &Captures<'_>) -> Option<Found> {
    let date = NaiveDate::from_ymd_opt(
        caps["y"].parse().ok()?,
        number(caps, "mo")?,
        number(caps, "d")?,
    )?;
    let time = NaiveTime::from_hms_opt(
        number(caps, "h")?,
        number(caps, "mi")?,
        number(caps, "s").unwrap_or(0),
    )?;
    let offset = match &caps["off"] {
        "Z" => FixedOffset::east_opt(0)?,
        text => {
            let sign = if text.starts_with('-') { -1 } else { 1 };
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = digits.get(..2)?.parse().ok()?;
            let minutes: i32 = digits.get(2..)?.parse().ok()?;
            FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?
        }
    };
    offset
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(Found::Exact)
}

fn read_rfc2822(caps: &Captures<'_>) -> Option<Found> {
    DateTime::parse_from_rfc2822(caps.get(0)?.as_str())
        .ok()
        .map(Found::Exact)
}

fn read_ago(caps: &Captures<'_>) -> Option<Found> {
    let n = i64::from(number(caps, "n")?);
    let ago = match caps.name("unit")?.as_str() {
        "秒" | "秒钟" => Duration::seconds(n),
        "分钟" | "分" => Duration::minutes(n),
        "小时" | "个小时" => Duration::hours(n),
        "天" | "日" => Duration::days(n),
        "周" | "星期" | "个星期" => Duration::weeks(n),
        _ => Duration::days(30 * n),
    };
    Some(Found::Ago(ago))
}

fn read_day_word(caps: &Captures<'_>) -> Option<Found> {
    let days = match caps.name("word")?.as_str() {
        "今天" | "今日" => 0,
        "昨天" | "昨日" => 1,
        _ => 2,
    };
    Some(Found::DaysAgo {
        days,
        time: read_time(caps)?,
    })
}

/// The first readable time among `texts` (candidates, best first) with the precision its text
/// shows, logging the ones that could not be read, with the page they come from.
pub fn first_with_precision(
    texts: &[&str],
    ctx: &TimeContext<'_>,
    page: &Url,
) -> Option<(DateTime<FixedOffset>, Precision)> {
    let mut last_error = None;
    for (index, text) in texts.iter().enumerate() {
        match parse(text, ctx) {
            Ok(at) => {
                return Some(refined((at, Precision::of(text)), &texts[index + 1..], ctx));
            }
            Err(error) => {
                if let TimeError::InFuture { .. } = error {
                    tracing::warn!(url = %page, %error, "time ignored");
                }
                last_error = Some(error);
            }
        }
    }
    if let Some(error) = last_error {
        tracing::warn!(url = %page, %error, "no usable time");
    }
    None
}

/// A time the page shows only to the day, made as precise as a later candidate of the same
/// local day (a byline's date and the metadata's full time).
fn refined(
    found: (DateTime<FixedOffset>, Precision),
    later: &[&str],
    ctx: &TimeContext<'_>,
) -> (DateTime<FixedOffset>, Precision) {
    if found.1 != Precision::Day {
        return found;
    }
    let day = found.0.with_timezone(&ctx.tz).date_naive();
    later
        .iter()
        .filter_map(|text| Some((parse(text, ctx).ok()?, Precision::of(text))))
        .find(|(at, precision)| {
            *precision > Precision::Day && at.with_timezone(&ctx.tz).date_naive() == day
        })
        .unwrap_or(found)
}

#[cfg(test)]
mod tests;
