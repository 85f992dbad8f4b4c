//! Located diagnostics and their plain-text rendering (rustc/Hurl style).

use std::fmt;
use std::ops::Range;

/// One problem in a scenario file, located at a byte span of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The path as the user typed it (used in `file:line:col`).
    pub origin: String,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column of `span.start`, counted in chars.
    pub col: usize,
    /// Byte range into the source.
    pub span: Range<usize>,
    pub message: String,
    pub hint: Option<String>,
}

/// Every problem found in one scenario file, with the source text so they can be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    origin: String,
    source: String,
}

impl Diagnostics {
    pub(crate) fn new(origin: &str, source: &str, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by_key(|d| (d.span.start, d.span.end));
        Self {
            items,
            origin: origin.to_string(),
            source: source.to_string(),
        }
    }

    /// The path the diagnostics refer to, as the user typed it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The source text the spans index into.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl std::error::Error for Diagnostics {}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            render_one(f, &self.source, d)?;
            writeln!(f)?;
        }
        let n = self.items.len();
        let noun = if n == 1 { "problem" } else { "problems" };
        write!(f, "error: {n} {noun} in {}", self.origin)
    }
}

/// Largest char boundary `<= i` (clamped to the source length).
pub(crate) fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based (line, char column) of byte offset `at`.
pub(crate) fn line_col(source: &str, at: usize) -> (usize, usize) {
    let at = floor_boundary(source, at);
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..at].chars().count() + 1;
    (line, col)
}

/// Build a diagnostic, computing line and column from the span.
pub(crate) fn make(
    origin: &str,
    source: &str,
    span: Range<usize>,
    message: String,
    hint: Option<String>,
) -> Diagnostic {
    let start = floor_boundary(source, span.start);
    let end = floor_boundary(source, span.end.max(start));
    let (line, col) = line_col(source, start);
    Diagnostic {
        origin: origin.to_string(),
        line,
        col,
        span: start..end,
        message,
        hint,
    }
}

const TAB: &str = "    ";

fn display_width(c: char) -> usize {
    if c == '\t' { TAB.len() } else { 1 }
}

fn render_one(f: &mut fmt::Formatter<'_>, source: &str, d: &Diagnostic) -> fmt::Result {
    let start = floor_boundary(source, d.span.start);
    let end = floor_boundary(source, d.span.end.max(start));
    let (line_no, col) = line_col(source, start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let mut line = &source[line_start..line_end];
    if let Some(stripped) = line.strip_suffix('\r') {
        line = stripped;
    }
    let shown_end = line_start + line.len();
    let prefix = &source[line_start..start.min(shown_end)];
    let pad: usize = prefix.chars().map(display_width).sum();
    let covered = &source[start.min(shown_end)..end.clamp(start.min(shown_end), shown_end)];
    let carets: usize = covered.chars().map(display_width).sum::<usize>().max(1);
    let width = line_no.to_string().len();
    let text = line.replace('\t', TAB);

    writeln!(f, "error: {}", d.message)?;
    writeln!(f, "{:width$}--> {}:{}:{}", "", d.origin, line_no, col)?;
    writeln!(f, "{:width$} |", "")?;
    if text.is_empty() {
        writeln!(f, "{line_no} |")?;
    } else {
        writeln!(f, "{line_no} | {text}")?;
    }
    writeln!(f, "{:width$} | {:pad$}{}", "", "", "^".repeat(carets))?;
    if let Some(hint) = &d.hint {
        let mut lines = hint.lines();
        writeln!(f, "{:width$} = help: {}", "", lines.next().unwrap_or(""))?;
        for more in lines {
            writeln!(f, "{:width$}         {more}", "")?;
        }
    }
    Ok(())
}
