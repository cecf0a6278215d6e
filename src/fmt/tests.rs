//! Unit tests of the formatter: layout rules, comments in every position, meaning and
//! idempotency.

use super::*;

/// Formats and checks idempotency and meaning on the way.
fn fmt(src: &str) -> String {
    let out = format_source(src).unwrap_or_else(|e| panic!("{e}\n--- input:\n{src}"));
    let again = format_source(&out).unwrap();
    assert_eq!(again, out, "not idempotent for:\n{src}");
    let a: hcl::Body = hcl::parse(src).unwrap();
    let b: hcl::Body = hcl::parse(&out).unwrap();
    assert_eq!(a, b, "meaning changed");
    out
}

#[test]
fn aligns_equals_in_runs() {
    let src = "a = 1\nlonger_name = 2\n\nb = 3\nccc = 4\n";
    assert_eq!(
        fmt(src),
        "a           = 1\nlonger_name = 2\n\nb   = 3\nccc = 4\n"
    );
}

#[test]
fn comment_line_and_block_end_a_run() {
    let src = "a = 1\n# note\nlong = 2\nblk {\n}\nx = 3\n";
    assert_eq!(fmt(src), "a = 1\n# note\nlong = 2\nblk {\n}\nx = 3\n");
}

#[test]
fn multi_line_value_ends_a_run() {
    let src = "a = 1\nlist = [\n\"x\",\n]\nlonger = 2\n";
    assert_eq!(fmt(src), "a = 1\nlist = [\n  \"x\",\n]\nlonger = 2\n");
}

#[test]
fn nested_blocks_are_indented_two_spaces() {
    let src = "outer \"a\"   \"b\"{\ninner {\n        x=1\n}\n}\n";
    assert_eq!(
        fmt(src),
        "outer \"a\" \"b\" {\n  inner {\n    x = 1\n  }\n}\n"
    );
}

#[test]
fn blank_lines_collapse_and_trim() {
    let src = "\n\n\na = 1\n\n\n\nb = 2\n\n\n";
    assert_eq!(fmt(src), "a = 1\n\nb = 2\n");
    let src = "blk {\n\n  a = 1\n\n}\n";
    assert_eq!(fmt(src), "blk {\n  a = 1\n}\n");
}

#[test]
fn trailing_whitespace_and_final_newline() {
    assert_eq!(fmt("a = 1   \t"), "a = 1\n");
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n"), "");
}

#[test]
fn comments_survive_everywhere() {
    let src = r#"# head
// slashes
/* block */
anthropic { # after brace
  # inside
  organization_uuid = "x" # trailing
  platform = /* before value */ "claude_platform"
  list = [ # after bracket
    "a", # after a
    /* before b */ "b",
    # before close
  ]
  obj = {
    k = 1 # after k
    // own line
    kk = 2
  }
  call = f( # in call
    1,
  )
  # last in body
}
# tail
"#;
    let out = fmt(src);
    for c in [
        "# head",
        "// slashes",
        "/* block */",
        "# after brace",
        "# inside",
        "# trailing",
        "/* before value */",
        "# after bracket",
        "# after a",
        "/* before b */",
        "# before close",
        "# after k",
        "// own line",
        "# in call",
        "# last in body",
        "# tail",
    ] {
        assert!(out.contains(c), "lost {c}:\n{out}");
    }
}

#[test]
fn trailing_comments_align() {
    let src = "a = 1 # one\nlong_name = \"x\" # two\n";
    assert_eq!(fmt(src), "a         = 1   # one\nlong_name = \"x\" # two\n");
}

#[test]
fn heredocs_are_untouched() {
    let src = "x = <<EOT\n   keep   \n\n  this  \nEOT\ny = <<-EOT\n    indented\n    EOT\n";
    let out = fmt(src);
    assert!(out.contains("   keep   \n\n  this  \nEOT\n"), "{out}");
    assert!(out.contains("    indented\n    EOT\n"), "{out}");
}

