//! Planning: which snippets run, under which ids and with which settings.
//!
//! A snippet's id is `<document stem>/<section slug>`, with `-2`, `-3`, ... for later blocks of
//! the same slug, so an id survives edits anywhere outside its own section. Config entries are
//! matched to snippets here; an entry for a document being verified that matches no snippet is
//! an error, so stale settings cannot linger.

use crate::config::{Config, SnippetSettings};
use crate::document::{Block, Document};
use anyhow::{Result, bail};
use std::collections::HashMap;

/// One Python block, ready to run.
#[derive(Debug, Clone)]
pub struct Snippet {
    /// Stable id, e.g. `python-interview-notes/2-1-variables-memory-model`.
    pub id: String,
    /// Index of the document in the run.
    pub document: usize,
    /// The block.
    pub block: Block,
    /// Settings from `snipcheck.toml`, if any.
    pub settings: Option<SnippetSettings>,
}

/// Assigns ids and settings to every block of every document.
pub fn plan(documents: &[Document], config: &Config) -> Result<Vec<Snippet>> {
    let mut snippets = Vec::new();
    for (index, document) in documents.iter().enumerate() {
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
            snippets.push(Snippet {
                settings: config.snippets.get(&id).cloned(),
                id,
                document: index,
                block: block.clone(),
            });
        }
    }
    for (id, settings) in &config.snippets {
        let document = id.split('/').next().unwrap_or("");
        let verified = documents.iter().any(|d| d.name == document);
        if verified && !snippets.iter().any(|s| &s.id == id) {
            let path = config
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            bail!(
                "invalid config {path}:{}: no snippet has the id {id:?} (ids are listed by `snipcheck verify --format json`)",
                settings.line
            );
        }
    }
    Ok(snippets)
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
    use crate::document::extract;
    use std::path::Path;

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
        let ids: Vec<String> = plan(&[doc], &Config::default())
            .expect("plan")
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["n/top", "n/a", "n/a-2", "n/b"]);
    }

    #[test]
    fn stale_config_entries_are_errors() {
        let doc = extract(Path::new("n.md"), b"# A\n```python\nx = 1\n```\n");
        let config = crate::config::parse(
            Path::new("snipcheck.toml"),
            "[snippet.\"n/gone\"]\nprelude = \"\"\n",
        )
        .expect("config");
        let err = plan(std::slice::from_ref(&doc), &config).expect_err("stale");
        assert!(format!("{err}").contains("snipcheck.toml:1"));
        let other = crate::config::parse(
            Path::new("snipcheck.toml"),
            "[snippet.\"other/x\"]\nprelude = \"\"\n",
        )
        .expect("config");
        assert!(plan(&[doc], &other).is_ok());
    }
}
