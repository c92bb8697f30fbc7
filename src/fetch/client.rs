//! The HTTP clients of a run (reqwest), the proxies the environment names, and reading a
//! response into a page.

use reqwest::header::{self};
use url::Url;

use super::{FetchError, Page, Validators};
use crate::config::FetchSettings;

/// The reqwest clients of a run. Loading the system's TLS roots costs a few milliseconds (more
/// than extracting a page), so plain `http` requests go through a client that has none, and
/// the client for `https` (reqwest's own, with the platform's verifier) is built at the first
/// `https` request.
pub(super) struct Clients {
    plain: reqwest::Client,
    secure: std::sync::OnceLock<Result<reqwest::Client, std::sync::Arc<reqwest::Error>>>,
    settings: FetchSettings,
}

impl Clients {
    pub(super) fn new(settings: &FetchSettings) -> Result<Clients, FetchError> {
        let no_roots = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Tls(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
        let plain = builder(settings)
            .tls_backend_preconfigured(no_roots)
            .build()
            .map_err(|e| FetchError::Client(std::sync::Arc::new(e)))?;
        Ok(Clients {
            plain,
            secure: std::sync::OnceLock::new(),
            settings: settings.clone(),
        })
    }

    /// The client for `url`'s scheme.
    pub(super) fn for_url(&self, url: &Url) -> Result<&reqwest::Client, FetchError> {
        if url.scheme() != "https" {
            return Ok(&self.plain);
        }
        self.secure
            .get_or_init(|| builder(&self.settings).build().map_err(std::sync::Arc::new))
            .as_ref()
            .map_err(|e| FetchError::Client(std::sync::Arc::clone(e)))
    }
}

/// A client builder with the run's settings: user agent, timeouts, proxies, no redirects
/// (they are followed by hand, each target checked against the scope).
pub(super) fn builder(settings: &FetchSettings) -> reqwest::ClientBuilder {
    let mut builder = reqwest::Client::builder().no_proxy();
    for proxy in proxies(|name| std::env::var(name).ok()) {
        builder = builder.proxy(proxy);
    }
    builder
        .user_agent(settings.user_agent.clone())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
}

/// A proxy for one scheme (or all), from its URL.
type ProxyFor = fn(String) -> reqwest::Result<reqwest::Proxy>;

/// The proxies the environment names (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, lower case too,
/// with the hosts of `NO_PROXY` left out), never used for loopback addresses: a proxy cannot
/// reach this machine's own servers, and the tests serve their pages there. Under CGI
/// (`REQUEST_METHOD` set) `HTTP_PROXY` may come from a request header and is ignored
/// ("httpoxy").
pub(super) fn proxies(env: impl Fn(&str) -> Option<String>) -> Vec<reqwest::Proxy> {
    let var = |name: &str| {
        env(name)
            .or_else(|| env(&name.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
    };
    let no_proxy = var("NO_PROXY").unwrap_or_default();
    let bypass = format!("{no_proxy},localhost,127.0.0.0/8,::1");
    let schemes: [(&str, ProxyFor); 3] = [
        ("HTTPS_PROXY", reqwest::Proxy::https::<String>),
        ("HTTP_PROXY", reqwest::Proxy::http::<String>),
        ("ALL_PROXY", reqwest::Proxy::all::<String>),
    ];
    schemes
        .into_iter()
        .filter(|(name, _)| *name != "HTTP_PROXY" || env("REQUEST_METHOD").is_none())
        .filter_map(|(name, proxy)| {
            let url = var(name)?;
            match proxy(url) {
                Ok(proxy) => Some(proxy.no_proxy(reqwest::NoProxy::from_string(&bypass))),
                Err(error) => {
                    tracing::warn!(%error, "{name} ignored: not a proxy URL");
                    None
                }
            }
        })
        .collect()
}

pub(super) fn transport(url: &Url, source: reqwest::Error) -> FetchError {
    let reason = if source.is_timeout() {
        "timed out"
    } else if source.is_connect() {
        "cannot connect"
    } else if source.is_decode() || source.is_body() {
        "body could not be read"
    } else {
        "request failed"
    };
    FetchError::Transport {
        url: url.clone(),
        reason,
        source,
    }
}

/// Text types and the generic types servers send for pages; images, audio, archives are not.
pub(super) fn is_html_like(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence.starts_with("text/")
        || essence.contains("html")
        || essence.contains("xml")
        || essence == "application/octet-stream"
}

impl super::Fetcher {
    pub(super) async fn send(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = self.clients.for_url(url)?.get(url.clone()).header(
            header::ACCEPT,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        );
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &v.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, date);
            }
        }
        request
            .send()
            .await
            .map_err(|source| transport(url, source))
    }

    pub(super) async fn read_page(
        &self,
        url: Url,
        mut response: reqwest::Response,
    ) -> Result<Page, FetchError> {
        let limit = self.settings.max_body;
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(ct) = &content_type
            && !is_html_like(ct)
        {
            return Err(FetchError::NotHtml {
                url,
                content_type: ct.clone(),
            });
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { url, limit });
        }
        let validators = Validators::from_headers(response.headers());
        let fetched_at = chrono::Utc::now();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| transport(&url, source))?
        {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { url, limit });
            }
            body.extend_from_slice(&chunk);
        }
        let decoded = feedwright_extract::charset::decode(&body, content_type.as_deref());
        if decoded.had_errors {
            tracing::warn!(%url, encoding = decoded.encoding.name(), "invalid bytes replaced while decoding");
        }
        Ok(Page {
            url,
            text: decoded.text,
            validators,
            size: body.len(),
            fetched_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_like_types() {
        assert!(is_html_like("text/html; charset=gbk"));
        assert!(is_html_like("application/xhtml+xml"));
        assert!(!is_html_like("image/jpeg"));
        assert!(!is_html_like("application/zip"));
    }
}
