//! Snippets for whole sections: in 1.x an http interface, a grpc interface, a stateful runtime
//! and a dependency; in 2.0 an openapi and a grpc interface, a health capability, a stateful
//! state and a named dependency. They are offered where the section fits: at the top level when the section's key
//! is absent, as a new item of `interfaces` / `dependencies`, and in an empty `- ` item. The
//! inserted text carries its own indentation (`insertTextMode: asIs`).

use pacto_core::schema::Generation;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, InsertTextFormat, InsertTextMode,
    Range, TextEdit,
};

/// Where the cursor is, from the indentation-based context of [`super::complete`].
pub struct Context<'a> {
    /// The document's generation: each has its own sections.
    pub generation: Generation,
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

/// The 2.0 sections: interfaces name their spec with `ref` and have no port, the state is a
/// top-level section, health is a capability bound to an interface, dependencies have a name.
const SNIPPETS_V2: &[Snippet] = &[
    Snippet {
        label: "openapi interface",
        detail: "an HTTP API described by an OpenAPI document in the bundle",
        section: "interfaces",
        body: &[
            "name: ${1:rest-api}",
            "type: openapi",
            "ref: ${2:interfaces/openapi.yaml}",
        ],
        item: true,
    },
    Snippet {
        label: "grpc interface",
        detail: "a gRPC interface described by a protobuf file in the bundle",
        section: "interfaces",
        body: &[
            "name: ${1:grpc-api}",
            "type: grpc",
            "ref: ${2:interfaces/service.proto}",
        ],
        item: true,
    },
    Snippet {
        label: "health capability",
        detail: "a health endpoint bound to an interface",
        section: "capabilities",
        body: &[
            "type: health",
            "binding:",
            "  type: http",
            "  interface: ${1:rest-api}",
            "  path: ${2:/health}",
        ],
        item: true,
    },
    Snippet {
        label: "stateful state",
        detail: "persistent state kept by the service",
        section: "state",
        body: &[
            "type: stateful",
            "persistence:",
            "  scope: ${1|local,shared|}",
            "  durability: persistent",
            "dataCriticality: ${2|high,medium,low|}",
        ],
        item: false,
    },
    Snippet {
        label: "dependency",
        detail: "a dependency on another service's contract",
        section: "dependencies",
        body: &[
            "name: ${1:service}",
            "ref: oci://${2:registry.example.com/team/service}:${3:1.0.0}",
            "required: ${4|true,false|}",
            "compatibility: \"${5:^1.0.0}\"",
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
    let snippets = match cx.generation {
        Generation::V1 => SNIPPETS,
        Generation::V2 => SNIPPETS_V2,
    };
    for s in snippets {
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
