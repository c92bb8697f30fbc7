//! Where a link leads: to one story, or to something else a page links to (a channel, a tag or
//! topic page, a search, an account, a service, an advertiser). Read from the URL alone: a
//! story's address carries an id (digits, a date, a hash, a slug), the others name what they
//! are (`/tag/`, `/special/`, `mail.`, `login`) or carry none.

use url::Url;

/// Path segments that name a page that is not a story: topics and tags, searches, accounts,
/// services, legal pages.
const NOT_STORY_SEGMENTS: [&str; 55] = [
    "ad",
    "ads",
    "click",
    "special",
    "specials",
    "zt",
    "zt_d",
    "zhuanti",
    "topic",
    "topics",
    "tag",
    "tags",
    "search",
    "login",
    "register",
    "reg",
    "signup",
    "passport",
    "about",
    "aboutus",
    "help",
    "feedback",
    "contact",
    "contactus",
    "jobs",
    "join",
    "app",
    "apps",
    "download",
    "client",
    "author",
    "authors",
    "user",
    "users",
    "u",
    "space",
    "profile",
    "book",
    "books",
    "mall",
    "shop",
    "trending",
    "sitemap",
    "rss",
    "license",
    "privacy",
    "copyright",
    "go",
    "store",
    "forum",
    "forums",
    "email",
    "review",
    "reviews",
    "replies",
];

/// First labels of host names that serve something other than stories: mail, accounts,
/// forums, shops, tickets, games, downloads, search, advertising.
const SERVICE_HOSTS: [&str; 45] = [
    "mail",
    "email",
    "reg",
    "register",
    "login",
    "passport",
    "sso",
    "account",
    "accounts",
    "auth",
    "user",
    "vip",
    "pay",
    "bbs",
    "forum",
    "club",
    "tieba",
    "mall",
    "shop",
    "store",
    "piao",
    "ticket",
    "game",
    "games",
    "app",
    "apps",
    "download",
    "down",
    "help",
    "search",
    "map",
    "maps",
    "ad",
    "ads",
    "click",
    "tousu",
    "lottery",
    "caipiao",
    "special",
    "zhuanti",
    "zt",
    "topic",
    "topics",
    "promotions",
    "promo",
];

/// The first path segments of a person's page when a name or a number follows and nothing
/// else (`/people/31128234/`, `/member/haiyang1992`).
const ACCOUNT_FOLDERS: [&str; 7] = ["people", "member", "members", "user", "users", "u", "home"];

/// Query parameters that name a person whose posts or profile a page shows (not a visitor's
/// tracking id, `uid=` on any link of some portals).
const ACCOUNT_PARAMS: [&str; 4] = ["username", "vwriter", "writer", "authorid"];

/// Words of an address that lead to comments, replies and forums, not to a story.
const DISCUSSION_WORDS: [&str; 7] = [
    "comment", "comments", "reply", "replies", "pinglun", "click", "bbs",
];

/// Query parameters that carry search terms: a search page, however it is written.
const SEARCH_PARAMS: [&str; 8] = [
    "q",
    "wd",
    "word",
    "query",
    "keyword",
    "keywords",
    "kw",
    "searchword",
];

/// Sites that are accounts and posts, not the news itself.
const SOCIAL: [&str; 8] = [
    "weibo.com",
    "facebook.com",
    "twitter.com",
    "x.com",
    "instagram.com",
    "youtube.com",
    "t.me",
    "linkedin.com",
];

/// Last path names of index pages: `index.html`, `default.aspx`, `list.shtml`.
const INDEX_NAMES: [&str; 6] = ["index", "default", "list", "main", "home", "more"];

/// Digits from which a number in a URL is an id rather than a year, a page or a version.
const ID_DIGITS: usize = 5;

/// The page whose links are judged.
#[derive(Debug, Clone)]
pub struct PageSite {
    url: Url,
    domain: Option<String>,
}

impl PageSite {
    /// The links of the page at `url`.
    pub fn new(url: &Url) -> PageSite {
        PageSite {
            domain: url.host_str().map(registrable),
            url: url.clone(),
        }
    }

    /// `href` made absolute against the page, without its fragment: a web address, or on a
    /// saved page that does not say where it came from, the saved file's neighbour.
    pub fn resolve(&self, href: &str) -> Option<Url> {
        let mut url = self.url.join(href.trim()).ok()?;
        url.set_fragment(None);
        (matches!(url.scheme(), "http" | "https") || url.scheme() == self.url.scheme())
            .then_some(url)
    }

