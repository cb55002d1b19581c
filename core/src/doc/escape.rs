//! Escaping of untrusted text (names, descriptions, paths from a contract) for the three
//! languages documentation is written in: Markdown, Mermaid and HTML.

/// Text that Markdown must show literally: inline markup, HTML and table pipes are escaped and
/// line breaks become spaces.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Prose from a schema `description`: kept as Markdown, but on one line, with pipes escaped (it
/// sits in a table cell) and HTML tags neutralised.
pub fn prose(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut last_space = false;
    for c in s.trim().chars() {
        let space = matches!(c, '\n' | '\r' | '\t');
        match c {
            _ if space => {
                if !last_space {
                    out.push(' ');
                }
            }
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        last_space = space;
    }
    out
}

/// A Markdown code span showing `s` literally (also inside a table cell).
pub fn code(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .collect();
    // A fence longer than the longest run of backticks inside.
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') {
        " "
    } else {
        ""
    };
    // GFM splits table cells on `|` even inside code spans; `\|` is the escape it honours there.
    let body = s.replace('|', "\\|");
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Text for an HTML element or a double-quoted attribute.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a double-quoted Mermaid label: quotes, markup and entity starts become Mermaid
/// entity codes (`#quot;`, `#35;`), line breaks become spaces. Backslashes and Markdown
/// characters are kept (Mermaid labels in quotes show them literally).
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            ';' => out.push_str("#59;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid node id: the name's ASCII letters and digits (Go Pacto's rule), behind a prefix so
/// that no id is a Mermaid keyword (`end`, `graph`, `subgraph`) or starts with a digit.
pub fn mermaid_id(prefix: &str, name: &str) -> String {
    let mut id = String::from(prefix);
    id.extend(name.chars().filter(char::is_ascii_alphanumeric));
    id
}

/// The anchor of a heading (spec §8): lowercase, spaces to `-`, `:` and `.` deleted. Characters
/// outside `[a-z0-9_-]` are dropped too, so an anchor is always a safe HTML id.
pub fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_cannot_open_markup() {
        assert_eq!(
            md("a|b *c* <script>&`x`"),
            "a\\|b \\*c\\* \\<script\\>&amp;\\`x\\`"
        );
        assert_eq!(md("line\nbreak"), "line break");
    }

    #[test]
    fn code_spans_fence_around_backticks_and_pipes() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }

    #[test]
    fn mermaid_labels_cannot_close_the_quote() {
        assert_eq!(
            mermaid("a\"] --> x[\"b<br/>#1;"),
            "a#quot;] --#gt; x[#quot;b#lt;br/#gt;#35;1#59;"
        );
    }

    #[test]
    fn ids_and_anchors_are_safe() {
        assert_eq!(mermaid_id("n_", "end"), "n_end");
        assert_eq!(mermaid_id("n_", "pay-ments.v2"), "n_paymentsv2");
        assert_eq!(
            anchor("2.1. HTTP Interface: rest-api"),
            "21-http-interface-rest-api"
        );
        assert_eq!(anchor("x\"><script>"), "xscript");
    }

    #[test]
    fn html_escapes_attributes() {
        assert_eq!(
            html("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
