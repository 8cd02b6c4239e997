//! dfix's Dockerfile grammar and document model.
//!
//! Bytes go in, a lossless tree comes out: every byte of the input belongs to
//! the tree, so printing an unedited document gives the input back exactly.

pub mod image_ref;
pub mod shell;