    /// True when `url` is on the page's own site: its registrable domain, or a sister domain
    /// of the same name (`sina.cn` beside `sina.com.cn`, `people.cn` beside `people.com.cn`).
    pub fn is_home(&self, url: &Url) -> bool {
        let name = |domain: &str| domain.split('.').next().unwrap_or_default().to_owned();
        match (&self.domain, url.host_str()) {
            (Some(home), Some(host)) => name(home) == name(&registrable(host)),
            _ => false,
        }
    }

    /// True when `url` reads as the address of one story, and not the page itself.
    pub fn is_story(&self, url: &Url) -> bool {
        self.address(url) == Address::Story
    }

    /// What `url` reads as, from the page.
    pub fn address(&self, url: &Url) -> Address {
        if same_page(url, &self.url) || is_page_with_more_query(url, &self.url) {
            return Address::Other;
        }
        // A redirect (`…/*http://target`, `?url=http…`) is judged by where it leads; one to
        // the page itself is a share or bookmark button.
        match embedded_target(url) {
            Some(_) if service_host(url) || names_other(url) => Address::Other,
            Some(target) if same_page(&target, &self.url) => Address::Other,
            Some(target) => address(&target),
            None => address(url),
        }
    }
}

/// True when `a` and `b` are the same page (a trailing slash aside).
fn same_page(a: &Url, b: &Url) -> bool {
    let trimmed = |u: &Url| u.as_str().trim_end_matches('/').to_owned();
    trimmed(a) == trimmed(b)
}

/// True when `link` is the page at `page` with more in its query (`?from=related`,
/// `?ercamp=hot_news`): the page itself, followed from a box that counts its clicks. A link
/// that changes one of the page's own parameters (`?SerialNo=181000`) is another page.
fn is_page_with_more_query(link: &Url, page: &Url) -> bool {
    let path = |u: &Url| u.path().trim_end_matches('/').to_owned();
    link.host_str() == page.host_str()
        && path(link) == path(page)
        && !path(page).is_empty()
        && link.query().is_some()
        && page
            .query_pairs()
            .all(|pair| link.query_pairs().any(|other| other == pair))
}

/// The domain a host belongs to: its last two labels, or three under a country's generic
/// second level (`news.sina.com.cn` → `sina.com.cn`, `www.bbc.co.uk` → `bbc.co.uk`).
pub fn registrable(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let generic = [
        "com", "net", "org", "gov", "edu", "ac", "co", "or", "ne", "go", "mil",
    ];
    let keep = match labels.as_slice() {
        [.., second, country] if country.len() == 2 && generic.contains(second) => 3,
        _ => 2,
    };
    labels[labels.len().saturating_sub(keep)..].join(".")
}

/// True when one of the path's segments names a page that is not a story, as a folder or as
/// a file (`/search/`, `search.pl`, `about.html`).
fn names_other(url: &Url) -> bool {
    url.path_segments()
        .is_some_and(|mut segments| segments.any(|s| names_other_segment(&s.to_ascii_lowercase())))
}

fn names_other_segment(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or_default();
    NOT_STORY_SEGMENTS.contains(&segment) || NOT_STORY_SEGMENTS.contains(&stem)
}

/// True when a label of the host's subdomain names a service (`mail.`, `cn.bbs.`,
/// `passport.`), whatever number follows it (`comment5.`, `bbs1.`).
fn service_host(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let domain = registrable(&host);
    let subdomain = host.strip_suffix(&domain).unwrap_or_default();
    subdomain.split('.').any(|label| {
        let name = label.trim_end_matches(|c: char| c.is_ascii_digit());
        SERVICE_HOSTS.contains(&name) || name == "comment"
    })
}

/// True when `segments` (lowercased) are a person's page: a folder of people and a name
/// (`/people/31128234/`), a home folder (`/~little5z/`), or a forum's space page
/// (`space-uid-14839.html`).
fn is_account(segments: &[&str], ends_with_slash: bool) -> bool {
    let named_person = match segments {
        [folder, name] => {
            ACCOUNT_FOLDERS.contains(folder) && (ends_with_slash || !name.contains('.'))
        }
        _ => false,
    };
    named_person
        || segments.first().is_some_and(|s| s.starts_with('~'))
        || segments.last().is_some_and(|s| s.starts_with("space-"))
}

