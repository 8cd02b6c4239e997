//! The build context (`DF6xx`): what `COPY`/`ADD` may take from it and what its `.dockerignore` keeps out.

pub mod copy_ignored_file;
