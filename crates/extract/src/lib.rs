//! Articles and story lists of Chinese news pages, found with no per-site configuration.
//!
//! Give it a page's HTML and URL; it tells whether the page is an article or a list, and gives
//! the article's headline, publication time (an instant, with the precision the page shows),
//! source, author and body, and the stories the page lists, each with an absolute link. It
//! knows the time forms Chinese pages write (`2024年5月6日 09:05`, `昨天 22:17`, `3小时前`,
//! year-less and two-digit-year dates…) and reads naive times in the zone you give.
//!
//! The extraction is one straight pass:
//!
//! 1. [`charset`]: bytes to text (`Content-Type`, `<meta>`, byte order mark, detection);
//! 2. [`document`]: text to a document, bounded however the page nests;
//! 3. [`auto`]: the page flattened with the counts extraction weighs, then the headline, the
//!    body, the byline and the lists found on it; or [`selectors`], a site's CSS selectors,
//!    with [`site`] deciding where zero-config extraction fills in;
//! 4. [`time`], [`link`], [`clean`] and [`text`]: what was found, normalized — instants, canonical
//!    links, sanitized HTML, plain text ([`page`]).
//!
//! Nothing here fetches: no async runtime, HTTP client or database is involved.
//!
//! ```
//! use feedwright_extract::{PageKind, TimeContext, Zone, extract};
//!
//! let html = r#"<html><head><title>滚动新闻_某某网</title></head><body>
//!   <ul class="news">
//!     <li><a href="/2024/0506/101.html">国务院常务会议部署稳就业举措</a><span>05-06 09:05</span></li>
//!     <li><a href="/2024/0506/102.html">全国铁路五一假期发送旅客创新高</a><span>05-06 08:40</span></li>
//!     <li><a href="/2024/0506/103.html">多地出台措施支持新能源汽车消费</a><span>05-06 08:12</span></li>
//!   </ul></body></html>"#;
//! let url = "https://news.example.com/roll/".parse().unwrap();
//! let now = "2024-05-06T04:00:00Z".parse().unwrap();
//! let page = extract(html, &url, &TimeContext::new(Zone::shanghai(), now)).unwrap();
//! assert_eq!(page.kind, PageKind::List);
//! assert_eq!(page.items.len(), 3);
//! assert_eq!(page.items[0].link.as_str(), "https://news.example.com/2024/0506/101.html");
//! assert_eq!(page.items[0].published.unwrap().to_rfc3339(), "2024-05-06T09:05:00+08:00");
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod auto;
pub mod charset;
pub mod clean;
pub mod document;
pub mod link;
mod metadata;
pub mod page;
pub mod pager;
pub mod raw;
pub mod rules;
pub mod selectors;
pub mod site;
pub mod text;
pub mod time;
pub mod zone;

pub use page::{Entry, Page, PageKind, extract};
pub use time::{Precision, TimeContext};
pub use zone::Zone;

/// The examples of the crate's README, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
