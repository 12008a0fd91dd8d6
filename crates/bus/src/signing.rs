//! Signatures on what the workers hand each other, and key names that give nothing away.
//!
//! Toolforge's Redis is shared by every tool and has no access control: anyone can list its keys
//! and write to them. So every stream entry and the mentor pool carry an HMAC-SHA256 over what
//! they hold and where they belong, made with a key only MatchBot's workers have (from the
//! environment or a secret file, never config.json). A reader that finds a signature it cannot
//! verify treats the value as not MatchBot's: an entry goes to the dead-letter stream, a pool is
//! not used. Rotation: a new key signs at once, while the previous ones are still accepted.
//!
//! Key names are derived from the prefix with the same construction, so listing the keys shows
//! neither the prefix nor which key is which.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use matchbot_secret::Secret;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The version tag every signature starts with, so a later scheme can be told apart.
const VERSION: &str = "v1:";

/// The keys the bus signs with: the current one, and previous ones still accepted.
#[derive(Clone)]
pub struct Signing {
    keys: Arc<[Secret]>,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signing {{ {} keys }}", self.keys.len())
    }
}

/// How a signature checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verified {
    /// Made with the current key.
    Current,
    /// Made with a previous key, still accepted while a rotation runs.
    Previous,
}

/// Why a signature did not check out. The texts go into dead-letter reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unverified {
    /// There is no signature at all.
    #[error("it carries no signature: MatchBot did not write it")]
    Missing,
    /// There is one, but no accepted key made it over this content.
    #[error(
        "its signature does not verify: it was forged or changed, or signed with a key no longer accepted"
    )]
    Wrong,
}

impl Signing {
    /// Signs with `current` and accepts, besides, what `previous` signed.
    pub fn new(current: Secret, previous: impl IntoIterator<Item = Secret>) -> Signing {
        let keys: Vec<Secret> = std::iter::once(current).chain(previous).collect();
        Signing { keys: keys.into() }
    }

    /// True when the key that signs is empty (a configuration's `Default`).
    pub(crate) fn is_empty(&self) -> bool {
        self.keys[0].is_empty()
    }

    /// The signature of `content` as a value of `what` (a stream's name, `mentor-pool`).
    pub(crate) fn sign(&self, what: &str, content: &str) -> String {
        let mut sig = String::with_capacity(VERSION.len() + 64);
        sig.push_str(VERSION);
        sig.push_str(&hex(&mac(&self.keys[0], what, content)));
        sig
    }

    /// Whether `sig` is a signature, by an accepted key, of `content` as a value of `what`.
    pub(crate) fn verify(
        &self,
        what: &str,
        content: &str,
        sig: Option<&str>,
    ) -> Result<Verified, Unverified> {
        let sig = sig.ok_or(Unverified::Missing)?;
        let bytes = sig
            .strip_prefix(VERSION)
            .and_then(unhex)
            .ok_or(Unverified::Wrong)?;
        for (i, key) in self.keys.iter().enumerate() {
            let mut m = keyed(key);
            feed(&mut m, what, content);
            // Compared in constant time by the MAC itself.
            if m.verify_slice(&bytes).is_ok() {
                return Ok(if i == 0 {
                    Verified::Current
                } else {
                    Verified::Previous
                });
            }
        }
        Err(Unverified::Wrong)
    }
}

/// The name-deriving key: the prefix.
#[derive(Clone)]
pub(crate) struct Naming {
    prefix: Secret,
    /// What every key of this prefix starts with: a tag derived from it, so one deployment's
    /// keys can be listed (`SCAN <namespace>*`) without the tag telling anyone the prefix.
    namespace: String,
}

impl Naming {
    pub(crate) fn new(prefix: &str) -> Naming {
        let prefix = Secret::new(prefix);
        let tag = hex(&mac(&prefix, "namespace", ""));
        Naming {
            namespace: format!("mb:{}:", &tag[..16]),
            prefix,
        }
    }

