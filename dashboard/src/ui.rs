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
