//! An S3-compatible bucket as the place feeds go, through `object_store`. Credentials, region
//! and endpoint come from the standard variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`, and `AWS_ALLOW_HTTP=true` for an
//! endpoint without TLS).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use futures::TryStreamExt;

use md5::{Digest, Md5};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload, RetryConfig};

use super::Written;
use crate::config::BucketUrl;
use crate::output::OutputFile;

/// A bucket that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("bucket {url}: {what}")]
    Store {
        url: String,
        what: &'static str,
        #[source]
        source: object_store::Error,
    },
    #[error("bucket {url}: used outside the runtime of a run")]
    NoRuntime { url: String },
}

/// A bucket, the runtime its requests run on, and the ETags of the objects under its prefix.
pub struct Bucket {
    store: AmazonS3,
    url: BucketUrl,
    runtime: tokio::runtime::Handle,
    /// Key → ETag, listed when the bucket was opened and kept up to date by every upload: an
    /// object is compared with new bytes without a request of its own.
    etags: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bucket({})", self.url)
    }
}

impl Bucket {
    /// Connects to the bucket of `url` and lists the objects under its prefix: a bucket that
    /// does not exist, or credentials it refuses, fail here, before anything is written.
    /// Called on a blocking thread of a runtime.
    pub fn open(url: &BucketUrl) -> Result<Bucket, BucketError> {
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| BucketError::NoRuntime {
                url: url.to_string(),
            })?;
        let failed = |what| {
            move |source| BucketError::Store {
                url: url.to_string(),
                what,
                source,
            }
        };
        // A refused request fails at once; an unreachable endpoint after two retries, not the
        // default three minutes of them.
        let retry = RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
            ..RetryConfig::default()
        };
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(&url.bucket)
            .with_retry(retry)
            .build()
            .map_err(failed("invalid settings"))?;
        let prefix = Key::from(url.prefix.as_str());
        let listed: Vec<_> = runtime
            .block_on(store.list(Some(&prefix)).try_collect())
            .map_err(failed("cannot list"))?;
        let etags = listed
            .into_iter()
            .filter_map(|meta| Some((meta.location.to_string(), meta.e_tag?)))
            .collect();
        Ok(Bucket {
            store,
            url: url.clone(),
            runtime,
            etags: Mutex::new(etags),
        })
    }

    /// Uploads `bytes` as the object `name`, with its media type and cache policy, unless the
    /// object already holds them. Called on a blocking thread of the runtime.
    pub fn put(&self, name: &str, kind: OutputFile, bytes: &[u8]) -> Result<Written, BucketError> {
        let key = Key::from(self.url.key(name));
        let failed = |what| {
            move |source| BucketError::Store {
                url: format!("{}/{name}", self.url.to_string().trim_end_matches('/')),
                what,
                source,
            }
        };
        let known = self.etag(&key);
        if known.as_deref().is_some_and(|tag| is_md5_of(tag, bytes)) {
            return Ok(Written::Unchanged);
        }
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, kind.media_type().into());
        attributes.insert(Attribute::CacheControl, kind.cache_control().into());
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        let put = self
            .runtime
            .block_on(self.store.put_opts(&key, payload, options))
            .map_err(failed("cannot write"))?;
        let mut etags = self.etags.lock().unwrap_or_else(|e| e.into_inner());
        match put.e_tag {
            Some(tag) => etags.insert(key.to_string(), tag),
            None => etags.remove(key.as_ref()),
        };
        Ok(if known.is_some() {
            Written::Replaced
        } else {
            Written::Created
        })
    }
}

impl Bucket {
    /// True when the object `name` is in the bucket, as far as the run knows.
    pub fn holds(&self, name: &str) -> bool {
        self.etag(&Key::from(self.url.key(name))).is_some()
    }

    fn etag(&self, key: &Key) -> Option<String> {
        let etags = self.etags.lock().unwrap_or_else(|e| e.into_inner());
        etags.get(key.as_ref()).cloned()
    }
}

/// True when the ETag `tag` (quoted or not) is the MD5 of `bytes`.
fn is_md5_of(tag: &str, bytes: &[u8]) -> bool {
    let digest = Md5::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    tag.trim_matches('"').eq_ignore_ascii_case(&hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etag_is_compared_with_the_md5_of_the_bytes() {
        assert!(is_md5_of("\"900150983cd24fb0d6963f7d28e17f72\"", b"abc"));
        assert!(is_md5_of("900150983CD24FB0D6963F7D28E17F72", b"abc"));
        assert!(!is_md5_of("\"900150983cd24fb0d6963f7d28e17f72\"", b"abd"));
        assert!(!is_md5_of("\"900150983cd24fb0d6963f7d28e17f72-2\"", b"abc"));
    }
}
