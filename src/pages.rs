//! The pages of an article split over several, fetched and joined: what `run`, `extract` and
//! `preview` read of an article whose pager ([`feedwright_extract::pager`]) leads on.
//!
//! Each page is fetched once, through the run's fetcher (its pacing, retries and robots.txt),
//! in order, up to [`MAX_PAGES`]. A pager that leads back to a page already read, or a next
//! page on another host, ends the join; so does a page that fails or holds no article. The
//! story keeps what was read.

use feedwright_extract::pager::Paged;
use url::Url;

use crate::fetch::{self, Fetched, Fetcher, Scope};

/// The most pages one article is read from.
pub const MAX_PAGES: usize = 20;

/// Why a join stopped before the article's last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// The pager led back to a page already read.
    Loop(Url),
    /// The next page is on another host.
    OtherHost(Url),
    /// [`MAX_PAGES`] were read.
    Cap,
    /// The next page could not be fetched, or held no article.
    Failed(Url),
}

/// Fetches the pages after the one at `first` that `article` leads to, and appends each to it;
/// `extract` reads a fetched page's article (in place, or on the run's CPU threads). Returns
/// the number of pages read (the first included) and why the join stopped early, if it did.
pub async fn join<T: Paged, Read: Future<Output = Option<T>>>(
    fetcher: &Fetcher,
    scope: &Scope,
    first: &Url,
    article: &mut T,
    extract: impl Fn(fetch::Page) -> Read,
) -> (usize, Option<Stopped>) {
    let mut read = vec![first.clone()];
    let mut current = first.clone();
    while let Some(next) = article.take_next() {
        let Ok(url) = current.join(next.trim()) else {
            break;
        };
        let stopped = if read.len() >= MAX_PAGES {
            Some(Stopped::Cap)
        } else if read.contains(&url) {
            Some(Stopped::Loop(url.clone()))
        } else if url.host_str() != first.host_str() {
            Some(Stopped::OtherHost(url.clone()))
        } else {
            None
        };
        if let Some(stopped) = stopped {
            tracing::warn!(url = %first, reason = ?stopped, "multi-page article: join stopped");
            return (read.len(), Some(stopped));
        }
        let page = match fetcher.fetch(&url, None, scope).await {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => return (read.len(), Some(Stopped::Failed(url))),
            Err(error) => {
                tracing::warn!(url = %first, page = %url, error = %crate::error_chain(&error), "multi-page article: a page failed; keeping the pages read");
                return (read.len(), Some(Stopped::Failed(url)));
            }
        };
        let landed = page.url.clone();
        let Some(more) = extract(page).await else {
            tracing::warn!(url = %first, page = %url, "multi-page article: a page holds no article; keeping the pages read");
            return (read.len(), Some(Stopped::Failed(url)));
        };
        article.append(more);
        read.push(url);
        current = landed;
    }
    (read.len(), None)
}
