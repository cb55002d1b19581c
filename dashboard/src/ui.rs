//! The browser app, embedded: `dashboard/ui/*` (plain ES modules and CSS, no build step) and
//! the vendored D3 (`ui/vendor/d3.min.js`, the file of the npm package pinned in
//! `dashboard/e2e/package-lock.json`).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const INDEX_HTML: &str = include_str!("../ui/index.html");

/// The stylesheet of rendered documentation pages (inlined in their sandboxed frame).
pub const DOCS_CSS: &str = "body{font:15px/1.55 system-ui,sans-serif;margin:0;padding:12px 16px;color:#1f2328;background:#fff}@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}a{color:#4493f8}}pre,code{font-family:ui-monospace,monospace;background:rgba(127,127,127,.15);border-radius:4px}pre{padding:10px;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #8886;padding:4px 8px}";

/// Every embedded asset: name, content type, bytes.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/app.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/dom.js"),
    ),
    (
        "pages.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/pages.js"),
    ),
    (
        "graph.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/graph.js"),
    ),
    (
        "change.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/change.js"),
    ),
    (
        "palette.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/palette.js"),
    ),
    (
        "readiness.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/readiness.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../ui/style.css"),
    ),
    (
        "d3.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../ui/vendor/d3.min.js"),
    ),
    (
        "d3.LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../ui/vendor/d3.LICENSE"),
    ),
];

pub async fn index() -> Response {
    let mut r = INDEX_HTML.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == file) {
        Some((_, ct, bytes)) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        None => crate::api::problem(StatusCode::NOT_FOUND, "no such asset"),
    }
}

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// The app builds its DOM from text only: no embedded script (ours, not the vendored D3)
    /// uses an HTML sink or evaluates strings.
    #[test]
    fn no_script_of_ours_parses_html_or_evaluates_strings() {
        let ours: Vec<_> = ASSETS
            .iter()
            .filter(|(n, _, _)| n.ends_with(".js") && !n.starts_with("d3"))
            .collect();
        assert!(ours.len() >= 5, "the app's modules are embedded");
        for (name, _, bytes) in ours {
            let js = String::from_utf8_lossy(bytes);
            for sink in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
                "setAttribute('style'",
            ] {
                assert!(!js.contains(sink), "{name} uses {sink}");
            }
        }
    }

    /// Every module the app imports is embedded (a missing one would only fail in a browser).
    #[test]
    fn every_imported_module_is_embedded() {
        for (name, _, bytes) in ASSETS.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            let js = String::from_utf8_lossy(bytes);
            for part in js.split("from './").skip(1) {
                let Some((module, _)) = part.split_once('\'') else {
                    continue;
                };
                assert!(
                    ASSETS.iter().any(|(n, _, _)| *n == module),
                    "{name} imports {module}, which is not embedded"
                );
            }
        }
        assert!(super::INDEX_HTML.contains("/ui/app.js"));
    }
}
