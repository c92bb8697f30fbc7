//! feedwright turns news sites without feeds into RSS 2.0 and Atom feeds.
//!
//! The pipeline is the module tree, and data flows one way through it:
//!
//! [`config`] (what the user wrote → validated [`config::Config`]) →
//! [`fetch`] (HTTP, charset) → [`extract`] (selectors → raw strings) →
//! [`normalize`] (times, links, HTML → [`item::Scraped`]) → [`store`] (history →
//! [`item::Item`]) → [`render`] (RSS, Atom) → [`publish`] (atomic files).
//!
//! [`run`] drives one poll of every section through these stages; [`lock`] keeps two runs from
//! interleaving; [`demo`] serves a bundled snapshot of china.com-shaped pages on loopback.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let config = feedwright::config::Config::load("config.yaml".as_ref())?;
//! let report = feedwright::run::run(&config, &Default::default()).await?;
//! for section in &report.sections {
//!     match section {
//!         Ok(summary) => println!("{}: {} items", summary.section, summary.items),
//!         Err(error) => eprintln!("{error}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub mod config;
pub mod demo;
pub mod extract;
pub mod fetch;
pub mod item;
pub mod lock;
pub mod normalize;
pub mod preview;
pub mod publish;
pub mod render;
pub mod run;
pub mod serve;
pub mod store;
