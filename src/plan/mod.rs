//! Planning: which snippets run, under which ids and with which settings.
//!
//! A snippet's id is `<document stem>/<section slug>`, with `-2`, `-3`, ... for later blocks of
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
    /// For a `continue` block: the earlier blocks whose namespace it shares, oldest first.
    pub context: Vec<ContextCell>,
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
    /// Whether a block with these settings runs: an unterminated fence never does (whatever
    /// the settings say), a `skip` does not. The one place this is decided.
    pub fn of(block: &Block, settings: Option<&SnippetSettings>) -> Disposition {
        if block.unterminated {
            Disposition::Unterminated
        } else if let Some(reason) = settings.and_then(|s| s.skip.clone()) {
            Disposition::Skip(reason)
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
pub fn plan(
    notes: &[Note],
    config: &Config,
    configured: &std::collections::BTreeSet<String>,
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
        let mut planned = plan_document(note, config)?;
        share_namespaces(&mut planned, &note.document, config);
        link_continued(&mut planned, &note.document, config_path)?;
        snippets.extend(planned);
    }
    for (id, settings) in &config.snippets {
        let document = id.split('/').next().unwrap_or("");
        let path = config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let verified = notes.iter().any(|n| n.document.name == document);
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
fn plan_document(note: &Note, config: &Config) -> Result<Vec<Snippet>> {
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
        let disposition = Disposition::of(block, settings.as_ref());
        snippets.push(Snippet {
            settings,
            id,
            path: document.path.clone(),
            tracked: note.tracked,
            disposition,
            block: block.clone(),
            context: Vec::new(),
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
    let namespace = document
        .namespace
        .map_or(config.namespace, |(_, namespace)| namespace);
    for i in 1..snippets.len() {
        let shared = match namespace {
            Namespace::Block => false,
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

/// Fills each `continue` snippet's context: the chain of blocks before it in its document.
fn link_continued(
    snippets: &mut [Snippet],
    document: &Document,
    config_path: &std::path::Path,
) -> Result<()> {
    for i in 0..snippets.len() {
        let continues = snippets[i].settings.as_ref().is_some_and(|s| s.continues);
        if !continues {
            continue;
        }
        let Some(previous) = i.checked_sub(1) else {
            bail!(
                "invalid config {}:{}: snippet {:?} sets continue, but it is the first Python block of {}",
                config_path.display(),
                snippets[i]
                    .settings
                    .as_ref()
                    .map(|s| s.line)
                    .unwrap_or_default(),
                snippets[i].id,
                document.path.display()
            );
        };
        let mut context = snippets[previous].context.clone();
        // A skipped block never runs, and an unterminated one is not run: neither sets up
        // the namespace of the blocks after it.
        if snippets[previous].runs() {
            context.push(ContextCell {
                id: snippets[previous].id.clone(),
                first_line: snippets[previous].block.first_line,
                end_line: snippets[previous].block.end_line,
                code: snippets[previous].block.code.clone(),
                interactive: is_interactive(&snippets[previous].block),
            });
        }
        snippets[i].context = context;
    }
    Ok(())
}

/// Lowercase ASCII letters and digits, every other run of characters one `-`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
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
    }

    #[test]
    fn ids_are_numbered_within_a_slug_and_stable() {
        let text = "```python\nx = 0\n```\n# A\n```python\nx = 1\n```\n```python\nx = 2\n```\n# B\n```py\nx = 3\n```\n";
        let doc = extract(Path::new("notes/n.md"), text.as_bytes());
        let ids: Vec<String> = plan(&[note(doc)], &Config::default(), &Default::default())
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
        let snippets = plan(&[note(doc)], &Config::default(), &Default::default()).expect("plan");
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

    #[test]
    fn stale_config_entries_are_errors() {
        let doc = extract(Path::new("n.md"), b"# A\n```python\nx = 1\n```\n");
        let config = crate::config::parse(
            Path::new("snipcheck.toml"),
            "[snippet.\"n/gone\"]\nprelude = \"\"\n",
        )
        .expect("config");
        let err = plan(&[note(doc.clone())], &config, &Default::default()).expect_err("stale");
        assert!(format!("{err}").contains("snipcheck.toml:1"));
        let other = crate::config::parse(
            Path::new("snipcheck.toml"),
            "[snippet.\"other/x\"]\nprelude = \"\"\n",
        )
        .expect("config");
        assert!(plan(&[note(doc)], &other, &Default::default()).is_ok());
    }
}