    /// The key of `name`: the namespace, then 128 bits of the name's HMAC under the prefix.
    pub(crate) fn key(&self, name: &str) -> String {
        let digest = hex(&mac(&self.prefix, "key", name));
        format!("{}{}", self.namespace, &digest[..32])
    }

    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// The key a bus with `prefix` keeps `name` under (see [`crate::Bus::key`]), without
/// connecting: for tools and tests that hold the prefix.
pub fn key_name(prefix: &str, name: &str) -> String {
    Naming::new(prefix).key(name)
}

/// What every key of a bus with `prefix` starts with (see [`crate::Bus::namespace`]).
pub fn key_namespace(prefix: &str) -> String {
    Naming::new(prefix).namespace().to_owned()
}

fn keyed(key: &Secret) -> HmacSha256 {
    // HMAC takes a key of any length; this cannot fail.
    match HmacSha256::new_from_slice(key.expose().as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

/// `what` and `content` are fed with their lengths, so no two pairs give the same input.
fn feed(m: &mut HmacSha256, what: &str, content: &str) {
    m.update(b"matchbot\0");
    m.update(&(what.len() as u64).to_be_bytes());
    m.update(what.as_bytes());
    m.update(&(content.len() as u64).to_be_bytes());
    m.update(content.as_bytes());
}

fn mac(key: &Secret, what: &str, content: &str) -> Vec<u8> {
    let mut m = keyed(key);
    feed(&mut m, what, content);
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signing(keys: &[&str]) -> Signing {
        Signing::new(
            Secret::new(keys[0]),
            keys[1..].iter().map(|k| Secret::new(*k)),
        )
    }

    #[test]
    fn a_signature_holds_only_for_its_content_its_stream_and_an_accepted_key() {
        let bus = signing(&["current key, thirty-two characters"]);
        let sig = bus.sign("decisions", "{\"a\":1}");
        assert_eq!(
            bus.verify("decisions", "{\"a\":1}", Some(&sig)),
            Ok(Verified::Current)
        );
        assert_eq!(
            bus.verify("decisions", "{\"a\":2}", Some(&sig)),
            Err(Unverified::Wrong)
        );
        assert_eq!(
            bus.verify("outcomes", "{\"a\":1}", Some(&sig)),
            Err(Unverified::Wrong)
        );
        assert_eq!(
            bus.verify("decisions", "{\"a\":1}", None),
            Err(Unverified::Missing)
        );
        let stranger = signing(&["another key, thirty-two characters"]);
        assert_eq!(
            stranger.verify("decisions", "{\"a\":1}", Some(&sig)),
            Err(Unverified::Wrong)
        );
        for bad in ["", "v1:", "v1:zz", &sig[3..], &sig.to_uppercase()] {
            assert_eq!(
                bus.verify("decisions", "{\"a\":1}", Some(bad)),
                Err(Unverified::Wrong),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_boundary_between_stream_and_content_is_part_of_what_is_signed() {
        let bus = signing(&["k"]);
        let sig = bus.sign("ab", "c");
        assert_eq!(bus.verify("a", "bc", Some(&sig)), Err(Unverified::Wrong));
    }

    #[test]
    fn during_a_rotation_the_previous_key_is_still_accepted_and_the_new_one_signs() {
        let old = signing(&["old key"]);
        let rotating = signing(&["new key", "old key"]);
        let after = signing(&["new key"]);
        let by_old = old.sign("requests", "r");
        assert_eq!(
            rotating.verify("requests", "r", Some(&by_old)),
            Ok(Verified::Previous)
        );
        let by_new = rotating.sign("requests", "r");
        assert_eq!(
            after.verify("requests", "r", Some(&by_new)),
            Ok(Verified::Current)
        );
        assert_eq!(
            after.verify("requests", "r", Some(&by_old)),
            Err(Unverified::Wrong)
        );
    }

    #[test]
    fn key_names_show_neither_the_prefix_nor_the_name() {
        let naming = Naming::new("matchbot-secret-prefix:");
        let key = naming.key("decisions");
        assert!(key.starts_with(naming.namespace()));
        assert!(!key.contains("matchbot-secret-prefix"));
        assert!(!key.contains("decisions"));
        assert_ne!(key, naming.key("requests"));
        assert_ne!(key, Naming::new("another prefix").key("decisions"));
        assert_eq!(key, Naming::new("matchbot-secret-prefix:").key("decisions"));
    }
}
