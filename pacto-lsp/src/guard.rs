//! Panic isolation and input clamping shared by every handler.
//!
//! Every request handler runs its synchronous work through [`run`]: a panic becomes a JSON-RPC
//! internal error response (and a line on stderr), never a dead server. Positions from the client
//! go through [`offset`], which clamps to the text and snaps to a character boundary, so no
//! handler can slice a `str` in the middle of a character.

use crate::to_proto::{self, Encoding};
use pacto_core::syntax::LineIndex;
use std::panic::{catch_unwind, AssertUnwindSafe};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::Position;

/// Run `f`, turning a panic into an internal error response for the request `name`.
pub fn run<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            crate::log(&format!("{name} panicked: {what}"));
            Err(Error {
                code: ErrorCode::InternalError,
                message: format!("pacto-lsp: internal error in {name}").into(),
                data: None,
            })
        }
    }
}

/// Run the synchronous part of a notification handler; a panic is logged and swallowed.
pub fn notify(name: &str, f: impl FnOnce()) {
    let _ = run(name, || {
        f();
        Ok(())
    });
}

/// The byte offset of `pos` in `text`: clamped to the text, snapped back to a char boundary.
pub fn offset(index: &LineIndex, text: &str, pos: Position, enc: Encoding) -> usize {
    floor_boundary(text, to_proto::offset(index, pos, enc) as usize)
}

/// The largest char boundary of `text` at or before `at`.
pub fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let r: Result<u8> = run("test", || panic!("boom"));
        let e = r.expect_err("error");
        assert_eq!(e.code, ErrorCode::InternalError);
        assert_eq!(run("test", || Ok(3)).ok(), Some(3));
    }

    #[test]
    fn offsets_snap_to_char_boundaries() {
        let text = "a: \u{1F600}\n";
        let index = LineIndex::new(text);
        // UTF-8 column 5 is inside the 4-byte emoji (bytes 3..7): snap to 3.
        assert_eq!(offset(&index, text, Position::new(0, 5), Encoding::Utf8), 3);
        // UTF-16 column 4 is between the surrogates: snap to the emoji start.
        assert_eq!(
            offset(&index, text, Position::new(0, 4), Encoding::Utf16),
            3
        );
        assert_eq!(
            offset(&index, text, Position::new(9, 9), Encoding::Utf16),
            8
        );
    }
}
