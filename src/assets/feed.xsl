<?xml version="1.0" encoding="utf-8"?>
<!--
  feedwright: browser view of the RSS 2.0 and Atom 1.0 feeds.

  A feed file that starts with
      <?xml-stylesheet type="text/xsl" href="feed.xsl"?>
  is shown by a browser as a readable HTML page instead of raw XML; feed readers ignore it.
  XSLT 1.0 only (what browsers run), self-contained: inline CSS, no scripts, no external
  resources. Item bodies are not rendered (disable-output-escaping does not work in Firefox)
  and dates are shown as written in the feed (XSLT 1.0 cannot format them).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">

  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat" indent="yes"/>

  <!-- ===== The feed, whichever format it is ===== -->

  <xsl:variable name="is-atom" select="boolean(/atom:feed)"/>

  <xsl:variable name="feed-title">
    <xsl:choose>
      <xsl:when test="$is-atom"><xsl:value-of select="normalize-space(/atom:feed/atom:title)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(/rss/channel/title)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="feed-description">
    <xsl:choose>
      <xsl:when test="$is-atom"><xsl:value-of select="normalize-space(/atom:feed/atom:subtitle)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(/rss/channel/description)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="site-link">
    <xsl:choose>
      <xsl:when test="$is-atom">
        <xsl:call-template name="atom-link">
          <xsl:with-param name="node" select="/atom:feed"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(/rss/channel/link)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- The feed's own address, when the feed states it (rel="self"); else the reader copies
       it from the address bar. -->
  <xsl:variable name="self-link">
    <xsl:choose>
      <xsl:when test="$is-atom">
        <xsl:value-of select="normalize-space(/atom:feed/atom:link[@rel = 'self'][1]/@href)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="normalize-space(/rss/channel/atom:link[@rel = 'self'][1]/@href)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="feed-updated">
    <xsl:choose>
      <xsl:when test="$is-atom"><xsl:value-of select="normalize-space(/atom:feed/atom:updated)"/></xsl:when>
      <xsl:when test="/rss/channel/lastBuildDate">
        <xsl:value-of select="normalize-space(/rss/channel/lastBuildDate)"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(/rss/channel/pubDate)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="generator">
    <xsl:choose>
      <xsl:when test="$is-atom">
        <xsl:value-of select="normalize-space(/atom:feed/atom:generator)"/>
        <xsl:if test="/atom:feed/atom:generator/@version">
          <xsl:text> </xsl:text>
          <xsl:value-of select="/atom:feed/atom:generator/@version"/>
        </xsl:if>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(/rss/channel/generator)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="lang">
    <xsl:choose>
      <xsl:when test="$is-atom and /atom:feed/@xml:lang">
        <xsl:value-of select="/atom:feed/@xml:lang"/>
      </xsl:when>
      <xsl:when test="not($is-atom) and normalize-space(/rss/channel/language)">
        <xsl:value-of select="normalize-space(/rss/channel/language)"/>
      </xsl:when>
      <xsl:otherwise>zh-CN</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="item-count" select="count(/rss/channel/item | /atom:feed/atom:entry)"/>

  <!-- ===== The page ===== -->

  <xsl:template match="/">
    <html lang="{$lang}">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <meta name="robots" content="noindex"/>
        <title>
          <xsl:value-of select="$feed-title"/>
          <xsl:text> · </xsl:text>
          <xsl:choose>
            <xsl:when test="$is-atom">Atom feed</xsl:when>
            <xsl:otherwise>RSS feed</xsl:otherwise>
          </xsl:choose>
        </title>
        <style><xsl:call-template name="css"/></style>
      </head>
      <body>
        <div class="page">
          <header class="masthead">
            <p class="kind">
              <span class="feed-icon" aria-hidden="true">
                <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="14" height="14">
                  <circle cx="3" cy="13" r="2" fill="currentColor"/>
                  <path d="M1 6.5a8.5 8.5 0 0 1 8.5 8.5h-2.3A6.2 6.2 0 0 0 1 8.8z" fill="currentColor"/>
                  <path d="M1 1.5a13.5 13.5 0 0 1 13.5 13.5h-2.3A11.2 11.2 0 0 0 1 3.8z" fill="currentColor"/>
                </svg>
              </span>
              <xsl:choose>
                <xsl:when test="$is-atom">Atom feed</xsl:when>
                <xsl:otherwise>RSS feed</xsl:otherwise>
              </xsl:choose>
            </p>
            <h1>
              <xsl:choose>
                <xsl:when test="string($feed-title)"><xsl:value-of select="$feed-title"/></xsl:when>
                <xsl:otherwise>Untitled feed</xsl:otherwise>
              </xsl:choose>
            </h1>
            <xsl:if test="string($feed-description) and $feed-description != $feed-title">
              <p class="description"><xsl:value-of select="$feed-description"/></p>
            </xsl:if>
            <ul class="facts">
              <xsl:if test="string($site-link)">
                <li>
                  <a class="site-link" href="{$site-link}">
                    <xsl:text>Visit website · </xsl:text>
                    <xsl:call-template name="host">
                      <xsl:with-param name="url" select="$site-link"/>
                    </xsl:call-template>
                    <xsl:text> →</xsl:text>
                  </a>
                </li>
              </xsl:if>
              <li>
                <xsl:value-of select="$item-count"/>
                <xsl:choose>
                  <xsl:when test="$item-count = 1"> item</xsl:when>
                  <xsl:otherwise> items</xsl:otherwise>
                </xsl:choose>
              </li>
              <xsl:if test="string($feed-updated)">
                <li>Updated <time><xsl:value-of select="$feed-updated"/></time></li>
              </xsl:if>
            </ul>
          </header>

          <aside class="hint" aria-label="About this page">
            <p class="hint-title">This is a web feed</p>
            <p>
              Subscribe by copying the address of this page from your browser's address bar
              into a feed reader (RSS reader) app: it will then show you new stories as they are
              published.
            </p>
            <p lang="zh-CN" class="hint-zh">这是一个订阅源（RSS/Atom），复制本页地址到阅读器即可订阅。</p>
            <xsl:if test="string($self-link)">
              <p class="self"><code><xsl:value-of select="$self-link"/></code></p>
            </xsl:if>
          </aside>

          <main>
            <h2 class="list-heading">Latest stories</h2>
            <xsl:choose>
              <xsl:when test="$item-count = 0">
                <p class="empty">This feed has no items yet.</p>
              </xsl:when>
              <xsl:otherwise>
                <ol class="items">
                  <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
                </ol>
              </xsl:otherwise>
            </xsl:choose>
          </main>

          <footer class="footer">
            <p>
              <xsl:if test="string($generator)">
                <xsl:text>Generated by </xsl:text>
                <xsl:value-of select="$generator"/>
                <xsl:text>. </xsl:text>
              </xsl:if>
              <xsl:text>This styling is for browsers only; feed readers receive the plain </xsl:text>
              <xsl:choose>
                <xsl:when test="$is-atom">Atom 1.0</xsl:when>
                <xsl:otherwise>RSS 2.0</xsl:otherwise>
              </xsl:choose>
              <xsl:text> document.</xsl:text>
            </p>
          </footer>
        </div>
      </body>
    </html>
  </xsl:template>

  <!-- ===== One story ===== -->

  <xsl:template match="item">
    <xsl:call-template name="story">
      <xsl:with-param name="title" select="normalize-space(title)"/>
      <xsl:with-param name="link" select="normalize-space(link)"/>
      <xsl:with-param name="date">
        <xsl:choose>
          <xsl:when test="normalize-space(pubDate)"><xsl:value-of select="normalize-space(pubDate)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="normalize-space(dc:date)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:with-param>
      <xsl:with-param name="source">
        <xsl:choose>
          <xsl:when test="normalize-space(dc:creator)"><xsl:value-of select="normalize-space(dc:creator)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="normalize-space(author)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="atom:entry">
    <xsl:call-template name="story">
      <xsl:with-param name="title" select="normalize-space(atom:title)"/>
      <xsl:with-param name="link">
        <xsl:call-template name="atom-link">
          <xsl:with-param name="node" select="."/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="date">
        <xsl:choose>
          <xsl:when test="normalize-space(atom:published)"><xsl:value-of select="normalize-space(atom:published)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="normalize-space(atom:updated)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:with-param>
      <xsl:with-param name="source" select="normalize-space(atom:author[1]/atom:name)"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="story">
    <xsl:param name="title"/>
    <xsl:param name="link"/>
    <xsl:param name="date"/>
    <xsl:param name="source"/>
    <li class="item">
      <h3 class="item-title">
        <xsl:variable name="text">
          <xsl:choose>
            <xsl:when test="string($title)"><xsl:value-of select="$title"/></xsl:when>
            <xsl:when test="string($link)"><xsl:value-of select="$link"/></xsl:when>
            <xsl:otherwise>(untitled)</xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="string($link)">
            <a href="{$link}"><xsl:value-of select="$text"/></a>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
        </xsl:choose>
      </h3>
      <xsl:if test="string($date) or string($source)">
        <p class="item-meta">
          <xsl:if test="string($date)">
            <time><xsl:value-of select="$date"/></time>
          </xsl:if>
          <xsl:if test="string($source)">
            <span class="source"><xsl:value-of select="$source"/></span>
          </xsl:if>
        </p>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- ===== Helpers ===== -->

  <!-- An Atom element's web page: its rel="alternate" link (or a link without rel, which
       means alternate), else its first link. -->
  <xsl:template name="atom-link">
    <xsl:param name="node"/>
    <xsl:choose>
      <xsl:when test="$node/atom:link[not(@rel) or @rel = 'alternate'][@href]">
        <xsl:value-of select="normalize-space($node/atom:link[not(@rel) or @rel = 'alternate'][@href][1]/@href)"/>
      </xsl:when>
      <xsl:when test="$node/atom:link[@href][not(@rel = 'self')]">
        <xsl:value-of select="normalize-space($node/atom:link[@href][not(@rel = 'self')][1]/@href)"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- "https://news.china.com/domestic/" gives "news.china.com". -->
  <xsl:template name="host">
    <xsl:param name="url"/>
    <xsl:variable name="rest">
      <xsl:choose>
        <xsl:when test="contains($url, '://')"><xsl:value-of select="substring-after($url, '://')"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$url"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="contains($rest, '/')"><xsl:value-of select="substring-before($rest, '/')"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="css">
