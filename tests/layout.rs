//! The workspace's shape, as docs/ARCHITECTURE.md describes it, checked on the source itself:
//! no source file over 400 lines, no two modules of a crate importing each other (directly or
//! in a ring), the crates depending on each other one way, and every reference in the code and
//! the docs leading to something in this repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The production crates: each one's directory and its source root.
const CRATES: [&str; 14] = [
    "crates/model",
    "crates/secret",
    "crates/config",
    "crates/bus",
    "crates/wiki",
    "crates/db",
    "crates/report",
    "crates/feed",
    "crates/runtime",
    "crates/cli",
    "scanner",
    "matcher",
    "notifier",
    "recorder",
];

/// The longest a source file may be.
const MOST_LINES: usize = 400;

/// Every `.rs` file below `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn no_source_file_is_over_400_lines() {
    let root = root();
    let mut dirs: Vec<PathBuf> = CRATES.iter().map(|c| root.join(c).join("src")).collect();
    dirs.push(root.join("tests/harness"));
    let mut long = Vec::new();
    for file in dirs.iter().flat_map(|d| rust_files(d)) {
        let lines = std::fs::read_to_string(&file)
            .expect("read")
            .lines()
            .count();
        if lines > MOST_LINES {
            long.push(format!("{} has {lines} lines", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "over {MOST_LINES} lines:\n  {}",
        long.join("\n  ")
    );
}

/// A crate's modules, by path (`""` for the crate root), and what each imports.
struct Modules {
    /// Module path → the file's text.
    text: BTreeMap<String, String>,
}

impl Modules {
    fn read(src: &Path) -> Modules {
        let mut text = BTreeMap::new();
        for file in rust_files(src) {
            let relative = file.strip_prefix(src).expect("below src");
            let mut parts: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let source = std::fs::read_to_string(&file).expect("read");
            text.insert(parts.join("::"), source);
        }
        Modules { text }
    }

    /// Names the crate root re-exports (`pub use a::b::{X, Y};`), with the module each is from.
    fn reexports(&self) -> BTreeMap<String, String> {
        let mut names = BTreeMap::new();
        let root = self.text.get("").map_or("", String::as_str);
        for statement in statements(root, "pub use ") {
            for (module, name) in expand(&statement) {
                names.insert(name, module.join("::"));
            }
        }
        names
    }

    /// The module a path below the crate root (`bus::Bus`, `Client`) belongs to.
    fn resolve(&self, segments: &[String], reexports: &BTreeMap<String, String>) -> String {
        for len in (1..=segments.len()).rev() {
            let candidate = segments[..len].join("::");
            if self.text.contains_key(&candidate) {
                return candidate;
            }
        }
        segments
            .first()
            .and_then(|first| reexports.get(first))
            .cloned()
            .unwrap_or_default()
    }

    /// Which modules each module imports (by `use crate::…`, `crate::…` paths, or a top-level
    /// `use super::…`), itself and the crate root's own `pub use` map left out.
    fn imports(&self) -> BTreeMap<String, BTreeSet<String>> {
        let reexports = self.reexports();
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, text) in &self.text {
            let code = without_comments(text);
            let mut targets = BTreeSet::new();
            for path in crate_paths(&code) {
                targets.insert(self.resolve(&path, &reexports));
            }
            // `use super::…` at the top level of a file names its parent module; inside an
            // inline `mod tests` it names the file itself.
            for line in code.lines().filter(|l| l.starts_with("use super::")) {
                let parent: Vec<&str> = module.split("::").collect();
                let parent = parent[..parent.len().saturating_sub(1)].join("::");
                for (path, _) in expand(line.trim_start_matches("use ").trim_end_matches(';')) {
                    let mut segments: Vec<String> = parent
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect();
                    segments.extend(path.into_iter().skip(1));
                    let target = if segments.is_empty() {
                        String::new()
                    } else {
                        self.resolve(&segments, &reexports)
                    };
                    targets.insert(target);
                }
            }
            if module.is_empty() {
                // The root's `mod` and `pub use` lines are the map, not imports.
                targets.clear();
            }
            targets.extend(self.children_named(module, &code));
            targets.remove(module);
            edges.insert(module.clone(), targets);
        }
        edges
    }

    /// The child modules of `module` that its code names by a bare path (`child::Item`),
    /// leaving out its `mod` lines and re-exports, which are the map.
    fn children_named(&self, module: &str, code: &str) -> BTreeSet<String> {
        let code: String = code
            .lines()
            .filter(|line| {
                let line = line.trim_start();
                ![
                    "mod ",
                    "pub mod ",
                    "pub(crate) mod ",
                    "pub use ",
                    "pub(crate) use ",
                ]
                .iter()
                .any(|start| line.starts_with(start))
            })
            .collect::<Vec<_>>()
            .join("\n");
        let prefix = if module.is_empty() {
            String::new()
        } else {
            format!("{module}::")
        };
        self.text
            .keys()
            .filter_map(|path| {
                let child = path.strip_prefix(&prefix)?;
                (!child.is_empty() && !child.contains("::")).then_some((path, child))
            })
            .filter(|(_, child)| {
                code.match_indices(&format!("{child}::")).any(|(at, _)| {
                    code[..at]
                        .chars()
                        .last()
                        .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
                })
            })
            .map(|(path, _)| path.clone())
            .collect()
    }
}

/// `text` without `//` comments (doc comments included), so that a path named in prose is not
/// an import.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every statement of `code` that starts with `prefix`, up to its `;`, on one line.
fn statements(code: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let end = after.find(';').unwrap_or(after.len());
        found.push(
            after[..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        );
        rest = &after[end..];
    }
    found
}

/// The `(module path, name)` pairs of a `use` tree such as `a::b::{C, d::E}`.
fn expand(tree: &str) -> Vec<(Vec<String>, String)> {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let prefix: Vec<String> = tree[..open]
            .trim_end_matches("::")
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut items = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&inner[start..]);
        items
            .into_iter()
            .filter(|i| !i.trim().is_empty())
            .flat_map(|item| {
                expand(item).into_iter().map(|(path, name)| {
                    let mut full = prefix.clone();
                    full.extend(path);
                    (full, name)
                })
            })
            .collect()
    } else {
        let mut segments: Vec<String> = tree.split("::").map(|s| s.trim().to_owned()).collect();
        let name = segments.pop().unwrap_or_default();
        let name = name.split(" as ").next().unwrap_or_default().to_owned();
        if name == "self" {
            let module = segments.clone();
            return vec![(module, segments.last().cloned().unwrap_or_default())];
        }
        vec![(segments, name)]
    }
}

