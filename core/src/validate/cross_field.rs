//! Layer 2: rules that relate fields to each other and to the bundle's files (spec §3.2), in Go
//! Pacto's order and with its codes and messages, extended to the later shapes
//! (`configurations[]`, `policies[]`).

use crate::bundle::Bundle;
use crate::diagnostic::Diagnostic;
use crate::model::{Configuration, Contract, Policy, Probe, Spanned};
use crate::registry::{parse_dependency_ref, parse_oci_reference, RefScheme};
use crate::syntax::{Span, Tree};
use crate::version::{Constraint, Version};
use std::collections::HashMap;

/// Run every rule. `bundle` is `None` when no file tree is available (file checks are skipped).
pub fn check(contract: &Contract, tree: &Tree, bundle: Option<&dyn Bundle>) -> Vec<Diagnostic> {
    let mut c = Checker {
        contract,
        tree,
        bundle,
        out: Vec::new(),
        exists: HashMap::new(),
    };
    c.semver();
    c.duplicate_names();
    c.ports();
    c.contracts();
    if let Some(h) = c.runtime_probe(false) {
        c.probe(h, "health", "health checks require http or grpc");
    }
    if let Some(m) = c.runtime_probe(true) {
        c.probe(m, "metrics", "metrics require http or grpc");
    }
    c.interface_files();
    c.config_files();
    c.config_refs();
    c.policy_fields();
    c.dependency_refs();
    c.image_ref();
    c.chart();
    c.config_values();
    c.scaling();
    c.job_scaling();
    c.state_invariant();
    c.out
}

struct Checker<'a> {
    contract: &'a Contract,
    tree: &'a Tree,
    bundle: Option<&'a dyn Bundle>,
    out: Vec<Diagnostic>,
    /// File checks already made (a large contract names the same files many times).
    exists: HashMap<String, bool>,
}

fn span_of<T>(s: &Option<Spanned<T>>) -> Option<Span> {
    s.as_ref().map(|s| s.span)
}

fn non_empty(s: &Option<Spanned<String>>) -> Option<&Spanned<String>> {
    s.as_ref().filter(|s| !s.value.is_empty())
}

/// The help for a bundle file that is not found: how to write the path, or where to put it.
pub(super) fn file_help(path: &str) -> String {
    let trimmed = path.trim_start_matches("./").trim_start_matches('/');
    if trimmed != path && crate::bundle::is_valid_path(trimmed) {
        format!("paths are relative to the bundle root without a leading \"./\" or \"/\": write \"{trimmed}\"")
    } else if path.split('/').any(|s| s == "..") {
        "paths must stay inside the bundle: \"..\" is not allowed".to_string()
    } else {
        "add the file to the bundle, or fix the path (relative to the directory of pacto.yaml)"
            .to_string()
    }
}

impl<'a> Checker<'a> {
    fn error(&mut self, code: &'static str, path: String, message: String, span: Option<Span>) {
        self.out
            .push(Diagnostic::error(code, path, message).with_span(span));
    }

    fn warn(&mut self, code: &'static str, path: String, message: String, span: Option<Span>) {
        self.out
            .push(Diagnostic::warning(code, path, message).with_span(span));
    }

    fn semver(&mut self) {
        let Some(v) = self
            .contract
            .service
            .as_ref()
            .and_then(|s| non_empty(&s.version))
        else {
            return;
        };
        if let Err(e) = Version::parse(&v.value) {
            self.out.push(
                Diagnostic::error(
                    "INVALID_SEMVER",
                    "service.version",
                    format!("\"{}\" is not valid semver: {e}", v.value),
                )
                .with_span(Some(v.span))
                .with_help("use a semantic version such as 1.2.3"),
            );
        }
    }

