//! The HTML page `pacto doc --serve` shows: the Markdown rendered on the server, Mermaid
//! blocks left for the vendored `mermaid.min.js` to draw, nothing fetched from elsewhere.
//!
//! The Markdown mixes our own markup with text from the bundle (names, descriptions, `docs/`
//! pages), so the renderer keeps only the raw HTML tags the generator writes (`details`,
//! `summary`, `h3`–`h6` with a plain `id`, `code`, `br`); any other raw HTML is shown as text.
//! Link targets other than relative paths, fragments, `http(s)` and `mailto` are dropped.
//! The server adds [`CONTENT_SECURITY_POLICY`], which allows scripts from the page's own
//! origin only.

use super::escape::{anchor, html};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// The policy the server sends with every page: own-origin scripts, styles and images only
/// (Mermaid writes inline styles into its SVGs, hence `'unsafe-inline'` for styles).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the page loads its assets from (the server must serve them there).
pub const MERMAID_PATH: &str = "/_pacto/mermaid.min.js";
pub const INIT_PATH: &str = "/_pacto/init.js";
pub const STYLE_PATH: &str = "/_pacto/doc.css";

/// Starts Mermaid once the page has loaded (a file, since inline scripts are not allowed).
pub const INIT_JS: &str =
    "mermaid.initialize({ startOnLoad: true, securityLevel: 'strict', theme: 'default' });\n";

