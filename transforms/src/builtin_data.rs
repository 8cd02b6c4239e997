//! The built-in data files as the binary carries them: `data/*.toml`
//! converted to JSON by `build.rs` (TOML parsing was a quarter of the
//! instructions of a whole `dfix -` run). The TOML texts stay the reference:
//! users extend them in the same shape, and the tests below check that both
//! forms give the same data.

use serde::de::DeserializeOwned;

/// `data/bases.toml` as JSON.
pub const BASES: &str = include_str!(concat!(env!("OUT_DIR"), "/bases.json"));
/// `data/images.toml` as JSON.
pub const IMAGES: &str = include_str!(concat!(env!("OUT_DIR"), "/images.json"));
/// `data/multistage.toml` as JSON.
pub const MULTISTAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/multistage.json"));
/// `data/secrets.toml` as JSON.
pub const SECRETS: &str = include_str!(concat!(env!("OUT_DIR"), "/secrets.json"));
/// `data/compose.toml` as JSON.
pub const COMPOSE: &str = include_str!(concat!(env!("OUT_DIR"), "/compose.json"));

/// Reads one of the converted data files into its type.
pub fn parse<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON the binary carries reads as the same data as the TOML text.
    fn same<T: DeserializeOwned + std::fmt::Debug>(json: &str, toml_text: &str) {
        let from_json: T = parse(json).unwrap();
        let from_toml: T = toml::from_str(toml_text).unwrap();
        assert_eq!(format!("{from_json:?}"), format!("{from_toml:?}"));
    }

    #[test]
    fn every_data_file_reads_the_same_from_json_and_toml() {
        same::<crate::bases::BaseImages>(BASES, crate::bases::BUILTIN);
        same::<crate::users::db::ImageDb>(IMAGES, crate::users::db::BUILTIN_TOML);
        same::<crate::multistage::recipes::Recipes>(
            MULTISTAGE,
            crate::multistage::recipes::BUILTIN,
        );
        same::<crate::secrets::SecretNames>(SECRETS, crate::secrets::BUILTIN);
        same::<crate::compose::data::ComposeData>(COMPOSE, crate::compose::data::BUILTIN);
    }
}
