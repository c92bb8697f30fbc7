//! Time zones by IANA name, as chrono [`TimeZone`]s, read from the tz database that jiff
//! bundles into the binary, and only the zones a configuration names, when it names them.
//!
//! The tables chrono-tz compiles in hold a pointer per transition: 29,000 of them, which the
//! dynamic loader relocates in every process before `main` (1.3 ms of each `feedwright`
//! start, BENCHMARKS.md). jiff keeps the database as compressed bytes instead.

use std::fmt;

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};

/// A time zone of the tz database.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl Zone {
    /// The zone named `name` (`Asia/Shanghai`), if the database has it.
    pub fn named(name: &str) -> Option<Zone> {
        let tz = jiff::tz::db().get(name).ok()?;
        let name = tz.iana_name().unwrap_or(name).to_owned();
        Some(Zone { name, tz })
    }

    /// China's zone, the default of times written without an offset.
    pub fn shanghai() -> Zone {
        Zone::named("Asia/Shanghai")
            .unwrap_or_else(|| unreachable!("the bundled tz database has Asia/Shanghai"))
    }

    /// Its IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn offset_at(&self, utc: &NaiveDateTime) -> FixedOffset {
        let seconds = jiff::Timestamp::from_second(utc.and_utc().timestamp())
            .map(|at| self.tz.to_offset(at).seconds())
            .unwrap_or(0);
        fixed(seconds)
    }

    fn offset_of(&self, fixed: FixedOffset) -> ZoneOffset {
        ZoneOffset {
            zone: self.clone(),
            fixed,
        }
    }
}

/// An offset in seconds east of UTC; jiff's offsets are within chrono's range.
fn fixed(seconds: i32) -> FixedOffset {
    FixedOffset::east_opt(seconds).unwrap_or_else(|| unreachable!("a tz offset is under a day"))
}

/// A chrono date-time as a jiff civil date-time.
fn civil(local: &NaiveDateTime) -> Option<jiff::civil::DateTime> {
    use chrono::{Datelike, Timelike};
    jiff::civil::DateTime::new(
        i16::try_from(local.year()).ok()?,
        local.month() as i8,
        local.day() as i8,
        local.hour() as i8,
        local.minute() as i8,
        local.second() as i8,
        local.nanosecond().min(999_999_999) as i32,
    )
    .ok()
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The offset of a [`Zone`] at one moment.
#[derive(Clone, Debug)]
pub struct ZoneOffset {
    zone: Zone,
    fixed: FixedOffset,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.fixed, f)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        use jiff::tz::AmbiguousOffset;
        let Some(civil) = civil(local) else {
            return LocalResult::None;
        };
        match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => {
                LocalResult::Single(self.offset_of(fixed(offset.seconds())))
            }
            AmbiguousOffset::Gap { .. } => LocalResult::None,
            // The same wall clock twice: the earlier moment has the larger offset (before the
            // clocks go back).
            AmbiguousOffset::Fold { before, after } => LocalResult::Ambiguous(
                self.offset_of(fixed(before.seconds())),
                self.offset_of(fixed(after.seconds())),
            ),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset_of(self.offset_at(utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_read_local_times_and_instants() {
        let shanghai = Zone::shanghai();
        let naive =
            NaiveDateTime::parse_from_str("2024-05-06 09:05:20", "%Y-%m-%d %H:%M:%S").unwrap();
        let at = shanghai.from_local_datetime(&naive).single().unwrap();
        assert_eq!(at.to_rfc3339(), "2024-05-06T09:05:20+08:00");
        assert_eq!(
            at.with_timezone(&chrono::Utc).to_rfc3339(),
            "2024-05-06T01:05:20+00:00"
        );
        let new_york = Zone::named("America/New_York").unwrap();
        let summer = chrono::Utc.with_ymd_and_hms(2024, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(
            summer
                .with_timezone(&new_york)
                .offset()
                .fix()
                .local_minus_utc(),
            -4 * 3600
        );
        // 2024-11-03 01:30 happens twice in New York; 2024-03-10 02:30 never.
        let fold = NaiveDate::from_ymd_opt(2024, 11, 3)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        match new_york.from_local_datetime(&fold) {
            LocalResult::Ambiguous(early, late) => {
                assert_eq!(early.offset().fix().local_minus_utc(), -4 * 3600);
                assert_eq!(late.offset().fix().local_minus_utc(), -5 * 3600);
            }
            other => panic!("{other:?}"),
        }
        let gap = NaiveDate::from_ymd_opt(2024, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert!(matches!(
            new_york.from_local_datetime(&gap),
            LocalResult::None
        ));
        assert_eq!(Zone::named("Mars/Olympus"), None);
        assert_eq!(Zone::named("Asia/Shanghai"), Some(shanghai));
    }
}
