//! Snippets for whole sections: an http interface, a grpc interface, a stateful runtime and a
//! dependency. They are offered where the section fits: at the top level when the section's key
//! is absent, as a new item of `interfaces` / `dependencies`, and in an empty `- ` item. The
//! inserted text carries its own indentation (`insertTextMode: asIs`).

use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, InsertTextFormat, InsertTextMode,
    Range, TextEdit,
};

/// Where the cursor is, from the indentation-based context of [`super::complete`].
pub struct Context<'a> {
    /// Instance path of the mapping (or sequence) the cursor line belongs to.
    pub path: &'a [&'a str],
    /// Column of the key being typed.
    pub indent: usize,
    /// Whether the cursor line starts a sequence item (`- `).
    pub dash: bool,
    /// Keys already present in that mapping.
    pub present: &'a [String],
    /// The word typed so far, replaced by the snippet.
    pub replace: Range,
}

struct Snippet {
    label: &'static str,
    detail: &'static str,
    /// The section key at the top level (`interfaces`, `runtime`, `dependencies`).
    section: &'static str,
    /// The body of one item or of the section value, as lines relative to the item's column.
    body: &'static [&'static str],
    /// Whether `body` is a sequence item (so `section:` holds a list of it).
    item: bool,
}

const SNIPPETS: &[Snippet] = &[
    Snippet {
        label: "http interface",
        detail: "an HTTP interface with its port",
        section: "interfaces",
        body: &["name: ${1:api}", "type: http", "port: ${2:8080}"],
        item: true,
    },
    Snippet {
        label: "grpc interface",
        detail: "a gRPC interface with its port and protobuf contract",
        section: "interfaces",
        body: &[
            "name: ${1:grpc-api}",
            "type: grpc",
            "port: ${2:9090}",
            "contract: ${3:interfaces/service.proto}",
        ],
        item: true,
    },
    Snippet {
        label: "stateful runtime",
        detail: "a long-running service that keeps persistent state",
        section: "runtime",
        body: &[
            "workload: ${1|service,job,scheduled|}",
            "state:",
            "  type: stateful",
            "  persistence:",
            "    scope: ${2|local,shared|}",
            "    durability: persistent",
            "  dataCriticality: ${3|high,medium,low|}",
        ],
        item: false,
    },
    Snippet {
        label: "dependency",
        detail: "a dependency on another service's contract",
        section: "dependencies",
        body: &[
            "ref: oci://${1:registry.example.com/team/service}:${2:1.0.0}",
            "required: ${3|true,false|}",
            "compatibility: \"${4:^1.0.0}\"",
        ],
        item: true,
    },
];

/// `lines` joined, every line after the first indented by `indent` spaces.
fn indented(lines: &[&str], indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(l);
    }
    out
}

pub fn complete(cx: &Context<'_>) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    for s in SNIPPETS {
        let mut filter = s.label.to_string();
        let text = match cx.path {
            // Top level, section absent: the whole section.
            [] if !cx.dash && cx.indent == 0 && !cx.present.iter().any(|p| p == s.section) => {
                filter = format!("{} {}", s.section, s.label);
                if s.item {
                    format!("{}:\n  - {}", s.section, indented(s.body, 4))
                } else {
                    format!("{}:\n  {}", s.section, indented(s.body, 2))
                }
            }
            // A new item on a blank line of the section's list.
            [section] if s.item && *section == s.section && !cx.dash => {
                format!("- {}", indented(s.body, cx.indent + 2))
            }
            // An empty `- ` item of the section's list.
            [section, i]
                if s.item
                    && *section == s.section
                    && i.parse::<usize>().is_ok()
                    && cx.dash
                    && cx.present.is_empty() =>
            {
                indented(s.body, cx.indent)
            }
            _ => continue,
        };
        out.push(CompletionItem {
            label: s.label.to_string(),
            kind: Some(CompletionItemKind::SNIPPET),
            detail: Some(s.detail.to_string()),
            filter_text: Some(filter),
            insert_text_format: Some(InsertTextFormat::SNIPPET),
            insert_text_mode: Some(InsertTextMode::AS_IS),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: cx.replace,
                new_text: text,
            })),
            ..Default::default()
        });
    }
    out
}
