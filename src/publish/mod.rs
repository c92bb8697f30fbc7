//! Publishing: feed files replaced atomically, and only when their bytes change, in a folder
//! or in an S3-compatible bucket.
//!
//! In a folder, a file is written to a temporary file in its own folder, given the mode a
//! static web server can read (0644), and renamed over the old one: a server or a reader sees
//! the old feed or the new one, never half of one, and a killed run leaves the old one. There
//! is no fsync: a feed emptied by a power cut is written again by the next poll (history
//! syncs), and 400 fsyncs per run would cost more than the rest of a warm poll. When the bytes
//! are the same as the file's, nothing is written, so the file's mtime — and the ETag and
//! Last-Modified a static server derives from it — stay put.
//!
//! In a bucket, an object is one PUT (S3 replaces objects whole), with its media type and a
//! `Cache-Control`. An object whose ETag is the MD5 of the new bytes (what S3-compatible stores
//! give an object written in one PUT) is left alone; the ETags come from one listing of the
//! prefix when the run starts, not from a request per object.

mod bucket;

use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};

pub use bucket::{Bucket, BucketError};

use crate::config::Output;
use crate::output::OutputFile;

/// What publishing did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Replaced,
    Unchanged,
}

/// A file that could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot write {path}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Bucket(Box<BucketError>),
}

/// Where a run's files go.
#[derive(Debug)]
pub enum Publisher {
    Folder(PathBuf),
    Bucket(Bucket),
}

impl Publisher {
    /// The publisher of `output`. A bucket is asked first whether it can be listed with the
    /// credentials given, so that a missing bucket or a wrong key stops a run before it
    /// writes anything. Runs on a runtime's blocking thread.
    pub fn open(output: &Output) -> Result<Publisher, PublishError> {
        Ok(match output {
            Output::Folder(path) => {
                sweep_temporaries(path);
                Publisher::Folder(path.clone())
            }
            Output::Bucket(url) => {
                Publisher::Bucket(Bucket::open(url).map_err(|e| PublishError::Bucket(Box::new(e)))?)
            }
        })
    }

    /// Publishes the file `name` unless it already holds exactly `bytes`. A bucket is written
    /// from a runtime's blocking thread.
    pub fn put(&self, name: &str, kind: OutputFile, bytes: &[u8]) -> Result<Written, PublishError> {
        self.put_with(name, kind, |out| out.write_all(bytes))
    }

    /// Publishes the file `name` that `render` writes, unless the file already holds exactly
    /// those bytes. In a folder the bytes are never held whole (see [`publish`]); a bucket
    /// takes an object whole, so for a bucket they are rendered into memory.
    pub fn put_with(
        &self,
        name: &str,
        kind: OutputFile,
        render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<Written, PublishError> {
        match self {
            Publisher::Folder(dir) => publish_with(&dir.join(name), render),
            Publisher::Bucket(bucket) => {
                let mut bytes = Vec::new();
                render(&mut bytes).map_err(|source| PublishError::File {
                    path: PathBuf::from(name),
                    source,
                })?;
                bucket
                    .put(name, kind, &bytes)
                    .map_err(|e| PublishError::Bucket(Box::new(e)))
            }
        }
    }

    /// True when the file `name` is there to be left alone (for a bucket, as the listing of
    /// the run's start and the run's own uploads know it).
    pub fn holds(&self, name: &str) -> bool {
        match self {
            Publisher::Folder(dir) => std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() > 0),
            Publisher::Bucket(bucket) => bucket.holds(name),
        }
    }
}

/// Writes `bytes` to `path` atomically unless the file already holds exactly them: they are
/// compared with the file first, and written to a temporary file that replaces it only from
/// the first byte that differs.
pub fn publish(path: &Path, bytes: &[u8]) -> Result<Written, PublishError> {
    publish_with(path, |out| out.write_all(bytes))
}