#[test]
fn objects_and_tuples_normalized() {
    assert_eq!(fmt("t = {a=1,b=\"x\"}\n"), "t = { a = 1, b = \"x\" }\n");
    assert_eq!(fmt("l = [ 1 ,2,3 ]\n"), "l = [1, 2, 3]\n");
    assert_eq!(fmt("e = {   }\nf = [ ]\n"), "e = {}\nf = []\n");
    assert_eq!(fmt("c = f( a,b )\n"), "c = f(a, b)\n");
    assert_eq!(fmt("o = a+b*c\n"), "o = a + b * c\n");
    assert_eq!(fmt("n = - 1\n"), "n = -1\n");
    assert_eq!(fmt("q = x ?  1:2\n"), "q = x ? 1 : 2\n");
    assert_eq!(fmt("r = var.a . b[0]\n"), "r = var.a.b[0]\n");
    assert_eq!(
        fmt("m = {for k,v in var.m: k=>v if v}\n"),
        "m = { for k, v in var.m : k => v if v }\n"
    );
    assert_eq!(
        fmt("s = [for x in xs: upper(x)]\n"),
        "s = [for x in xs : upper(x)]\n"
    );
}

#[test]
fn multi_line_object_is_reindented_and_aligned() {
    let src = "tags = {\n      team = \"security\"\n  cost_center    = \"42\"\n}\n";
    assert_eq!(
        fmt(src),
        "tags = {\n  team        = \"security\"\n  cost_center = \"42\"\n}\n"
    );
}

#[test]
fn brackets_opened_on_one_line_indent_once() {
    let src = "x = merge(var.a, {\nb = 1\n})\n";
    assert_eq!(fmt(src), "x = merge(var.a, {\n  b = 1\n})\n");
}

#[test]
fn one_line_blocks_stay_one_line() {
    assert_eq!(
        fmt("removed {from=workspace.old}\n"),
        "removed { from = workspace.old }\n"
    );
    assert_eq!(fmt("labels {}\n"), "labels {}\n");
}

#[test]
fn string_escapes_are_kept_verbatim() {
    let src = "a = \"\\u00e9 \\\" ${var.x} %{ if true }y%{ endif }\"\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn parse_error_is_located() {
    let err = format_source("a = 1\nb = = 2\n").unwrap_err();
    match err {
        FormatError::Parse(p) => {
            assert_eq!(p.line, 2);
            assert!(p.column >= 4, "{p:?}");
            let r = p.render("main.cmek.hcl");
            assert!(r.starts_with("error: main.cmek.hcl:2:"), "{r}");
            assert!(r.contains('^'));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn crlf_becomes_lf() {
    assert_eq!(fmt("a = 1\r\nbb = 2\r\n"), "a  = 1\nbb = 2\n");
}

#[test]
fn evaluation_is_unchanged() {
    let src = r#"
locals {
  name    =   "${var.prefix}-cmek"   # template
  period=var.days*24
  ok = ! var.off && var.days > 90
  pick = var.off ?"a":"b"
  upper = [for s in var.list: "${s}!" if s != "b"]
  by = {for i, s in var.list: s => i}
  doc = <<EOT
  keep ${var.prefix}
EOT
  nested = { a = [1, 2, { b = var.list[0] }], "k-2" = -3.5e1 }
}
"#;
    let mut ctx = hcl::eval::Context::new();
    ctx.declare_var(
        "var",
        hcl::value::Map::from_iter([
            ("prefix".to_string(), hcl::Value::from("acme")),
            ("days".to_string(), hcl::Value::from(180)),
            ("off".to_string(), hcl::Value::from(false)),
            ("list".to_string(), hcl::Value::from(vec!["a", "b", "c"])),
        ]),
    );
    let out = fmt(src);
    let before: hcl::Value = hcl::eval::from_str(src, &ctx).unwrap();
    let after: hcl::Value = hcl::eval::from_str(&out, &ctx).unwrap();
    assert_eq!(before, after);
    assert_ne!(out, src, "the input was meant to be messy");
}

#[test]
fn comments_around_operators_and_traversals_survive() {
    // hcl-edit leaves these decors unresolved; the printer reads them from the source.
    let src = "x = (a # c1\n+ b /* c2 */ * c)\nz = (var.a # c3\n.b)\n";
    assert_eq!(
        fmt(src),
        "x = (a # c1\n  + b /* c2 */ * c)\nz = (var.a # c3\n  .b)\n"
    );
}

#[test]
fn heredoc_inside_call_and_closing_brackets() {
    let src = "x = jsonencode(<<EOT\n{\"a\": 1}\nEOT\n)\n";
    assert_eq!(fmt(src), src);
}
