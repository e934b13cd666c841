//! Planning: which snippets run, under which ids and with which settings.
//!
//! A snippet's id is `<document name>/<section slug>` (the name: `read::discover`), with `-2`, `-3`, ... for later blocks of
//! the same slug, so an id survives edits anywhere outside its own section. Config entries are
//! matched to snippets here; an entry for a document being verified that matches no snippet is
//! an error, so stale settings cannot linger.

pub mod partition;

use crate::config::{Config, Namespace, SnippetSettings};
use crate::line::LineNo;
use crate::read::Document;
use crate::read::block::Block;
use crate::read::directive::Directives;
use crate::read::discover::Note;
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

/// One Python block, ready to run.
#[derive(Debug, Clone)]
pub struct Snippet {
    /// Stable id, e.g. `python-interview-notes/2-1-variables-memory-model`.
    pub id: String,
    /// The notes file it is in.
    pub path: PathBuf,
    /// That file is one of the project's configured notes (it has generated files).
    pub tracked: bool,
    /// Whether it runs, decided once here.
    pub disposition: Disposition,
    /// The block.
    pub block: Block,
    /// Settings from `snipcheck.toml` and the block's directives, if any.
    pub settings: Option<SnippetSettings>,
    /// The earlier blocks it continues (a `continue` directive, a shared `namespace`, or the
    /// blocks that bind what it reads under `namespace = "auto"`), oldest first.
    pub context: Vec<ContextCell>,
    /// The namespace rule of its document.
    pub namespace: Namespace,
    /// The id of the first block of its chain (its own when it continues nothing and nothing
    /// continues it): the blocks of one chain run in one process and one shard.
    pub chain: String,
    /// Under `namespace = "auto"`: the names it reads that no earlier block of its document
    /// binds.
    pub undefined: Vec<String>,
}

/// What one block reads from the blocks before it, binds and changes in place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockNames {
    /// Names loaded at module level before the block binds them, with the Markdown line of
    /// the first load.
    pub reads: Vec<(String, LineNo)>,
    /// Globals that its functions load when called.
    pub deferred: Vec<(String, LineNo)>,
    /// Names bound at module level.
    pub binds: Vec<String>,
    /// Names it changes in place without binding them (`x.append(1)`, `x[0] = 1`).
    pub mutates: Vec<String>,
    /// It has a `from ... import *`.
    pub star: bool,
}

/// Whether a planned block runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// It runs.
    Run,
    /// `skip` (config or directive), with the reason.
    Skip(String),
    /// Its fence is never closed: it is not run.
    Unterminated,
}

impl Disposition {
    /// Whether a block with these settings runs on `python` (the version snipcheck runs): an
    /// unterminated fence never does (whatever the settings say), a `skip` does not, nor does
    /// a session the text labels as another Python's (`**Output (Python 2.x):**`). The one
    /// place this is decided.
    pub fn of(block: &Block, settings: Option<&SnippetSettings>, python: &str) -> Disposition {
        if block.unterminated {
            Disposition::Unterminated
        } else if let Some(reason) = settings.and_then(|s| s.skip.clone()) {
            Disposition::Skip(reason)
        } else if let Some((range, line)) = block
            .python
            .as_ref()
            .filter(|(range, _)| !crate::read::block::python_in_range(python, range))
        {
            Disposition::Skip(format!(
                "the label on line {line} says this session is Python {range}'s; this is Python {python}"
            ))
        } else {
            Disposition::Run
        }
    }
}

impl Snippet {
    /// Whether the snippet runs (it is neither skipped nor unterminated).
    pub fn runs(&self) -> bool {
        self.disposition == Disposition::Run
    }
}

/// An earlier block a `continue` block runs after, silently, in the same namespace.
#[derive(Debug, Clone)]
pub struct ContextCell {
    /// Its snippet id.
    pub id: String,
    /// Its first code line.
    pub first_line: LineNo,
    /// Its last code line.
    pub end_line: LineNo,
    /// Its code.
    pub code: String,
    /// It is an interactive session (`>>>` prompts): its examples run as the REPL runs them.
    pub interactive: bool,
    /// Under `namespace = "auto"`: the names it binds that the continuing block (or a block
    /// it continues) reads; empty when it is continued because an earlier block of the
    /// chain needs it, or because of a directive or a shared namespace.
    pub names: Vec<String>,
}

