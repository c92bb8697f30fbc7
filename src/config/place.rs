//! Where history is kept and where feeds go: a SQLite file or a PostgreSQL server, a folder or
//! an S3-compatible bucket.

use std::fmt;
use std::path::{Path, PathBuf};

use url::Url;

/// The environment variable that overrides `state:`.
pub const STATE_VARIABLE: &str = "FEEDWRIGHT_STATE";

/// Where history is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// A SQLite file: one machine, one poller at a time.
    Sqlite(PathBuf),
    /// A PostgreSQL database, which several pollers share.
    Postgres(PostgresUrl),
}

impl StateLocation {
    /// `state:`'s text: a `postgres://` URL, else a file path taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<StateLocation, String> {
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Ok(StateLocation::Sqlite(base.join(text)));
        }
        let url = Url::parse(text).map_err(|e| format!("invalid PostgreSQL URL: {e}"))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err("invalid PostgreSQL URL: no host".into());
        }
        if url.path().trim_start_matches('/').is_empty() {
            return Err("invalid PostgreSQL URL: no database name (postgres://host/db)".into());
        }
        Ok(StateLocation::Postgres(PostgresUrl(url)))
    }
}

impl fmt::Display for StateLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateLocation::Sqlite(path) => write!(f, "{}", path.display()),
            StateLocation::Postgres(url) => f.write_str(&url.redacted()),
        }
    }
}

/// A PostgreSQL connection URL.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(Url);

impl PostgresUrl {
    /// The URL itself, password included.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL without its password, for messages and logs.
    pub fn redacted(&self) -> String {
        let mut url = self.0.clone();
        if url.password().is_some() {
            // A URL with a host always takes a password.
            let _ = url.set_password(Some("***"));
        }
        url.to_string()
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Where feed files and the files beside them go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A folder, served statically or by `feedwright serve`.
    Folder(PathBuf),
    /// An S3-compatible bucket, behind a CDN.
    Bucket(BucketUrl),
}

impl Output {
    /// `output_dir:`'s text: an `s3://bucket/prefix` URL, else a folder taken from `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Output, String> {
        let Some(rest) = text.strip_prefix("s3://") else {
            return Ok(Output::Folder(base.join(text)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_name = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_name {
            return Err(format!(
                "invalid bucket name {bucket:?} (3 to 63 lowercase letters, digits, '-' or '.')"
            ));
        }
        Ok(Output::Bucket(BucketUrl {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        }))
    }

    /// The folder, when feeds go to one.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            Output::Folder(path) => Some(path),
            Output::Bucket(_) => None,
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Folder(path) => write!(f, "{}", path.display()),
            Output::Bucket(bucket) => write!(f, "{bucket}"),
        }
    }
}

/// A bucket and the prefix of the keys written in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketUrl {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
}

impl BucketUrl {
    /// The key of the file `name`.
    pub fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }
}

impl fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_is_a_file_or_a_postgres_url() {
        let base = Path::new("/srv");
        assert_eq!(
            StateLocation::parse("fw.db", base).unwrap(),
            StateLocation::Sqlite(PathBuf::from("/srv/fw.db"))
        );
        let pg = StateLocation::parse("postgres://fw:secret@db.local:5432/feeds", base).unwrap();
        assert_eq!(pg.to_string(), "postgres://fw:***@db.local:5432/feeds");
        assert!(
            StateLocation::parse("postgres://db.local", base)
                .unwrap_err()
                .contains("no database name")
        );
        assert!(StateLocation::parse("postgres://:5432/x", base).is_err());
    }

    #[test]
    fn output_is_a_folder_or_a_bucket() {
        let base = Path::new("/srv");
        assert_eq!(
            Output::parse("feeds", base).unwrap(),
            Output::Folder(PathBuf::from("/srv/feeds"))
        );
        let Output::Bucket(bucket) = Output::parse("s3://news-feeds/cn/", base).unwrap() else {
            panic!("a bucket")
        };
        assert_eq!(bucket.key("world.rss"), "cn/world.rss");
        let Output::Bucket(root) = Output::parse("s3://news-feeds", base).unwrap() else {
            panic!("a bucket")
        };
        assert_eq!(root.key("world.rss"), "world.rss");
        assert!(Output::parse("s3://No_Such", base).is_err());
    }
}
