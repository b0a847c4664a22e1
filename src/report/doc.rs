//! A tiny document model (headings, paragraphs, lists, tables, images) rendered to both
//! Markdown and a self-contained HTML page, so the two formats always carry the same
//! tables and numbers.

use std::fmt::Write;

/// One block of the report.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(u8, String),
    Para(String),
    List(Vec<String>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// An image by path relative to the report.
    Image {
        alt: String,
        path: String,
    },
}

/// The report as an ordered list of blocks.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn h(&mut self, level: u8, text: impl Into<String>) {
        self.blocks.push(Block::Heading(level, text.into()));
    }
    pub fn p(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Para(text.into()));
    }
    pub fn list(&mut self, items: Vec<String>) {
        self.blocks.push(Block::List(items));
    }
    pub fn table(&mut self, header: Vec<String>, rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table { header, rows });
    }
    pub fn image(&mut self, alt: impl Into<String>, path: impl Into<String>) {
        self.blocks.push(Block::Image {
            alt: alt.into(),
            path: path.into(),
        });
    }

    /// GitHub-flavoured Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        for b in &self.blocks {
            match b {
                Block::Heading(l, t) => {
                    let _ = writeln!(s, "{} {t}\n", "#".repeat(*l as usize));
                }
                Block::Para(t) => {
                    let _ = writeln!(s, "{t}\n");
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(s, "- {i}");
                    }
                    s.push('\n');
                }
                Block::Table { header, rows } => {
                    let cell = |c: &String| c.replace('|', "\\|");
                    let _ = writeln!(
                        s,
                        "| {} |",
                        header.iter().map(cell).collect::<Vec<_>>().join(" | ")
                    );
                    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
                    for r in rows {
                        let _ = writeln!(
                            s,
                            "| {} |",
                            r.iter().map(cell).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    s.push('\n');
                }
                Block::Image { alt, path } => {
                    let _ = writeln!(s, "![{alt}]({path})\n");
                }
            }
        }
        s
    }

    /// A standalone HTML page (inline CSS, images by relative path). Markdown inline
    /// markup (`**bold**`, `` `code` ``) is converted.
    pub fn to_html(&self, title: &str) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n\
             <style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
             table{{border-collapse:collapse;margin:1em 0;font-size:14px}}\
             th,td{{border:1px solid #bbb;padding:3px 8px;text-align:right}}\
             th{{background:#eee}} td:first-child,th:first-child{{text-align:left}}\
             img{{max-width:100%;border:1px solid #ddd}} code{{background:#f4f4f4}}</style>\n\
             </head><body>\n",
            esc(title)
        );
        for b in &self.blocks {
            match b {
                Block::Heading(l, t) => {
                    let _ = writeln!(s, "<h{l}>{}</h{l}>", inline(t));
                }
                Block::Para(t) => {
                    let _ = writeln!(s, "<p>{}</p>", inline(t));
                }
                Block::List(items) => {
                    s.push_str("<ul>\n");
                    for i in items {
                        let _ = writeln!(s, "<li>{}</li>", inline(i));
                    }
                    s.push_str("</ul>\n");
                }
                Block::Table { header, rows } => {
                    s.push_str("<table>\n<tr>");
                    for h in header {
                        let _ = write!(s, "<th>{}</th>", inline(h));
                    }
                    s.push_str("</tr>\n");
                    for r in rows {
                        s.push_str("<tr>");
                        for c in r {
                            let _ = write!(s, "<td>{}</td>", inline(c));
                        }
                        s.push_str("</tr>\n");
                    }
                    s.push_str("</table>\n");
                }
                Block::Image { alt, path } => {
                    let _ = writeln!(s, "<p><img src=\"{}\" alt=\"{}\"></p>", esc(path), esc(alt));
                }
            }
        }
        s.push_str("</body></html>\n");
        s
    }
}

/// HTML-escape text.
pub fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escape, then turn `**x**` into <b> and `` `x` `` into <code> (paired markers only).
fn inline(t: &str) -> String {
    let e = esc(t);
    let e = pairs(&e, "**", "b");
    pairs(&e, "`", "code")
}

fn pairs(t: &str, marker: &str, tag: &str) -> String {
    let parts: Vec<&str> = t.split(marker).collect();
    if parts.len() < 3 || parts.len().is_multiple_of(2) {
        return t.to_string();
    }
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(&if i % 2 == 1 {
                format!("<{tag}>")
            } else {
                format!("</{tag}>")
            });
        }
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_carry_the_same_table() {
        let mut d = Doc::default();
        d.h(2, "T");
        d.table(
            vec!["a".into(), "b|c".into()],
            vec![vec!["1 ± 2".into(), "**x** <y>".into()]],
        );
        let md = d.to_markdown();
        assert!(md.contains("## T\n"));
        assert!(md.contains("| a | b\\|c |\n|---|---|\n| 1 ± 2 | **x** <y> |"));
        let html = d.to_html("t");
        assert!(html.contains("<th>b|c</th>"));
        assert!(html.contains("<td><b>x</b> &lt;y&gt;</td>"));
        assert!(html.starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn unpaired_markers_are_left_alone() {
        assert_eq!(inline("a ** b"), "a ** b");
        assert_eq!(inline("`x` and `y`"), "<code>x</code> and <code>y</code>");
    }
}
