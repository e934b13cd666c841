//! Which modules a run's snippets import: the zygote preloads the standard-library ones.
//!
//! The CLI process never starts Python and the zygote never holds document text, so this is a
//! scan of import statements rather than an `ast` pass: `import a.b, c as d`, `from a.b import
//! c` (absolute only), also behind `>>> ` / `... ` prompts and after `;`, at any indentation.
//! A name it misses costs only speed (the child imports it itself); a name it wrongly finds
//! is harmless (the zygote imports only names in `sys.stdlib_module_names`, and only modules
//! without import-time effects a snippet could observe).

use std::collections::BTreeSet;

/// The modules `code` imports, dotted names included (`concurrent.futures`). Top-level
/// `await` counts as `asyncio`: the harness runs such a block as `python -m asyncio` does.
pub fn scan(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let unprompted = line.strip_prefix(">>> ").unwrap_or(line);
        let top_level = !unprompted.starts_with([' ', '\t']);
        let awaits = unprompted.starts_with("await ")
            || unprompted.contains(" await ")
            || unprompted.contains("(await ")
            || unprompted.starts_with("async with ")
            || unprompted.starts_with("async for ");
        if top_level && awaits && !unprompted.starts_with('#') {
            found.insert("asyncio".to_owned());
        }
        let line = line.trim_start();
        let line = line
            .strip_prefix(">>>")
            .or_else(|| line.strip_prefix("..."))
            .unwrap_or(line);
        let line = line.split('#').next().unwrap_or("");
        for statement in line.split(';') {
            let statement = statement.trim();
            if let Some(rest) = statement.strip_prefix("import ") {
                for part in rest.split(',') {
                    let name = part.split_whitespace().next().unwrap_or("");
                    insert(&mut found, name.trim_matches(|c| c == '(' || c == ')'));
                }
            } else if let Some(rest) = statement.strip_prefix("from ") {
                let mut words = rest.split_whitespace();
                if let (Some(module), Some("import")) = (words.next(), words.next()) {
                    insert(&mut found, module);
                }
            }
        }
    }
    found
}

fn insert(found: &mut BTreeSet<String>, name: &str) {
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        });
    if valid {
        found.insert(name.to_owned());
    }
}

/// The top-level module names that fixture files would provide in the scratch dir (`x.py`,
/// `pkg/...`): the snippet must import those from its own directory, never a preloaded copy.
pub fn shadowed_by_files<'a>(files: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
    files
        .into_iter()
        .filter_map(|name| {
            let first = name.split('/').next().unwrap_or(name);
            let stem = first.strip_suffix(".py").unwrap_or(first);
            (!stem.is_empty()).then(|| stem.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_form_of_import() {
        let code = "import asyncio\nimport os.path, json as j\nfrom concurrent.futures import ThreadPoolExecutor\nfrom . import sibling\nx = 1; import re\n>>> import textwrap\n    from collections import (\n        deque,\n    )\ndef f():\n    import gc  # lazily\n# import commented\nprint('import nothing')\n";
        let found: Vec<String> = scan(code).into_iter().collect();
        assert_eq!(
            found,
            [
                "asyncio",
                "collections",
                "concurrent.futures",
                "gc",
                "json",
                "os.path",
                "re",
                "textwrap"
            ]
        );
    }

    #[test]
    fn top_level_await_needs_asyncio() {
        for code in [
            "await main()\n",
            "result = await fetch()\n",
            ">>> await x\n",
        ] {
            assert_eq!(
                scan(code).into_iter().collect::<Vec<_>>(),
                ["asyncio"],
                "{code}"
            );
        }
        assert!(scan("async def f():\n    await g()\n").is_empty());
    }

    #[test]
    fn fixture_files_shadow_modules() {
        let files = [
            "random.py".to_owned(),
            "pkg/__init__.py".to_owned(),
            "data.txt".to_owned(),
        ];
        let shadowed: Vec<String> = shadowed_by_files(&files).into_iter().collect();
        assert_eq!(shadowed, ["data.txt", "pkg", "random"]);
    }
}