/// Whether a block is an interactive-interpreter session rather than a script.
pub fn is_interactive(block: &Block) -> bool {
    block
        .info
        .split_whitespace()
        .next()
        .is_some_and(|lang| lang.eq_ignore_ascii_case("pycon"))
        || crate::read::block::starts_session(&block.code)
}

/// Assigns ids, settings and continue chains to every block of every note. `configured`: the
/// names of the notes the config lists (`Discovered::configured`), which a `[snippet."id"]` of a
/// note this run does not read must name.
/// `python`: the version the snippets run on (a session labelled for others is skipped).
pub fn plan(
    notes: &[Note],
    config: &Config,
    configured: &std::collections::BTreeSet<String>,
    python: &str,
) -> Result<Vec<Snippet>> {
    let mut names: HashMap<&str, &Document> = HashMap::new();
    for note in notes {
        let document = &note.document;
        if let Some(other) = names.insert(&document.name, document) {
            bail!(
                "{} and {} share the name {:?}, so their snippet ids would collide; verify them in separate runs or rename one",
                other.path.display(),
                document.path.display(),
                document.name
            );
        }
    }
    let config_path = config
        .path
        .as_deref()
        .unwrap_or(std::path::Path::new(crate::config::FILE_NAME));
    let mut snippets = Vec::new();
    for note in notes {
        let mut planned = plan_document(note, config, python)?;
        share_namespaces(&mut planned, &note.document, config);
        link_continued(&mut planned, &note.document, config_path)?;
        link_chains(&mut planned);
        snippets.extend(planned);
    }
    let read: std::collections::BTreeSet<&str> =
        notes.iter().map(|n| n.document.name.as_str()).collect();
    for (id, settings) in &config.snippets {
        // The longest note name the id starts with (`docs/howto/index` before `docs`), else
        // its first part.
        let document = read
            .iter()
            .copied()
            .chain(configured.iter().map(String::as_str))
            .filter(|name| {
                id.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|name| name.len())
            .unwrap_or_else(|| id.split('/').next().unwrap_or(""));
        let path = config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let verified = read.contains(document);
        if verified && !snippets.iter().any(|s| &s.id == id) {
            bail!(
                "invalid config {path}:{}: no snippet has the id {id:?} (ids are listed by `snipcheck verify --format json`)",
                settings.line
            );
        }
        // A note this run does not read: it must at least be one the config lists.
        if !verified && !configured.is_empty() && !configured.contains(document) {
            bail!(
                "invalid config {path}:{}: no snippet has the id {id:?}: no note listed under `notes` is named {document:?} (ids are `<note name>/<section>`, listed by `snipcheck verify --format json`)",
                settings.line
            );
        }
    }
    Ok(snippets)
}

/// The snippets of one note: ids, settings (config, directives, Sphinx's testsetup) and
/// whether each runs.
fn plan_document(note: &Note, config: &Config, python: &str) -> Result<Vec<Snippet>> {
    let document = &note.document;
    let mut snippets = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for block in &document.blocks {
        let slug = block
            .section
            .as_ref()
            .map(|s| slug(&s.title))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "top".to_owned());
        let count = seen.entry(slug.clone()).or_insert(0);
        *count += 1;
        let id = if *count == 1 {
            format!("{}/{slug}", document.name)
        } else {
            format!("{}/{slug}-{count}", document.name)
        };
        let mut settings = merge(
            config.snippets.get(&id).cloned(),
            block.directives.as_ref(),
            &id,
            document,
            config,
        )?;
        if let Some(setup) = &block.setup {
            // The document's own setup code (Sphinx's testsetup) runs first, then any
            // prelude from the config.
            let line = block.fence_line;
            let settings = settings.get_or_insert_with(|| SnippetSettings {
                line,
                ..SnippetSettings::default()
            });
            settings.prelude = Some(match settings.prelude.take() {
                Some(prelude) => format!("{setup}\n{prelude}"),
                None => setup.clone(),
            });
        }
        let disposition = Disposition::of(block, settings.as_ref(), python);
        snippets.push(Snippet {
            settings,
            id,
            path: document.path.clone(),
            tracked: note.tracked,
            disposition,
            block: block.clone(),
            context: Vec::new(),
            namespace: namespace_of(document, config),
            chain: String::new(),
            undefined: Vec::new(),
        });
    }
    Ok(snippets)
}

