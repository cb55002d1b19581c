//! SBOM diff (spec §4.8): the first SPDX 2.3 or CycloneDX 1.5 JSON file under a bundle's `sbom/`,
//! reduced to packages (name, version, license, supplier) and compared by package name.
//!
//! SBOM changes are informational: they carry no classification and never change the exit code.
//!
//! Reading follows Go's `encoding/json` decoding into Pacto's structs, so the same files are
//! accepted and read the same way:
//! - object keys match the fields case-insensitively (`versionInfo` = `VersionInfo`), the last
//!   matching key wins, unknown keys are skipped;
//! - `null` leaves a string field unchanged, empties a list and clears `supplier`;
//! - any other type mismatch (a number where a string is expected, say) makes the file unreadable;
//! - invalid UTF-8 inside strings reads as U+FFFD, one per invalid byte.
//!
//! Known differences from Go, all on inputs no tool writes: a lone UTF-16 surrogate escape
//! (`"\ud800"`) is an error here (Go reads U+FFFD); nesting deeper than 128 levels is an error
//! here (Go allows 10 000); a repeated `packages`/`components` key replaces the list (Go merges the
//! later elements into the earlier ones); and within one SBOM a repeated package name keeps only
//! the last entry, so a one-sided diff lists it once (Go lists every entry).

use super::ChangeType;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Largest SBOM file read, in bytes.
pub const MAX_SBOM_BYTES: usize = 64 * 1024 * 1024;

/// The SBOM document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SbomFormat {
    Spdx,
    Cyclonedx,
}

impl SbomFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::Spdx => "spdx",
            SbomFormat::Cyclonedx => "cyclonedx",
        }
    }

    /// The format a file name announces: `*.spdx.json` or `*.cdx.json`.
    pub fn from_file_name(name: &str) -> Option<SbomFormat> {
        if name.ends_with(".spdx.json") {
            Some(SbomFormat::Spdx)
        } else if name.ends_with(".cdx.json") {
            Some(SbomFormat::Cyclonedx)
        } else {
            None
        }
    }

    fn label(self) -> &'static str {
        match self {
            SbomFormat::Spdx => "SPDX",
            SbomFormat::Cyclonedx => "CycloneDX",
        }
    }
}

impl fmt::Display for SbomFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One package, normalised across formats. Absent fields are empty strings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub license: String,
    pub supplier: String,
}

/// A parsed SBOM: its format and its packages by name (a later duplicate overwrites).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    pub format: SbomFormat,
    pub packages: BTreeMap<String, Package>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    #[error("{file}: not an SBOM file name (expected *.spdx.json or *.cdx.json)")]
    UnknownFormat { file: String },
    #[error("{file}: the SBOM is {size} bytes, more than the {limit} bytes Pacto reads")]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    #[error("{file}: parsing {} JSON: {message}", .format.label())]
    Parse {
        file: String,
        format: SbomFormat,
        message: String,
    },
}

impl Sbom {
    /// Parse an SBOM file; the format comes from the file name's suffix.
    pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Sbom, SbomError> {
        let format =
            SbomFormat::from_file_name(file_name).ok_or_else(|| SbomError::UnknownFormat {
                file: file_name.to_string(),
            })?;
        if bytes.len() > MAX_SBOM_BYTES {
            return Err(SbomError::TooLarge {
                file: file_name.to_string(),
                size: bytes.len(),
                limit: MAX_SBOM_BYTES,
            });
        }
        let text = go_lossy_utf8(bytes);
        let mut de = serde_json::Deserializer::from_str(&text);
        let parsed = (|| {
            let list = DocSeed(format).deserialize(&mut de)?;
            de.end()?;
            Ok::<_, serde_json::Error>(list)
        })();
        let list = parsed.map_err(|e| SbomError::Parse {
            file: file_name.to_string(),
            format,
            message: e.to_string(),
        })?;
        let packages = list.into_iter().map(|p| (p.name.clone(), p)).collect();
        Ok(Sbom { format, packages })
    }
}

