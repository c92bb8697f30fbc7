//! When a section is polled again: `every` after a success; after failures in a row, a delay
//! that doubles with each of them, up to six hours (or `every`, if that is longer). The first
//! success resets it.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};

/// The longest delay failures give.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// The delay before the next poll of a section polled every `every`, after `failures` polls
/// failed in a row (0 after a success).
pub fn delay(every: Duration, failures: u32) -> Duration {
    let cap = MAX_BACKOFF.max(every);
    // 2^20 times any interval of a second or more is beyond six hours.
    let factor = 1_u32 << failures.min(20);
    every.saturating_mul(factor).min(cap)
}

/// The moment of the next poll: `delay` after `now`.
pub fn next_poll(
    now: DateTime<FixedOffset>,
    every: Duration,
    failures: u32,
) -> DateTime<FixedOffset> {
    let delay = TimeDelta::from_std(delay(every, failures)).unwrap_or(TimeDelta::MAX);
    now.checked_add_signed(delay).unwrap_or(now)
}

/// True when a section whose next poll is `next` is due at `now` (one never polled is).
pub fn is_due(next: Option<DateTime<FixedOffset>>, now: DateTime<Utc>) -> bool {
    next.is_none_or(|next| next <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn failures_double_the_delay_up_to_six_hours() {
        let every = 15 * MINUTE;
        let delays: Vec<u64> = (0..7).map(|f| delay(every, f).as_secs() / 60).collect();
        assert_eq!(delays, [15, 30, 60, 120, 240, 360, 360]);
        assert_eq!(delay(every, u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn a_schedule_longer_than_the_cap_keeps_its_interval() {
        let daily = Duration::from_secs(86_400);
        assert_eq!(delay(daily, 0), daily);
        assert_eq!(delay(daily, 3), daily);
    }

    #[test]
    fn a_section_is_due_when_its_time_has_come_or_it_never_ran() {
        let at = DateTime::parse_from_rfc3339("2024-05-06T09:00:00+08:00").unwrap();
        assert!(is_due(None, at.to_utc()));
        assert!(is_due(Some(at), at.to_utc()));
        assert!(!is_due(Some(at), (at - TimeDelta::seconds(1)).to_utc()));
        let next = next_poll(at, 15 * MINUTE, 1);
        assert_eq!(next - at, TimeDelta::minutes(30));
    }
}
