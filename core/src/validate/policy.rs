//! Layer 4: policy enforcement. Each policy is a JSON Schema applied to the contract document
//! itself; all policies must hold (strict AND).
//!
//! Local `schema` policies come from the bundle. A `ref` names another bundle, resolved through a
//! [`RefResolver`]: when that bundle declares policies of its own they apply (recursively, cycles
//! refused), otherwise its `policy/schema.json` does. A ref that cannot be fetched fails closed
//! (`POLICY_REF_UNRESOLVED`), except offline, where it is one warning that the policy was not
//! enforced.

use super::{Options, RefResolver};
use crate::bundle::Bundle;
use crate::diagnostic::Diagnostic;
use crate::model::Contract;
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::syntax::{parse, Limits, Span, Tree};
use serde_json::Value;

/// The fixed path of a referenced bundle's policy.
pub const POLICY_FILE: &str = "policy/schema.json";

/// How deep policy refs may chain.
const MAX_CHAIN: usize = 16;

struct Loaded {
    origin: String,
    validator: std::sync::Arc<jsonschema::Validator>,
}

pub fn enforce(
    contract: &Contract,
    tree: &Tree,
    doc: &Value,
    bundle: Option<&dyn Bundle>,
    resolver: &dyn RefResolver,
    options: &Options,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut policies: Vec<Loaded> = Vec::new();
    for (prefix, p) in contract.all_policies() {
        if let Some(schema) = p.schema.as_ref().filter(|s| !s.value.is_empty()) {
            let Some(bundle) = bundle else { continue };
            if !bundle.exists(&schema.value) {
                continue; // Layer 2 reports FILE_NOT_FOUND.
            }
            match load_schema(bundle, &schema.value) {
                Ok(validator) => policies.push(Loaded {
                    origin: schema.value.clone(),
                    validator,
                }),
                Err(e) => out.push(
                    Diagnostic::warning(
                        "INVALID_POLICY_SCHEMA",
                        format!("{prefix}.schema"),
                        format!("policy schema \"{}\" was not enforced: {e}", schema.value),
                    )
                    .with_span(Some(schema.span)),
                ),
            }
        }
        if let Some(r) = p.reference.as_ref().filter(|r| !r.value.is_empty()) {
            let mut chain = Vec::new();
            let mut ctx = RefContext {
                resolver,
                options,
                path: format!("{prefix}.ref"),
                span: r.span,
                out: &mut out,
            };
            ctx.collect(&r.value, &mut chain, &mut policies);
        }
    }
    let root = tree.root();
    for policy in &policies {
        let origin = &policy.origin;
        let leaves = super::structural::check_with(&policy.validator, doc, root, |pointer, msg| {
            let at = if pointer.is_empty() {
                String::new()
            } else {
                format!("at '{pointer}': ")
            };
            (String::new(), format!("policy {origin}: {at}{msg}"))
        });
        for (path, message, span) in leaves {
            out.push(Diagnostic::error("POLICY_VIOLATION", path, message).with_span(Some(span)));
        }
    }
    out
}

fn load_schema(
    bundle: &dyn Bundle,
    path: &str,
) -> Result<std::sync::Arc<jsonschema::Validator>, String> {
    let bytes = bundle.read(path).map_err(|e| e.to_string())?;
    crate::schema::compile_file(&bytes).map_err(|e| match e {
        crate::schema::CompileError::Json(e) => format!("not valid JSON: {e}"),
        crate::schema::CompileError::Schema(e) => e,
    })
}

struct RefContext<'a, 'o> {
    resolver: &'a dyn RefResolver,
    options: &'a Options,
    path: String,
    span: Span,
    out: &'o mut Vec<Diagnostic>,
}

impl RefContext<'_, '_> {
    fn unresolved(&mut self, reference: &str, reason: String) {
        self.out.push(
            Diagnostic::error(
                "POLICY_REF_UNRESOLVED",
                self.path.clone(),
                format!("policy ref \"{reference}\" could not be resolved: {reason}"),
            )
            .with_span(Some(self.span))
            .with_help("check the reference and your registry access, or run with --offline to skip remote policies"),
        );
    }

    fn collect(&mut self, reference: &str, chain: &mut Vec<String>, into: &mut Vec<Loaded>) {
        if chain.iter().any(|c| c == reference) {
            let mut cycle = chain.clone();
            cycle.push(reference.to_string());
            self.out.push(
                Diagnostic::error(
                    "POLICY_REF_CYCLE",
                    self.path.clone(),
                    format!("policy ref cycle: {}", cycle.join(" -> ")),
                )
                .with_span(Some(self.span)),
            );
            return;
        }
        if chain.len() >= MAX_CHAIN {
            self.unresolved(
                reference,
                format!("policy refs nest deeper than {MAX_CHAIN}"),
            );
            return;
        }
        let parsed_ref = parse_dependency_ref(reference);
        if parsed_ref.scheme == RefScheme::Oci
            && crate::registry::parse_oci_reference(&parsed_ref.location).is_err()
        {
            return; // Layer 2 reports INVALID_POLICY_REF.
        }
        if self.options.offline && parsed_ref.scheme == RefScheme::Oci {
            self.out.push(
                Diagnostic::warning(
                    "POLICY_NOT_ENFORCED",
                    self.path.clone(),
                    format!("policy ref \"{reference}\" was not enforced: offline mode does not fetch remote policies"),
                )
                .with_span(Some(self.span)),
            );
            return;
        }
        let resolved = match self.resolver.resolve(reference) {
            Ok(r) => r,
            Err(e) => return self.unresolved(reference, e),
        };
        let parsed = parse(&resolved.contract_text, &Limits::default());
        let tree = match parsed.tree {
            Some(t) if !parsed.errors.iter().any(|e| e.fatal) => t,
            _ => {
                let why = parsed.errors.first().map_or_else(
                    || "its pacto.yaml cannot be read".to_string(),
                    |e| e.message.clone(),
                );
                return self.unresolved(reference, format!("its pacto.yaml is invalid: {why}"));
            }
        };
        let contract = Contract::from_tree(&tree);
        let own = contract.all_policies();
        chain.push(reference.to_string());
        if own.is_empty() {
            match load_schema(resolved.bundle.as_ref(), POLICY_FILE) {
                Ok(validator) => into.push(Loaded {
                    origin: reference.to_string(),
                    validator,
                }),
                Err(e) => self.unresolved(
                    reference,
                    format!("the bundle has no usable {POLICY_FILE}: {e}"),
                ),
            }
        } else {
            for (_, p) in own {
                if let Some(schema) = p.schema.as_ref().filter(|s| !s.value.is_empty()) {
                    match load_schema(resolved.bundle.as_ref(), &schema.value) {
                        Ok(validator) => into.push(Loaded {
                            origin: format!("{reference} ({})", schema.value),
                            validator,
                        }),
                        Err(e) => self.unresolved(
                            reference,
                            format!("its policy schema \"{}\" is unusable: {e}", schema.value),
                        ),
                    }
                }
                if let Some(r) = p.reference.as_ref().filter(|r| !r.value.is_empty()) {
                    self.collect(&r.value, chain, into);
                }
            }
        }
        chain.pop();
    }
}
