//! robots.txt: read at most once per origin and run, obeyed for every page of that origin, and
//! kept between runs.
//!
//! The rules of RFC 9309: a robots.txt that is missing (any 4xx but 429) allows everything; one
//! that cannot be fetched (5xx, 429, timeout, connection error) disallows everything until the
//! next run, because the site may be in trouble; a body that does not parse allows everything.
//! A copy ([`RobotsCopy`], kept in history by the run) is used without asking for
//! [`MAX_AGE`]; after that it is asked for again with its validators (a conditional GET), and
//! while the site cannot be reached the old copy stays in force (§2.4).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;
use url::Url;

use super::Validators;

/// How long a copy of a robots.txt is used without asking the site again (RFC 9309 §2.4).
pub const MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The product token matched against `User-agent` lines.
pub const AGENT: &str = "feedwright";

/// What a site's robots.txt says for us.
pub enum Rules {
    AllowAll,
    DisallowAll { reason: String },
    Parsed(Box<texting_robots::Robot>),
}

impl Rules {
    /// Reads a fetched robots.txt body.
    pub fn parse(body: &[u8]) -> Rules {
        match texting_robots::Robot::new(AGENT, body) {
            Ok(robot) => Rules::Parsed(Box::new(robot)),
            Err(_) => Rules::AllowAll,
        }
    }

    /// True when `url` may be fetched.
    pub fn allows(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll { .. } => false,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }
}

/// A robots.txt as read from its site, kept between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotsCopy {
    /// The origin it governs: `https://news.china.com`.
    pub origin: String,
    /// The body; `None` when the site has none (a 4xx answer), which allows everything.
    pub body: Option<String>,
    pub validators: Validators,
    /// When the site last gave it (or said it had not changed).
    pub fetched_at: DateTime<Utc>,
}

impl RobotsCopy {
    /// True while the copy may be used without asking the site.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(self.fetched_at)
            .to_std()
            .is_ok_and(|age| age < MAX_AGE)
    }

    /// The rules the copy holds.
    pub fn rules(&self) -> Rules {
        self.body
            .as_deref()
            .map_or(Rules::AllowAll, |body| Rules::parse(body.as_bytes()))
    }
}

/// The robots.txt rules of every origin seen in a run, each read at most once, with the copies
/// history kept and those this run read or confirmed.
#[derive(Default)]
pub struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<OnceCell<Rules>>>>,
    kept: HashMap<String, RobotsCopy>,
    renewed: Mutex<Vec<RobotsCopy>>,
}

impl RobotsCache {
    /// A cache that starts from the copies history kept.
    pub fn with_copies(copies: Vec<RobotsCopy>) -> RobotsCache {
        RobotsCache {
            kept: copies.into_iter().map(|c| (c.origin.clone(), c)).collect(),
            ..RobotsCache::default()
        }
    }

    /// The cell holding `url`'s origin rules; the caller fills it once.
    pub fn cell(&self, url: &Url) -> Arc<OnceCell<Rules>> {
        let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(origins.entry(origin(url)).or_default())
    }

    /// The copy history kept for `url`'s origin.
    pub fn kept(&self, url: &Url) -> Option<&RobotsCopy> {
        self.kept.get(&origin(url))
    }

    /// Notes a copy read or confirmed in this run.
    pub fn renew(&self, copy: RobotsCopy) {
        self.renewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(copy);
    }

    /// The copies read or confirmed in this run, for history to keep.
    pub fn renewed(&self) -> Vec<RobotsCopy> {
        self.renewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The origin of `url`, as copies are keyed: `https://news.china.com`.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The robots.txt URL of `url`'s origin.
pub fn robots_url(url: &Url) -> Option<Url> {
    url.join("/robots.txt").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_for_our_agent_and_for_everyone() {
        let rules = Rules::parse(
            b"User-agent: *\nDisallow: /private/\n\nUser-agent: feedwright\nDisallow: /nofeeds/\n",
        );
        let url = |p: &str| Url::parse(&format!("https://news.china.com{p}")).unwrap();
        assert!(!rules.allows(&url("/nofeeds/a.html")));
        assert!(
            rules.allows(&url("/private/a.html")),
            "our own group replaces the * group"
        );
        assert!(rules.allows(&url("/domestic/")));
        let everyone = Rules::parse(b"User-agent: *\nDisallow: /private/\n");
        assert!(!everyone.allows(&url("/private/a.html")));
    }

    #[test]
    fn one_cell_per_origin() {
        let cache = RobotsCache::default();
        let a = cache.cell(&Url::parse("https://news.china.com/a").unwrap());
        let b = cache.cell(&Url::parse("https://news.china.com/b").unwrap());
        let c = cache.cell(&Url::parse("https://military.china.com/a").unwrap());
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
