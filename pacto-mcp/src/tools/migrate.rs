//! `pacto_migrate`: carry a 1.x bundle's `pacto.yaml` to Pacto 2.0 (issue 17), the MCP face of
//! `pacto migrate`. A dry run unless `write` is true; the migration itself is
//! [`pacto_core::migrate::migrate_with`], so the text is byte for byte the CLI's.

use super::{Args, Ctx, Output, ToolError, ToolResult};
use pacto_core::bundle::{write_inside, CONTRACT_FILE};
use pacto_core::migrate::{migrate_with, render_report, MigrateError, Options};
use serde_json::json;

pub fn migrate(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let path = args.required("path")?;
    if path.trim().starts_with("oci://") {
        return Err(ToolError::msg(format!(
            "pacto_migrate migrates a local bundle directory, not {:?}: pull the bundle into the \
             roots first (pacto pull), then migrate that directory",
            path.trim()
        )));
    }
    let dir = ctx.bundle_dir(path)?;
    let file = dir.join(CONTRACT_FILE);
    // Read through the one check every tool uses: a pacto.yaml linked from outside the bundle
    // is refused unread.
    let loaded = ctx.load_bundle(&dir)?;
    let write = args.bool("write");
    let options = Options {
        drop_uncontracted_http: args.bool("dropHttpWithoutContract"),
    };
    let m = migrate_with(&loaded.text, &loaded.bundle, options).map_err(|e| {
        let hint = match &e {
            MigrateError::Inexpressible { reason, .. }
                if reason.contains("http interface without a contract file") =>
            {
                " (or pass dropHttpWithoutContract: true to drop it with a warning)"
            }
            _ => "",
        };
        ToolError::msg(format!(
            "refused: {}: {e}{hint}; nothing was written",
            file.display()
        ))
    })?;
    if write {
        if std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(ToolError::msg(format!(
                "refused: {} is a symbolic link; pacto_migrate never writes through a link \
                 (replace the link with the file itself); nothing was written",
                file.display()
            )));
        }
        write_inside(&dir, CONTRACT_FILE, m.text.as_bytes()).map_err(|e| {
            ToolError::msg(format!(
                "cannot write {}: {e}; nothing was written",
                file.display()
            ))
        })?;
    }
    let mut text = String::new();
    if !write {
        text.push_str(&m.text);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("---\n");
    }
    text.push_str(&render_report(&m));
    text.push_str(&if write {
        format!("Migrated {} to Pacto 2.0: wrote it\n", file.display())
    } else {
        format!(
            "Migrated {} to Pacto 2.0 (dry run: nothing written; pass write: true to write it)\n",
            file.display()
        )
    });
    Ok(Output {
        structured: json!({
            "path": file.display().to_string(),
            "dryRun": !write,
            "written": write,
            "text": m.text,
            "report": m.report,
            "warnings": m.warnings,
        }),
        text,
    })
}
