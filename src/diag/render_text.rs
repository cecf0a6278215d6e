//! rustc-style terminal rendering:
//!
//! ```text
//! error[spec::unknown-attribute]: unknown attribute `regoin` in key "aws" "prod"
//!  --> main.hcl:3:3
//!   |
//! 3 |   regoin = "us-east-2"
//!   |   ^^^^^^ unknown attribute
//!   |
//!   = help: did you mean `region`?
//! ```
//!
//! Colors only when asked (see [`stderr_wants_color`]). Redacted ranges of the source map and
//! secret-looking tokens anywhere in the text are replaced by `***REDACTED***`, with carets
//! re-aligned to the redacted line.

use std::fmt::Write;
use std::io::IsTerminal;
use std::ops::Range;

use anstyle::{AnsiColor, Style};

use super::diagnostic::{Diagnostic, Diagnostics, Label, Severity};
use super::redact::{REDACTED, redact_str};
use super::source::{FileId, SourceFile, SourceMap, floor_char_boundary};

/// Whether stderr output should be colored: it is a terminal and `NO_COLOR` is unset or empty.
pub fn stderr_wants_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> Style {
        let c = match s {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        Style::new().fg_color(Some(c.into())).bold()
    }

    fn gutter(&self) -> Style {
        Style::new().fg_color(Some(AnsiColor::Blue.into())).bold()
    }

    fn bold(&self) -> Style {
        Style::new().bold()
    }
}

/// Renders every diagnostic, separated by blank lines, followed by nothing else (the caller
/// prints the summary line, see [`Diagnostics::summary`]).
pub fn render(diags: &Diagnostics, sources: &SourceMap, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render_one(d, sources, color));
        out.push('\n');
    }
    out
}

/// Renders one diagnostic (ends with a newline).
pub fn render_one(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let p = Palette { color };
    let mut out = String::new();
    let sev = p.paint(
        p.severity(d.severity),
        &format!("{}[{}]", d.severity, d.code),
    );
    let _ = writeln!(
        out,
        "{sev}{}",
        p.paint(p.bold(), &format!(": {}", redact_str(&d.message)))
    );

    // Groups of labels per file, primary file first.
    let mut groups: Vec<(FileId, Vec<(&Label, bool)>)> = Vec::new();
    if let Some(l) = &d.primary {
        groups.push((l.span.file, vec![(l, true)]));
    }
    for l in &d.secondary {
        match groups.iter_mut().find(|(f, _)| *f == l.span.file) {
            Some((_, v)) => v.push((l, false)),
            None => groups.push((l.span.file, vec![(l, false)])),
        }
    }

    // Gutter width from the largest line number shown.
    let width = groups
        .iter()
        .flat_map(|(f, ls)| {
            ls.iter().map(move |(l, _)| {
                sources
                    .get(*f)
                    .map_or(1, |sf| sf.line_col(l.span.range.start).0)
            })
        })
        .max()
        .unwrap_or(1)
        .to_string()
        .len();
    let pad = " ".repeat(width);
    let bar = p.paint(p.gutter(), "|");

    for (i, (file, labels)) in groups.iter().enumerate() {
        let Some(sf) = sources.get(*file) else {
            continue;
        };
        let first = labels[0].0;
        let (line, col) = sf.line_col(first.span.range.start);
        let arrow = if i == 0 && d.primary.is_some() {
            "-->"
        } else {
            ":::"
        };
        let _ = writeln!(
            out,
            "{pad}{} {}:{line}:{col}",
            p.paint(p.gutter(), arrow),
            redact_str(sf.name())
        );
        if sf.text().is_empty() {
            continue;
        }
        let _ = writeln!(out, "{pad} {bar}");
        let mut sorted: Vec<&(&Label, bool)> = labels.iter().collect();
        sorted.sort_by_key(|(l, primary)| (sf.line_index(l.span.range.start), !primary));
        let mut last_line: Option<usize> = None;
        for (label, primary) in sorted {
            let li = sf.line_index(label.span.range.start);
            let shown = render_line(sf, li).window(label.span.range.start);
            if last_line != Some(li) {
                if let Some(prev) = last_line
                    && li > prev + 1
                {
                    let _ = writeln!(out, "{}", p.paint(p.gutter(), "..."));
                }
                let num = format!("{:>width$}", li + 1);
                let _ = writeln!(out, "{} {bar} {}", p.paint(p.gutter(), &num), shown.text);
                last_line = Some(li);
            }
            let line_range = sf.line_range(li);
            let start = label
                .span
                .range
                .start
                .clamp(line_range.start, line_range.end);
            let end = label.span.range.end.clamp(start, line_range.end);
            let (c0, c1) = (shown.column(start), shown.column(end));
            let n = c1.saturating_sub(c0).max(1);
            let mark = if *primary { "^" } else { "-" };
            let style = if *primary {
                p.severity(d.severity)
            } else {
                p.gutter()
            };
            let underline = mark.repeat(n);
            let msg = redact_str(&label.message);
            let tail = if msg.is_empty() {
                String::new()
            } else {
                format!(" {msg}")
            };
            let _ = writeln!(
                out,
                "{pad} {bar} {}{}",
                " ".repeat(c0),
                p.paint(style, &format!("{underline}{tail}"))
            );
        }
    }
    if !groups.is_empty() && (d.help.is_some() || !d.notes.is_empty()) {
        let _ = writeln!(out, "{pad} {bar}");
    }
    if let Some(h) = &d.help {
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            p.paint(p.gutter(), "="),
            p.paint(p.bold(), "help:"),
            format_args!(" {}", redact_str(h))
        );
    }
    for n in &d.notes {
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            p.paint(p.gutter(), "="),
            p.paint(p.bold(), "note:"),
            format_args!(" {}", redact_str(n))
        );
    }
    out
}

