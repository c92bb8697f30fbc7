//! robots.txt: fetched once per origin and run, obeyed for every page of that origin.
//!
//! The rules of RFC 9309: a robots.txt that is missing (any 4xx) allows everything; one that
//! cannot be fetched (5xx, timeout, connection error) disallows everything until the next run,
//! because the site may be in trouble; a body that does not parse allows everything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;
use url::Url;

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

/// The robots.txt rules of every origin seen in a run, each fetched at most once.
#[derive(Default)]
pub struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<OnceCell<Rules>>>>,
}

impl RobotsCache {
    /// The cell holding `url`'s origin rules; the caller fills it once.
    pub fn cell(&self, url: &Url) -> Arc<OnceCell<Rules>> {
        let origin = url.origin().ascii_serialization();
        let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(origins.entry(origin).or_default())
    }
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
