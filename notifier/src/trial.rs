//! A bot trial: a run that makes no edit, or at most a few.

/// How a trial run differs from a normal one.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Trial {
    /// `--dry-run`: everything but the edit.
    pub dry_run: bool,
    /// `--max-edits N`: stop after N edits.
    pub max_edits: Option<u64>,
}
