//! Retrying: which failures pass (timeouts, connection errors, 429, 5xx), and how long to
//! wait before the next attempt (exponential backoff with jitter, or `Retry-After`).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Url;

use super::{BACKOFF_BASE, FetchError, Fetched, MAX_REDIRECTS, Robots, Scope, Validators};

/// One attempt's result: a final answer, or a wait before the next attempt.
pub(super) enum Attempt {
    Done(Fetched),
    Retry(FetchError, Option<Duration>),
}

impl super::Fetcher {
    pub(super) async fn attempt(
        &self,
        start: &Url,
        validators: Option<&Validators>,
        scope: &Scope,
        robots: Robots,
    ) -> Result<Attempt, (FetchError, Option<Duration>)> {
        let mut url = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            let _permit = self.turn(&url).await;
            let response = self.send(&url, validators).await.map_err(|e| (e, None))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let target = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|loc| url.join(loc).ok());
                let Some(target) = target else {
                    return Err((FetchError::Status { url, status }, None));
                };
                if !scope.allows(&target) {
                    return Err((
                        FetchError::RedirectRefused {
                            url: start.clone(),
                            target: target.to_string(),
                        },
                        None,
                    ));
                }
                if robots == Robots::Obeyed {
                    // Boxed: reading robots.txt fetches too.
                    Box::pin(self.robots_allow(&target))
                        .await
                        .map_err(|e| (e, None))?;
                }
                url = target;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Attempt::Done(Fetched::NotModified));
            }
            if !status.is_success() {
                let retry_after = retry_after(response.headers());
                return Ok(Attempt::Retry(
                    FetchError::Status { url, status },
                    retry_after,
                ));
            }
            return self
                .read_page(url, response)
                .await
                .map(|page| Attempt::Done(Fetched::Page(page)))
                .map_err(|e| (e, None));
        }
        Err((FetchError::TooManyRedirects { url: start.clone() }, None))
    }
}

pub(super) fn backoff(attempt: u32) -> Duration {
    let step = BACKOFF_BASE.saturating_mul(2u32.saturating_pow(attempt));
    step + step.mul_f64(fastrand::f64())
}

/// `Retry-After` as seconds or as an HTTP date.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at
        .signed_duration_since(chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    Some(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows() {
        assert!(backoff(0) >= BACKOFF_BASE && backoff(0) <= BACKOFF_BASE * 2);
        assert!(backoff(3) >= BACKOFF_BASE * 8);
    }
}