/// The SBOM file to read among the direct children of `sbom/`: the first, in lexical (byte)
/// order, whose name ends in `.spdx.json` or `.cdx.json`. Pass file names only (Go skips
/// directories before matching).
pub fn pick_sbom_file<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .filter(|n| SbomFormat::from_file_name(n).is_some())
        .min()
}

/// One package change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomChange {
    pub package: String,
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    /// `package` for additions and removals; `version`, `license` or `supplier` for modifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `None` when absent or empty (Go's `omitempty`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    /// `None` when absent or empty (Go's `omitempty`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
}

/// The SBOM diff of two bundles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SbomDiff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_format: Option<SbomFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_format: Option<SbomFormat>,
    pub changes: Vec<SbomChange>,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn added(p: &Package) -> SbomChange {
    SbomChange {
        package: p.name.clone(),
        change_type: ChangeType::Added,
        field: Some("package".to_string()),
        old_value: None,
        new_value: non_empty(&p.version),
    }
}

fn removed(p: &Package) -> SbomChange {
    SbomChange {
        package: p.name.clone(),
        change_type: ChangeType::Removed,
        field: Some("package".to_string()),
        old_value: non_empty(&p.version),
        new_value: None,
    }
}

/// Compare two SBOMs (either may be missing). `None` when neither exists or nothing changed.
///
/// Order (Go's is random): removed packages, then modified ones (version, license, supplier for
/// each package), then added ones, each group by package name.
pub fn diff(old: Option<&Sbom>, new: Option<&Sbom>) -> Option<SbomDiff> {
    let result = match (old, new) {
        (None, None) => return None,
        (None, Some(n)) => SbomDiff {
            old_format: None,
            new_format: Some(n.format),
            changes: n.packages.values().map(added).collect(),
        },
        (Some(o), None) => SbomDiff {
            old_format: Some(o.format),
            new_format: None,
            changes: o.packages.values().map(removed).collect(),
        },
        (Some(o), Some(n)) => {
            let mut changes: Vec<SbomChange> = o
                .packages
                .iter()
                .filter(|(name, _)| !n.packages.contains_key(*name))
                .map(|(_, p)| removed(p))
                .collect();
            for (name, op) in &o.packages {
                let Some(np) = n.packages.get(name) else {
                    continue;
                };
                for (field, a, b) in [
                    ("version", &op.version, &np.version),
                    ("license", &op.license, &np.license),
                    ("supplier", &op.supplier, &np.supplier),
                ] {
                    if a != b {
                        changes.push(SbomChange {
                            package: name.clone(),
                            change_type: ChangeType::Modified,
                            field: Some(field.to_string()),
                            old_value: non_empty(a),
                            new_value: non_empty(b),
                        });
                    }
                }
            }
            changes.extend(
                n.packages
                    .iter()
                    .filter(|(name, _)| !o.packages.contains_key(*name))
                    .map(|(_, p)| added(p)),
            );
            SbomDiff {
                old_format: Some(o.format),
                new_format: Some(n.format),
                changes,
            }
        }
    };
    (!result.changes.is_empty()).then_some(result)
}

// ---------------------------------------------------------------------------------------------
// Go-compatible decoding.

/// Bytes to text the way Go's JSON decoder sees them: each byte that does not start a valid UTF-8
/// sequence becomes U+FFFD. Outside strings that is a syntax error either way.
fn go_lossy_utf8(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // `valid` is valid UTF-8 by construction.
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                rest = after.get(1..).unwrap_or_default();
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

use super::json_schema::go_field_matches;

/// Go `string` field: a string sets it, `null` leaves it, anything else is an error.
struct StrInto<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for StrInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        v.clone_into(self.0);
        Ok(())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        *self.0 = v;
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Decodes a JSON object into an existing Go struct value, field by field; `null` leaves it.
trait GoStruct: Default {
    /// Decode the value of `key` if it names a field; `Ok(false)` if it names none.
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
    const NAME: &'static str;
}

struct StructInto<'a, T>(&'a mut T);