/// A source line prepared for display: tabs expanded, redactions applied, and a map from byte
/// offsets to display columns so carets stay aligned.
struct ShownLine {
    text: String,
    /// (byte offset in the file, display column) for the start of every original character,
    /// plus the end of the line.
    columns: Vec<(usize, usize)>,
}

/// Longest source line shown in full; longer lines are cut to a window around the span.
const MAX_LINE_WIDTH: usize = 160;
const ELLIPSIS: &str = "...";

impl ShownLine {
    fn column(&self, offset: usize) -> usize {
        match self.columns.binary_search_by_key(&offset, |(o, _)| *o) {
            Ok(i) => self.columns[i].1,
            Err(i) => self.columns.get(i.saturating_sub(1)).map_or(0, |(_, c)| *c),
        }
    }

    /// Cuts an overlong line to a window that starts a little before `focus` (a byte offset),
    /// marking cuts with `...`; columns are shifted to match.
    fn window(self, focus: usize) -> ShownLine {
        let width = self.text.chars().count();
        if width <= MAX_LINE_WIDTH {
            return self;
        }
        let focus_col = self.column(focus);
        let start = focus_col.saturating_sub(MAX_LINE_WIDTH / 4);
        let end = (start + MAX_LINE_WIDTH).min(width);
        let mut text = String::new();
        let lead = if start > 0 { ELLIPSIS.len() } else { 0 };
        if start > 0 {
            text.push_str(ELLIPSIS);
        }
        text.extend(self.text.chars().skip(start).take(end - start));
        if end < width {
            text.push_str(ELLIPSIS);
        }
        let columns = self
            .columns
            .into_iter()
            .map(|(o, c)| (o, (c.clamp(start, end) - start) + lead))
            .collect();
        ShownLine { text, columns }
    }
}

