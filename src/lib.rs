//! feedwright turns news sites without feeds into RSS 2.0 and Atom feeds.
//!
//! The pipeline is the module tree, and data flows one way through it:
//!
//! [`config`] (what the user wrote → validated [`config::Config`]) →
//! [`fetch`] (HTTP, politeness, robots.txt) → extraction (the [`feedwright_extract`] crate:
//! charset, selectors or zero-config extraction → raw strings) → [`normalize`] (times, links,
//! HTML → [`item::Scraped`]) → [`store`] (history → [`item::Item`]) → [`render`] (RSS, Atom,
//! JSON Feed) → [`publish`] (atomic files, named by [`output`]). Which source of an item's
//! fields wins is decided in [`item`] alone.
//!
//! [`run`] drives one poll of every section through these stages; [`lock`] keeps two runs from
//! interleaving; [`commands`] are what the binary offers; [`demo`] serves a bundled snapshot of
//! china.com-shaped pages on loopback.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let config = feedwright::config::Config::load("config.yaml".as_ref())?;
//! let report = feedwright::run::run(config, &Default::default()).await?;
//! for section in &report.sections {
//!     match section {
//!         Ok(summary) => println!("{}: {} items", summary.section, summary.items),
//!         Err(error) => eprintln!("{}", feedwright::error_chain(error)),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod commands;
pub mod config;
pub mod demo;
pub mod fetch;
mod halt;
pub mod item;
pub mod learn;
pub mod lock;
pub mod normalize;
pub mod output;
pub mod pages;
pub mod preview;
pub mod publish;
pub mod render;
pub mod run;
pub mod serve;
pub mod store;
pub mod zero_config;

/// An error and its causes, `: `-separated, as anyhow's `{:#}` prints them. Every error type of
/// feedwright names only its own part in its message and leaves its cause to `source()`, so
/// each cause shows once.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
