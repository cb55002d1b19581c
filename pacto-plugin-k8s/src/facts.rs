//! The deployment facts a contract does not state, taken from `--option` values.
//!
//! A Pacto 2.0 contract is platform-agnostic: it has no interface ports, no image and no
//! scaling (Go Pacto 3.x moved ports to the operator's `spec.target.interfaceBindings`). So for
//! a 2.0 contract the plugin reads `workload`, `state` and the `health`/`metrics` capability
//! bindings from the contract, and takes
//! - each interface's port from `--option port.<interface>=PORT`, else from the
//!   `interfaceBindings` of a `Pacto` resource named by `--option bindings=FILE`; an `openapi`
//!   or `grpc` interface of a `service`, and any interface a capability binds, must get one;
//! - `replicas` from `--option replicas=N` (default 1), and an autoscaler up to
//!   `--option maxReplicas=M`;
//! - the image from `--option image=REF`.
//!
//! For a 1.x contract the same options only fill what the contract leaves out (an interface
//! without a port, a missing `scaling`); what the contract declares wins.

use crate::Error;
use pacto_core::model::{Contract, Place, Scaling, Spanned};
use pacto_core::syntax::{parse, Limits, Tree};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Largest bindings file or `pacto.yaml` read.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A port given for an interface, and where it came from (for messages).
#[derive(Debug, Clone, PartialEq)]
pub enum PortSource {
    /// `--option port.<interface>=PORT`.
    Option(i32),
    /// `interfaceBindings[i].servicePort` of the bindings file: a number, or a port name
    /// (which gives no number).
    Binding {
        file: String,
        index: usize,
        port: Result<i32, String>,
    },
}

/// An interface that needs a port and got none.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingPort {
    pub index: usize,
    pub name: String,
    pub kind: String,
    /// Why it needs one: `the Service serves it` or `the health capability binds it`.
    pub why: String,
    /// `path:line:col` of the interface in the bundle's `pacto.yaml`, when it could be read.
    pub location: Option<String>,
    /// A bindings entry that names the port without a number.
    pub named: Option<(String, usize, String)>,
}

impl std::fmt::Display for MissingPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        write!(
            f,
            "interfaces[{}] ({}, {}) has no port and {}: ",
            self.index, self.name, self.kind, self.why
        )?;
        if let Some((file, i, port)) = &self.named {
            write!(
                f,
                "{file}: interfaceBindings[{i}].servicePort {port:?} is a port name, not a number; "
            )?;
        }
        write!(f, "pass --option port.{}=PORT", self.name)
    }
}

/// `Error::MissingPorts`' message: one line per interface.
pub fn missing_ports_message(missing: &[MissingPort]) -> String {
    let mut out = String::from(
        "a 2.0 contract declares no ports (they are deployment facts, like the operator's interfaceBindings): give each interface below one with --option port.<interface>=PORT, or --option bindings=FILE naming a Pacto resource with numeric servicePorts",
    );
    for m in missing {
        out.push_str("\n  ");
        out.push_str(&m.to_string());
    }
    out
}

/// `--option port.<interface>=PORT` values.
pub fn port_options(map: &BTreeMap<String, String>) -> Result<BTreeMap<String, i32>, Error> {
    let mut ports = BTreeMap::new();
    for (key, value) in map {
        let Some(iface) = key.strip_prefix("port.") else {
            continue;
        };
        if iface.is_empty() {
            return Err(Error::Option {
                name: key.clone(),
                reason: "name the interface: port.<interface>=PORT".to_string(),
            });
        }
        ports.insert(iface.to_string(), parse_port(key, value)?);
    }
    Ok(ports)
}

fn parse_port(name: &str, value: &str) -> Result<i32, Error> {
    match value.trim().parse::<i32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p),
        _ => Err(Error::Option {
            name: name.to_string(),
            reason: format!("{value:?} is not a port (a number from 1 to 65535)"),
        }),
    }
}

/// A count option (`replicas`, `maxReplicas`).
pub fn count_option(
    map: &BTreeMap<String, String>,
    name: &str,
    min: i32,
) -> Result<Option<i32>, Error> {
    match map.get(name) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<i32>() {
            Ok(n) if (min..=100_000).contains(&n) => Ok(Some(n)),
            _ => Err(Error::Option {
                name: name.to_string(),
                reason: format!("{v:?} is not a number from {min} to 100000"),
            }),
        },
    }
}

fn read_bounded(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
    }
    Ok(text)
}

fn parse_yaml(text: &str) -> Option<Tree> {
    let limits = Limits {
        max_bytes: text.len().max(Limits::default().max_bytes),
        ..Limits::default()
    };
    parse(text, &limits).tree
}

