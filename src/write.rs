//! Reading Dockerfiles defensively and writing them atomically.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

/// Files larger than this are refused.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Checks raw bytes: size, NUL bytes, UTF-8. The error says what is wrong
/// (without the path: callers add it).
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "file is too large (over {} MiB)",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!("binary file (NUL byte at offset {at})"));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a Dockerfile: refuses directories, files over [`MAX_FILE_BYTES`],
/// binary and non-UTF-8 content.
pub fn read_dockerfile(path: &Path) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_dir() {
        return Err("cannot read: is a directory".to_string());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file is too large ({} bytes; the limit is {} MiB)",
            meta.len(),
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    let file = fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    // Bounded even when the size above lied (special files).
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    decode(bytes)
}

/// Reads stdin with the same checks as a file.
pub fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    decode(bytes)
}

/// Replaces the file's content atomically: writes a temporary file in the
/// same folder, gives it the original's permissions (and owner, where
/// allowed), and renames it over the original. A symlink is followed, so
/// the link stays a link. On any error the original is untouched.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let target = fs::canonicalize(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| std::io::Error::other("file has no parent folder"))?;
    let meta = fs::metadata(&target)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".dfix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    fs::set_permissions(tmp.path(), meta.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; elsewhere the owner is already ours.
        let _ = std::os::unix::fs::chown(tmp.path(), Some(meta.uid()), Some(meta.gid()));
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Creates `path` with `text` atomically (a temporary file in the same
/// folder, moved in place): readers never see a half-written file, and an
/// existing file is never overwritten (it may have appeared meanwhile).
/// The new file is readable by everyone (`0644`), as an editor would make
/// it.
pub fn create_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".dfix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `text` to `path`: replaces it atomically when it exists
/// ([`write_atomic`]), creates it when `exists` is false
/// ([`create_atomic`]).
pub fn write_or_create(path: &Path, text: &str, exists: bool) -> std::io::Result<()> {
    if exists {
        write_atomic(path, text)
    } else {
        create_atomic(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_refuses_binary_and_bad_utf8() {
        assert!(decode(b"FROM a\n".to_vec()).is_ok());
        assert!(decode(b"FROM a\0\n".to_vec()).unwrap_err().contains("NUL"));
        assert!(decode(b"FROM \xff\n".to_vec())
            .unwrap_err()
            .contains("UTF-8"));
    }

    #[test]
    fn atomic_write_keeps_mode_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("Dockerfile.real");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("Dockerfile");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, "new").unwrap();
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // No temporary file left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
