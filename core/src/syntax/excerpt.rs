//! Bounded quotes of document content for messages.
//!
//! A message may quote the offending value (a key, a scalar) but never more than its first line
//! and [`MAX_CHARS`] characters: a contract that is really `/etc/passwd`, a private key or one
//! huge scalar must not come back whole inside a diagnostic that is printed, logged or sent to a
//! client.

/// The most characters of a value a message quotes.
pub const MAX_CHARS: usize = 120;

/// The most characters of a whole message ([`bound_message`]).
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// The first line of `s`, cut to [`MAX_CHARS`] characters, with `…` when anything was left out.
pub fn excerpt(s: &str) -> String {
    let first = s.split(['\n', '\r']).next().unwrap_or_default();
    let mut out: String = first.chars().take(MAX_CHARS).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// `"<excerpt>"`: [`excerpt`] between double quotes.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", excerpt(s))
}

/// `message` with every double-quoted part longer than [`MAX_CHARS`] characters, or holding a
/// line break (written `\n` by JSON-style quoting, or as is), cut to its first line and
/// [`MAX_CHARS`] characters with `…`; and the whole message cut to [`MAX_MESSAGE_CHARS`]. Messages
/// of the validators quote values the JSON way (`"a\nb" is not of type "object"`), so this
/// bounds what a message can echo of a document whatever layer wrote it.
pub fn bound_message(message: &str) -> String {
    if message.len() <= MAX_CHARS
        && !message.contains(['\n', '\r'])
        && !message.contains("\\n")
        && !message.contains("\\r")
    {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len().min(4 * MAX_MESSAGE_CHARS));
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        // Find the closing quote, skipping backslash escapes.
        let mut close = None;
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let inner_end = close.unwrap_or(rest.len());
        let inner = &rest[..inner_end];
        let first_line_end = [
            inner.find("\\n"),
            inner.find("\\r"),
            inner.find(['\n', '\r']),
        ]
        .into_iter()
        .flatten()
        .min();
        let first_line = &inner[..first_line_end.unwrap_or(inner.len())];
        let kept: String = first_line.chars().take(MAX_CHARS).collect();
        out.push_str(&kept);
        if kept.len() < inner.len() {
            out.push('…');
        }
        match close {
            Some(c) => {
                out.push('"');
                rest = &rest[c + 1..];
            }
            None => rest = "",
        }
    }
    out.push_str(rest);
    // Outside quotes too, a message keeps to its first lines and a bounded length.
    if out.chars().count() > MAX_MESSAGE_CHARS {
        let mut cut: String = out.chars().take(MAX_MESSAGE_CHARS).collect();
        cut.push('…');
        out = cut;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_the_first_line_and_120_chars() {
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt("root:x:0:0\nsecret:y"), "root:x:0:0…");
        let long = "é".repeat(500);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), MAX_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(quoted("a\nb"), "\"a…\"");
    }

    #[test]
    fn quoted_parts_of_messages_are_bounded() {
        let short = "\"abc\" is not of type \"object\"";
        assert_eq!(bound_message(short), short);
        let passwd = "\"root:x:0:0:root:/root:/bin/bash\\ndaemon:x:1:1\\nSECRET=hunter2\" is not of type \"object\"";
        assert_eq!(
            bound_message(passwd),
            "\"root:x:0:0:root:/root:/bin/bash…\" is not of type \"object\""
        );
        let long = format!("name \"{}\" must match ^[a-z]+$", "a".repeat(5000));
        let b = bound_message(&long);
        assert!(b.len() < 200, "{b}");
        assert!(b.ends_with("…\" must match ^[a-z]+$"), "{b}");
        // Escaped quotes inside a quoted part do not end it.
        let esc = format!("\"a\\\"{}\" x", "b".repeat(300));
        assert!(bound_message(&esc).ends_with("…\" x"));
        // An unterminated quote is cut too, and the whole message is bounded.
        assert!(bound_message(&format!("\"{}", "c".repeat(5000))).len() < 200);
        assert!(bound_message(&"d ".repeat(5000)).chars().count() <= MAX_MESSAGE_CHARS + 1);
        // Raw line breaks inside quotes end the quote's excerpt.
        assert_eq!(bound_message("\"a\nsecret\" x"), "\"a…\" x");
        assert_eq!(bound_message("\"a\\nsecret\" x"), "\"a…\" x");
    }
}
