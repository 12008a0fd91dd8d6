//! The secrets every write and read goes through: the key names, derived from the prefix, and
//! the signing keys (see `signing`).

use std::borrow::Cow;
use std::sync::Arc;

use crate::signing::{Naming, Signing, Unverified, Verified};

/// What turns a name into a key and a value into a signed one.
///
/// On Toolforge's shared, password-less Redis nothing else keeps other tools out, so neither
/// the prefix nor a signing key is ever logged, and a key built from them reveals neither.
#[derive(Clone)]
pub(crate) struct Keys {
    naming: Naming,
    signing: Signing,
    /// The programme signed into every value, when the deployment serves several: a value
    /// one programme wrote does not verify as another's, though both share the signing keys.
    scope: Option<Arc<str>>,
}

impl Keys {
    pub(crate) fn new(prefix: &str, signing: Signing) -> Keys {
        Keys {
            naming: Naming::new(prefix),
            signing,
            scope: None,
        }
    }

    /// The same keys, signing `scope` into every value.
    pub(crate) fn scoped(self, scope: &str) -> Keys {
        Keys {
            scope: Some(scope.into()),
            ..self
        }
    }

    /// The programme signed into every value, if any.
    pub(crate) fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// What a value of `what` is signed as: `what`, or `programme/what` in a programme's scope.
    fn signed_as<'a>(&self, what: &'a str) -> Cow<'a, str> {
        match &self.scope {
            None => Cow::Borrowed(what),
            Some(scope) => Cow::Owned(format!("{scope}/{what}")),
        }
    }

    /// The full key of `name`.
    pub(crate) fn key(&self, name: &str) -> String {
        self.naming.key(name)
    }

    /// What every key of this bus starts with.
    pub(crate) fn namespace(&self) -> &str {
        self.naming.namespace()
    }

    /// The signature of `content` as a value of `what`.
    pub(crate) fn sign(&self, what: &str, content: &str) -> String {
        self.signing.sign(&self.signed_as(what), content)
    }

    /// Whether `sig` signs `content` as a value of `what`.
    pub(crate) fn verify(
        &self,
        what: &str,
        content: &str,
        sig: Option<&str>,
    ) -> Result<Verified, Unverified> {
        self.signing.verify(&self.signed_as(what), content, sig)
    }
}