/// The `spec.target.interfaceBindings` of the `Pacto` resource in `file` (the operator's
/// binding of contract interfaces to Service ports), by interface name.
pub fn read_bindings(file: &str) -> Result<BTreeMap<String, PortSource>, Error> {
    let bad = |reason: String| Error::Option {
        name: "bindings".to_string(),
        reason: format!("{file}: {reason}"),
    };
    let text = read_bounded(Path::new(file)).map_err(bad)?;
    let tree = parse_yaml(&text).ok_or_else(|| bad("not a YAML document".to_string()))?;
    let root = tree.root();
    let kind = root
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or_default();
    if kind != "Pacto" {
        return Err(bad(format!(
            "expected a Pacto resource (kind: Pacto), found kind {kind:?}"
        )));
    }
    let Some(items) = root
        .get("spec")
        .and_then(|s| s.get("target"))
        .and_then(|t| t.get("interfaceBindings"))
        .filter(|b| b.is_sequence())
    else {
        return Err(bad(
            "no spec.target.interfaceBindings list in the Pacto resource".to_string(),
        ));
    };
    let mut out = BTreeMap::new();
    for (index, item) in items.items().enumerate() {
        let Some(iface) = item.get("interface").and_then(|i| i.as_str()) else {
            return Err(bad(format!("interfaceBindings[{index}] has no interface")));
        };
        let port = match item.get("servicePort").map(|p| p.to_json()) {
            Some(serde_json::Value::Number(n)) => n
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| (1..=65535).contains(n))
                .ok_or_else(|| {
                    bad(format!(
                        "interfaceBindings[{index}].servicePort {n} is not a port"
                    ))
                })?,
            Some(serde_json::Value::String(s)) => match s.parse::<i32>() {
                Ok(p) if (1..=65535).contains(&p) => p,
                _ => {
                    out.insert(
                        iface.to_string(),
                        PortSource::Binding {
                            file: file.to_string(),
                            index,
                            port: Err(s),
                        },
                    );
                    continue;
                }
            },
            _ => {
                return Err(bad(format!(
                    "interfaceBindings[{index}] has no servicePort"
                )))
            }
        };
        out.insert(
            iface.to_string(),
            PortSource::Binding {
                file: file.to_string(),
                index,
                port: Ok(port),
            },
        );
    }
    Ok(out)
}

/// Where interface `index` sits in `<bundle_dir>/pacto.yaml` (`path:line:col`, 1-based), when
/// the file can be read.
pub fn interface_location(bundle_dir: &str, index: usize) -> Option<String> {
    let path = Path::new(bundle_dir).join("pacto.yaml");
    let text = read_bounded(&path).ok()?;
    let tree = parse_yaml(&text)?;
    let node = tree.root().get("interfaces")?.item(index)?;
    let lc = tree
        .line_index()
        .line_col(node.span().start, pacto_core::syntax::ColumnUnit::Char);
    Some(format!("{}:{}:{}", path.display(), lc.line + 1, lc.col + 1))
}