/// Writes what `render` writes to `path` atomically, unless the file already holds exactly
/// that. The bytes are rendered once and never held whole: they are compared with the file as
/// they come, and only from the first byte that differs does a temporary file take them, to
/// replace the old one.
fn publish_with(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Written, PublishError> {
    let err = |source| PublishError::File {
        path: path.to_owned(),
        source,
    };
    let old = match std::fs::File::open(path) {
        Ok(current) => Some(Compared::with(current)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(e)),
    };
    let existed = old.is_some();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out = Replacement {
        dir,
        old,
        new: None,
    };
    render(&mut out).map_err(err)?;
    let Some(new) = out.finish().map_err(err)? else {
        return Ok(Written::Unchanged);
    };
    let file = new.into_inner().map_err(|e| err(e.into_error()))?;
    crate::halt::at(crate::halt::Point::Renaming);
    file.persist(path).map_err(|e| err(e.error))?;
    Ok(if existed {
        Written::Replaced
    } else {
        Written::Created
    })
}

/// How a temporary file's name begins and ends: `.feedwright-<host>-<pid>-<random>.tmp`. The
/// host and the process tell whether the write that made it may still rename it.
const TEMPORARY_PREFIX: &str = ".feedwright-";
const TEMPORARY_SUFFIX: &str = ".tmp";

/// A write of another machine is done (or dead) once its temporary file is this old.
const FOREIGN_TEMPORARY_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

fn temporary_prefix() -> String {
    format!("{TEMPORARY_PREFIX}{}-{}-", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().replace('-', "_"))
        .unwrap_or_default()
}

/// Removes the temporary files that writes killed before their rename left in `dir`: those of
/// a process of this machine that is gone, and those of other machines an hour old. A failure
/// is logged; the files only take space.
fn sweep_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let host = host_name();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(inner) = name.to_str().and_then(|n| {
            n.strip_prefix(TEMPORARY_PREFIX)?
                .strip_suffix(TEMPORARY_SUFFIX)
        }) else {
            continue;
        };
        // Older versions named no writer: theirs are judged by age, as other machines' are.
        let abandoned = match temporary_writer(inner) {
            Some((writer_host, pid)) if writer_host == host => !process_lives(pid),
            _ => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| at.elapsed().is_ok_and(|age| age > FOREIGN_TEMPORARY_AGE)),
        };
        if !abandoned {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => {
                tracing::info!(file = %entry.path().display(), "removed the temporary file of a write that was killed");
            }
            Err(error) => {
                tracing::warn!(file = %entry.path().display(), %error, "temporary file of a killed write not removed");
            }
        }
    }
}

/// The host and process named by a temporary file's name (without its prefix and suffix).
fn temporary_writer(inner: &str) -> Option<(&str, u32)> {
    let mut parts = inner.rsplitn(3, '-');
    let (_random, pid, host) = (parts.next()?, parts.next()?, parts.next()?);
    Some((host, pid.parse().ok()?))
}

/// True when process `pid` of this machine is running (or is a zombie not yet reaped).
fn process_lives(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// How much of a file is read (and of a new one buffered) at a time.
const COMPARED_CHUNK: usize = 64 * 1024;

/// The sink `render` writes to: it compares the bytes with the old file, if any, and from the
/// first byte that differs writes a temporary file instead, beginning with the part that was
/// equal, copied from the old file.
struct Replacement<'a> {
    dir: &'a Path,
    old: Option<Compared>,
    new: Option<std::io::BufWriter<tempfile::NamedTempFile>>,
}

impl Replacement<'_> {
    /// The temporary file when the bytes differ from the old file; `None` when they equal it.
    fn finish(mut self) -> std::io::Result<Option<std::io::BufWriter<tempfile::NamedTempFile>>> {
        if self.new.is_none() {
            let unchanged = match &mut self.old {
                Some(old) => old.same()?,
                None => false,
            };
            if unchanged {
                return Ok(None);
            }
            self.start_new()?;
        }
        Ok(self.new)
    }

    /// Starts the temporary file with the bytes compared equal so far.
    fn start_new(&mut self) -> std::io::Result<&mut std::io::BufWriter<tempfile::NamedTempFile>> {
        let mut builder = tempfile::Builder::new();
        let prefix = temporary_prefix();
        builder.prefix(&prefix).suffix(TEMPORARY_SUFFIX);
        // The folder is created the first time only, not checked before every file.
        let file = match builder.tempfile_in(self.dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(self.dir)?;
                builder.tempfile_in(self.dir)
            }
            created => created,
        }?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        let mut new = std::io::BufWriter::with_capacity(COMPARED_CHUNK, file);
        if let Some(old) = self.old.take() {
            old.copy_equal_part(&mut new)?;
        }
        Ok(self.new.insert(new))
    }
}

