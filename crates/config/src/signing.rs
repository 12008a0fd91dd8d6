//! The keys the bus signs with: from the environment or a secret file, never `config.json`.
//!
//! `MATCHBOT_SIGNING_KEY` (and, during a rotation, `MATCHBOT_SIGNING_KEY_PREVIOUS`) if set;
//! else the file `MATCHBOT_SIGNING_KEY_FILE` names, or `signing.key` beside the configuration:
//! its first line is the key that signs, and each further line a previous key still accepted.
//! The file must be readable by its owner only. No message here ever holds a key.

use std::path::{Path, PathBuf};

use matchbot_secret::Secret;

use crate::reader::Reader;

/// The current signing key and the previous ones still accepted.
#[derive(Debug, Clone, Default)]
pub struct SigningKeys {
    /// Signs everything written from now on.
    pub current: Secret,
    /// Still accepted on what was written before a rotation; remove them once every stream
    /// has been handled since (see the README's "Rotating the signing key").
    pub previous: Vec<Secret>,
}

/// The shortest key accepted, in characters: 32 random characters of base64 are 192 bits.
pub const MIN_KEY_LEN: usize = 32;

/// The file's name beside the configuration when `MATCHBOT_SIGNING_KEY_FILE` is not set.
pub const KEY_FILE: &str = "signing.key";

/// The most a key file may hold: a handful of keys, not a stray large file.
const MAX_FILE_LEN: u64 = 4096;

/// The most keys a file may list: one that signs, and a few being retired.
const MAX_KEYS: usize = 4;

/// Reads the keys, noting every problem under the setting it belongs to.
pub(crate) fn read(r: &mut Reader, source: &Path) -> Option<SigningKeys> {
    if r.lookup("redis.signing_key").is_some() {
        r.problem(
            "redis.signing_key",
            "must not be in the configuration file (the value is not shown): set \
             MATCHBOT_SIGNING_KEY, or put it in a signing.key file readable only by you",
        );
    }
    if let Some(current) = r.env("MATCHBOT_SIGNING_KEY") {
        let previous = r.env("MATCHBOT_SIGNING_KEY_PREVIOUS");
        let mut ok = check(r, "MATCHBOT_SIGNING_KEY", &current);
        if let Some(previous) = &previous {
            ok &= check(r, "MATCHBOT_SIGNING_KEY_PREVIOUS", previous);
        }
        return ok.then(|| SigningKeys {
            current: Secret::new(current.trim()),
            previous: previous.iter().map(|p| Secret::new(p.trim())).collect(),
        });
    }
    let (name, path) = match r.env("MATCHBOT_SIGNING_KEY_FILE") {
        Some(named) => ("MATCHBOT_SIGNING_KEY_FILE", PathBuf::from(named)),
        None => {
            let dir = source.parent().unwrap_or(Path::new("."));
            (KEY_FILE, dir.join(KEY_FILE))
        }
    };
    let text = match read_private(&path) {
        Ok(text) => text,
        Err(why) => {
            r.problem(
                name,
                format!(
                    "{why}: every stream entry is signed with this key (set MATCHBOT_SIGNING_KEY, \
                     or make the file with `head -c 48 /dev/urandom | base64 > {0} && chmod 600 {0}`)",
                    path.display()
                ),
            );
            return None;
        }
    };
    let keys: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if keys.is_empty() {
        r.problem(name, format!("{} holds no key", path.display()));
        return None;
    }
    if keys.len() > MAX_KEYS {
        r.problem(
            name,
            format!(
                "{} holds {} keys; at most {MAX_KEYS} (one that signs and those being retired)",
                path.display(),
                keys.len()
            ),
        );
        return None;
    }
    let mut ok = true;
    for (n, key) in keys.iter().enumerate() {
        ok &= check(r, &format!("{} line {}", path.display(), n + 1), key);
    }
    ok.then(|| SigningKeys {
        current: Secret::new(keys[0]),
        previous: keys[1..].iter().map(|k| Secret::new(*k)).collect(),
    })
}

/// Notes a problem if `key` is too short to be a secret; never shows it.
fn check(r: &mut Reader, name: &str, key: &str) -> bool {
    let len = key.trim().chars().count();
    if len < MIN_KEY_LEN {
        r.problem(
            name,
            format!(
                "a signing key must be at least {MIN_KEY_LEN} characters; this one has {len} \
                 (the value is not shown)"
            ),
        );
        return false;
    }
    true
}

/// The text of a key file, if it is a small file only its owner can read.
fn read_private(path: &Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    if meta.len() > MAX_FILE_LEN {
        return Err(format!(
            "{} is {} bytes; a key file holds at most {MAX_FILE_LEN}",
            path.display(),
            meta.len()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} can be read by others (mode {:o}); `chmod 600` it, and make a new key if it \
                 was ever shared",
                path.display(),
                mode & 0o777
            ));
        }
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
