//! Untrusted bundle archives: `unpack` must return (no panic, bounded), and writing what it
//! accepted into a fresh directory must never create anything outside that directory.
//! The first byte picks the input form: odd = the rest is the .tar.gz as is; even = the rest
//! is a raw tar stream, gzipped here, so the tar reader itself gets fuzzed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pacto_core::bundle::archive::{unpack, write_to_dir, ArchiveLimits};
use std::io::Write as _;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = if mode % 2 == 1 {
        rest.to_vec()
    } else {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if gz.write_all(rest).is_err() {
            return;
        }
        match gz.finish() {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    let Ok(bundle) = unpack(&input, &ArchiveLimits::default()) else {
        return;
    };
    for (path, _) in bundle.files() {
        let clean = !path.is_empty()
            && !path.starts_with('/')
            && !path.contains('\\')
            && path.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
        assert!(clean, "unpack accepted the path {path:?}");
    }
    let Ok(root) = tempfile::tempdir() else {
        return;
    };
    // The target sits three levels down; each level must hold only the way down.
    let levels = ["a", "b", "out"];
    let target = root.path().join(levels.join("/"));
    let _ = write_to_dir(&bundle, &target, false);
    let mut dir = root.path().to_path_buf();
    for name in levels {
        let names: Vec<_> = std::fs::read_dir(&dir)
            .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(names.iter().all(|n| n == name), "wrote outside the target: {names:?} in {dir:?}");
        dir.push(name);
    }
});
