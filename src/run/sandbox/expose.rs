//! The interpreter's files made readable to the dropped uid, and nothing else beside them.
//!
//! As root, each child drops to a uid of its own, which reads only what every user may read.
//! An interpreter installed under a private directory (pyenv's in `/root`, mode 0700) would
//! then be unreadable: `import asyncio` fails in the child. Rather than keep a capability that
//! reads everything, the zygote (once, in a mount namespace of its own, which every child's
//! copies) mounts a small tmpfs over the topmost such directory and binds back only the
//! directories the children must read (the interpreter's `sys.path`, the venv's), at the same
//! paths. What else that directory held is hidden from the children, and the bound
//! directories keep their own modes.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The directories `paths` need that other users cannot traverse: for each, the topmost
/// ancestor without the search bit for others, and the paths below it. A path that is itself
/// closed to others is left out (binding it back would not open it).
pub fn closed_ancestors(paths: &[PathBuf]) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        let Ok(path) = path.canonicalize() else {
            continue;
        };
        let closed = path
            .ancestors()
            .skip(1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .find(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 == 0));
        let open = std::fs::metadata(&path).is_ok_and(|m| m.permissions().mode() & 0o005 == 0o005);
        if let (Some(closed), true) = (closed, open) {
            let below = groups.entry(closed.to_path_buf()).or_default();
            if !below.iter().any(|p| path.starts_with(p)) {
                below.retain(|p| !p.starts_with(&path));
                below.push(path);
            }
        }
    }
    groups
}

/// Enters a mount namespace of the zygote's own and, for each closed directory of
/// [`closed_ancestors`], mounts a tmpfs over it with the paths below it bound back. Returns a
/// description for the sandbox report (`None`: nothing needed it). Root only.
pub fn expose(paths: &[PathBuf]) -> Result<Option<String>> {
    let groups = closed_ancestors(paths);
    if groups.is_empty() {
        return Ok(None);
    }
    // SAFETY: unshare and mount with valid C strings; they change only this process's
    // (single-threaded zygote's) mount namespace.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            bail!("unshare(CLONE_NEWNS): {}", std::io::Error::last_os_error());
        }
        if libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            bail!("make / private: {}", std::io::Error::last_os_error());
        }
    }
    let mut shown = Vec::new();
    for (closed, below) in &groups {
        // Held open across the tmpfs mount, which hides them from path lookup.
        let fds: Vec<OwnedFd> = below.iter().map(|p| open_path(p)).collect::<Result<_>>()?;
        mount(
            Some(c"snipcheck"),
            closed,
            Some(c"tmpfs"),
            libc::MS_NOSUID | libc::MS_NODEV,
            Some(c"mode=0755,size=1m,nr_inodes=1024"),
        )
        .with_context(|| format!("mount a tmpfs over {}", closed.display()))?;
        for (path, fd) in below.iter().zip(&fds) {
            std::fs::create_dir_all(path)
                .with_context(|| format!("create {} on the tmpfs", path.display()))?;
            let source =
                CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).context("fd path")?;
            mount(
                Some(&source),
                path,
                None,
                libc::MS_BIND | libc::MS_REC,
                None,
            )
            .with_context(|| format!("bind {} back", path.display()))?;
        }
        shown.push(format!(
            "{} hidden but for {}",
            closed.display(),
            below
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Some(shown.join("; ")))
}

fn open_path(path: &Path) -> Result<OwnedFd> {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).context("path contains NUL")?;
    // SAFETY: open with a valid C string; the fd is owned by the returned OwnedFd.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        bail!(
            "open {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        );
    }
    // SAFETY: `fd` was just opened and nothing else owns it.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) })
}

fn mount(
    source: Option<&std::ffi::CStr>,
    target: &Path,
    kind: Option<&std::ffi::CStr>,
    flags: libc::c_ulong,
    data: Option<&std::ffi::CStr>,
) -> Result<()> {
    let target =
        CString::new(target.as_os_str().as_encoded_bytes()).context("path contains NUL")?;
    let ptr = |c: Option<&std::ffi::CStr>| c.map_or(std::ptr::null(), std::ffi::CStr::as_ptr);
    // SAFETY: valid C strings or NULL, as mount(2) takes them.
    let status = unsafe {
        libc::mount(
            ptr(source),
            target.as_ptr(),
            ptr(kind),
            flags,
            ptr(data).cast(),
        )
    };
    if status != 0 {
        bail!("{}", std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_under_a_closed_directory_is_grouped_under_the_topmost_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path().join("home");
        let lib = top.join("py/lib/python3.12");
        let deeper = lib.join("site-packages");
        std::fs::create_dir_all(&deeper).expect("dirs");
        for d in [
            dir.path(),
            &top.join("py"),
            &top.join("py/lib"),
            &lib,
            &deeper,
        ] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        std::fs::set_permissions(&top, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let open = dir.path().join("open");
        std::fs::create_dir(&open).expect("dir");
        let groups = closed_ancestors(&[deeper.clone(), lib.clone(), open]);
        let top = top.canonicalize().expect("canonical");
        // The nested path is covered by its parent; the open one needs nothing.
        assert_eq!(
            groups.into_iter().collect::<Vec<_>>(),
            [(top, vec![lib.canonicalize().expect("canonical")])]
        );
    }
}
