//! Tells the tests which of the servers and tools they start this machine lacks, so that a test
//! that needs one shows as ignored, with the reason, instead of passing without running. It
//! sets `feedwright_lacks = "<tool>"` for each missing one; the product's code reads none.
//!
//! Under CI (`CI` set) nothing is lacking: `.ci/run` installs every tool, and a test whose
//! tool is missing fails. The script runs again when `PATH` changes or a tool appears in the
//! folders it is installed to.

use std::path::{Path, PathBuf};

/// The tools the tests start, with the folder each is installed to.
const TOOLS: [(&str, &str); 4] = [
    ("postgres", "/usr/lib/postgresql"),
    ("garage", "~/.cargo/bin"),
    ("newsboat", "/usr/bin"),
    ("xmllint", "/usr/bin"),
];

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(feedwright_lacks, values(\"postgres\", \"garage\", \"newsboat\", \"xmllint\"))"
    );
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=FEEDWRIGHT_PG_BIN");
    if std::env::var_os("CI").is_some() {
        return;
    }
    for (tool, folder) in TOOLS {
        if installed(tool) {
            continue;
        }
        println!("cargo::rustc-cfg=feedwright_lacks=\"{tool}\"");
        // A folder that does not exist yet would make cargo run this script at every build:
        // its nearest existing parent is watched instead.
        let mut watched = expand_home(folder);
        while !watched.exists() && watched.pop() {}
        println!("cargo::rerun-if-changed={}", watched.display());
    }
}

fn installed(tool: &str) -> bool {
    match tool {
        "postgres" => {
            std::env::var_os("FEEDWRIGHT_PG_BIN").is_some()
                || std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
                    versions
                        .filter_map(Result::ok)
                        .any(|v| v.path().join("bin/initdb").exists())
                })
        }
        "garage" => on_path(tool) || expand_home("~/.cargo/bin/garage").exists(),
        _ => on_path(tool),
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}
