//! Paths of diagnostics. Rules use Go Pacto's bracket notation (`interfaces[0].port`); schema
//! violations use its dotted notation (`interfaces.0.port`). [`subject`] maps both to one form so
//! a problem found by two layers is reported once.

/// Tokens of a JSON pointer (`/interfaces/0/port`), unescaped.
pub fn json_pointer_tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Bracket notation: `interfaces[0].port`.
pub fn dotted<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for t in tokens {
        let t = t.as_ref();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(t);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(t);
        }
    }
    out
}

/// A notation-independent form of a path: `interfaces[0].port` and `interfaces.0.port` both give
/// `interfaces.0.port`.
pub fn subject(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notations_meet() {
        let t = json_pointer_tokens("/interfaces/0/port");
        assert_eq!(dotted(&t), "interfaces[0].port");
        assert_eq!(subject("interfaces[0].port"), subject(&t.join(".")));
        assert_eq!(json_pointer_tokens("/a~1b/c~0d"), vec!["a/b", "c~d"]);
        assert_eq!(dotted::<&str>(&[]), "");
    }
}
