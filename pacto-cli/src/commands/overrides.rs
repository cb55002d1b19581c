//! The override flags Go Pacto takes (`-f/--values FILE`, `--set key=value`; on `push` without
//! `-f`, which is `--force` there; on `diff` one pair per side), read into
//! [`pacto_core::overrides::Overrides`].

use pacto_core::bundle::read_bounded;
use pacto_core::overrides::{Mark, Overrides, ValuesFile};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct OverrideArgs {
    /// Merge a YAML values file into the contract (repeatable; later files win). Mappings merge,
    /// anything else (lists included) replaces.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set one value by its dot path, after the values files (repeatable):
    /// `--set service.version=2.0.0`, `--set interfaces[0].visibility=public`. The value is typed
    /// as Go Pacto types it: integer, float, boolean, else string.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `push`'s override flags: `-f` is `--force` there, as in Go Pacto.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PushOverrideArgs {
    /// Merge a YAML values file into the contract before it is pushed (repeatable).
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set one value by its dot path before the contract is pushed (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `diff`'s override flags, one pair per side.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DiffOverrideArgs {
    /// A values file for the old (first) contract (repeatable).
    #[arg(long = "old-values", value_name = "FILE")]
    pub old_values: Vec<PathBuf>,
    /// A `key=value` for the old contract (repeatable).
    #[arg(long = "old-set", value_name = "KEY=VALUE")]
    pub old_set: Vec<String>,
    /// A values file for the new (second) contract (repeatable).
    #[arg(long = "new-values", value_name = "FILE")]
    pub new_values: Vec<PathBuf>,
    /// A `key=value` for the new contract (repeatable).
    #[arg(long = "new-set", value_name = "KEY=VALUE")]
    pub new_set: Vec<String>,
}

/// Read the values files (bounded) and gather the `--set`s.
pub fn collect(values: &[PathBuf], set: &[String]) -> anyhow::Result<Overrides> {
    let mut files = Vec::with_capacity(values.len());
    for path in values {
        let shown = path.display().to_string();
        // Bounded like a bundle file; a FIFO or device is refused, never waited on.
        let bytes = read_bounded(path, &shown)
            .map_err(|e| anyhow::anyhow!("failed to read values file {shown:?}: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("values file {shown:?} is not UTF-8 text"))?;
        files.push(ValuesFile { name: shown, text });
    }
    Ok(Overrides {
        values: files,
        set: set.to_vec(),
    })
}

impl OverrideArgs {
    pub fn read(&self) -> anyhow::Result<Overrides> {
        collect(&self.values, &self.set)
    }
}

impl PushOverrideArgs {
    pub fn read(&self) -> anyhow::Result<Overrides> {
        collect(&self.values, &self.set)
    }
}

/// Say on stderr which keys the overrides wrote (stdout keeps the command's own output).
pub fn announce(marks: &[Mark]) {
    for m in marks {
        eprintln!("overridden: {} (by {})", m.dotted(), m.by);
    }
}
