//! Multi-stage builds (`DF4xx`): splitting a build into a builder and a small runtime stage.

pub mod split_build_and_runtime;