/// Whether `--filter PATTERN` selects a snippet: the id or the section title contains the
/// pattern (ignoring case), or matches it as a glob when it has `*`, `?` or `[`.
pub fn matches_filter(snippet: &Snippet, pattern: &str) -> bool {
    let section = snippet.block.section.as_ref().map(|s| s.title.as_str());
    let candidates = std::iter::once(snippet.id.as_str()).chain(section);
    if pattern.contains(['*', '?', '[']) {
        let options = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        return glob::Pattern::new(pattern)
            .is_ok_and(|p| candidates.into_iter().any(|c| p.matches_with(c, options)));
    }
    let pattern = pattern.to_lowercase();
    candidates
        .into_iter()
        .any(|c| c.to_lowercase().contains(&pattern))
}

/// Config settings and a block's directives, merged; a key set in both places is an error
/// naming both.
fn merge(
    from_config: Option<SnippetSettings>,
    directives: Option<&Directives>,
    id: &str,
    document: &Document,
    config: &Config,
) -> Result<Option<SnippetSettings>> {
    let Some(d) = directives else {
        return Ok(from_config);
    };
    let config_line = from_config.as_ref().map(|s| s.line);
    let mut settings = from_config.unwrap_or_default();
    let conflict = |key: &str| {
        anyhow::anyhow!(
            "snippet {id:?} sets {key} both in {}:{} and in {}:{}; keep one",
            document.path.display(),
            d.line,
            config
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            config_line.unwrap_or_default()
        )
    };
    if let Some(reason) = &d.skip {
        if settings.skip.is_some() || settings.expect_error.is_some() {
            return Err(conflict("skip"));
        }
        settings.skip = Some(reason.clone());
    }
    if d.continues {
        if settings.continues {
            return Err(conflict("continue"));
        }
        settings.continues = true;
    }
    if let Some(expect) = &d.expect_error {
        if settings.expect_error.is_some() || settings.skip.is_some() {
            return Err(conflict("expect-error"));
        }
        settings.expect_error = Some(expect.clone());
    }
    if let Some(timeout) = d.timeout {
        if settings.timeout.is_some() {
            return Err(conflict("timeout"));
        }
        settings.timeout = Some(timeout);
    }
    Ok(Some(settings))
}

/// Applies a document's `namespace` (its `<!-- snipcheck: namespace=... -->` directive before
/// the first block, or its front matter, else the config's): with `section`, every block
/// continues the one before it in the same section; with `document`, every block continues the
/// one before it.
fn share_namespaces(snippets: &mut [Snippet], document: &Document, config: &Config) {
    let namespace = namespace_of(document, config);
    for i in 1..snippets.len() {
        let shared = match namespace {
            Namespace::Auto | Namespace::Block => false,
            Namespace::Section => {
                snippets[i].block.section.as_ref().map(|s| s.line)
                    == snippets[i - 1].block.section.as_ref().map(|s| s.line)
            }
            Namespace::Document => true,
        };
        if shared {
            let line = snippets[i].block.fence_line;
            snippets[i]
                .settings
                .get_or_insert_with(|| SnippetSettings {
                    line,
                    ..SnippetSettings::default()
                })
                .continues = true;
        }
    }
}

/// A document's namespace rule: its own directive or front matter, else the config's.
fn namespace_of(document: &Document, config: &Config) -> Namespace {
    document
        .namespace
        .map_or(config.namespace, |(_, namespace)| namespace)
}

/// Fills each `continue` snippet's context: the chain of blocks before it in its document.
fn link_continued(
    snippets: &mut [Snippet],
    document: &Document,
    config_path: &std::path::Path,
) -> Result<()> {
    // Only the first block has no block before it to continue.
    if let Some(first) = snippets.first()
        && let Some(settings) = first.settings.as_ref().filter(|s| s.continues)
    {
        bail!(
            "invalid config {}:{}: snippet {:?} sets continue, but it is the first Python block of {}",
            config_path.display(),
            settings.line,
            first.id,
            document.path.display()
        );
    }
    extend_continued(snippets);
    Ok(())
}

