#!/usr/bin/env python3
"""Story-link labelling of the real-page corpus (tests/fixtures/real/*/links.json).

A person labels a page by reading it; this script only shows the page's links and writes the
decisions down. It never decides whether a link is a story.

  story_links.py dump SET FILE        every <a href> of the page, numbered, grouped by the
                                      block it sits in, with the text of the heading before
                                      that block
  story_links.py build SET            turns SET/links-decisions/*.txt into SET/links.json

SET is a corpus folder holding labels.json (tests/fixtures/real, …/holdout, …/unseen, …).
FILE is a page's `file` in labels.json (articles/sina-1.html).

A decisions file (SET/links-decisions/<file with / as __>.txt) says, by the numbers `dump`
prints:

  stories: 12-40 45 47
  main: 12-30
  title 14: 张柏芝离奇暴瘦 脸凹腿瘦粉丝心疼
  note: free text

`stories` are every story link of the page, `main` the entries of its main or related list(s)
(each also a story), in page order. A link's title is its text, whitespace collapsed, unless a
`title N:` line gives the headline as shown (a rank or a counter taken off); the raw text is
kept beside it. An image-only link has title "". A URL chosen more than once counts once, with
the first non-empty text.

Needs html5lib (pip install html5lib): the same HTML5 tree a browser and html5ever build.
"""

import json
import re
import sys
from pathlib import Path
from urllib.parse import urljoin, urldefrag

import html5lib

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
UNRENDERED = {"script", "style", "noscript", "template", "head", "title", "select", "option",
              "textarea", "iframe", "svg", "canvas", "object"}


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def collapse(text: str) -> str:
    return " ".join(text.split())


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def describe(el) -> str:
    out = local(el.tag)
    if el.get("id"):
        out += "#" + el.get("id").strip()
    for c in (el.get("class") or "").split():
        out += "." + c
    return out


def hidden(el) -> bool:
    if el.get("hidden") is not None:
        return True
    style = re.sub(r"\s", "", (el.get("style") or "").lower())
    return "display:none" in style or "visibility:hidden" in style


def text_of(el) -> str:
    parts = []

    def walk(node):
        if not isinstance(node.tag, str) or local(node.tag) in UNRENDERED:
            # Comments (html5lib gives them a function as tag) and unrendered elements show
            # nothing; their tail text is still the parent's.
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return collapse(" ".join(parts))


def page_url(label) -> str:
    return label.get("url") or f"https://corpus.invalid/{label['file']}"


def links(folder: Path, label):
    """Every link of the page in document order: (href resolved, text, ancestors, hidden,
    heading text before it, has image)."""
    data = (folder / label["file"]).read_bytes()
    root = html5lib.parse(decode(data), namespaceHTMLElements=False)
    base = page_url(label)
    found = []
    last_heading = [""]

    def walk(node, ancestors, is_hidden):
        tag = local(node.tag)
        if tag in UNRENDERED and tag != "noscript":
            return
        is_hidden = is_hidden or hidden(node)
        if tag in HEADINGS:
            heading = text_of(node)
            if heading:
                last_heading[0] = heading[:40]
        if tag == "a" and node.get("href") is not None:
            href = node.get("href").strip()
            low = href.lower()
            if href and not low.startswith(("#", "javascript:", "mailto:", "tel:")):
                try:
                    resolved = urldefrag(urljoin(base, href))[0]
                except ValueError:
                    resolved = href
                has_image = any(local(e.tag) == "img" for e in node.iter())
                found.append({
                    "link": resolved,
                    "text": text_of(node),
                    "path": ancestors,
                    "hidden": is_hidden,
                    "heading": last_heading[0],
                    "image": has_image,
                })
        for child in node:
            if isinstance(child.tag, str):
                walk(child, ancestors + [describe(child)], is_hidden)

    walk(root, [], False)
    return found


def load_labels(folder: Path):
    """The page labels of a folder: labels.json, and labels-*.json while a set is being made."""
    labels = {}
    for path in sorted(folder.glob("labels*.json")):
        labels.update({l["file"]: l for l in json.loads(path.read_text())})
    return labels


def dump(folder: Path, file: str):
    label = load_labels(folder)[file]
    print(f"# {file} ({label['kind']}) {page_url(label)}")
    if label["kind"] == "article":
        print(f"# headline: {label.get('title')}")
    last_block = None
    for n, link in enumerate(links(folder, label), 1):
        # The block: the link's ancestors up to the nearest list-ish container.
        path = link["path"][:-1]
        cut = len(path)
        for i in range(len(path) - 1, -1, -1):
            if path[i].split(".")[0].split("#")[0] in ("li", "dd", "dt", "tr", "td", "p", "span", "em", "h3", "h4", "h2", "strong", "b", "font"):
                cut = i
            else:
                break
        block = " > ".join(path[max(0, cut - 3):cut])
        if block != last_block:
            print(f"\n== {block}   [after heading: {link['heading']}]")
            last_block = block
        flags = ("H " if link["hidden"] else "") + ("IMG " if link["image"] else "")
        print(f"{n:4}. {flags}{link['text'][:90]}  -> {link['link'][:140]}")


def numbers(spec: str):
    out = []
    for part in spec.replace(",", " ").split():
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def build(folder: Path):
    labels = load_labels(folder)
    decisions = folder / "links-decisions"
    out = []
    for path in sorted(decisions.glob("*.txt")):
        file = path.stem.replace("__", "/")
        label = labels[file]
        found = links(folder, label)
        stories, main, titles, note = [], [], {}, None
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("stories:"):
                stories += numbers(line[len("stories:"):])
            elif line.startswith("main:"):
                main += numbers(line[len("main:"):])
            elif line.startswith("title "):
                n, title = line[len("title "):].split(":", 1)
                titles[int(n)] = collapse(title)
            elif line.startswith("note:"):
                note = line[len("note:"):].strip()
        for n in stories + main + list(titles):
            if not 1 <= n <= len(found):
                sys.exit(f"{path}: link {n} does not exist ({len(found)} links)")
        missing = sorted(set(main) - set(stories))
        if missing:
            sys.exit(f"{path}: main links {missing} are not stories")
        by_link = {}
        for n in sorted(set(stories)):
            link = found[n - 1]
            title = titles.get(n, link["text"])
            entry = by_link.setdefault(link["link"], {"link": link["link"], "title": ""})
            if not entry["title"] and title:
                entry["title"] = title
                if title != link["text"]:
                    entry["raw"] = link["text"]
        main_links = []
        for n in sorted(set(main)):
            if found[n - 1]["link"] not in main_links:
                main_links.append(found[n - 1]["link"])
        record = {"file": file, "stories": list(by_link.values()), "main": main_links}
        if note:
            record["note"] = note
        out.append(record)
    (folder / "links.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(out)} pages written to {folder / 'links.json'}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(Path(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "build":
        build(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
