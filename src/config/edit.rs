//! Changes to a configuration file as text: a new site, or a new section of a site, inserted
//! where it belongs while every other line (comments, order, formatting) stays as it was.
//! Files are replaced atomically: a reader, or a killed writer, sees the old file or the new
//! one, never half of one.

use std::io::Write;
use std::path::Path;

use crate::learn::Rules;

/// A change that cannot be made to the file as it is written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("site `{0}` is not in the configuration")]
    NoSite(String),
    #[error(
        "site `{0}` writes its sections in a form `add` does not edit (add the section by hand)"
    )]
    Unusual(String),
}

/// A section to add: its id, optional title and start URLs.
pub struct NewSection {
    pub id: String,
    pub title: Option<String>,
    pub urls: Vec<String>,
}

/// A site to add.
pub struct NewSite {
    pub id: String,
    pub title: String,
    pub article: Rules,
    pub related: Rules,
    /// Follow each list entry to its article page.
    pub follow: bool,
    pub section: NewSection,
}

/// A YAML scalar that reads back as `text` whatever it holds: a JSON string, which YAML reads
/// as a double-quoted scalar.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| unreachable!("a string serializes"))
}

/// One rule: `key: "selector"`, or a list of alternatives.
fn rule(key: &str, selectors: &[String]) -> String {
    match selectors {
        [one] => format!("{key}: {}", quoted(one)),
        many => {
            let items: Vec<String> = many.iter().map(|s| quoted(s)).collect();
            format!("{key}: [{}]", items.join(", "))
        }
    }
}

/// The section as the lines of a list item, indented by `indent`.
pub fn section_yaml(section: &NewSection, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}- id: {}\n", quoted(&section.id));
    if let Some(title) = &section.title {
        out.push_str(&format!("{pad}  title: {}\n", quoted(title)));
    }
    out.push_str(&format!("{pad}  urls:\n"));
    for url in &section.urls {
        out.push_str(&format!("{pad}    - {}\n", quoted(url)));
    }
    out
}

/// The site as the lines of a list item, indented by `indent`.
pub fn site_yaml(site: &NewSite, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!(
        "{pad}- id: {}\n{pad}  title: {}\n",
        quoted(&site.id),
        quoted(&site.title)
    );
    for (part, rules) in [("article", &site.article), ("related", &site.related)] {
        if rules.is_empty() {
            continue;
        }
        out.push_str(&format!("{pad}  {part}:\n"));
        for (key, selectors) in rules {
            out.push_str(&format!("{pad}    {}\n", rule(key, selectors)));
        }
    }
    if site.follow {
        out.push_str(&format!("{pad}  follow: true\n"));
    }
    out.push_str(&format!("{pad}  sections:\n"));
    out.push_str(&section_yaml(&site.section, indent + 4));
    out
}

/// A line's indentation, or `None` for a blank or comment-only line.
fn indent_of(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    (!trimmed.is_empty() && !trimmed.starts_with('#')).then(|| line.len() - trimmed.len())
}

/// The block of lines under the key at line `key` (indented `at`): its first line and one past
/// its last non-blank line. List items may sit at the key's own indentation.
fn block(lines: &[&str], key: usize, at: usize) -> (usize, usize) {
    let mut last = key + 1;
    for (index, line) in lines.iter().enumerate().skip(key + 1) {
        match indent_of(line) {
            Some(indent)
                if indent < at || (indent == at && !line.trim_start().starts_with('-')) =>
            {
                break;
            }
            Some(_) => last = index + 1,
            None => {}
        }
    }
    (key + 1, last)
}

/// The indentation of the first list item in `lines[from..to]`, if any.
fn item_indent(lines: &[&str], from: usize, to: usize) -> Option<usize> {
    lines[from..to]
        .iter()
        .find(|l| l.trim_start().starts_with("- "))
        .and_then(|l| indent_of(l))
}

/// `text` with `insert` placed after line `after` (0 = at the start).
fn with_lines(lines: &[&str], after: usize, insert: &str) -> String {
    let mut out = String::new();
    for line in &lines[..after] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(insert);
    for line in &lines[after..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// What follows a top-level `sites` key on its line, comment aside: nothing (a block list
/// follows), or `[]` (an empty flow list).
fn sites_key_value(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("sites:")?;
    let value = rest.split_once('#').map_or(rest, |(value, _)| value).trim();
    (value.is_empty() || value == "[]").then_some(value)
}

/// `text` with the site added at the end of its `sites:` list (the list started if there is
/// none, or if it is the empty `sites: []`).
pub fn add_site(text: &str, site: &NewSite) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.iter().position(|l| sites_key_value(l).is_some());
    match key {
        Some(key) if sites_key_value(lines[key]) == Some("") => {
            let (from, to) = block(&lines, key, 0);
            let indent = item_indent(&lines, from, to).unwrap_or(2);
            with_lines(&lines, to, &site_yaml(site, indent))
        }
        Some(key) => {
            let mut out = with_lines(&lines[..key], key, "sites:\n");
            out.push_str(&site_yaml(site, 2));
            for line in &lines[key + 1..] {
                out.push_str(line);
                out.push('\n');
            }
            out
        }
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("sites:\n");
            out.push_str(&site_yaml(site, 2));
            out
        }
    }
}