impl<'de, T: GoStruct> DeserializeSeed<'de> for StructInto<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: GoStruct> Visitor<'de> for StructInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} object", T::NAME)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if !self.0.field(&key, &mut map)? {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Go slice of structs: an array replaces the list, `null` empties it.
struct ListInto<'a, T>(&'a mut Vec<T>);

impl<'de, T: GoStruct> DeserializeSeed<'de> for ListInto<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: GoStruct> Visitor<'de> for ListInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {} objects", T::NAME)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.clear();
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.clear();
        loop {
            let mut item = T::default();
            if seq.next_element_seed(StructInto(&mut item))?.is_none() {
                break;
            }
            self.0.push(item);
        }
        Ok(())
    }
}

/// Go pointer to struct: an object decodes into it (allocating it first), `null` clears it.
struct OptionInto<'a, T>(&'a mut Option<T>);

impl<'de, T: GoStruct> DeserializeSeed<'de> for OptionInto<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: GoStruct> Visitor<'de> for OptionInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} object", T::NAME)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        StructInto(self.0.get_or_insert_with(T::default)).visit_map(map)
    }
}

#[derive(Default)]
struct SpdxDoc {
    packages: Vec<SpdxPackage>,
}

impl GoStruct for SpdxDoc {
    const NAME: &'static str = "an SPDX document";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if go_field_matches(key, "packages") {
            map.next_value_seed(ListInto(&mut self.packages))?;
            return Ok(true);
        }
        Ok(false)
    }
}

#[derive(Default)]
struct SpdxPackage {
    name: String,
    version_info: String,
    supplier: String,
    license_concluded: String,
}

impl GoStruct for SpdxPackage {
    const NAME: &'static str = "an SPDX package";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        let target = if go_field_matches(key, "name") {
            &mut self.name
        } else if go_field_matches(key, "versioninfo") {
            &mut self.version_info
        } else if go_field_matches(key, "supplier") {
            &mut self.supplier
        } else if go_field_matches(key, "licenseconcluded") {
            &mut self.license_concluded
        } else {
            return Ok(false);
        };
        map.next_value_seed(StrInto(target))?;
        Ok(true)
    }
}

#[derive(Default)]
struct CdxDoc {
    components: Vec<CdxComponent>,
}

impl GoStruct for CdxDoc {
    const NAME: &'static str = "a CycloneDX document";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if go_field_matches(key, "components") {
            map.next_value_seed(ListInto(&mut self.components))?;
            return Ok(true);
        }
        Ok(false)
    }
}

#[derive(Default)]
struct CdxComponent {
    name: String,
    version: String,
    supplier: Option<CdxSupplier>,
    licenses: Vec<CdxLicenseEntry>,
}

impl GoStruct for CdxComponent {
    const NAME: &'static str = "a CycloneDX component";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if go_field_matches(key, "name") {
            map.next_value_seed(StrInto(&mut self.name))?;
        } else if go_field_matches(key, "version") {
            map.next_value_seed(StrInto(&mut self.version))?;
        } else if go_field_matches(key, "supplier") {
            map.next_value_seed(OptionInto(&mut self.supplier))?;
        } else if go_field_matches(key, "licenses") {
            map.next_value_seed(ListInto(&mut self.licenses))?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

#[derive(Default)]
struct CdxSupplier {
    name: String,
}

impl GoStruct for CdxSupplier {
    const NAME: &'static str = "a CycloneDX supplier";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if go_field_matches(key, "name") {
            map.next_value_seed(StrInto(&mut self.name))?;
            return Ok(true);
        }
        Ok(false)
    }
}

#[derive(Default)]
struct CdxLicense {
    id: String,
    name: String,
}