/// True when `segments` (lowercased) are an archive of dates (`/date/2009/11`, `/2013/02/`):
/// numbers of a year, a month and a day, under at most one word.
fn is_date_archive(segments: &[&str]) -> bool {
    let numbers = match segments {
        [first, rest @ ..] if !first.bytes().all(|b| b.is_ascii_digit()) => rest,
        all => all,
    };
    !numbers.is_empty()
        && numbers.len() <= 3
        && numbers
            .iter()
            .all(|n| (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
        && numbers[0].len() == 4
}

/// The address a redirect leads to: an absolute URL inside the path or the query.
fn embedded_target(url: &Url) -> Option<Url> {
    let rest = &url.as_str()[url.scheme().len() + 3..];
    let lower = rest.to_ascii_lowercase();
    let at = ["http://", "https://", "http%3a%2f%2f", "https%3a%2f%2f"]
        .iter()
        .filter_map(|scheme| lower.find(scheme))
        .min()?;
    let target = &rest[at..];
    let decoded = if target.contains("://") {
        target.to_owned()
    } else {
        percent_decode(target)
    };
    let cut = decoded
        .find('&')
        .map_or(decoded.as_str(), |end| &decoded[..end]);
    Url::parse(cut).ok()
}

/// `%XX` escapes decoded (bytes that do not make UTF-8 are replaced).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What an address reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    /// One story: it carries an id.
    Story,
    /// Nothing says what it is: no id, and no name of anything else (`/vidu-q1/`).
    Unknown,
    /// Something other than a story: a service, a tag, a search, an index, the page itself.
    Other,
}

/// What `url` reads as by itself: something else when it is on a service's host or a social
/// site, or a tag, topic, search, account or index page; a story when it carries an id.
fn address(url: &Url) -> Address {
    // A saved page's neighbour has no host: only its path tells.
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() && url.scheme() != "file" {
        return Address::Other;
    }
    if service_host(url) || SOCIAL.contains(&registrable(host).as_str()) {
        return Address::Other;
    }
    let path = percent_decode(url.path()).to_lowercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty()
        || segments.iter().any(|s| names_other_segment(s))
        || is_account(&segments, path.ends_with('/'))
        || is_date_archive(&segments)
    {
        return Address::Other;
    }
    // Comments, replies, forums and click counters: `comment.htm`, `/newbbs/…`,
    // `event.ng/Type=click`.
    let words = path.split(['/', '.', '_', '-', '=', '&', ';', ',']);
    // Click counters of ad servers name themselves `clk` (`/mbclk`, `/aclk`).
    if words
        .clone()
        .any(|w| DISCUSSION_WORDS.contains(&w) || w.ends_with("bbs") || w.ends_with("clk"))
    {
        return Address::Other;
    }
    let named = |names: &[&str]| {
        url.query_pairs()
            .any(|(name, _)| names.contains(&name.to_ascii_lowercase().as_str()))
    };
    if named(&SEARCH_PARAMS) || named(&ACCOUNT_PARAMS) || segments == ["s"] {
        return Address::Other;
    }
    let query = url.query().unwrap_or_default();
    let query_id = longest_digits(query) >= ID_DIGITS;
    let index_page = segments.last().is_some_and(|last| {
        let name = last.split('.').next().unwrap_or_default();
        INDEX_NAMES.contains(&name)
    });
    if index_page && !query_id {
        return Address::Other;
    }
    let digits = path.chars().filter(char::is_ascii_digit).count();
    let hash = path
        .split(['/', '_', '.', '-', '='])
        .any(|token| token.len() >= 8 && has_letters_and_digits(token));
    let slug = segments.iter().any(|s| {
        s.split('-')
            .filter(|w| w.chars().all(char::is_alphabetic))
            .count()
            >= 3
    });
    let id = if path.ends_with('/') {
        // A folder is a channel unless an id names it (`/articles/cz6dy7e5gy9o/`), or a name
        // under a year and a month (a blog's `/2013/02/更新猛击/`).
        longest_digits(&path) >= 6 || hash || slug || is_dated_name(&segments)
    } else {
        digits >= ID_DIGITS || longest_digits(&path) >= 4 || hash || slug || query_id
    };
    if id { Address::Story } else { Address::Unknown }
}

/// True when `segments` hold a year and a month (`2013`, `02`) and then a name that is not an
/// index's: a story's permalink.
fn is_dated_name(segments: &[&str]) -> bool {
    let is_year = |s: &&str| {
        s.len() == 4 && s.starts_with(['1', '2']) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let is_month = |s: &&str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    segments.windows(3).any(|w| {
        is_year(&w[0])
            && is_month(&w[1])
            && !w[2].bytes().all(|b| b.is_ascii_digit())
            && !INDEX_NAMES.contains(&w[2].split('.').next().unwrap_or_default())
    })
}

/// True when letters and digits alternate in `token` as in a generated id (`7rtKNyg6PU9`),
/// not as in a word beside a year (`2019worldcup`).
fn has_letters_and_digits(token: &str) -> bool {
    let kinds: Vec<bool> = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.is_ascii_digit())
        .collect();
    kinds.windows(2).filter(|pair| pair[0] != pair[1]).count() >= 2
}

/// The length of the longest run of ASCII digits in `text`.
fn longest_digits(text: &str) -> usize {
    text.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> PageSite {
        PageSite::new(
            &Url::parse("https://news.example.com.cn/c/2024-05-06/doc-1234567.shtml").unwrap(),
        )
    }

    fn story(href: &str) -> bool {
        let site = site();
        site.is_story(&site.resolve(href).unwrap())
    }

    #[test]
    fn story_addresses_carry_an_id() {
        for href in [
            "/c/2024-05-06/doc-inausehc2630922.shtml",
            "https://36kr.com/p/3261046037544711",
            "https://www.163.com/dy/article/I4CQH0JH0556163X.html",
            "https://news.ifeng.com/c/7rtKNyg6PU9",
            "https://www.ithome.com/0/847/765.htm",
            "https://www.bbc.com/zhongwen/articles/cz6dy7e5gy9o/",
            "http://newspic.example.com/ent/article/index.html?type=gallery&p=13949",
            "http://cn.rd.yahoo.com/home/related/*http://cn.news.yahoo.com/050403/72/2aji2.html",
            "https://www.example.com/world/why-the-rains-came-late",
            "http://cn.dota2.com/2013/02/%e6%9b%b4%e6%96%b0%e7%8c%9b%e5%87%bb%ef%bc%81/",
        ] {
            assert!(story(href), "{href}");
        }
    }

    #[test]
    fn channels_tags_services_and_the_page_itself_are_not_stories() {
        for href in [
            "/c/2024-05-06/doc-1234567.shtml",
            "http://sports.sina.com.cn/2019worldcup/",
            "https://news.example.com.cn/",
            "http://money.163.com/special/jsnfzjgs/",
            "https://www.qbitai.com/tag/%e8%bd%a6%e5%9c%88",
            "http://www.shjnet.cn/zhutpd/gnzt/fdbnl/index.html",
            "https://www.1905.com/search/index-p-type-all-q-abc",
            "http://reg.vip.163.com/register.m?from=topnav",
            "http://bbs.biz.163.com/article/-001W-2rLToh.html",
            "https://weibo.com/u/7779298252",
            "https://www.toutiao.com/c/user/6221919232/",
            "http://yc.ifeng.com/book/3296896/1/",
            "http://news.hexun.com/zlgy.html",
            "http://adfarm.mediaplex.com/ad/ck/4080-25840?mpro=http://jewelry.example.com/item123456",
            "http://cn.rd.yahoo.com/SIG=12d64a7lq/*http://www.kb78.com/index.php?id=274",
            "https://www.so.com/s?src=lm&ls=sn2305988&q=%E6%B0%B4",
            "https://ssxd.mediav.com/s?type=2&r=20&mv_ref=www.360kuai.com",
            "https://n.eastday.com/EastUI/search/index.html?KeyWord=%E4%B8%9C",
            "https://user.guancha.cn/main/child-comments?id=17046965",
            "https://topics.gmw.cn/node_155348.htm",
            "http://comment5.qq.com/comment.htm?site=news&id=32335899",
            "http://cn.bbs.yahoo.com/message/read_finance_157055.html",
            "http://sc.ifeng.com/event.ng/Type=click&FlightID=78417&AdID=75529",
            "https://www.douban.com/people/31128234/",
            "https://www.v2ex.com/member/haiyang1992",
            "http://solidot.org/~little5z/",
            "http://www.nonmin.net/space-uid-14839.html",
            "http://www.tianya.cn/browse/Listwriter.asp?vid=30504821&vwriter=xzhome",
            "http://bbs1.people.com.cn/postDetail.do?boardId=1&id=95584218",
            "http://free.21cn.com/newbbs/mainframe.jsp?url=/forum/x.act?bbsThreadId=2506619",
            "http://solidot.org/search.pl?tid=87",
            "http://blog.example.com/date/2009/11",
            "https://news.example.com.cn/2013/02/",
            "https://news.example.com.cn/c/2024-05-06/doc-1234567.shtml?from=related",
        ] {
            assert!(!story(href), "{href}");
        }
    }

    #[test]
    fn a_link_that_changes_the_pages_own_parameter_is_another_story() {
        let site = PageSite::new(
            &Url::parse("https://www.upmedia.mg/news_info.php?Type=3&SerialNo=181068").unwrap(),
        );
        let other = site
            .resolve("news_info.php?Type=3&SerialNo=181000")
            .unwrap();
        assert!(site.is_story(&other));
        let same = site
            .resolve("news_info.php?Type=3&SerialNo=181068&from=box")
            .unwrap();
        assert!(!site.is_story(&same));
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable("news.sina.com.cn"), "sina.com.cn");
        assert_eq!(registrable("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable("36kr.com"), "36kr.com");
        assert_eq!(registrable("a.b.ifeng.com"), "ifeng.com");
    }
}
