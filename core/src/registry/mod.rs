//! OCI distribution. So far: reference parsing, shared by validation and (later) push/pull.

pub mod reference;

pub use reference::{
    parse_dependency_ref, parse_oci_reference, DependencyRef, OciReference, RefScheme,
};
