//! Layout: turns the printer's token stream into text, line by line, the way `terraform fmt`
//! does (hclwrite's algorithm):
//!
//! - at most one blank line in a row; none at the start or end of the file, right after a line
//!   that opens a bracket, or right before a line that starts by closing one;
//! - indentation of 2 spaces per nesting level, where a line that opens several brackets at once
//!   (`merge(var.a, {`) adds one level, and a line that closes them removes it again;
//! - in a run of consecutive lines of the form `name = <single-line value>`, the `=` signs are
//!   aligned; a blank line, a comment line, a block, or a multi-line value ends the run;
//! - trailing comments on consecutive lines of the same indentation are aligned too;
//! - lines that continue a heredoc or a multi-line block comment are copied verbatim.

use super::printer::{Kind, Tok};

/// One output line.
#[derive(Debug, Default)]
struct Line {
    /// Verbatim text that starts this line (the continuation of a heredoc or block comment);
    /// such a line gets no indentation and takes part in no alignment.
    raw_head: Option<String>,
    toks: Vec<Cell>,
    indent: usize,
}

#[derive(Debug, Clone)]
struct Cell {
    text: String,
    kind: Kind,
    space: bool,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.raw_head.is_none() && self.toks.is_empty()
    }

    /// The last token that is not a comment.
    fn last_code(&self) -> Option<&Cell> {
        self.toks.iter().rev().find(|c| c.kind != Kind::Comment)
    }

    fn opens_bracket(&self) -> bool {
        self.last_code().is_some_and(|c| c.kind == Kind::Open)
    }

    fn starts_with_close(&self) -> bool {
        self.raw_head.is_none() && self.toks.first().is_some_and(|c| c.kind == Kind::Close)
    }
}

/// Renders tokens into the final text: one `\n` per line, exactly one at the end (none for an
/// empty file).
pub(crate) fn render(toks: Vec<Tok>) -> String {
    let lines = split_lines(toks);
    let mut lines = drop_blank_lines(lines);
    indent(&mut lines);
    let rendered = align_and_render(&lines);
    if rendered.is_empty() {
        String::new()
    } else {
        let mut s = rendered.join("\n");
        s.push('\n');
        s
    }
}

fn split_lines(toks: Vec<Tok>) -> Vec<Line> {
    let mut lines = vec![Line::default()];
    for tok in toks {
        match tok {
            Tok::Newline => lines.push(Line::default()),
            Tok::Text { text, kind, space } => {
                if let Some(line) = lines.last_mut() {
                    line.toks.push(Cell { text, kind, space });
                }
            }
            Tok::Verbatim { text, space } => {
                let mut parts = text.split('\n');
                if let (Some(first), Some(line)) = (parts.next(), lines.last_mut()) {
                    line.toks.push(Cell {
                        text: first.to_string(),
                        kind: Kind::Plain,
                        space,
                    });
                }
                for part in parts {
                    lines.push(Line {
                        raw_head: Some(part.to_string()),
                        ..Line::default()
                    });
                }
            }
        }
    }
    lines
}

fn drop_blank_lines(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut blank_pending = false;
    for line in lines {
        if line.is_blank() {
            blank_pending = true;
            continue;
        }
        if blank_pending {
            let after_open = out.last().is_none_or(Line::opens_bracket);
            if !after_open && !line.starts_with_close() {
                out.push(Line::default());
            }
            blank_pending = false;
        }
        out.push(line);
    }
    out
}

fn bracket_change(cell: &Cell) -> i32 {
    match cell.kind {
        Kind::Open => 1,
        Kind::Close => -1,
        _ => 0,
    }
}

/// hclwrite's indentation: a stack of "how many brackets this level opened". A line is
/// indented to the depth that remains after the closing brackets it *starts* with, so
/// `  b)` continuing `x = (a +` stays indented while `})` goes back out.
fn indent(lines: &mut [Line]) {
    let mut stack: Vec<i32> = Vec::new();
    for line in lines.iter_mut() {
        let net: i32 = line.toks.iter().map(bracket_change).sum();
        let leading = if line.raw_head.is_some() {
            0
        } else {
            line.toks
                .iter()
                .take_while(|c| c.kind == Kind::Close)
                .count()
        };
        let mut preview = stack.clone();
        close(&mut preview, leading as i32);
        line.indent = preview.len();
        if net < 0 {
            close(&mut stack, -net);
        } else if net > 0 {
            stack.push(net);
        }
    }
}