/// Each `continue` block's context: the block before it and that block's context (after the
/// first block, which `link_continued` checked), with what it needs itself.
fn extend_continued(snippets: &mut [Snippet]) {
    for i in 1..snippets.len() {
        if !snippets[i].settings.as_ref().is_some_and(|s| s.continues) {
            continue;
        }
        let previous = i - 1;
        let mut context = snippets[previous].context.clone();
        // A skipped block never runs, and an unterminated one is not run: neither sets up
        // the namespace of the blocks after it.
        if snippets[previous].runs() {
            context.push(cell(&snippets[previous], Vec::new()));
        }
        // Under `namespace = "auto"` the block keeps what it needs itself, too.
        for own in std::mem::take(&mut snippets[i].context) {
            match context.iter_mut().find(|c| c.id == own.id) {
                Some(known) => known.names.extend(own.names),
                None => context.push(own),
            }
        }
        context.sort_by_key(|c| c.first_line);
        snippets[i].context = context;
    }
}

/// `snippet` as a block another one continues.
fn cell(snippet: &Snippet, names: Vec<String>) -> ContextCell {
    ContextCell {
        id: snippet.id.clone(),
        first_line: snippet.block.first_line,
        end_line: snippet.block.end_line,
        code: snippet.block.code.clone(),
        interactive: is_interactive(&snippet.block),
        names,
    }
}

