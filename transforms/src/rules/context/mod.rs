//! The build context (`DF6xx`): what `COPY`/`ADD` may take from it and what its `.dockerignore` keeps out.

pub mod copy_ignored_file;
pub mod dockerignore_missing_secret_patterns;
pub mod dockerignore_unanchored_pattern;
pub mod missing_dockerignore;