fn close(stack: &mut Vec<i32>, mut closed: i32) {
    while closed > 0 {
        let Some(top) = stack.last_mut() else { break };
        if closed >= *top {
            closed -= *top;
            stack.pop();
        } else {
            *top -= closed;
            closed = 0;
        }
    }
}

fn join(cells: &[Cell]) -> String {
    let mut s = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 && c.space {
            s.push(' ');
        }
        s.push_str(&c.text);
    }
    s
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// The three cells of a line: lead, `= value`, trailing comment (hclwrite's "cells").
struct Cells {
    lead: String,
    assign: Option<String>,
    comment: Option<String>,
}

fn cells(line: &Line) -> Option<Cells> {
    if line.raw_head.is_some() || line.toks.is_empty() {
        return None;
    }
    let mut toks: &[Cell] = &line.toks;
    let mut comment = None;
    if toks.len() > 1 && toks.last().is_some_and(|c| c.kind == Kind::Comment) {
        comment = toks.last().map(|c| c.text.clone());
        toks = &toks[..toks.len() - 1];
    }
    let mut assign_at = None;
    if let Some(i) = toks.iter().position(|c| c.kind == Kind::Assign)
        && i > 0
        && toks[i..].iter().map(bracket_change).sum::<i32>() == 0
    {
        assign_at = Some(i);
    }
    let pad = "  ".repeat(line.indent);
    Some(match assign_at {
        Some(i) => Cells {
            lead: format!("{pad}{}", join(&toks[..i])),
            assign: Some(join(&toks[i..])),
            comment,
        },
        None => Cells {
            lead: format!("{pad}{}", join(toks)),
            assign: None,
            comment,
        },
    })
}

fn align_and_render(lines: &[Line]) -> Vec<String> {
    let cells: Vec<Option<Cells>> = lines.iter().map(cells).collect();

    // Column of `=` for each line that is part of an assignment run.
    let mut assign_col: Vec<usize> = vec![0; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let in_run = |k: usize| cells[k].as_ref().is_some_and(|c| c.assign.is_some());
        if !in_run(i) {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && in_run(i) {
            i += 1;
        }
        let max = (start..i)
            .filter_map(|k| cells[k].as_ref().map(|c| width(&c.lead)))
            .max()
            .unwrap_or(0);
        for col in assign_col.iter_mut().take(i).skip(start) {
            *col = max;
        }
    }

    // Text of each line without its trailing comment.
    let bodies: Vec<String> = lines
        .iter()
        .zip(&cells)
        .zip(&assign_col)
        .map(|((line, cell), &col)| match cell {
            None => {
                let mut s = line.raw_head.clone().unwrap_or_default();
                if !line.toks.is_empty() {
                    if line.raw_head.is_some() && line.toks[0].space {
                        s.push(' ');
                    }
                    s.push_str(&join(&line.toks));
                }
                s
            }
            Some(c) => match &c.assign {
                Some(a) => {
                    let pad = col.saturating_sub(width(&c.lead)) + 1;
                    format!("{}{}{}", c.lead, " ".repeat(pad), a)
                }
                None => c.lead.clone(),
            },
        })
        .collect();

    // Column of trailing comments for each run of lines that have one.
    let has_comment = |k: usize| cells[k].as_ref().is_some_and(|c| c.comment.is_some());
    let mut out = bodies.clone();
    let mut i = 0;
    while i < lines.len() {
        if !has_comment(i) {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && has_comment(i) && lines[i].indent == lines[start].indent {
            i += 1;
        }
        let max = (start..i).map(|k| width(&bodies[k])).max().unwrap_or(0);
        for k in start..i {
            if let Some(comment) = cells[k].as_ref().and_then(|c| c.comment.as_ref()) {
                let pad = max - width(&bodies[k]) + 1;
                out[k] = format!("{}{}{}", bodies[k], " ".repeat(pad), comment);
            }
        }
    }

    // Heredoc bodies keep their bytes; everything else loses trailing whitespace.
    out.into_iter()
        .zip(lines)
        .map(|(s, line)| {
            if line.raw_head.is_some() {
                s
            } else {
                s.trim_end().to_string()
            }
        })
        .collect()
}
