//! JSON front end: a small strict JSON (RFC 8259) parser producing the span tree.
//!
//! It stops at the first syntax error (JSON has no useful recovery points) but keeps going on
//! duplicate keys, which are reported and otherwise ignored (the first one wins).

use super::toml_src::SyntaxError;
use super::tree::{Entry, Kind, Node};

const MAX_DEPTH: usize = 128;

/// Parse JSON; on a syntax error the returned errors are non-empty and the tree is partial.
pub(crate) fn parse(source: &str) -> (Node, Vec<SyntaxError>) {
    let mut p = Parser {
        src: source,
        bytes: source.as_bytes(),
        pos: 0,
        errors: Vec::new(),
        depth: 0,
    };
    // Tolerate a UTF-8 byte order mark.
    if source.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.ws();
    let root = match p.value() {
        Ok(node) => {
            p.ws();
            if p.pos < p.bytes.len() {
                let at = p.pos;
                p.errors.push((
                    at..p.char_end(at),
                    "unexpected trailing characters after the JSON document".to_string(),
                ));
            }
            node
        }
        Err(e) => {
            p.errors.push(e);
            Node {
                span: 0..0,
                kind: Kind::Table(Vec::new()),
            }
        }
    };
    (root, p.errors)
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    errors: Vec<SyntaxError>,
    depth: usize,
}

type PResult<T> = Result<T, SyntaxError>;

impl Parser<'_> {
    fn char_end(&self, at: usize) -> usize {
        match self.src.get(at..).and_then(|s| s.chars().next()) {
            Some(c) => at + c.len_utf8(),
            None => at,
        }
    }

    fn unexpected(&self, what: &str) -> SyntaxError {
        let at = self.pos.min(self.bytes.len());
        match self.src.get(at..).and_then(|s| s.chars().next()) {
            None => (at..at, format!("unexpected end of file, expected {what}")),
            Some(c) => (
                at..at + c.len_utf8(),
                format!("unexpected {c:?}, expected {what}"),
            ),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> PResult<Node> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Node {
                    span: start..self.pos,
                    kind: Kind::String(s),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Kind::Bool(true)),
            Some(b'f') => self.literal("false", Kind::Bool(false)),
            Some(b'n') => self.literal("null", Kind::Null),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn literal(&mut self, word: &str, kind: Kind) -> PResult<Node> {
        let start = self.pos;
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node {
                span: start..self.pos,
                kind,
            })
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let at = self.pos;
            return Err((
                at..at + 1,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn object(&mut self) -> PResult<Node> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a string key"));
                }
                let key_start = self.pos;
                let key = self.string()?;
                let key_span = key_start..self.pos;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("`:`"));
                }
                self.pos += 1;
                self.ws();
                let value = self.value()?;
                if let Some(first) = entries.iter().find(|e| e.key == key) {
                    let (line, _) = super::diag::line_col(self.src, first.key_span.start);
                    self.errors.push((
                        key_span,
                        format!("duplicate key `{key}` (first defined on line {line})"),
                    ));
                } else {
                    entries.push(Entry {
                        key,
                        key_span,
                        value,
                    });
                }
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `}`")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node {
            span: start..self.pos,
            kind: Kind::Table(entries),
        })
    }

    fn array(&mut self) -> PResult<Node> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                items.push(self.value()?);
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("`,` or `]`")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node {
            span: start..self.pos,
            kind: Kind::Array(items),
        })
    }

    fn hex4(&mut self) -> PResult<u32> {
        let start = self.pos;
        let digits = self.src.get(start..start + 4).unwrap_or("");
        if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.pos += 4;
            Ok(u32::from_str_radix(digits, 16).unwrap_or(0))
        } else {
            Err((
                start.saturating_sub(2)..self.char_end(start),
                "invalid \\u escape: expected 4 hex digits".to_string(),
            ))
        }
    }

    /// Parses a string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> PResult<String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(b) = self.peek() else {
                return Err((open..open + 1, "unterminated string".to_string()));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err((open..open + 1, "unterminated string".to_string()));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes[self.pos..].starts_with(b"\\u") {
                                    self.pos += 2;
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        char::from_u32(
                                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                        )
                                    } else {
                                        None
                                    }
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => {
                                    return Err((
                                        esc_start..self.pos,
                                        "invalid unicode escape (unpaired surrogate)".to_string(),
                                    ));
                                }
                            }
                        }
                        _ => {
                            let end = self.char_end(esc_start + 1);
                            return Err((esc_start..end, "invalid escape in string".to_string()));
                        }
                    }
                }
                0x00..=0x1f => {
                    return Err((
                        self.pos..self.pos + 1,
                        "control character in string (escape it, e.g. \\n)".to_string(),
                    ));
                }
                _ => {
                    // Copy a run of plain characters at once.
                    let run_start = self.pos;
                    while let Some(b) = self.peek() {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    // `pos` stops only at ASCII bytes, so this is a char boundary.
                    out.push_str(&self.src[run_start..self.pos]);
                }
            }
        }
    }

    fn number(&mut self) -> PResult<Node> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.unexpected("a digit")),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            is_float = true;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after `.`"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            is_float = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        let text = &self.src[start..self.pos];
        let kind = match (is_float, text.parse::<i64>()) {
            (false, Ok(i)) => Kind::Integer(i),
            _ => Kind::Float(text.parse().unwrap_or(f64::INFINITY)),
        };
        Ok(Node {
            span: start..self.pos,
            kind,
        })
    }
}
