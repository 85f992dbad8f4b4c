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
    pub severity: Severity,
}

/// An error makes the scenario invalid (exit 2); a warning is shown and the scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
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

    /// How many of the items are errors (the rest are warnings).
    pub fn errors(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}

impl std::error::Error for Diagnostics {}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            render_one(f, &self.source, d)?;
            writeln!(f)?;
        }
        let n = self.errors();
        if n == 0 {
            let n = self.items.len();
            let noun = if n == 1 { "warning" } else { "warnings" };
            return write!(f, "warning: {n} {noun} in {}", self.origin);
        }
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
        severity: Severity::Error,
    }
}

const TAB: &str = "    ";

fn display_width(c: char) -> usize {
    if c == '\t' { TAB.len() } else { 1 }
}

/// `line` with the password of every `scheme://user:password@host` in it replaced by `*`, one
/// per char (so that char columns are unchanged).
pub(crate) fn mask_url_passwords(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("://") {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends where a URL's does, or where the quoted string around it does.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '\\') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@').and_then(|at| {
            let colon = authority[..at].find(':')?;
            Some((colon, at))
        }) {
            Some((colon, at)) => {
                out.push_str(&authority[..=colon]);
                out.extend(authority[colon + 1..at].chars().map(|_| '*'));
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out.into()
}

/// A source line longer than this many chars is shown as a window around the caret: a
/// generated one-line JSON scenario can be megabytes long, and a diagnostic must stay readable
/// (and `format!` widths are `u16`: a pad past 65,535 columns panics).
const WINDOW: usize = 160;
/// How many chars of the line the window shows before the caret.
const BEFORE_CARET: usize = 60;
const ELLIPSIS: char = '…';

/// The part of `line` to show: its chars `shown` (a range of char indices), with an ellipsis
/// on each side that was cut. `caret` is the char index where the span starts.
fn window(line_chars: usize, caret: usize) -> std::ops::Range<usize> {
    if line_chars <= WINDOW {
        return 0..line_chars;
    }
    let start = caret.min(line_chars).saturating_sub(BEFORE_CARET);
    let end = (start + WINDOW).min(line_chars);
    // Near the end of the line, show a full window ending there.
    let start = end.saturating_sub(WINDOW).min(start);
    start..end
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
    let caret_at = start.min(shown_end);
    let caret = source[line_start..caret_at].chars().count();
    let covered = source[caret_at..end.clamp(caret_at, shown_end)]
        .chars()
        .count();
    // A password written in a URL (`target = "http://ann:s3cret@…"`) is a secret even in a
    // quoted source line; masked char for char so that columns and carets stay true.
    let chars: Vec<char> = mask_url_passwords(line).chars().collect();
    let shown = window(chars.len(), caret);
    let cut_left = shown.start > 0;
    let cut_right = shown.end < chars.len();
    let visible = &chars[shown.clone()];
    let pad: usize = usize::from(cut_left)
        + visible[..caret.clamp(shown.start, shown.end) - shown.start]
            .iter()
            .copied()
            .map(display_width)
            .sum::<usize>();
    let caret_end = (caret + covered).min(shown.end);
    let carets: usize = visible[caret.min(caret_end) - shown.start..caret_end - shown.start]
        .iter()
        .copied()
        .map(display_width)
        .sum::<usize>()
        .max(1);
    let width = line_no.to_string().len();
    let mut text = String::new();
    if cut_left {
        text.push(ELLIPSIS);
    }
    for &c in visible {
        if c == '\t' {
            text.push_str(TAB);
        } else {
            text.push(c);
        }
    }
    if cut_right {
        text.push(ELLIPSIS);
    }

    let label = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    writeln!(f, "{label}: {}", d.message)?;
    writeln!(f, "{:width$}--> {}:{}:{}", "", d.origin, line_no, col)?;
    writeln!(f, "{:width$} |", "")?;
    if text.is_empty() {
        writeln!(f, "{line_no} |")?;
    } else {
        writeln!(f, "{line_no} | {text}")?;
    }
    // `pad` is at most a window's width (tabs count 4), far below `format!`'s u16 limit.
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

#[cfg(test)]
mod tests {
    use super::mask_url_passwords;

    #[test]
    fn url_passwords_are_masked_char_for_char() {
        let line = r#"target = "http://ann:s3cr3t@127.0.0.1:8/api" # https://x/y and ftp://u@h"#;
        let masked = mask_url_passwords(line);
        assert_eq!(
            masked,
            r#"target = "http://ann:******@127.0.0.1:8/api" # https://x/y and ftp://u@h"#
        );
        assert_eq!(masked.chars().count(), line.chars().count());
        assert_eq!(mask_url_passwords("a = \"é://:ü@h\""), "a = \"é://:*@h\"");
        assert_eq!(mask_url_passwords("no url"), "no url");
    }
}
