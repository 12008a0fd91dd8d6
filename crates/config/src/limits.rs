//! How large each kind of setting may be. Everything in `config.json` is untrusted input: a
//! greeting is posted on every learner's talk page and a title is sent in every query, so each
//! is held to what its use on the wiki allows, and the file to what those settings add up to.

/// A size limit, with why it is that size (said in the problem when it is passed).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    pub(crate) bytes: usize,
    pub(crate) why: &'static str,
}

/// The whole file: room for the five greeting texts at their limit and everything else.
pub(crate) const FILE_BYTES: u64 = 16 << 20;

/// How [`FILE_BYTES`] is said in a problem.
pub(crate) const FILE_BYTES_SAID: &str = "16 MiB";

/// A greeting text: no more than one edit can carry (MediaWiki's default `$wgMaxArticleSize`).
pub(crate) const GREETING: Limit = Limit {
    bytes: 2 << 20,
    why: "what one wiki edit can carry",
};

/// A page title, a user name, a section heading: MediaWiki stores titles and user names in
/// 255 bytes.
pub(crate) const TITLE: Limit = Limit {
    bytes: 255,
    why: "as MediaWiki allows for a title or a user name",
};

/// An edit-summary suffix: MediaWiki keeps 500 characters of a summary, and the summary's own
/// text needs room too.
pub(crate) const SUMMARY: Limit = Limit {
    bytes: 250,
    why: "so that an edit summary stays within MediaWiki's 500 characters",
};

/// Any other text: a host name, a User-Agent contact, a database name, a URL.
pub(crate) const TEXT: Limit = Limit {
    bytes: 1024,
    why: "for a setting of this kind",
};

/// A password, a token, a key prefix.
pub(crate) const SECRET: Limit = Limit {
    bytes: 8192,
    why: "for a secret",
};

/// Entries of one list (the skills and their categories).
pub(crate) const LIST_ENTRIES: usize = 200;

/// The longest excerpt of a value a problem repeats.
pub(crate) const ECHO_CHARS: usize = 80;