impl GoStruct for CdxLicense {
    const NAME: &'static str = "a CycloneDX license";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if go_field_matches(key, "id") {
            map.next_value_seed(StrInto(&mut self.id))?;
        } else if go_field_matches(key, "name") {
            map.next_value_seed(StrInto(&mut self.name))?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

#[derive(Default)]
struct CdxLicenseEntry {
    license: Option<CdxLicense>,
    expression: String,
}

impl GoStruct for CdxLicenseEntry {
    const NAME: &'static str = "a CycloneDX license entry";
    fn field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        if go_field_matches(key, "license") {
            map.next_value_seed(OptionInto(&mut self.license))?;
        } else if go_field_matches(key, "expression") {
            map.next_value_seed(StrInto(&mut self.expression))?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

/// The whole document, in either format, reduced to its package list (in document order).
struct DocSeed(SbomFormat);

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = Vec<Package>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Package>, D::Error> {
        match self.0 {
            SbomFormat::Spdx => {
                let mut doc = SpdxDoc::default();
                StructInto(&mut doc).deserialize(d)?;
                Ok(doc
                    .packages
                    .into_iter()
                    .map(|p| Package {
                        name: p.name,
                        version: p.version_info,
                        license: p.license_concluded,
                        supplier: spdx_supplier(&p.supplier),
                    })
                    .collect())
            }
            SbomFormat::Cyclonedx => {
                let mut doc = CdxDoc::default();
                StructInto(&mut doc).deserialize(d)?;
                Ok(doc
                    .components
                    .into_iter()
                    .map(|c| Package {
                        license: cdx_license(&c.licenses),
                        supplier: c.supplier.map(|s| s.name).unwrap_or_default(),
                        name: c.name,
                        version: c.version,
                    })
                    .collect())
            }
        }
    }
}

/// `Organization: Acme Inc.` → `Acme Inc.`: everything up to and including the first `": "` goes.
fn spdx_supplier(s: &str) -> String {
    match s.find(": ") {
        Some(i) => s[i + 2..].to_string(),
        None => s.to_string(),
    }
}

/// Each entry's `expression`, else `license.id`, else `license.name`, joined with ` AND `.
fn cdx_license(entries: &[CdxLicenseEntry]) -> String {
    entries
        .iter()
        .filter_map(|e| {
            if !e.expression.is_empty() {
                Some(e.expression.as_str())
            } else {
                let l = e.license.as_ref()?;
                if !l.id.is_empty() {
                    Some(l.id.as_str())
                } else if !l.name.is_empty() {
                    Some(l.name.as_str())
                } else {
                    None
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPDX_V1: &str = include_str!("../../../fixtures/diff/sbom/spdx-v1.spdx.json");
    const SPDX_V2: &str = include_str!("../../../fixtures/diff/sbom/spdx-v2.spdx.json");
    const CDX_V1: &str = include_str!("../../../fixtures/diff/sbom/cdx-v1.cdx.json");
    const CDX_V2: &str = include_str!("../../../fixtures/diff/sbom/cdx-v2.cdx.json");

    fn parse(name: &str, text: &str) -> Sbom {
        Sbom::parse(name, text.as_bytes()).unwrap()
    }

    fn change(
        pkg: &str,
        t: ChangeType,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> SbomChange {
        SbomChange {
            package: pkg.to_string(),
            change_type: t,
            field: Some(field.to_string()),
            old_value: old.map(str::to_string),
            new_value: new.map(str::to_string),
        }
    }

    use ChangeType::{Added as A, Modified as M, Removed as R};

    #[test]
    fn spdx_packages_are_normalised() {
        let s = parse("sbom.spdx.json", SPDX_V1);
        assert_eq!(s.format, SbomFormat::Spdx);
        assert_eq!(
            s.packages["lib-a"],
            Package {
                name: "lib-a".into(),
                version: "1.0.0".into(),
                license: "MIT".into(),
                supplier: "Acme Inc.".into(),
            }
        );
        assert_eq!(s.packages["lib-b"].license, "");
        assert_eq!(spdx_supplier("Person: Jane: Doe"), "Jane: Doe");
        assert_eq!(spdx_supplier("NOASSERTION"), "NOASSERTION");
        assert_eq!(spdx_supplier("Organization:Acme"), "Organization:Acme");
    }

    #[test]
    fn case_5_spdx_v1_to_v2() {
        let old = parse("app.spdx.json", SPDX_V1);
        let new = parse("app.spdx.json", SPDX_V2);
        let d = diff(Some(&old), Some(&new)).unwrap();
        assert_eq!(d.old_format, Some(SbomFormat::Spdx));
        assert_eq!(d.new_format, Some(SbomFormat::Spdx));
        assert_eq!(
            d.changes,
            vec![
                change("lib-b", R, "package", Some("2.0.0"), None),
                change("lib-a", M, "version", Some("1.0.0"), Some("2.0.0")),
                change("lib-c", A, "package", None, Some("1.0.0")),
            ]
        );
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "oldFormat": "spdx",
                "newFormat": "spdx",
                "changes": [
                    {"package": "lib-b", "type": "removed", "field": "package", "oldValue": "2.0.0"},
                    {"package": "lib-a", "type": "modified", "field": "version", "oldValue": "1.0.0", "newValue": "2.0.0"},
                    {"package": "lib-c", "type": "added", "field": "package", "newValue": "1.0.0"}
                ]
            })
        );
        // A bundle against its own copy: no SBOM diff.
        assert_eq!(diff(Some(&old), Some(&old.clone())), None);
    }

    #[test]
    fn cyclonedx_licenses_suppliers_and_changes() {
        let old = parse("bom.cdx.json", CDX_V1);
        let new = parse("bom.cdx.json", CDX_V2);
        assert_eq!(old.format, SbomFormat::Cyclonedx);
        assert_eq!(old.packages["core-lib"].supplier, "Acme Inc.");
        assert_eq!(old.packages["core-lib"].license, "Apache-2.0");
        assert_eq!(old.packages["dual-lib"].license, "MIT AND Custom License");
        assert_eq!(old.packages["expr-lib"].license, "MIT OR Apache-2.0");
        assert_eq!(new.packages["dual-lib"].license, "MIT AND BSD-2-Clause");
        assert_eq!(new.packages["expr-lib"].license, "MIT AND Commercial");
        let d = diff(Some(&old), Some(&new)).unwrap();
        assert_eq!(
            d.changes,
            vec![
                change("old-lib", R, "package", Some("0.1.0"), None),
                change(
                    "core-lib",
                    M,
                    "supplier",
                    Some("Acme Inc."),
                    Some("Acme Holdings")
                ),
                change("dual-lib", M, "version", Some("1.2.0"), Some("1.3.0")),
                change(
                    "dual-lib",
                    M,
                    "license",
                    Some("MIT AND Custom License"),
                    Some("MIT AND BSD-2-Clause")
                ),
                change(
                    "expr-lib",
                    M,
                    "license",
                    Some("MIT OR Apache-2.0"),
                    Some("MIT AND Commercial")
                ),
                change("new-lib", A, "package", None, Some("5.0.0")),
            ]
        );
    }

    #[test]
    fn format_change_between_sides() {
        let old = parse("a.spdx.json", SPDX_V2);
        let new = parse(
            "a.cdx.json",
            r#"{"components": [{"name": "lib-a", "version": "2.0.0", "supplier": {"name": "Acme Inc."}, "licenses": [{"license": {"id": "MIT"}}]}]}"#,
        );
        let d = diff(Some(&old), Some(&new)).unwrap();
        assert_eq!(
            (d.old_format, d.new_format),
            (Some(SbomFormat::Spdx), Some(SbomFormat::Cyclonedx))
        );
        assert_eq!(
            d.changes,
            vec![change("lib-c", R, "package", Some("1.0.0"), None)]
        );
    }

    #[test]
    fn only_new_side() {
        let new = parse("a.spdx.json", SPDX_V2);
        let d = diff(None, Some(&new)).unwrap();
        assert_eq!((d.old_format, d.new_format), (None, Some(SbomFormat::Spdx)));
        assert_eq!(
            d.changes,
            vec![
                change("lib-a", A, "package", None, Some("2.0.0")),
                change("lib-c", A, "package", None, Some("1.0.0")),
            ]
        );
        let json = serde_json::to_value(&d).unwrap();
        assert!(json.get("oldFormat").is_none());
    }

    #[test]
    fn only_old_side() {
        let old = parse("a.spdx.json", SPDX_V1);
        let d = diff(Some(&old), None).unwrap();
        assert_eq!((d.old_format, d.new_format), (Some(SbomFormat::Spdx), None));
        assert_eq!(
            d.changes,
            vec![
                change("lib-a", R, "package", Some("1.0.0"), None),
                change("lib-b", R, "package", Some("2.0.0"), None),
            ]
        );
    }

    #[test]
    fn nothing_to_report() {
        assert_eq!(diff(None, None), None);
        let empty = parse("e.spdx.json", "{}");
        assert_eq!(diff(Some(&empty), None), None);
        assert_eq!(diff(None, Some(&empty)), None);
        assert_eq!(diff(Some(&empty), Some(&empty)), None);
    }

    #[test]
    fn empty_values_are_omitted_like_go() {
        let old = parse("a.spdx.json", r#"{"packages": [{"name": "x"}]}"#);
        let new = parse(
            "a.spdx.json",
            r#"{"packages": [{"name": "x", "versionInfo": "1", "licenseConcluded": "MIT"}, {"name": "y"}]}"#,
        );
        let d = diff(Some(&old), Some(&new)).unwrap();
        assert_eq!(
            d.changes,
            vec![
                change("x", M, "version", None, Some("1")),
                change("x", M, "license", None, Some("MIT")),
                change("y", A, "package", None, None),
            ]
        );
        let json = serde_json::to_value(&d.changes[2]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"package": "y", "type": "added", "field": "package"})
        );
    }

    #[test]
    fn later_duplicate_overwrites() {
        let s = parse(
            "a.spdx.json",
            r#"{"packages": [{"name": "x", "versionInfo": "1"}, {"name": "x", "versionInfo": "2"}]}"#,
        );
        assert_eq!(s.packages.len(), 1);
        assert_eq!(s.packages["x"].version, "2");
    }

    #[test]
    fn go_decoding_rules() {
        // Case-insensitive keys, last one wins; null leaves a string unchanged; unknown keys skipped.
        let s = parse(
            "a.spdx.json",
            r#"{"PACKAGES": [{"Name": "x", "VersionInfo": "1", "versioninfo": "2", "licenseConcluded": "MIT", "LicenseConcluded": null, "extra": [1, {"a": null}]}]}"#,
        );
        assert_eq!(s.packages["x"].version, "2");
        assert_eq!(s.packages["x"].license, "MIT");
        // `null` supplier, `null` license list, `null` list element.
        let s = parse(
            "a.cdx.json",
            r#"{"components": [{"name": "c", "supplier": {"name": "A"}, "supplier": null, "licenses": null}, null]}"#,
        );
        assert_eq!(s.packages["c"].supplier, "");
        assert_eq!(s.packages[""], Package::default());
        // A supplier's other fields are ignored whatever their type; a null license is skipped.
        let s = parse(
            "a.cdx.json",
            r#"{"components": [{"name": "c", "supplier": {"id": 5, "name": "B"}, "licenses": [{"license": null}, {"license": {"name": "N"}}, {}]}]}"#,
        );
        assert_eq!(s.packages["c"].supplier, "B");
        assert_eq!(s.packages["c"].license, "N");
        // Top-level null reads as an empty document.
        assert!(parse("a.spdx.json", "null").packages.is_empty());
        // Invalid UTF-8 inside a string reads as U+FFFD per byte.
        let s = Sbom::parse(
            "a.spdx.json",
            b"{\"packages\": [{\"name\": \"a\xff\xfeb\"}]}",
        )
        .unwrap();
        assert!(s.packages.contains_key("a\u{FFFD}\u{FFFD}b"));
    }

    #[test]
    fn parse_errors() {
        let err = |name: &str, text: &[u8]| Sbom::parse(name, text).unwrap_err();
        assert!(matches!(
            err("sbom.json", b"{}"),
            SbomError::UnknownFormat { .. }
        ));
        let e = err("a.spdx.json", b"{\"packages\": ");
        assert!(
            matches!(
                e,
                SbomError::Parse {
                    format: SbomFormat::Spdx,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("a.spdx.json: parsing SPDX JSON: "),
            "{e}"
        );
        let e = err("a.cdx.json", b"[]");
        assert!(
            e.to_string()
                .starts_with("a.cdx.json: parsing CycloneDX JSON: "),
            "{e}"
        );
        // Type mismatches, as Go's decoder reports them.
        assert!(matches!(
            err("a.spdx.json", br#"{"packages": [{"name": 1}]}"#),
            SbomError::Parse { .. }
        ));
        assert!(matches!(
            err("a.spdx.json", br#"{"packages": {"name": "x"}}"#),
            SbomError::Parse { .. }
        ));
        assert!(matches!(
            err("a.cdx.json", br#"{"components": [{"supplier": "x"}]}"#),
            SbomError::Parse { .. }
        ));
        assert!(matches!(
            err(
                "a.cdx.json",
                br#"{"components": [{"licenses": [{"expression": 3}]}]}"#
            ),
            SbomError::Parse { .. }
        ));
        // Trailing data and invalid bytes outside strings.
        assert!(matches!(
            err("a.spdx.json", b"{} x"),
            SbomError::Parse { .. }
        ));
        assert!(matches!(
            err("a.spdx.json", b"\xff{}"),
            SbomError::Parse { .. }
        ));
        assert!(matches!(err("a.spdx.json", b""), SbomError::Parse { .. }));
        let big = vec![b' '; MAX_SBOM_BYTES + 1];
        assert!(matches!(
            err("a.spdx.json", &big),
            SbomError::TooLarge { .. }
        ));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let inputs: [&[u8]; 10] = [
            b"{",
            b"\"",
            b"[[[[[",
            b"{\"packages\":[[]]}",
            b"{\"components\":[{\"licenses\":[[]]}]}",
            b"\xc3",
            b"{\"packages\":[{\"name\":\"\\ud800\"}]}",
            b"1e999",
            b"{\"components\":{}}",
            &[0xe2, 0x82],
        ];
        for input in inputs {
            for name in ["a.spdx.json", "a.cdx.json"] {
                let _ = Sbom::parse(name, input);
            }
        }
        let deep = "[".repeat(100_000);
        assert!(Sbom::parse("a.spdx.json", format!("{{\"x\": {deep}").as_bytes()).is_err());
    }

    #[test]
    fn pick_sbom_file_order() {
        assert_eq!(
            pick_sbom_file(["z.cdx.json", "b.spdx.json", "a.txt"]),
            Some("b.spdx.json")
        );
        assert_eq!(
            pick_sbom_file(["b.spdx.json", "a.cdx.json"]),
            Some("a.cdx.json")
        );
        // Byte order: uppercase sorts before lowercase.
        assert_eq!(
            pick_sbom_file(["a.spdx.json", "B.cdx.json"]),
            Some("B.cdx.json")
        );
        assert_eq!(pick_sbom_file(["sbom.json", "x.spdx", "README.md"]), None);
        assert_eq!(pick_sbom_file(Vec::<&str>::new()), None);
        assert_eq!(pick_sbom_file([".spdx.json"]), Some(".spdx.json"));
    }

    #[test]
    fn format_serialises_lowercase() {
        assert_eq!(
            serde_json::to_string(&SbomFormat::Spdx).unwrap(),
            "\"spdx\""
        );
        assert_eq!(
            serde_json::to_string(&SbomFormat::Cyclonedx).unwrap(),
            "\"cyclonedx\""
        );
    }
}