/// A small, readable stylesheet in the spirit of GitHub's Markdown style.
pub const STYLE_CSS: &str = r#"body { margin: 0; background: #fff; color: #1f2328; font: 16px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { box-sizing: border-box; max-width: 980px; margin: 0 auto; padding: 32px 45px; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h1, h2, h3, h4, h5, h6 { margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }
summary h3 { display: inline; }
details { margin: 16px 0; padding: 8px 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
table { border-collapse: collapse; margin: 16px 0; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; vertical-align: top; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font: 85% ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; overflow: auto; border-radius: 6px; }
pre code { background: none; padding: 0; }
pre.mermaid { background: none; text-align: center; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
hr { border: 0; border-top: 1px solid #d1d9e0; margin: 24px 0; }
"#;

/// The whole page for `markdown`, titled `title`.
pub fn page(title: &str, markdown: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<link rel=\"stylesheet\" href=\"{STYLE_PATH}\">\n</head>\n<body>\n<main class=\"markdown-body\">\n{}</main>\n<script src=\"{MERMAID_PATH}\"></script>\n<script src=\"{INIT_PATH}\"></script>\n</body>\n</html>\n",
        html(title),
        render(markdown)
    )
}

/// Markdown to an HTML fragment, with the rules of this module.
pub fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_mermaid = false;
    let mut heading: Option<(usize, Vec<Event<'_>>, String)> = None;
    for event in Parser::new_ext(markdown, options) {
        // Headings are buffered to give them an id from their text.
        if let Some((_, buffered, text)) = heading.as_mut() {
            match &event {
                Event::End(TagEnd::Heading(level)) => {
                    let level = *level as usize;
                    let id = anchor(text);
                    let inner = std::mem::take(buffered);
                    heading = None;
                    events.push(Event::Html(CowStr::from(format!("<h{level} id=\"{id}\">"))));
                    events.extend(inner);
                    events.push(Event::Html(CowStr::from(format!("</h{level}>\n"))));
                    continue;
                }
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                _ => {}
            }
            buffered.extend(sanitize(event));
            continue;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as usize, Vec::new(), String::new()));
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if lang.as_ref() == "mermaid" =>
            {
                in_mermaid = true;
                events.push(Event::Html(CowStr::from("<pre class=\"mermaid\">")));
            }
            Event::End(TagEnd::CodeBlock) if in_mermaid => {
                in_mermaid = false;
                events.push(Event::Html(CowStr::from("</pre>\n")));
            }
            Event::Text(t) if in_mermaid => {
                events.push(Event::Html(CowStr::from(html(&t))));
            }
            other => events.extend(sanitize(other)),
        }
    }
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

fn sanitize(event: Event<'_>) -> Option<Event<'_>> {
    Some(match event {
        Event::Html(raw) => Event::Html(CowStr::from(filter_html(&raw))),
        Event::InlineHtml(raw) => Event::InlineHtml(CowStr::from(filter_html(&raw))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    })
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let scheme_end = lower.find([':', '/', '?', '#']);
    let has_scheme = matches!(scheme_end, Some(i) if lower.as_bytes()[i] == b':');
    if !has_scheme
        || lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
    {
        url
    } else {
        CowStr::from("#")
    }
}

/// Keep the tags the generator writes, escape everything else.
fn filter_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find('<') {
        out.push_str(&escape_text(&rest[..start]));
        let tail = &rest[start..];
        match tail.find('>') {
            Some(end) if allowed_tag(&tail[..=end]) => {
                out.push_str(&tail[..=end]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str("&lt;");
                rest = &tail[1..];
            }
        }
    }
    out.push_str(&escape_text(rest));
    out
}

/// Text between tags: entities are kept (they are inert), `>` and `"` escaped.
fn escape_text(s: &str) -> String {
    s.replace('>', "&gt;").replace('"', "&quot;")
}

fn allowed_tag(tag: &str) -> bool {
    let inner = &tag[1..tag.len() - 1];
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(i) => (true, i),
        None => (false, inner),
    };
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let mut parts = inner.splitn(2, ' ');
    let name = parts.next().unwrap_or("");
    let attrs = parts.next().unwrap_or("").trim();
    const TAGS: [&str; 8] = ["details", "summary", "h3", "h4", "h5", "h6", "code", "br"];
    if !TAGS.contains(&name) {
        return false;
    }
    if attrs.is_empty() {
        return true;
    }
    if closing {
        return false;
    }
    // One attribute: id="[a-z0-9_-]+".
    attrs
        .strip_prefix("id=\"")
        .and_then(|a| a.strip_suffix('"'))
        .is_some_and(|id| {
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tags_survive_and_others_are_escaped() {
        let md = "<details id=\"dep-x\">\n<summary><h3>1. x <code>v1</code></h3></summary>\n\ntext <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n</details>\n";
        let out = render(md);
        assert!(out.contains("<details id=\"dep-x\">"), "{out}");
        assert!(
            out.contains("<summary><h3>1. x <code>v1</code></h3></summary>"),
            "{out}"
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn attributes_other_than_a_plain_id_are_refused() {
        assert!(allowed_tag("<h4 id=\"dep-a-runtime\">"));
        assert!(!allowed_tag("<h4 id=\"x\" onclick=\"y\">"));
        assert!(!allowed_tag("<details open onToggle=alert(1)>"));
        assert!(!allowed_tag("<code style=\"x\">"));
        assert!(allowed_tag("</details>"));
    }

    #[test]
    fn mermaid_blocks_become_pre_elements_with_escaped_text() {
        let out = render("```mermaid\ngraph TB\n  a[\"x<b>\"] --> b\n```\n");
        assert!(
            out.contains(
                "<pre class=\"mermaid\">graph TB\n  a[&quot;x&lt;b&gt;&quot;] --&gt; b\n</pre>"
            ),
            "{out}"
        );
    }

    #[test]
    fn headings_get_ids_and_dangerous_links_are_dropped() {
        let out = render("## 2. Interfaces\n\n[a](javascript:alert(1)) [b](https://x.test/) [c](interfaces/openapi.yaml) [d](#top)\n");
        assert!(
            out.contains("<h2 id=\"2-interfaces\">2. Interfaces</h2>"),
            "{out}"
        );
        assert!(out.contains("<a href=\"#\">a</a>"), "{out}");
        assert!(out.contains("href=\"https://x.test/\""), "{out}");
        assert!(out.contains("href=\"interfaces/openapi.yaml\""), "{out}");
        assert!(out.contains("href=\"#top\""), "{out}");
    }

    #[test]
    fn the_page_escapes_its_title_and_loads_only_local_scripts() {
        let p = page("<x>", "# t\n");
        assert!(p.contains("<title>&lt;x&gt;</title>"));
        assert!(p.contains(&format!("<script src=\"{MERMAID_PATH}\">")));
        assert!(!p.contains("http://") && !p.contains("https://"));
    }
}
