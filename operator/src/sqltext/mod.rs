//! SQL as text: splitting a script into statements (quotes, comments and
//! dollar-quoted bodies kept whole), and the digests every layer takes of
//! text. Pure, and the lowest layer: it imports nothing of the crate.

mod split;

pub use split::{
    normalize_space, open_versioned_comments, split_statements, split_statements_with, SplitError,
    Statement,
};

use sha2::{Digest, Sha256};

/// SHA-256 of `sql` with CRLF normalised to LF, as lowercase hex.
pub fn checksum(sql: &str) -> String {
    let mut hasher = Sha256::new();
    if sql.contains("\r\n") {
        hasher.update(sql.replace("\r\n", "\n").as_bytes());
    } else {
        hasher.update(sql.as_bytes());
    }
    hex(&hasher.finalize())
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}