:root {
  color-scheme: light dark;
  --bg: #f5f6f8;
  --card: #ffffff;
  --text: #1c1f24;
  --muted: #5f6875;
  --line: #e3e6eb;
  --link: #1a4fd6;
  --accent: #d9480f;
  --hint-bg: #fff6ed;
  --hint-line: #fbd3b0;
  --chip-bg: #eef1f5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111318;
    --card: #191c22;
    --text: #e7e9ed;
    --muted: #9aa3af;
    --line: #2a2f38;
    --link: #8ab4ff;
    --accent: #ff8a4c;
    --hint-bg: #241a13;
    --hint-line: #5a3518;
    --chip-bg: #242932;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.6;
  overflow-wrap: break-word;
}
a { color: var(--link); text-decoration: none; }
a:hover, a:focus-visible { text-decoration: underline; text-underline-offset: 0.18em; }
.page {
  max-width: 50rem;
  margin: 0 auto;
  padding: 2.5rem 1.25rem 3rem;
}
.masthead { margin-bottom: 1.5rem; }
.kind {
  display: inline-flex;
  align-items: center;
  gap: 0.45rem;
  margin: 0 0 0.75rem;
  color: var(--accent);
  font-size: 0.8rem;
  font-weight: 600;
  letter-spacing: 0.06em;
  text-transform: uppercase;
}
.feed-icon {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  width: 1.5rem;
  height: 1.5rem;
  border-radius: 0.35rem;
  background: var(--accent);
  color: var(--card);
}
h1 {
  margin: 0;
  font-size: clamp(1.6rem, 4.5vw, 2.2rem);
  line-height: 1.25;
  font-weight: 700;
  letter-spacing: 0.01em;
}
.description {
  margin: 0.5rem 0 0;
  color: var(--muted);
  font-size: 1.05rem;
}
.facts {
  display: flex;
  flex-wrap: wrap;
  gap: 0.35rem 1.25rem;
  margin: 1rem 0 0;
  padding: 0;
  list-style: none;
  color: var(--muted);
  font-size: 0.9rem;
}
.site-link { font-weight: 600; }
.hint {
  margin: 0 0 2rem;
  padding: 1rem 1.25rem;
  background: var(--hint-bg);
  border: 1px solid var(--hint-line);
  border-left: 4px solid var(--accent);
  border-radius: 0.6rem;
}
.hint p { margin: 0; }
.hint p + p { margin-top: 0.35rem; }
.hint-title { font-weight: 700; }
.hint-zh { color: var(--muted); }
.self code {
  display: inline-block;
  margin-top: 0.25rem;
  padding: 0.15rem 0.45rem;
  border-radius: 0.3rem;
  background: var(--card);
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.85rem;
  word-break: break-all;
  user-select: all;
}
.list-heading {
  margin: 0 0 0.75rem;
  color: var(--muted);
  font-size: 0.8rem;
  font-weight: 600;
  letter-spacing: 0.06em;
  text-transform: uppercase;
}
.items {
  margin: 0;
  padding: 0;
  list-style: none;
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 0.75rem;
  overflow: hidden;
}
.item { padding: 0.8rem 1.25rem; }
.item + .item { border-top: 1px solid var(--line); }
.item-title {
  margin: 0;
  font-size: 1.05rem;
  font-weight: 600;
  line-height: 1.5;
}
.item-title a { color: var(--text); }
.item-title a:hover, .item-title a:focus-visible { color: var(--link); }
.item-title a:visited { color: var(--muted); }
.item-meta {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.25rem 0.75rem;
  margin: 0.2rem 0 0;
  color: var(--muted);
  font-size: 0.85rem;
}
.item-meta time { font-variant-numeric: tabular-nums; }
.source {
  padding: 0 0.5rem;
  border-radius: 999px;
  background: var(--chip-bg);
  font-size: 0.8rem;
  line-height: 1.6;
}
.empty { color: var(--muted); }
.footer {
  margin-top: 2rem;
  color: var(--muted);
  font-size: 0.8rem;
  text-align: center;
}
.footer p { margin: 0; }
@media (max-width: 36rem) {
  .page { padding: 1.5rem 0.75rem 2rem; }
  .item { padding: 0.8rem 1rem; }
  .hint { padding: 0.85rem 1rem; }
}
@media print {
  body { background: none; }
  .hint { display: none; }
  .items { border: none; }
}
</xsl:template>

</xsl:stylesheet>