/// The contract with the facts the options supply filled in, and notes for the message.
pub fn resolve(
    contract: &Contract,
    tree: &Tree,
    options: &crate::Options,
) -> Result<(Contract, Vec<String>), Error> {
    let v2 = pacto_core::doc::v2::is_v2(tree);
    let mut c = if v2 {
        pacto_core::doc::v2::with_runtime(contract, tree)
    } else {
        contract.clone()
    };
    let mut notes = Vec::new();

    // Ports.
    let names: Vec<String> = c.interfaces.iter().map(|i| i.name().to_string()).collect();
    for key in options.ports.keys() {
        if !names.contains(key) {
            return Err(Error::Option {
                name: format!("port.{key}"),
                reason: format!(
                    "the contract has no interface named {key:?} (interfaces: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            });
        }
    }
    // (capability, interface) of each health/metrics binding.
    let bound: Vec<(String, String)> = pacto_core::doc::v2::capabilities(tree)
        .into_iter()
        .filter(|cap| matches!(cap.kind.as_str(), "health" | "metrics"))
        .filter_map(|cap| cap.binding.map(|b| (cap.kind, b.interface)))
        .filter(|(_, i)| !i.is_empty())
        .collect();
    let workload = c
        .runtime
        .as_ref()
        .and_then(|r| r.workload.as_ref())
        .map_or("service", |w| w.as_str());
    let mut missing = Vec::new();
    for (index, i) in c.interfaces.iter_mut().enumerate() {
        let name = i.name().to_string();
        let given = options
            .ports
            .get(&name)
            .map(|p| PortSource::Option(*p))
            .or_else(|| options.bindings.get(&name).cloned());
        if let Some(declared) = &i.port {
            if given.is_some() {
                notes.push(format!(
                    "the port given for {name} is ignored: the contract declares {}",
                    declared.value
                ));
            }
            continue;
        }
        let mut named = None;
        match given {
            Some(PortSource::Option(p)) | Some(PortSource::Binding { port: Ok(p), .. }) => {
                i.port = Some(Spanned {
                    value: i64::from(p),
                    span: Default::default(),
                });
                continue;
            }
            Some(PortSource::Binding {
                file,
                index,
                port: Err(n),
            }) => named = Some((file, index, n)),
            None => {}
        }
        if !v2 {
            continue;
        }
        let why = if let Some((cap, _)) = bound.iter().find(|(_, i)| *i == name) {
            format!("the {cap} capability binds it")
        } else if workload == "service" && matches!(i.kind(), "openapi" | "grpc") {
            "the Service serves it".to_string()
        } else {
            continue;
        };
        missing.push(MissingPort {
            index,
            name,
            kind: i.kind().to_string(),
            why,
            location: None,
            named,
        });
    }
    if !missing.is_empty() {
        return Err(Error::MissingPorts(missing));
    }

    // Replicas and autoscaling.
    let given = options.replicas.is_some() || options.max_replicas.is_some();
    if c.scaling.is_some() {
        if given {
            notes.push(
                "replicas/maxReplicas are ignored: the contract declares scaling".to_string(),
            );
        }
    } else if v2 || given {
        if v2 && workload == "service" && options.replicas.is_none() {
            notes.push(
                "replicas: 1 (a 2.0 contract declares no scaling: pass --option replicas=N, and maxReplicas=M for an autoscaler)"
                    .to_string(),
            );
        }
        let min = options.replicas.unwrap_or(1);
        let max = options.max_replicas.unwrap_or(min);
        if max < min {
            return Err(Error::Option {
                name: "maxReplicas".to_string(),
                reason: format!("{max} is below replicas ({min})"),
            });
        }
        let n = |v: i32| {
            Some(Spanned {
                value: i64::from(v),
                span: Default::default(),
            })
        };
        c.scaling = Some(if max > min {
            Scaling {
                place: Place::default(),
                replicas: None,
                min: n(min),
                max: n(max),
            }
        } else {
            Scaling {
                place: Place::default(),
                replicas: n(min),
                min: None,
                max: None,
            }
        });
    }
    Ok((c, notes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a test failure
    use super::*;

    fn bindings(text: &str) -> Result<BTreeMap<String, PortSource>, String> {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("pacto.yaml");
        std::fs::write(&file, text).unwrap();
        let name = file.display().to_string();
        read_bindings(&name).map_err(|e| e.to_string().replace(&name, "FILE"))
    }

    #[test]
    fn bindings_come_from_a_pacto_resource() {
        let b = bindings("kind: Pacto\nspec:\n  target:\n    interfaceBindings:\n      - {interface: api, servicePort: 8080}\n      - {interface: rpc, servicePort: \"9090\"}\n      - {interface: web, servicePort: http}\n").unwrap();
        let ports: Vec<_> = b
            .iter()
            .map(|(k, v)| match v {
                PortSource::Binding { index, port, .. } => (k.as_str(), *index, port.clone()),
                PortSource::Option(_) => unreachable!(),
            })
            .collect();
        assert_eq!(
            ports,
            [
                ("api", 0, Ok(8080)),
                ("rpc", 1, Ok(9090)),
                ("web", 2, Err("http".to_string()))
            ]
        );
    }

    #[test]
    fn bad_bindings_files_say_what_is_wrong() {
        assert_eq!(
            bindings("kind: Deployment\n").unwrap_err(),
            "option bindings: FILE: expected a Pacto resource (kind: Pacto), found kind \"Deployment\""
        );
        assert_eq!(
            bindings("kind: Pacto\nspec: {target: {serviceName: a}}\n").unwrap_err(),
            "option bindings: FILE: no spec.target.interfaceBindings list in the Pacto resource"
        );
        assert_eq!(
            bindings("kind: Pacto\nspec: {target: {interfaceBindings: [{interface: a, servicePort: 70000}]}}\n").unwrap_err(),
            "option bindings: FILE: interfaceBindings[0].servicePort 70000 is not a port"
        );
        assert_eq!(
            bindings("kind: Pacto\nspec: {target: {interfaceBindings: [{servicePort: 80}]}}\n")
                .unwrap_err(),
            "option bindings: FILE: interfaceBindings[0] has no interface"
        );
        assert!(read_bindings("/nonexistent/pacto.yaml")
            .unwrap_err()
            .to_string()
            .starts_with("option bindings: /nonexistent/pacto.yaml: "));
    }

    #[test]
    fn port_and_count_options_are_checked() {
        let map = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert_eq!(
            port_options(&map("port.api", "8080")).unwrap(),
            BTreeMap::from([("api".to_string(), 8080)])
        );
        for bad in ["0", "65536", "http", ""] {
            assert!(port_options(&map("port.api", bad)).is_err(), "{bad}");
        }
        assert!(port_options(&map("port.", "80")).is_err());
        assert_eq!(
            count_option(&map("replicas", "0"), "replicas", 0).unwrap(),
            Some(0)
        );
        assert!(count_option(&map("maxReplicas", "0"), "maxReplicas", 1).is_err());
        assert_eq!(count_option(&BTreeMap::new(), "replicas", 0).unwrap(), None);
    }
}