fn render_line(sf: &SourceFile, line: usize) -> ShownLine {
    let range = sf.line_range(line);
    let text = sf.text();
    let redactions: Vec<Range<usize>> = sf
        .redactions()
        .iter()
        .filter(|r| r.start < range.end && r.end > range.start)
        .cloned()
        .collect();
    let mut shown = String::new();
    let mut columns = Vec::new();
    let mut col = 0usize;
    let mut offset = range.start;
    while offset < range.end {
        if let Some(r) = redactions
            .iter()
            .find(|r| r.start <= offset && offset < r.end)
        {
            columns.push((offset, col));
            shown.push_str(REDACTED);
            col += REDACTED.len();
            offset = floor_char_boundary(text, r.end.min(range.end));
            if offset <= r.start {
                break;
            }
            continue;
        }
        let Some(ch) = text.get(offset..).and_then(|t| t.chars().next()) else {
            break;
        };
        columns.push((offset, col));
        if ch == '\t' {
            shown.push_str("    ");
            col += 4;
        } else {
            shown.push(ch);
            col += 1;
        }
        offset += ch.len_utf8();
    }
    columns.push((range.end, col));
    // Belt and braces: secrets the source map did not know about are still never shown.
    let text = redact_str(&shown).into_owned();
    ShownLine { text, columns }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    #[test]
    fn renders_caret_under_span() {
        let mut sm = SourceMap::new();
        let f = sm.add(
            "main.hcl",
            "key \"aws\" \"prod\" {\n  regoin = \"us-east-2\"\n}\n",
        );
        let d = Diagnostic::error("spec::unknown-attribute", "unknown attribute `regoin`")
            .at(Span::new(f, 21..27), "unknown attribute")
            .with_help("did you mean `region`?");
        let s = render_one(&d, &sm, false);
        assert_eq!(
            s,
            "error[spec::unknown-attribute]: unknown attribute `regoin`\n \
             --> main.hcl:2:3\n  |\n2 |   regoin = \"us-east-2\"\n  |   ^^^^^^ unknown attribute\n  |\n  = help: did you mean `region`?\n"
        );
    }

    #[test]
    fn redacts_and_realigns() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.hcl", "x = \"sk-ant-api03-SECRETSECRET\" + bad\n");
        let start = "x = \"sk-ant-api03-SECRETSECRET\" + ".len();
        let d = Diagnostic::error("c", "m sk-ant-zzz").at(Span::new(f, start..start + 3), "here");
        let s = render_one(&d, &sm, false);
        assert!(!s.contains("SECRET"), "{s}");
        assert!(!s.contains("sk-ant-zzz"), "{s}");
        let lines: Vec<&str> = s.lines().collect();
        let src = lines.iter().find(|l| l.starts_with("1 |")).unwrap();
        let caret = lines.iter().find(|l| l.contains('^')).unwrap();
        assert_eq!(src.find("bad"), caret.find('^'));
    }

    #[test]
    fn long_lines_are_windowed() {
        let mut sm = SourceMap::new();
        let line = format!("a = \"{}X{}\"\n", "y".repeat(1000), "z".repeat(1000));
        let f = sm.add("a.hcl", line.clone());
        let x = line.find('X').unwrap();
        let d = Diagnostic::error("c", "m").at(Span::new(f, x..x + 1), "here");
        let s = render_one(&d, &sm, false);
        let lines: Vec<&str> = s.lines().collect();
        let src = lines.iter().find(|l| l.starts_with("1 |")).unwrap();
        let caret = lines.iter().find(|l| l.contains('^')).unwrap();
        assert!(src.len() < 200, "{src}");
        assert!(src.contains("...y"), "{src}");
        assert_eq!(src.find('X'), caret.find('^'));
    }

    #[test]
    fn color_only_when_asked() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.hcl", "x\n");
        let d = Diagnostic::error("c", "m").at(Span::new(f, 0..1), "");
        assert!(!render_one(&d, &sm, false).contains('\x1b'));
        assert!(render_one(&d, &sm, true).contains('\x1b'));
    }
}