/// The segments after `crate::` of every crate path in `code`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `matchbot_crate::…` or the like
        }
        if after.starts_with('{') {
            let end = matching_brace(after);
            for (path, name) in expand(&format!("x::{}", &after[..end])) {
                let mut segments: Vec<String> = path.into_iter().skip(1).collect();
                segments.push(name);
                paths.push(segments);
            }
            continue;
        }
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        let segments: Vec<String> = after[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        if !segments.is_empty() {
            paths.push(segments);
        }
    }
    paths
}

/// The length of `text` up to and including the `}` that closes its leading `{`.
fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// The rings of `edges`: each strongly connected set of more than one module, and the
/// modules that import themselves through a path (none, once `imports` drops self-edges).
fn rings(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: order by finish time, then walk the reversed graph.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if !seen.insert(node.to_owned()) {
            return;
        }
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, seen, out);
        }
        out.push(node.to_owned());
    }
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for node in edges.keys() {
        visit(node, edges, &mut seen, &mut order);
    }
    let mut reversed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in edges {
        for to in tos {
            reversed.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut rings = Vec::new();
    for node in order.iter().rev() {
        let mut ring = Vec::new();
        visit(node, &reversed, &mut assigned, &mut ring);
        if ring.len() > 1 {
            ring.sort();
            rings.push(ring);
        }
    }
    rings
}

#[test]
fn no_two_modules_of_a_crate_import_each_other() {
    let root = root();
    let mut found = Vec::new();
    for krate in CRATES {
        let modules = Modules::read(&root.join(krate).join("src"));
        for ring in rings(&modules.imports()) {
            let names: Vec<String> = ring
                .iter()
                .map(|m| {
                    if m.is_empty() {
                        "(root)".into()
                    } else {
                        m.clone()
                    }
                })
                .collect();
            found.push(format!("{krate}: {}", names.join(" ⇄ ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_ring_finder_finds_a_ring() {
    // The check above passes on a tree without rings; it must also fail on one with them.
    let modules = Modules {
        text: BTreeMap::from([
            (
                "".to_owned(),
                "mod a;\nmod b;\nmod c;\npub use c::Gate;\n".to_owned(),
            ),
            ("a".to_owned(), "use crate::b::Thing;\n".to_owned()),
            ("b".to_owned(), "use crate::{c::Other, Gate};\n".to_owned()),
            ("c".to_owned(), "fn f() { crate::a::call(); }\n".to_owned()),
        ]),
    };
    assert_eq!(rings(&modules.imports()), vec![vec!["a", "b", "c"]]);
    // A parent that uses its child while the child uses the parent is a ring too.
    let nested = Modules {
        text: BTreeMap::from([
            (
                "".to_owned(),
                "mod load;\npub use load::Config;\n".to_owned(),
            ),
            (
                "load".to_owned(),
                "mod reader;\nfn f() { reader::walk(); }\n".to_owned(),
            ),
            (
                "load::reader".to_owned(),
                "use super::Problem;\n".to_owned(),
            ),
        ]),
    };
    assert_eq!(rings(&nested.imports()), vec![vec!["load", "load::reader"]]);
}

/// A crate's `matchbot-*` dependencies and whether it depends on `redis`.
fn dependencies(krate: &str) -> (BTreeSet<String>, bool) {
    let manifest = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).expect("read");
    let section = manifest
        .split("\n[")
        .find(|s| s.starts_with("dependencies]"))
        .unwrap_or_default();
    let names: BTreeSet<String> = section
        .lines()
        .filter_map(|l| l.split(['.', ' ', '=']).next())
        .filter(|n| n.starts_with("matchbot-"))
        .map(|n| n.trim_start_matches("matchbot-").to_owned())
        .collect();
    let redis = section.lines().any(|l| l.starts_with("redis"));
    (names, redis)
}

#[test]
fn the_crates_depend_on_each_other_one_way() {
    // Each crate, and the MatchBot crates it may use (docs/ARCHITECTURE.md, "Crates").
    let allowed: [(&str, &[&str]); 14] = [
        ("crates/model", &[]),
        ("crates/secret", &[]),
        ("crates/config", &["model", "secret"]),
        ("crates/bus", &["model", "secret"]),
        ("crates/wiki", &["model", "secret"]),
        ("crates/db", &["model", "config"]),
        ("crates/report", &["model", "db"]),
        ("crates/feed", &[]),
        ("crates/runtime", &["config", "bus", "wiki"]),
        (
            "crates/cli",
            &["config", "model", "bus", "wiki", "db", "report", "runtime"],
        ),
        (
            "scanner",
            &["config", "model", "bus", "wiki", "db", "runtime", "feed"],
        ),
        ("matcher", &["config", "model", "bus", "runtime"]),
        (
            "notifier",
            &["config", "model", "bus", "wiki", "runtime", "matcher"],
        ),
        ("recorder", &["config", "model", "bus", "db", "runtime"]),
    ];
    let mut wrong = Vec::new();
    for (krate, may) in allowed {
        let (uses, redis) = dependencies(krate);
        for dependency in &uses {
            if !may.contains(&dependency.as_str()) {
                wrong.push(format!("{krate} depends on matchbot-{dependency}"));
            }
        }
        if redis && krate != "crates/bus" {
            wrong.push(format!(
                "{krate} depends on redis: only the bus talks to Redis"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every text file the repository tracks.
fn tracked_files() -> Vec<PathBuf> {
    let out = std::process::Command::new("git")
        .args(["ls-files"])
        .current_dir(root())
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| root().join(l))
        .filter(|p| {
            p.extension().is_some_and(|e| {
                ["rs", "md", "toml", "sql", "yml", "yaml", "json"]
                    .contains(&e.to_str().unwrap_or(""))
            }) || p
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == "scripts" || d == ".ci")
        })
        .collect()
}

#[test]
fn every_reference_leads_inside_the_repository() {
    // The documents the project grew from are not in the repository; nothing may send a
    // reader to them. (Written in pieces so that this file does not match itself.)
    let outside = [
        ["DESIGN", ".md"].concat(),
        ["STYLE", ".md"].concat(),
        ["research", "/"].concat(),
        ["../", "shared"].concat(),
    ];
    let architecture =
        std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("docs/ARCHITECTURE.md");
    let mut wrong = Vec::new();
    for file in tracked_files() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let name = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        for needle in &outside {
            if text.contains(needle.as_str()) {
                wrong.push(format!("{name} mentions {needle}"));
            }
        }
        // "defect N" must be one the architecture's table lists.
        for (at, _) in text.match_indices("defect ") {
            let number: String = text[at + 7..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if !number.is_empty() && !architecture.contains(&format!("\n| {number} |")) {
                wrong.push(format!(
                    "{name} cites defect {number}, which docs/ARCHITECTURE.md does not list"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