/// Gives every snippet of one document its chain: the id of the first block of the group of
/// blocks linked by continuing one another (directly or through others).
fn link_chains(snippets: &mut [Snippet]) {
    let index: HashMap<String, usize> = snippets
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let mut parent: Vec<usize> = (0..snippets.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, snippet) in snippets.iter().enumerate() {
        for cell in &snippet.context {
            if let Some(&j) = index.get(&cell.id) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                // The earlier block is the root, so a chain is named by its first block.
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    for i in 0..snippets.len() {
        let root = find(&mut parent, i);
        snippets[i].chain = snippets[root].id.clone();
    }
}

/// Links the blocks of one `namespace = "auto"` document (`snippets`, in document order, with
/// `names[i]` read from `snippets[i]`): each block continues the latest earlier block that
/// binds each name it reads, and the blocks between them that change that name in place
/// (`xs.append(4)`), and, in turn, what those blocks read, transitively. Globals its functions
/// load are looked up before the block itself (they are bound by the time it calls them). A
/// `from ... import *` block counts as binding any name no block binds explicitly. Names no
/// earlier block binds are recorded as `undefined`. Skipped and unterminated blocks never run,
/// so they bind nothing. `continue` directives still apply, on top.
pub fn link_auto(snippets: &mut [Snippet], names: &[BlockNames]) {
    let runs: Vec<bool> = snippets.iter().map(Snippet::runs).collect();
    let binder = |name: &str, before: usize| -> Option<usize> {
        (0..before)
            .rev()
            .find(|&k| runs[k] && names[k].binds.iter().any(|b| b == name))
            .or_else(|| (0..before).rev().find(|&k| runs[k] && names[k].star))
    };
    let mutators = |name: &str, after: usize, before: usize| -> Vec<usize> {
        (after + 1..before)
            .filter(|&k| runs[k] && names[k].mutates.iter().any(|m| m == name))
            .collect()
    };
    for i in 0..snippets.len() {
        if !runs[i] || snippets[i].namespace != Namespace::Auto {
            continue;
        }
        let mut why: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
        let mut undefined = Vec::new();
        let mut queue = vec![i];
        let mut seen = std::collections::BTreeSet::from([i]);
        while let Some(j) = queue.pop() {
            let reads = names[j]
                .reads
                .iter()
                .map(|(name, _)| (name, j))
                .chain(names[j].deferred.iter().map(|(name, _)| (name, i)));
            for (name, before) in reads {
                let Some(bound) = binder(name, before) else {
                    // A name the block binds itself (read first, bound later) is its own bug.
                    if j == i && !names[i].binds.contains(name) {
                        undefined.push(name.clone());
                    }
                    continue;
                };
                let mut needed = mutators(name, bound, before);
                needed.push(bound);
                for k in needed {
                    if j == i {
                        let reasons = why.entry(k).or_default();
                        if !reasons.contains(name) {
                            reasons.push(name.clone());
                        }
                    } else {
                        why.entry(k).or_default();
                    }
                    if seen.insert(k) {
                        queue.push(k);
                    }
                }
            }
        }
        undefined.sort();
        undefined.dedup();
        snippets[i].undefined = undefined;
        snippets[i].context = why
            .into_iter()
            .map(|(k, names)| cell(&snippets[k], names))
            .collect();
    }
    extend_continued(snippets);
    link_chains(snippets);
}

/// Letters and digits of any script, lowercased (`列表`, `списки`), every other run of
/// characters one `-`. In ASCII only letters and digits are kept (`_`, `'` and the like
/// separate); beyond it a character that may continue an identifier (letters, digits, the
/// combining marks of scripts such as Devanagari) is kept, anything else (emoji, arrows,
/// dashes, CJK punctuation) separates.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && unicode_ident::is_xid_continue(c) {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::extract;
    use std::path::Path;

    fn note(document: Document) -> Note {
        Note {
            document,
            tracked: false,
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug("2.1 Variables & Memory Model"),
            "2-1-variables-memory-model"
        );
        assert_eq!(
            slug("C. Advanced / Tricky (Senior-level)"),
            "c-advanced-tricky-senior-level"
        );
        assert_eq!(slug("✅ Do's"), "do-s");
        assert_eq!(slug("!!!"), "");
        assert_eq!(
            slug("snake_case ▶ `is` — “quoted”…"),
            "snake-case-is-quoted"
        );
    }

    #[test]
    fn slugs_keep_every_script_readable() {
        assert_eq!(slug("列表"), "列表");
        assert_eq!(slug("Списки"), "списки");
        assert_eq!(slug("2.1 列表与元组（进阶）"), "2-1-列表与元组-进阶");
        assert_eq!(slug("Списки и кортежи: срезы"), "списки-и-кортежи-срезы");
        assert_eq!(slug("Café Crème"), "café-crème");
        // A combining vowel sign stays inside its word.
        assert_eq!(slug("हिन्दी सूची"), "हिन्दी-सूची");
        assert_eq!(slug("🐍 Python 🐍"), "python");
    }

    #[test]
    fn ids_are_numbered_within_a_slug_and_stable() {
        let text = "```python\nx = 0\n```\n# A\n```python\nx = 1\n```\n```python\nx = 2\n```\n# B\n```py\nx = 3\n```\n";
        let doc = extract(Path::new("notes/n.md"), text.as_bytes());
        let ids: Vec<String> = plan(
            &[note(doc)],
            &Config::default(),
            &Default::default(),
            "3.11",
        )
        .expect("plan")
        .into_iter()
        .map(|s| s.id)
        .collect();
        assert_eq!(ids, ["n/top", "n/a", "n/a-2", "n/b"]);
    }

    #[test]
    fn continue_chains_context_and_filters_match_id_or_section() {
        let text = "# Cells\n```python\na = 1\n```\n<!-- snipcheck: continue -->\n```python\nb = a\n```\n<!-- snipcheck: continue -->\n```python\nprint(b)\n```\n# Other\n```python\nz = 0\n```\n";
        let doc = extract(Path::new("notes/n.md"), text.as_bytes());
        let snippets = plan(
            &[note(doc)],
            &Config::default(),
            &Default::default(),
            "3.11",
        )
        .expect("plan");
        let context: Vec<Vec<&str>> = snippets
            .iter()
            .map(|s| s.context.iter().map(|c| c.id.as_str()).collect())
            .collect();
        assert_eq!(
            context,
            [
                vec![],
                vec!["n/cells"],
                vec!["n/cells", "n/cells-2"],
                vec![]
            ]
        );
        assert!(matches_filter(&snippets[0], "CELLS"));
        assert!(matches_filter(&snippets[3], "n/oth"));
        assert!(matches_filter(&snippets[2], "n/cells-?"));
        assert!(!matches_filter(&snippets[0], "n/cells-?"));
    }

    fn names(reads: &[&str], deferred: &[&str], binds: &[&str], mutates: &[&str]) -> BlockNames {
        let line = |name: &&str| ((*name).to_owned(), LineNo::FIRST);
        BlockNames {
            reads: reads.iter().map(line).collect(),
            deferred: deferred.iter().map(line).collect(),
            binds: binds.iter().map(|n| (*n).to_owned()).collect(),
            mutates: mutates.iter().map(|n| (*n).to_owned()).collect(),
            star: false,
        }
    }

    fn auto(blocks: usize, names: &[BlockNames], skip: &[usize]) -> Vec<Snippet> {
        let text: String = (0..blocks)
            .map(|i| {
                let directive = if skip.contains(&i) {
                    "<!-- snipcheck: skip reason=\"slow\" -->\n"
                } else {
                    ""
                };
                format!("{directive}```python\nx{i} = {i}\n```\n")
            })
            .collect();
        let doc = extract(Path::new("n.md"), text.as_bytes());
        let mut snippets = plan(
            &[note(doc)],
            &Config::default(),
            &Default::default(),
            "3.11",
        )
        .expect("plan");
        link_auto(&mut snippets, names);
        snippets
    }

    fn continued(snippet: &Snippet) -> Vec<(String, Vec<String>)> {
        snippet
            .context
            .iter()
            .map(|c| (c.id.clone(), c.names.clone()))
            .collect()
    }

    #[test]
    fn auto_continues_the_latest_binder_of_each_name_read_and_what_it_needs() {
        let snippets = auto(
            6,
            &[
                names(&[], &[], &["xs", "f"], &[]),
                names(&["xs"], &[], &[], &["xs"]),
                names(&[], &[], &["xs"], &[]),
                names(&["xs", "f"], &[], &[], &[]),
                names(&["ys"], &[], &[], &[]),
                names(&["g"], &[], &["ys"], &[]),
            ],
            &[],
        );
        // Block 1 changes `xs` in place; block 2 binds it anew, so block 3 needs block 2 for
        // `xs` (not 0 or 1) and block 0 for `f`.
        assert_eq!(
            continued(&snippets[1]),
            [("n/top".to_owned(), vec!["xs".to_owned()])]
        );
        assert_eq!(
            continued(&snippets[3]),
            [
                ("n/top".to_owned(), vec!["f".to_owned()]),
                ("n/top-3".to_owned(), vec!["xs".to_owned()]),
            ]
        );
        // A name bound only by a later block is undefined here; so is one nobody binds.
        assert!(snippets[4].context.is_empty());
        assert_eq!(snippets[4].undefined, ["ys"]);
        assert_eq!(snippets[5].undefined, ["g"]);
        // Blocks 0-3 are one chain, named by its first block; 4 and 5 stand alone.
        let chains: Vec<&str> = snippets.iter().map(|s| s.chain.as_str()).collect();
        assert_eq!(
            chains,
            ["n/top", "n/top", "n/top", "n/top", "n/top-5", "n/top-6"]
        );
    }

    #[test]
    fn auto_follows_mutations_functions_and_transitive_needs_and_never_a_skipped_block() {
        let snippets = auto(
            5,
            &[
                names(&[], &[], &["data"], &[]),
                names(&["data"], &[], &[], &["data"]),
                names(&[], &["helper"], &["f"], &[]),
                names(&[], &[], &["helper"], &[]),
                names(&["f", "data"], &[], &[], &[]),
            ],
            &[],
        );
        // `f` (block 2) calls `helper`, bound by block 3 after it but before block 4 calls
        // `f`: block 4 needs both, and block 1's in-place change of `data` too.
        let ids: Vec<String> = snippets[4].context.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids, ["n/top", "n/top-2", "n/top-3", "n/top-4"]);
        assert_eq!(snippets[4].context[2].names, ["f"]);
        assert!(snippets[4].context[3].names.is_empty(), "pulled in for f");

        // A skipped block never runs, so it binds nothing: the earlier binder is used.
        let skipped = auto(
            3,
            &[
                names(&[], &[], &["x"], &[]),
                names(&[], &[], &["x"], &[]),
                names(&["x"], &[], &[], &[]),
            ],
            &[1],
        );
        assert_eq!(
            continued(&skipped[2]),
            [("n/top".to_owned(), vec!["x".to_owned()])]
        );
    }

    #[test]
    fn stale_config_entries_are_errors() {
        let doc = extract(Path::new("n.md"), b"# A\n```python\nx = 1\n```\n");
        let config = crate::config::parse(
            Path::new("snipcheck.toml"),
            "[snippet.\"n/gone\"]\nprelude = \"\"\n",
        )
        .expect("config");
        let err =
            plan(&[note(doc.clone())], &config, &Default::default(), "3.11").expect_err("stale");
        assert!(format!("{err}").contains("snipcheck.toml:1"));
        let other = crate::config::parse(
            Path::new("snipcheck.toml"),
            "[snippet.\"other/x\"]\nprelude = \"\"\n",
        )
        .expect("config");
        assert!(plan(&[note(doc)], &other, &Default::default(), "3.11").is_ok());
    }
}
