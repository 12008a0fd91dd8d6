//! Why a configuration was refused: every problem, each naming its key.

use std::fmt;
use std::path::PathBuf;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The path is a directory holding no `config.json`.
    #[error("configuration {} is a directory without config.json in it; if Docker made it \
        (it mounts a missing file as an empty directory), remove it and create the file, \
        e.g. cp config.example.json config.json", path.display())]
    NoFileInDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// The file is larger than any configuration can be; it was not read further.
    #[error("configuration {} is larger than {limit}, more than any configuration needs", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The largest size allowed, as a person reads it.
        limit: &'static str,
    },
    /// The file is not JSON.
    #[error("configuration {} is not valid JSON: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where and why parsing stopped.
        source: serde_json::Error,
    },
    /// A command that works on one programme was given a file of several, and no
    /// `--programme`.
    #[error("configuration {} holds the programmes {names}: name one with --programme", path.display())]
    ManyProgrammes {
        /// The file.
        path: PathBuf,
        /// The programmes it holds.
        names: String,
    },
    /// `--programme` names a programme the file does not hold.
    #[error("configuration {} holds no programme {name:?} (it holds: {names})", path.display())]
    NoSuchProgramme {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The programmes it holds.
        names: String,
    },
    /// The file is JSON but some settings are missing or wrong; all of them are listed.
    #[error("configuration {} has {} problem{}:{}", path.display(), problems.len(),
        if problems.len() == 1 { "" } else { "s" }, ProblemList(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

/// One thing wrong with one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The setting's key path, as in the file (`categories.skillslist`), or the environment
    /// variable that supplied it.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}