/// `text` with the section added at the end of site `site_id`'s `sections:` list.
pub fn add_section(text: &str, site_id: &str, section: &NewSection) -> Result<String, EditError> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines
        .iter()
        .position(|l| sites_key_value(l) == Some(""))
        .ok_or_else(|| EditError::NoSite(site_id.to_owned()))?;
    let (from, to) = block(&lines, key, 0);
    let sites_indent = item_indent(&lines, from, to).unwrap_or(2);
    let names_site = |line: &str| {
        let t = line.trim_start().trim_start_matches("- ").trim();
        let value = t.strip_prefix("id:").map(str::trim);
        value.is_some_and(|v| {
            let v = v.split(" #").next().unwrap_or_default().trim();
            v.trim_matches(['"', '\'']) == site_id
        })
    };
    let id_line = (from..to)
        .find(|&i| names_site(lines[i]))
        .ok_or_else(|| EditError::NoSite(site_id.to_owned()))?;
    // The site's item runs from its `- ` line to the next item of the list.
    let start = (from..=id_line)
        .rev()
        .find(|&i| {
            indent_of(lines[i]) == Some(sites_indent) && lines[i].trim_start().starts_with('-')
        })
        .ok_or_else(|| EditError::Unusual(site_id.to_owned()))?;
    let end = (start + 1..to)
        .find(|&i| indent_of(lines[i]).is_some_and(|n| n <= sites_indent))
        .unwrap_or(to);
    let content = sites_indent + 2;
    let sections = (start..end)
        .find(|&i| {
            indent_of(lines[i]) == Some(content) && lines[i].trim_start().starts_with("sections:")
        })
        .ok_or_else(|| EditError::Unusual(site_id.to_owned()))?;
    if lines[sections].trim_end() != format!("{}sections:", " ".repeat(content)) {
        return Err(EditError::Unusual(site_id.to_owned()));
    }
    let (list_from, list_to) = block(&lines[..end], sections, content);
    let indent = item_indent(&lines, list_from, list_to).unwrap_or(content + 2);
    Ok(with_lines(&lines, list_to, &section_yaml(section, indent)))
}

/// Replaces the file at `path` with `text` atomically: written beside it, synced, renamed.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    temporary.write_all(text.as_bytes())?;
    temporary.as_file().sync_all()?;
    if let Ok(metadata) = std::fs::metadata(path) {
        temporary
            .as_file()
            .set_permissions(metadata.permissions())?;
    }
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# my sites
output_dir: feeds
state: feedwright.db
sites:
  - id: a   # the first
    title: A
    sections:
      - id: news
        urls: [\"https://a.example/\"]
  # next one
  - id: b
    title: B
    sections:
      - id: one
        urls: [\"https://b.example/\"]

# trailing comment
";

    fn site() -> NewSite {
        NewSite {
            id: "c".into(),
            title: "C 网".into(),
            article: vec![
                ("title", vec!["h1#t".into()]),
                ("body", vec!["#x".into(), ".y p".into()]),
            ],
            related: Vec::new(),
            follow: false,
            section: NewSection {
                id: "news".into(),
                title: None,
                urls: vec!["https://c.example/a.html".into()],
            },
        }
    }

    #[test]
    fn a_site_goes_at_the_end_of_the_list_and_nothing_else_moves() {
        let out = add_site(CONFIG, &site());
        let expected_tail = "        urls: [\"https://b.example/\"]\n  - id: \"c\"\n    title: \"C 网\"\n    article:\n      title: \"h1#t\"\n      body: [\"#x\", \".y p\"]\n    sections:\n      - id: \"news\"\n        urls:\n          - \"https://c.example/a.html\"\n\n# trailing comment\n";
        assert!(out.ends_with(expected_tail), "{out}");
        assert!(out.starts_with(&CONFIG[..CONFIG.find("\n\n# trailing").unwrap()]));
        let value: serde_norway::Value = serde_norway::from_str(&out).unwrap();
        assert_eq!(value["sites"][2]["article"]["body"][1], ".y p");
    }

    #[test]
    fn an_empty_or_missing_site_list_is_started() {
        for text in [
            "output_dir: feeds\nsites: []   # none yet\nstate: s.db\n",
            "output_dir: feeds\n",
        ] {
            let out = add_site(text, &site());
            let value: serde_norway::Value = serde_norway::from_str(&out).unwrap();
            assert_eq!(value["sites"][0]["id"], "c", "{out}");
            assert_eq!(value["output_dir"], "feeds");
            assert_eq!(out.matches("sites:").count(), 1, "{out}");
        }
    }

    #[test]
    fn a_section_goes_at_the_end_of_its_site() {
        let section = NewSection {
            id: "more".into(),
            title: Some("More".into()),
            urls: vec!["https://a.example/more/".into()],
        };
        let out = add_section(CONFIG, "a", &section).unwrap();
        let value: serde_norway::Value = serde_norway::from_str(&out).unwrap();
        assert_eq!(value["sites"][0]["sections"][1]["id"], "more");
        assert_eq!(value["sites"][1]["sections"][0]["id"], "one");
        assert_eq!(out.lines().count(), CONFIG.lines().count() + 4);
        assert!(matches!(
            add_section(CONFIG, "zz", &section),
            Err(EditError::NoSite(_))
        ));
    }
}
