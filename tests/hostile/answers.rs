//! Edit answers that are neither a success nor an error MatchBot knows.
