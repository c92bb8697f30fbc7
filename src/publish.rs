//! Publishing: feed files replaced atomically, and only when their bytes change.
//!
//! A file is written to a temporary file in its own folder, given the mode a static web server
//! can read (0644), and renamed over the old one: a server or a reader sees the old feed or the
//! new one, never half of one, and a killed run leaves the old one. There is no fsync: a feed
//! emptied by a power cut is written again by the next poll (history is in SQLite, which syncs),
//! and 400 fsyncs per run would cost more than the rest of a warm poll. When the bytes are the same as the file's, nothing
//! is written, so the file's mtime — and the ETag and Last-Modified a static server derives from
//! it — stay put.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What publishing did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Replaced,
    Unchanged,
}

/// A file that could not be published.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct PublishError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically unless the file already holds exactly them.
pub fn publish(path: &Path, bytes: &[u8]) -> Result<Written, PublishError> {
    let err = |source| PublishError {
        path: path.to_owned(),
        source,
    };
    let existed = match std::fs::read(path) {
        Ok(current) if current == bytes => return Ok(Written::Unchanged),
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(err(e)),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".feedwright-").suffix(".tmp");
    // The folder is created the first time only, not checked before every file.
    let mut file = match builder.tempfile_in(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(err)?;
            builder.tempfile_in(dir)
        }
        created => created,
    }
    .map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o644);
        file.as_file().set_permissions(mode).map_err(err)?;
    }
    file.write_all(bytes).map_err(err)?;
    file.persist(path).map_err(|e| err(e.error))?;
    Ok(if existed {
        Written::Replaced
    } else {
        Written::Created
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_leaves_unchanged_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds/news.rss");
        assert_eq!(publish(&path, b"one").unwrap(), Written::Created);
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(publish(&path, b"one").unwrap(), Written::Unchanged);
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
        assert_eq!(publish(&path, b"two").unwrap(), Written::Replaced);
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn files_are_readable_by_a_web_server() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.atom");
        publish(&path, b"x").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
}
