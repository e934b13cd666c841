//! Atomic file writes: every file snipcheck generates (`snippets/`, `expected/`, `.snap.new`,
//! `--output`) is written to a temporary file in the same directory, flushed to disk, then
//! renamed over the target. A rename within one directory is atomic on POSIX file systems, so
//! a crash, a SIGKILL or Ctrl-C leaves the old file or the new one, never a partial one. A
//! temporary file left by a killed run is named `.snipcheck-tmp-*`; `update` removes it.
//! [`replace`] rewrites a file the user owns (a note, by `fix`) the same way, keeping its mode.

use anyhow::{Context, Result};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// The name prefix of the temporary files; anything starting with it is left-over debris.
pub const TEMP_PREFIX: &str = ".snipcheck-tmp-";

/// Test hook: milliseconds to sleep between writing the temporary file and renaming it, so a
/// test can kill a run in the middle of its writes. Unset (the normal case) means no delay.
const DELAY_VAR: &str = "SNIPCHECK_TEST_WRITE_DELAY_MS";

/// Writes `contents` to `path` atomically, creating the parent directories.
pub fn write(path: &Path, contents: &[u8]) -> Result<()> {
    // A temporary file is created 0600; the result is an ordinary file (0666 less the umask),
    // readable like anything else the project commits or shares.
    write_mode(path, contents, 0o666 & !umask())
}

/// Replaces an existing file's contents atomically, keeping its permissions; through a
/// symbolic link, the file it points to is replaced and the link stays.
pub fn replace(path: &Path, contents: &[u8]) -> Result<()> {
    let target = std::fs::canonicalize(path)
        .with_context(|| format!("failed to resolve {}", path.display()))?;
    let mode = std::fs::metadata(&target)
        .with_context(|| format!("failed to read the mode of {}", path.display()))?
        .permissions()
        .mode()
        & 0o7777;
    write_mode(&target, contents, mode)
}

/// [`write`] with the result's mode.
fn write_mode(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .with_context(|| format!("failed to create a temporary file in {}", dir.display()))?;
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("failed to set the mode of {}", temp.path().display()))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("failed to write {}", temp.path().display()))?;
    if let Some(delay) = std::env::var(DELAY_VAR)
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_millis(delay));
    }
    temp.persist(path)
        .map_err(|err| err.error)
        .with_context(|| format!("failed to replace {}", path.display()))?;
    Ok(())
}

/// The process's umask (read by setting it and putting it back).
fn umask() -> u32 {
    // SAFETY: umask only swaps the process's file-creation mask; it is restored at once.
    unsafe {
        let mask = libc::umask(0o022);
        libc::umask(mask);
        mask
    }
}

/// Whether a file name is a temporary file left by an interrupted [`write`].
pub fn is_debris(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/c.txt");
        write(&path, b"old").expect("first write");
        write(&path, b"new").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let names: Vec<String> = std::fs::read_dir(dir.path().join("a/b"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["c.txt"]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(
            mode,
            0o666 & !umask(),
            "an ordinary file's mode, not the temp file's 0600"
        );
        assert!(is_debris(".snipcheck-tmp-Ab12"));
        assert!(!is_debris("c.txt"));
    }

    #[test]
    fn a_replaced_file_keeps_its_mode_and_its_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("note.md");
        std::fs::write(&real, b"old").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        replace(&link, b"new").expect("replace");
        assert_eq!(std::fs::read(&real).expect("read"), b"new");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("lstat")
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&real).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