impl Write for Replacement<'_> {
    fn write(&mut self, written: &[u8]) -> std::io::Result<usize> {
        let rest = match (&mut self.new, &mut self.old) {
            (Some(new), _) => return new.write(written),
            (None, Some(old)) => &written[old.compare(written)?..],
            (None, None) => written,
        };
        if !rest.is_empty() {
            self.start_new()?.write_all(rest)?;
        }
        Ok(written.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An old file compared with new bytes, a chunk at a time.
struct Compared {
    file: std::io::BufReader<std::fs::File>,
    /// How many leading bytes were found equal.
    equal: u64,
}

impl Compared {
    fn with(file: std::fs::File) -> Self {
        Compared {
            file: std::io::BufReader::with_capacity(COMPARED_CHUNK, file),
            equal: 0,
        }
    }

    /// Compares `written` with the file's next bytes; returns how many leading bytes of it are
    /// equal to them.
    fn compare(&mut self, written: &[u8]) -> std::io::Result<usize> {
        let mut compared = 0;
        while compared < written.len() {
            let theirs = self.file.fill_buf()?;
            let rest = &written[compared..];
            let n = theirs
                .iter()
                .zip(rest)
                .take_while(|(theirs, ours)| theirs == ours)
                .count();
            // The file ended, or a byte differs.
            let stop = theirs.is_empty() || n < theirs.len().min(rest.len());
            self.file.consume(n);
            compared += n;
            self.equal += n as u64;
            if stop {
                break;
            }
        }
        Ok(compared)
    }

    /// True when everything written so far equals the whole file.
    fn same(&mut self) -> std::io::Result<bool> {
        Ok(self.file.fill_buf()?.is_empty())
    }

    /// Copies the leading bytes found equal into `to`.
    fn copy_equal_part(self, to: &mut impl Write) -> std::io::Result<()> {
        let mut file = self.file.into_inner();
        file.seek(std::io::SeekFrom::Start(0))?;
        let copied = std::io::copy(&mut file.take(self.equal), to)?;
        if copied == self.equal {
            Ok(())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the old file shrank while it was compared",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_of_dead_writers_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let host = host_name();
        let name = |pid: u32| format!("{TEMPORARY_PREFIX}{host}-{pid}-aB3xYz{TEMPORARY_SUFFIX}");
        let dead = name(u32::MAX);
        let live = name(std::process::id());
        let other = format!("{TEMPORARY_PREFIX}elsewhere-1-aB3xYz{TEMPORARY_SUFFIX}");
        for file in [&dead, &live, &other, &"news.atom".to_owned()] {
            std::fs::write(dir.path().join(file), b"x").unwrap();
        }
        sweep_temporaries(dir.path());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut expected = vec![live, other, "news.atom".to_owned()];
        expected.sort();
        assert_eq!(left, expected, "only the dead writer's file goes");
        assert_eq!(
            temporary_writer("my_host-4242-aB3xYz"),
            Some(("my_host", 4242))
        );
    }

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

    #[test]
    fn a_rendered_file_is_compared_with_the_old_one_piece_by_piece() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        let pieces = |parts: &'static [&'static str]| {
            move |out: &mut dyn Write| parts.iter().try_for_each(|p| out.write_all(p.as_bytes()))
        };
        assert_eq!(
            publish_with(&path, pieces(&["ab", "cd"])).unwrap(),
            Written::Created
        );
        assert_eq!(
            publish_with(&path, pieces(&["a", "bcd"])).unwrap(),
            Written::Unchanged
        );
        assert_eq!(
            publish_with(&path, pieces(&["ab", "c"])).unwrap(),
            Written::Replaced
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        assert_eq!(
            publish_with(&path, pieces(&["ab", "cde"])).unwrap(),
            Written::Replaced
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"abcde");
        assert_eq!(
            publish_with(&path, pieces(&["abXde"])).unwrap(),
            Written::Replaced
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"abXde");

        // Beyond one chunk: the equal part is copied from the old file, the rest rendered.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let in_pieces = |bytes: Vec<u8>| {
            move |out: &mut dyn Write| bytes.chunks(7_000).try_for_each(|c| out.write_all(c))
        };
        assert_eq!(
            publish_with(&path, in_pieces(big.clone())).unwrap(),
            Written::Replaced
        );
        assert_eq!(
            publish_with(&path, in_pieces(big.clone())).unwrap(),
            Written::Unchanged
        );
        let mut changed = big.clone();
        changed[150_000] ^= 0xff;
        assert_eq!(
            publish_with(&path, in_pieces(changed.clone())).unwrap(),
            Written::Replaced
        );
        assert_eq!(std::fs::read(&path).unwrap(), changed);
        assert_eq!(
            publish_with(&path, in_pieces(big[..140_000].to_vec())).unwrap(),
            Written::Replaced
        );
        assert_eq!(std::fs::read(&path).unwrap(), &big[..140_000]);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
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