    fn duplicate_names(&mut self) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, iface) in self.contract.interfaces.iter().enumerate() {
            let name = iface.name();
            if let Some(prev) = seen.get(name) {
                let msg =
                    format!("interface name \"{name}\" is already declared at interfaces[{prev}]");
                self.error(
                    "DUPLICATE_INTERFACE_NAME",
                    format!("interfaces[{i}].name"),
                    msg,
                    span_of(&iface.name),
                );
            }
            seen.insert(name, i);
        }
    }

    fn ports(&mut self) {
        for (i, iface) in self.contract.interfaces.iter().enumerate() {
            let kind = iface.kind();
            let path = format!("interfaces[{i}].port");
            match (kind, &iface.port) {
                // A port of the wrong type is the schema's to report.
                ("http" | "grpc", None) if iface.port_key.is_none() => self.error(
                    "PORT_REQUIRED",
                    path,
                    format!("port is required for {kind} interface \"{}\"", iface.name()),
                    span_of(&iface.kind).or(Some(iface.span)),
                ),
                ("event", Some(p)) => self.warn(
                    "PORT_IGNORED",
                    path,
                    format!(
                        "port is not applicable for event interface \"{}\"",
                        iface.name()
                    ),
                    Some(p.span),
                ),
                _ => {}
            }
        }
    }

    fn contracts(&mut self) {
        for (i, iface) in self.contract.interfaces.iter().enumerate() {
            let kind = iface.kind();
            if matches!(kind, "grpc" | "event") && non_empty(&iface.contract).is_none() {
                self.error(
                    "CONTRACT_REQUIRED",
                    format!("interfaces[{i}].contract"),
                    format!(
                        "contract is required for {kind} interface \"{}\"",
                        iface.name()
                    ),
                    span_of(&iface.contract)
                        .or(span_of(&iface.kind))
                        .or(Some(iface.span)),
                );
            }
        }
    }

    fn runtime_probe(&self, metrics: bool) -> Option<&'a Probe> {
        let rt = self.contract.runtime.as_ref()?;
        if metrics {
            rt.metrics.as_ref()
        } else {
            rt.health.as_ref()
        }
    }

    fn probe(&mut self, probe: &Probe, what: &'static str, requirement: &str) {
        let upper = what.to_ascii_uppercase();
        let code = |suffix: &str| -> &'static str {
            match (what, suffix) {
                ("health", "NOT_FOUND") => "HEALTH_INTERFACE_NOT_FOUND",
                ("health", "INVALID") => "HEALTH_INTERFACE_INVALID",
                ("health", "PATH_REQUIRED") => "HEALTH_PATH_REQUIRED",
                ("health", _) => "HEALTH_PATH_IGNORED",
                (_, "NOT_FOUND") => "METRICS_INTERFACE_NOT_FOUND",
                (_, "INVALID") => "METRICS_INTERFACE_INVALID",
                (_, "PATH_REQUIRED") => "METRICS_PATH_REQUIRED",
                _ => "METRICS_PATH_IGNORED",
            }
        };
        debug_assert!(upper == "HEALTH" || upper == "METRICS");
        let name = probe.interface.as_ref().map_or("", |n| n.as_str());
        let name_span = span_of(&probe.interface).or(Some(probe.place.key));
        let iface_path = format!("runtime.{what}.interface");
        let Some(iface) = self.contract.interfaces.iter().find(|i| i.name() == name) else {
            let declared: Vec<&str> = self.contract.interfaces.iter().map(|i| i.name()).collect();
            let mut d = Diagnostic::error(
                code("NOT_FOUND"),
                iface_path,
                format!("{what} interface \"{name}\" does not match any declared interface"),
            )
            .with_span(name_span);
            if let Some(best) = super::structural::nearest(name, &declared) {
                d = d.with_help(format!("did you mean \"{best}\"?"));
            } else if !declared.is_empty() {
                d = d.with_help(format!("declared interfaces: {}", declared.join(", ")));
            } else {
                d = d.with_help("declare the interface under `interfaces:` first");
            }
            self.out.push(d);
            return;
        };
        let path_path = format!("runtime.{what}.path");
        let has_path = non_empty(&probe.path).is_some();
        match iface.kind() {
            "event" => self.error(
                code("INVALID"),
                iface_path,
                format!("{what} interface \"{name}\" is an event interface; {requirement}"),
                name_span,
            ),
            "http" if !has_path => self.error(
                code("PATH_REQUIRED"),
                path_path,
                if what == "health" {
                    "health check path is required when the health interface type is http"
                        .to_string()
                } else {
                    "metrics path is required when the metrics interface type is http".to_string()
                },
                span_of(&probe.path).or(Some(probe.place.key)),
            ),
            "grpc" if has_path => {
                let msg = if what == "health" {
                    "health check path is not used for grpc interfaces; gRPC uses the standard health protocol".to_string()
                } else {
                    "metrics path is not used for grpc interfaces".to_string()
                };
                self.warn(code("PATH_IGNORED"), path_path, msg, span_of(&probe.path));
            }
            _ => {}
        }
    }

    fn missing_file(&mut self, path: &str) -> bool {
        let Some(bundle) = self.bundle else {
            return false;
        };
        if let Some(known) = self.exists.get(path) {
            return !known;
        }
        let found = bundle.exists(path);
        self.exists.insert(path.to_string(), found);
        !found
    }

    fn file_check(&mut self, value: &Option<Spanned<String>>, path: String, what: &str) {
        let Some(v) = non_empty(value) else { return };
        if self.missing_file(&v.value) {
            // A link that leaves the bundle is there but refused: say so, not "not found"
            // (resolving it reads nothing of the target).
            let escapes = self.bundle.is_some_and(|b| {
                matches!(
                    b.read(&v.value),
                    Err(crate::bundle::BundleError::Escapes { .. })
                )
            });
            let (message, help) = if escapes {
                (
                    format!(
                        "{what} file \"{}\" escapes the bundle through a symbolic link, so it was not read",
                        v.value
                    ),
                    "copy the file into the bundle instead of linking to it".to_string(),
                )
            } else {
                (
                    format!("{what} file \"{}\" not found in bundle", v.value),
                    file_help(&v.value),
                )
            };
            self.out.push(
                Diagnostic::error("FILE_NOT_FOUND", path, message)
                    .with_span(Some(v.span))
                    .with_help(help),
            );
        }
    }

    fn interface_files(&mut self) {
        for (i, iface) in self.contract.interfaces.iter().enumerate() {
            self.file_check(
                &iface.contract,
                format!("interfaces[{i}].contract"),
                "interface contract",
            );
        }
    }

    fn config_files(&mut self) {
        for (prefix, cfg) in self.contract.all_configurations() {
            self.file_check(
                &cfg.schema,
                format!("{prefix}.schema"),
                "configuration schema",
            );
        }
    }

    /// An `oci://` reference that does not parse.
    fn oci_ref(&mut self, value: &Option<Spanned<String>>, code: &'static str, path: String) {
        let Some(v) = value else { return };
        let r = parse_dependency_ref(&v.value);
        if r.scheme != RefScheme::Oci {
            return;
        }
        if let Err(e) = parse_oci_reference(&r.location) {
            self.error(
                code,
                path,
                format!("invalid OCI reference \"{}\": {e}", r.location),
                Some(v.span),
            );
        }
    }

    fn config_refs(&mut self) {
        for (prefix, cfg) in self.contract.all_configurations() {
            self.oci_ref(
                &cfg.reference,
                "INVALID_CONFIG_REF",
                format!("{prefix}.ref"),
            );
        }
    }

    fn policy_fields(&mut self) {
        let policies: Vec<(String, &Policy)> = self.contract.all_policies();
        for (prefix, p) in policies {
            if non_empty(&p.schema).is_none() && non_empty(&p.reference).is_none() {
                self.error(
                    "POLICY_EMPTY",
                    prefix.clone(),
                    "policy must specify at least one of schema or ref".to_string(),
                    Some(p.place.key),
                );
                continue;
            }
            self.file_check(&p.schema, format!("{prefix}.schema"), "policy schema");
            self.oci_ref(&p.reference, "INVALID_POLICY_REF", format!("{prefix}.ref"));
        }
    }

    fn dependency_refs(&mut self) {
        for (i, dep) in self.contract.dependencies.iter().enumerate() {
            if let Some(r) = &dep.reference {
                let parsed = parse_dependency_ref(&r.value);
                if parsed.scheme == RefScheme::Oci {
                    match parse_oci_reference(&parsed.location) {
                        Err(e) => self.error(
                            "INVALID_OCI_REF",
                            format!("dependencies[{i}].ref"),
                            format!("invalid OCI reference \"{}\": {e}", r.value),
                            Some(r.span),
                        ),
                        Ok(oci) if oci.tag.is_some() && oci.digest.is_none() => {
                            self.out.push(
                                Diagnostic::warning(
                                    "TAG_NOT_DIGEST",
                                    format!("dependencies[{i}].ref"),
                                    format!(
                                        "dependency \"{}\" uses a tag instead of a digest; digest pinning is recommended",
                                        r.value
                                    ),
                                )
                                .with_span(Some(r.span))
                                .with_help("pin it as oci://host/repo@sha256:<digest> (the tag may stay before the @)"),
                            );
                        }
                        Ok(_) => {}
                    }
                }
            }
            if let Some(c) = &dep.compatibility {
                let path = || format!("dependencies[{i}].compatibility");
                if c.value.is_empty() {
                    self.error(
                        "EMPTY_COMPATIBILITY",
                        path(),
                        "compatibility range must not be empty".to_string(),
                        Some(c.span),
                    );
                } else if let Err(e) = Constraint::parse(&c.value) {
                    self.out.push(
                        Diagnostic::error(
                            "INVALID_COMPATIBILITY",
                            path(),
                            format!(
                                "invalid compatibility range \"{0}\": invalid semver range \"{0}\": {e}",
                                c.value
                            ),
                        )
                        .with_span(Some(c.span))
                        .with_help("use a range such as ^1.2.0, ~1.2, >=1.0.0 <2.0.0 or 1.x"),
                    );
                }
            }
        }
    }

    fn image_ref(&mut self) {
        let Some(image) = self
            .contract
            .service
            .as_ref()
            .and_then(|s| s.image.as_ref())
        else {
            return;
        };
        let Some(r) = &image.reference else { return };
        if let Err(e) = parse_oci_reference(&r.value) {
            self.out.push(
                Diagnostic::error(
                    "INVALID_IMAGE_REF",
                    "service.image.ref",
                    format!("invalid OCI reference \"{}\": {e}", r.value),
                )
                .with_span(Some(r.span))
                .with_help("write the full reference: registry/repository[:tag][@digest], e.g. docker.io/library/redis:7"),
            );
        }
    }

    fn chart(&mut self) {
        let Some(chart) = self
            .contract
            .service
            .as_ref()
            .and_then(|s| s.chart.as_ref())
        else {
            return;
        };
        self.oci_ref(
            &chart.reference,
            "INVALID_CHART_REF",
            "service.chart.ref".to_string(),
        );
        if let Some(v) = non_empty(&chart.version) {
            if let Err(e) = Version::parse(&v.value) {
                self.error(
                    "INVALID_CHART_VERSION",
                    "service.chart.version".to_string(),
                    format!("\"{}\" is not valid semver: {e}", v.value),
                    Some(v.span),
                );
            }
        }
    }

    fn config_values(&mut self) {
        for (prefix, cfg) in self.contract.all_configurations() {
            self.config_value(&prefix, cfg);
        }
    }

    fn config_value(&mut self, prefix: &str, cfg: &Configuration) {
        let Some(values) = &cfg.values else { return };
        let node = self.tree.node(values.value);
        let is_empty = node.entries().next().is_none();
        if is_empty {
            return;
        }
        let path = format!("{prefix}.values");
        let schema = non_empty(&cfg.schema);
        if schema.is_none() && non_empty(&cfg.reference).is_none() {
            self.out.push(
                Diagnostic::error(
                    "VALUES_WITHOUT_SCHEMA",
                    path,
                    "configuration values require a configuration schema to validate against",
                )
                .with_span(Some(values.span))
                .with_help(format!(
                    "add `schema: configuration/schema.json` to `{prefix}`"
                )),
            );
            return;
        }
        // With a `ref`, checking is deferred, as in Go Pacto.
        let (Some(schema), Some(bundle)) = (schema, self.bundle) else {
            return;
        };
        if !bundle.exists(&schema.value) {
            return; // FILE_NOT_FOUND already says so.
        }
        let schema_path = format!("{prefix}.schema");
        let compiled = bundle
            .read(&schema.value)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                crate::schema::compile_file(&bytes).map_err(|e| match e {
                    crate::schema::CompileError::Json(e)
                    | crate::schema::CompileError::Schema(e) => e,
                })
            });
        let validator = match compiled {
            Ok(v) => v,
            Err(e) => {
                self.error(
                    "INVALID_CONFIG_SCHEMA",
                    schema_path,
                    format!("invalid configuration schema: {e}"),
                    Some(schema.span),
                );
                return;
            }
        };
        for (p, m, span) in config_value_problems(&validator, node, &path) {
            self.error("CONFIG_VALUES_VALIDATION_FAILED", p, m, Some(span));
        }
    }

    fn scaling(&mut self) {
        let Some(s) = &self.contract.scaling else {
            return;
        };
        if s.replicas.is_some() {
            return; // Normalised: min = max = replicas.
        }
        if let (Some(min), Some(max)) = (&s.min, &s.max) {
            if min.value > max.value {
                self.error(
                    "SCALING_MIN_EXCEEDS_MAX",
                    "scaling".to_string(),
                    format!(
                        "scaling min ({}) must not exceed max ({})",
                        min.value, max.value
                    ),
                    Some(Span::new(
                        min.span.start.min(max.span.start),
                        min.span.end.max(max.span.end),
                    )),
                );
            }
        }
    }

    fn job_scaling(&mut self) {
        let Some(s) = &self.contract.scaling else {
            return;
        };
        let Some(rt) = &self.contract.runtime else {
            return;
        };
        if rt.workload.as_ref().is_some_and(|w| w.value == "job") {
            self.out.push(
                Diagnostic::error(
                    "JOB_SCALING_NOT_ALLOWED",
                    "scaling",
                    "scaling must not be applied to job workloads",
                )
                .with_span(Some(s.place.key))
                .with_help("remove `scaling`, or use workload `scheduled` or `service`"),
            );
        }
    }

    fn state_invariant(&mut self) {
        let Some(state) = self
            .contract
            .runtime
            .as_ref()
            .and_then(|r| r.state.as_ref())
        else {
            return;
        };
        let stateless = state.kind.as_ref().is_some_and(|k| k.value == "stateless");
        if let Some(d) = state
            .durability
            .as_ref()
            .filter(|d| d.value == "persistent")
        {
            if stateless {
                self.error(
                    "STATELESS_PERSISTENT_CONFLICT",
                    "runtime.state.persistence.durability".to_string(),
                    "stateless services must use ephemeral durability; persistent durability requires stateful or hybrid".to_string(),
                    Some(d.span),
                );
            }
        }
    }
}

/// `CONFIG_VALUES_VALIDATION_FAILED` problems of configuration `values` against their schema,
/// each on the value it concerns (both generations).
pub(super) fn config_value_problems(
    validator: &jsonschema::Validator,
    values: crate::syntax::NodeRef<'_>,
    path: &str,
) -> Vec<(String, String, Span)> {
    let instance = values.to_json();
    super::structural::check_with(validator, &instance, values, |pointer, msg| {
        let at = if pointer.is_empty() {
            String::new()
        } else {
            format!("at '{pointer}': ")
        };
        (
            path.to_string(),
            format!("configuration values do not match schema: {at}{msg}"),
        )
    })
}
