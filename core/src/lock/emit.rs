//! Writing `pacto.lock` byte for byte as Go Pacto does: `yaml.Marshal` of gopkg.in/yaml.v3
//! (indentation 4, block sequences indented under their key, no line folding) over the lock's
//! fixed shape. Only what a lock holds is supported: mappings of scalars, sequences of
//! mappings and of strings.

use crate::syntax::{resolve, Resolved, Style};

/// One value of the lock document.
pub(crate) enum Value {
    Str(String),
    Int(i64),
    /// Keys in the order written.
    Map(Vec<(&'static str, Value)>),
    Seq(Vec<Value>),
}

/// The document as yaml.v3 writes it.
pub(crate) fn to_yaml(doc: &Value) -> String {
    let mut out = String::new();
    match doc {
        Value::Map(entries) => write_map(&mut out, entries, 0, false),
        other => {
            write_scalar(&mut out, other);
            out.push('\n');
        }
    }
    out
}

/// yaml.v3's indentation: a nested block goes to the next multiple of 4.
fn next_indent(indent: usize) -> usize {
    4 * ((indent + 4) / 4)
}

/// A mapping whose keys start at column `indent`. `inline_first`: the first key follows a
/// `- ` already written.
fn write_map(
    out: &mut String,
    entries: &[(&'static str, Value)],
    indent: usize,
    inline_first: bool,
) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if !(i == 0 && inline_first) {
            push_indent(out, indent);
        }
        out.push_str(key);
        out.push(':');
        match value {
            Value::Map(m) if !m.is_empty() => {
                out.push('\n');
                write_map(out, m, next_indent(indent), false);
            }
            Value::Seq(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, next_indent(indent));
            }
            Value::Map(_) => out.push_str(" {}\n"),
            Value::Seq(_) => out.push_str(" []\n"),
            scalar => {
                out.push(' ');
                write_scalar(out, scalar);
                out.push('\n');
            }
        }
    }
}

/// A sequence whose `- ` starts at column `indent`; an item mapping's keys sit 2 further.
fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        push_indent(out, indent);
        out.push_str("- ");
        match item {
            Value::Map(m) if !m.is_empty() => write_map(out, m, indent + 2, true),
            Value::Seq(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, indent + 2);
            }
            Value::Map(_) => out.push_str("{}\n"),
            Value::Seq(_) => out.push_str("[]\n"),
            scalar => {
                write_scalar(out, scalar);
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_scalar(out: &mut String, v: &Value) {
    match v {
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Str(s) => out.push_str(&scalar(s)),
        Value::Map(_) | Value::Seq(_) => {}
    }
}

/// A string as yaml.v3 writes it in block context: plain when it reads back as the same
/// string and the emitter allows it, else single-quoted, else double-quoted.
pub(crate) fn scalar(s: &str) -> String {
    if s.contains('\n') {
        // A lock never holds multi-line text; double quotes keep it on one line and exact.
        return double_quoted(s);
    }
    let reads_as_string = !s.is_empty()
        && resolve(s, Style::Plain, None) == Resolved::Str
        && !is_old_bool(s)
        && !is_base60_float(s);
    let a = analyze(s);
    if reads_as_string && a.block_plain {
        return s.to_string();
    }
    if reads_as_string && a.single_quoted {
        return format!("'{}'", s.replace('\'', "''"));
    }
    double_quoted(s)
}

/// YAML 1.1 booleans yaml.v3 still quotes.
fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let digits = &b[start..i];
        let ok = match digits.len() {
            1 => true,
            2 => (b'0'..=b'5').contains(&digits[0]),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

struct Analysis {
    block_plain: bool,
    single_quoted: bool,
}

fn is_printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || c == 0x85
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFD).contains(&c) && c != 0xFEFF)
        || (0x10000..=0x10FFFF).contains(&c)
}

/// libyaml's `yaml_emitter_analyze_scalar`, reduced to block context.
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain: true,
            single_quoted: true,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut special = false;
    let mut line_breaks = false;
    let (mut leading_space, mut trailing_space, mut break_space, mut space_break) =
        (false, false, false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_by_ws = true;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == chars.len();
        let followed_by_ws = chars.get(i + 1).is_none_or(|n| *n == ' ' || *n == '\t');
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_ws => block_indicators = true,
                '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        let is_break = matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        if is_break {
            line_breaks = true;
        }
        if c == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break {
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = c == ' ' || c == '\t' || is_break;
    }
    let mut block_plain = true;
    let mut single_quoted = true;
    if leading_space || trailing_space {
        block_plain = false;
    }
    if break_space {
        block_plain = false;
        single_quoted = false;
    }
    if space_break || special {
        block_plain = false;
        single_quoted = false;
    }
    if line_breaks || block_indicators {
        block_plain = false;
    }
    Analysis {
        block_plain,
        single_quoted,
    }
}

/// libyaml's double-quoted writer (without folding).
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if !is_printable(c) || c == '\u{feff}' => {
                let v = c as u32;
                if v <= 0xFF {
                    out.push_str(&format!("\\x{v:02X}"));
                } else if v <= 0xFFFF {
                    out.push_str(&format!("\\u{v:04X}"));
                } else {
                    out.push_str(&format!("\\U{v:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_as_yaml_v3_quotes_them() {
        let cases = [
            ("1.0.0", "1.0.0"),
            ("2.0", "\"2.0\""),
            ("3", "\"3\""),
            ("true", "\"true\""),
            ("yes", "\"yes\""),
            ("", "\"\""),
            ("^2.0.0", "^2.0.0"),
            ("~1.2.0", "~1.2.0"),
            (">=1.0.0 <2.0.0", "'>=1.0.0 <2.0.0'"),
            ("oci://ghcr.io/acme/x:1.0.0", "oci://ghcr.io/acme/x:1.0.0"),
            ("sha256:abc", "sha256:abc"),
            ("local:sha256:abc", "local:sha256:abc"),
            ("../shared-lib", "../shared-lib"),
            ("a: b", "'a: b'"),
            ("x #y", "'x #y'"),
            ("- x", "'- x'"),
            (" lead", "' lead'"),
            ("it's", "it's"),
            ("*star", "'*star'"),
            ("tab\there", "\"tab\\there\""),
            ("1:30", "\"1:30\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
        ];
        for (input, want) in cases {
            assert_eq!(scalar(input), want, "{input:?}");
        }
    }

    #[test]
    fn nested_blocks_follow_yaml_v3_indentation() {
        let doc = Value::Map(vec![
            ("lockVersion", Value::Int(3)),
            (
                "pacto",
                Value::Map(vec![("version", Value::Str("0.1.0".into()))]),
            ),
            (
                "dependencies",
                Value::Seq(vec![Value::Map(vec![
                    ("name", Value::Str("a".into())),
                    (
                        "dependsOn",
                        Value::Seq(vec![Value::Str("b".into()), Value::Str("c".into())]),
                    ),
                ])]),
            ),
        ]);
        assert_eq!(
            to_yaml(&doc),
            "lockVersion: 3\npacto:\n    version: 0.1.0\ndependencies:\n    - name: a\n      dependsOn:\n        - b\n        - c\n"
        );
    }
}
