//! dfix's rules, fixes and fix engine. Pure: no files, no network.
