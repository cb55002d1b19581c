//! A renderer for exactly the subset of Go's `text/template` (plus the Sprig and Helm functions)
//! that the chart uses, with Helm's conventions: `missingkey=zero` (a missing map key is nil and
//! prints as nothing), `include`, `toYaml` (sorted keys, block style, no trailing newline).
//!
//! Anything else — an unknown function, `template`, `block`, comments, range variables, a field
//! of a nil value — is an error naming the file and line, never skipped: a chart that uses a
//! construct this renderer does not know fails its render tests until the renderer learns it.

use serde_json::{Map, Value};
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Arg {
    /// `.a.b` (empty: `.`).
    Field(Vec<String>),
    /// `$name.a.b` (`$` alone: name empty).
    Var(String, Vec<String>),
    Str(String),
    Int(i64),
    Bool(bool),
    Func(String),
    Sub(Box<Pipe>),
}

#[derive(Debug, Clone)]
struct Pipe {
    /// `$x := …` (true) or `$x = …` (false).
    decl: Option<(String, bool)>,
    cmds: Vec<Vec<Arg>>,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipe, usize),
    If(Pipe, Vec<Node>, Vec<Node>, usize),
    With(Pipe, Vec<Node>, Vec<Node>, usize),
    Range(Pipe, Vec<Node>, Vec<Node>, usize),
}

/// A parsed set of template files sharing their `define`s, as Helm parses a chart.
#[derive(Default)]
pub struct Templates {
    files: Vec<(String, Vec<Node>)>,
    defines: HashMap<String, (String, Vec<Node>)>,
}

#[derive(Debug)]
enum Item {
    Text(String),
    Action(String, usize),
}

fn lex(file: &str, src: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut rest = src;
    let mut line = 1;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let mut text = rest[..open].to_string();
        if trim_next {
            text = text.trim_start().to_string();
        }
        line += rest[..open].matches('\n').count();
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| format!("{file}:{line}: unclosed action"))?;
        let mut body = &after[..close];
        if let Some(b) = body.strip_prefix("- ") {
            text = text.trim_end().to_string();
            body = b;
        } else if body.starts_with('-') && !body.starts_with("- ") {
            return Err(format!(
                "{file}:{line}: `{{{{-` must be followed by a space"
            ));
        }
        trim_next = false;
        if let Some(b) = body.strip_suffix(" -") {
            trim_next = true;
            body = b;
        }
        if body.trim_start().starts_with("/*") {
            return Err(format!(
                "{file}:{line}: comments are not supported by this renderer"
            ));
        }
        items.push(Item::Text(text));
        items.push(Item::Action(body.trim().to_string(), line));
        line += body.matches('\n').count();
        rest = &after[close + 2..];
    }
    let mut text = rest.to_string();
    if trim_next {
        text = text.trim_start().to_string();
    }
    items.push(Item::Text(text));
    Ok(items)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Field(Vec<String>),
    Var(String, Vec<String>),
    Str(String),
    Int(i64),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
}

fn fields(s: &str) -> Vec<String> {
    s.split('.')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let word = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || "_.".contains(chars[*i])) {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
            }
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string".into()),
                        Some('"') => break,
                        Some('\\') => {
                            s.push(match chars.get(i + 1) {
                                Some('n') => '\n',
                                Some('t') => '\t',
                                Some('"') => '"',
                                Some('\\') => '\\',
                                other => return Err(format!("unsupported escape \\{other:?}")),
                            });
                            i += 2;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                toks.push(Tok::Str(s));
            }
            '.' => {
                let w = word(&mut i);
                toks.push(Tok::Field(fields(&w)));
            }
            '$' => {
                i += 1;
                let w = word(&mut i);
                let (name, rest) = w.split_once('.').unwrap_or((&w, ""));
                toks.push(Tok::Var(name.to_string(), fields(rest)));
            }
            '0'..='9' | '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                toks.push(Tok::Int(
                    s.parse().map_err(|_| format!("unsupported number {s:?}"))?,
                ));
            }
            c if c.is_alphabetic() => {
                let w = word(&mut i);
                if w.contains('.') {
                    return Err(format!("unsupported operand {w:?}"));
                }
                toks.push(Tok::Ident(w));
            }
            other => return Err(format!("unsupported character {other:?}")),
        }
    }
    Ok(toks)
}

fn parse_pipe(toks: &[Tok]) -> Result<Pipe, String> {
    let mut pos = 0;
    let pipe = parse_pipe_at(toks, &mut pos)?;
    if pos != toks.len() {
        return Err(format!("unexpected {:?}", toks[pos]));
    }
    Ok(pipe)
}

fn parse_pipe_at(toks: &[Tok], pos: &mut usize) -> Result<Pipe, String> {
    let mut decl = None;
    if let (Some(Tok::Var(name, f)), Some(op @ (Tok::Declare | Tok::Assign))) =
        (toks.get(*pos), toks.get(*pos + 1))
    {
        if !f.is_empty() {
            return Err("cannot assign to a field".into());
        }
        decl = Some((name.clone(), *op == Tok::Declare));
        *pos += 2;
    }
    let mut cmds = vec![Vec::new()];
    while let Some(t) = toks.get(*pos) {
        *pos += 1;
        let arg = match t {
            Tok::RParen => {
                *pos -= 1;
                break;
            }
            Tok::Pipe => {
                cmds.push(Vec::new());
                continue;
            }
            Tok::LParen => {
                let sub = parse_pipe_at(toks, pos)?;
                if toks.get(*pos) != Some(&Tok::RParen) {
                    return Err("unclosed parenthesis".into());
                }
                *pos += 1;
                Arg::Sub(Box::new(sub))
            }
            Tok::Field(f) => Arg::Field(f.clone()),
            Tok::Var(n, f) => Arg::Var(n.clone(), f.clone()),
            Tok::Str(s) => Arg::Str(s.clone()),
            Tok::Int(n) => Arg::Int(*n),
            Tok::Ident(w) if w == "true" || w == "false" => Arg::Bool(w == "true"),
            Tok::Ident(w) => Arg::Func(w.clone()),
            Tok::Declare | Tok::Assign => return Err("unexpected assignment".into()),
        };
        if let Some(last) = cmds.last_mut() {
            last.push(arg);
        }
    }
    if cmds.iter().any(Vec::is_empty) {
        return Err("empty command in pipeline".into());
    }
    Ok(Pipe { decl, cmds })
}

enum Closer {
    Eof,
    End,
    Else,
    ElseIf(Pipe, usize),
}

struct Parser<'a> {
    file: &'a str,
    items: Vec<Item>,
    pos: usize,
    defines: Vec<(String, Vec<Node>)>,
}

impl Parser<'_> {
    fn list(&mut self, top: bool) -> Result<(Vec<Node>, Closer), String> {
        let mut nodes = Vec::new();
        while self.pos < self.items.len() {
            let item = std::mem::replace(&mut self.items[self.pos], Item::Text(String::new()));
            self.pos += 1;
            let (body, line) = match item {
                Item::Text(t) => {
                    if !t.is_empty() {
                        nodes.push(Node::Text(t));
                    }
                    continue;
                }
                Item::Action(b, l) => (b, l),
            };
            let file = self.file.to_string();
            let at = |e: String| format!("{file}:{line}: {e} in {{{{ {body} }}}}");
            let (kw, rest) = body.split_once(' ').unwrap_or((&body, ""));
            let pipe = |src: &str| tokenize(src).and_then(|t| parse_pipe(&t)).map_err(at);
            match kw {
                "end" if rest.is_empty() => return Ok((nodes, Closer::End)),
                "else" if rest.is_empty() => return Ok((nodes, Closer::Else)),
                "else" => {
                    let (kw2, cond) = rest.split_once(' ').unwrap_or((rest, ""));
                    if kw2 != "if" {
                        return Err(at(format!("`else {kw2}` is not supported")));
                    }
                    return Ok((nodes, Closer::ElseIf(pipe(cond)?, line)));
                }
                "if" | "with" | "range" => {
                    let p = pipe(rest)?;
                    if kw == "range" && p.decl.is_some() {
                        return Err(at("range variables are not supported".into()));
                    }
                    let node = self.block(kw, p, line)?;
                    nodes.push(node);
                }
                "define" => {
                    if !top {
                        return Err(at("define inside a block".into()));
                    }
                    let name = match tokenize(rest).map_err(at)?.as_slice() {
                        [Tok::Str(s)] => s.clone(),
                        _ => return Err(at("define needs one string".into())),
                    };
                    let (body, end) = self.list(false)?;
                    if !matches!(end, Closer::End) {
                        return Err(at("define without end".into()));
                    }
                    self.defines.push((name, body));
                }
                "template" | "block" | "break" | "continue" | "end" => {
                    return Err(at(format!("`{kw}` is not supported by this renderer")));
                }
                _ => nodes.push(Node::Action(pipe(&body)?, line)),
            }
        }
        if top {
            Ok((nodes, Closer::Eof))
        } else {
            Err(format!(
                "{}: unexpected end of file (missing end)",
                self.file
            ))
        }
    }

    fn block(&mut self, kw: &str, cond: Pipe, line: usize) -> Result<Node, String> {
        let (then, end) = self.list(false)?;
        let els = match end {
            Closer::End => Vec::new(),
            Closer::Else => {
                let (els, end) = self.list(false)?;
                if !matches!(end, Closer::End) {
                    return Err(format!("{}:{line}: `{kw}` has two else", self.file));
                }
                els
            }
            Closer::ElseIf(p, l) if kw == "if" => vec![self.block("if", p, l)?],
            Closer::ElseIf(..) => {
                return Err(format!("{}:{line}: `else if` after {kw}", self.file))
            }
            Closer::Eof => return Err(format!("{}:{line}: `{kw}` without end", self.file)),
        };
        Ok(match kw {
            "if" => Node::If(cond, then, els, line),
            "with" => Node::With(cond, then, els, line),
            _ => Node::Range(cond, then, els, line),
        })
    }
}

impl Templates {
    pub fn add(&mut self, file: &str, src: &str) -> Result<(), String> {
        let mut p = Parser {
            file,
            items: lex(file, src)?,
            pos: 0,
            defines: Vec::new(),
        };
        let (nodes, _) = p.list(true)?;
        for (name, body) in p.defines {
            self.defines.insert(name, (file.to_string(), body));
        }
        self.files.push((file.to_string(), nodes));
        Ok(())
    }

    /// Render one file with `data` as `.` and `$`.
    pub fn render(&self, file: &str, data: &Value) -> Result<String, String> {
        let nodes = &self
            .files
            .iter()
            .find(|(f, _)| f == file)
            .ok_or_else(|| format!("no template {file}"))?
            .1;
        let mut ex = Exec {
            t: self,
            file: file.to_string(),
            vars: vec![(String::new(), data.clone())],
            out: String::new(),
            depth: 0,
        };
        ex.list(nodes, data)?;
        Ok(ex.out)
    }
}

struct Exec<'a> {
    t: &'a Templates,
    file: String,
    vars: Vec<(String, Value)>,
    out: String,
    depth: usize,
}

/// Go's `truth`: false, 0, nil and empty strings, lists and maps are false.
pub fn truth(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn walk(mut v: Value, path: &[String], what: &str) -> Result<Value, String> {
    for (i, f) in path.iter().enumerate() {
        v = match v {
            // missingkey=zero: a missing key is nil.
            Value::Object(mut m) => m.remove(f).unwrap_or(Value::Null),
            Value::Null => {
                return Err(format!(
                    "nil pointer evaluating {what}.{}",
                    path[..=i].join(".")
                ))
            }
            other => return Err(format!("can't evaluate field {f} in {other}")),
        };
    }
    Ok(v)
}

fn print(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("printing a collection ({other}) is not supported")),
    })
}

fn string_arg(v: &Value, f: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("{f}: expected a string, got {other}")),
    }
}

fn int_arg(v: &Value, f: &str) -> Result<i64, String> {
    v.as_i64()
        .ok_or_else(|| format!("{f}: expected an integer, got {v}"))
}

fn arity(f: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("{f}: wants {n} arguments, got {}", args.len()))
    }
}

/// Go's `eq` for basic kinds (numbers by value); other kinds are an error, as in Go.
fn basic_eq(a: &Value, b: &Value) -> Result<bool, String> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x == y),
        (Value::Bool(x), Value::Bool(y)) => Ok(x == y),
        (Value::Number(x), Value::Number(y)) => Ok(x.as_f64() == y.as_f64()),
        _ => Err(format!("incompatible types for comparison: {a} and {b}")),
    }
}

impl Exec<'_> {
    fn list(&mut self, nodes: &[Node], dot: &Value) -> Result<(), String> {
        let mark = self.vars.len();
        for n in nodes {
            self.node(n, dot)?;
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn node(&mut self, n: &Node, dot: &Value) -> Result<(), String> {
        fn at(file: &str, line: usize) -> impl Fn(String) -> String + '_ {
            move |e: String| format!("{file}:{line}: {e}")
        }
        match n {
            Node::Text(t) => self.out.push_str(t),
            Node::Action(p, line) => {
                let v = self.pipe(p, dot).map_err(at(&self.file, *line))?;
                if p.decl.is_none() {
                    let s = print(&v).map_err(at(&self.file, *line))?;
                    self.out.push_str(&s);
                }
            }
            Node::If(p, then, els, line) => {
                let v = self.pipe(p, dot).map_err(at(&self.file, *line))?;
                self.list(if truth(&v) { then } else { els }, dot)?;
            }
            Node::With(p, then, els, line) => {
                let v = self.pipe(p, dot).map_err(at(&self.file, *line))?;
                if truth(&v) {
                    self.list(then, &v)?;
                } else {
                    self.list(els, dot)?;
                }
            }
            Node::Range(p, body, els, line) => {
                let v = self.pipe(p, dot).map_err(at(&self.file, *line))?;
                let elems: Vec<Value> = match v {
                    Value::Array(a) => a,
                    // Go ranges over a map in sorted key order.
                    Value::Object(m) => {
                        let mut kv: Vec<_> = m.into_iter().collect();
                        kv.sort_by(|a, b| a.0.cmp(&b.0));
                        kv.into_iter().map(|(_, v)| v).collect()
                    }
                    Value::Null => Vec::new(),
                    other => {
                        return Err(format!("{}:{line}: range over {other}", self.file));
                    }
                };
                if elems.is_empty() {
                    self.list(els, dot)?;
                }
                for e in &elems {
                    self.list(body, e)?;
                }
            }
        }
        Ok(())
    }

    fn pipe(&mut self, p: &Pipe, dot: &Value) -> Result<Value, String> {
        let mut prev: Option<Value> = None;
        for cmd in &p.cmds {
            prev = Some(self.cmd(cmd, dot, prev)?);
        }
        let v = prev.unwrap_or(Value::Null);
        if let Some((name, declare)) = &p.decl {
            if *declare {
                self.vars.push((name.clone(), v.clone()));
            } else {
                let slot = self
                    .vars
                    .iter_mut()
                    .rev()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| format!("undefined variable ${name}"))?;
                slot.1 = v.clone();
            }
        }
        Ok(v)
    }

    fn arg(&mut self, a: &Arg, dot: &Value) -> Result<Value, String> {
        Ok(match a {
            Arg::Field(path) => walk(dot.clone(), path, "")?,
            Arg::Var(name, path) => {
                let v = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| format!("undefined variable ${name}"))?
                    .1
                    .clone();
                walk(v, path, &format!("${name}"))?
            }
            Arg::Str(s) => Value::String(s.clone()),
            Arg::Int(n) => Value::from(*n),
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Sub(p) => self.pipe(p, dot)?,
            Arg::Func(f) => self.call(f, &[], dot, None)?,
        })
    }

    fn cmd(&mut self, cmd: &[Arg], dot: &Value, prev: Option<Value>) -> Result<Value, String> {
        match cmd {
            [Arg::Func(f), rest @ ..] => self.call(f, rest, dot, prev),
            [single] if prev.is_none() => self.arg(single, dot),
            _ => Err("only a function can take arguments or a piped value".into()),
        }
    }

    fn call(
        &mut self,
        f: &str,
        args: &[Arg],
        dot: &Value,
        prev: Option<Value>,
    ) -> Result<Value, String> {
        // `and`/`or` stop at the first operand that decides, as Go's do.
        if f == "and" || f == "or" {
            let mut last = Value::Null;
            let n = args.len() + usize::from(prev.is_some());
            if n < 2 {
                return Err(format!("{f}: wants at least 2 arguments"));
            }
            for a in args {
                last = self.arg(a, dot)?;
                if truth(&last) != (f == "and") {
                    return Ok(last);
                }
            }
            return Ok(prev.unwrap_or(last));
        }
        let mut v = Vec::with_capacity(args.len() + 1);
        for a in args {
            v.push(self.arg(a, dot)?);
        }
        v.extend(prev);
        let a = v.as_slice();
        Ok(match f {
            "include" => {
                arity(f, a, 2)?;
                let name = string_arg(&a[0], f)?;
                let (file, body) = self
                    .t
                    .defines
                    .get(&name)
                    .ok_or_else(|| format!("include: no template {name:?}"))?;
                if self.depth > 100 {
                    return Err("include: recursion too deep".into());
                }
                let mut ex = Exec {
                    t: self.t,
                    file: file.clone(),
                    vars: vec![(String::new(), a[1].clone())],
                    out: String::new(),
                    depth: self.depth + 1,
                };
                ex.list(body, &a[1])?;
                Value::String(ex.out)
            }
            "default" => match a {
                [d] => d.clone(),
                [d, given] => {
                    if truth(given) {
                        given.clone()
                    } else {
                        d.clone()
                    }
                }
                _ => return Err("default: wants 1 or 2 arguments".into()),
            },
            "not" => {
                arity(f, a, 1)?;
                Value::Bool(!truth(&a[0]))
            }
            "eq" => {
                if a.len() < 2 {
                    return Err("eq: wants at least 2 arguments".into());
                }
                let mut any = false;
                for b in &a[1..] {
                    any |= basic_eq(&a[0], b)?;
                }
                Value::Bool(any)
            }
            "ne" => {
                arity(f, a, 2)?;
                Value::Bool(!basic_eq(&a[0], &a[1])?)
            }
            "fail" => {
                arity(f, a, 1)?;
                return Err(format!("fail: {}", string_arg(&a[0], f)?));
            }
            "trunc" => {
                arity(f, a, 2)?;
                let n = int_arg(&a[0], f)?;
                let s: Vec<char> = string_arg(&a[1], f)?.chars().collect();
                let len = i64::try_from(s.len()).map_err(|e| e.to_string())?;
                let s: String = if n >= 0 {
                    s.iter().take(usize::try_from(n).unwrap_or(0)).collect()
                } else {
                    s.iter()
                        .skip(usize::try_from(len + n).unwrap_or(0))
                        .collect()
                };
                Value::String(s)
            }
            "trimSuffix" | "trimPrefix" | "contains" => {
                arity(f, a, 2)?;
                let (x, s) = (string_arg(&a[0], f)?, string_arg(&a[1], f)?);
                match f {
                    "trimSuffix" => Value::String(s.strip_suffix(&x).unwrap_or(&s).to_string()),
                    "trimPrefix" => Value::String(s.strip_prefix(&x).unwrap_or(&s).to_string()),
                    _ => Value::Bool(s.contains(&x)),
                }
            }
            "replace" => {
                arity(f, a, 3)?;
                let s = string_arg(&a[2], f)?;
                Value::String(s.replace(&string_arg(&a[0], f)?, &string_arg(&a[1], f)?))
            }
            "printf" => {
                let (fmt, rest) = a.split_first().ok_or("printf: wants a format")?;
                Value::String(printf(&string_arg(fmt, f)?, rest)?)
            }
            "quote" => {
                let parts: Result<Vec<String>, String> = a
                    .iter()
                    .filter(|x| !x.is_null())
                    .map(|x| print(x).map(|s| serde_json::to_string(&s).unwrap_or_default()))
                    .collect();
                Value::String(parts?.join(" "))
            }
            "indent" | "nindent" => {
                arity(f, a, 2)?;
                let pad =
                    " ".repeat(usize::try_from(int_arg(&a[0], f)?).map_err(|e| e.to_string())?);
                let s = string_arg(&a[1], f)?;
                let body = format!("{pad}{}", s.replace('\n', &format!("\n{pad}")));
                Value::String(if f == "nindent" {
                    format!("\n{body}")
                } else {
                    body
                })
            }
            "toYaml" => {
                arity(f, a, 1)?;
                Value::String(to_yaml(&a[0]))
            }
            "join" => {
                arity(f, a, 2)?;
                let sep = string_arg(&a[0], f)?;
                let items = match &a[1] {
                    Value::Array(items) => {
                        items.iter().map(print).collect::<Result<Vec<_>, _>>()?
                    }
                    Value::Null => Vec::new(),
                    other => vec![print(other)?],
                };
                Value::String(items.join(&sep))
            }
            other => return Err(format!("function {other:?} is not known to this renderer")),
        })
    }
}

fn printf(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'v' | 'd' | 'q')) => {
                let v = args.next().ok_or("printf: missing argument")?;
                let s = print(v)?;
                match verb {
                    'd' if !v.is_number() => return Err(format!("printf: %d of {v}")),
                    'q' => out.push_str(&serde_json::to_string(&s).unwrap_or_default()),
                    _ => out.push_str(&s),
                }
            }
            other => return Err(format!("printf: verb {other:?} is not supported")),
        }
    }
    if args.next().is_some() {
        return Err("printf: too many arguments".into());
    }
    Ok(out)
}

/// Helm's `toYaml`: block style, keys sorted (the Go map order), sequences not indented under
/// their key (go-yaml's style), no trailing newline.
pub fn to_yaml(v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => emit_map(m).join("\n"),
        Value::Array(a) if !a.is_empty() => emit_seq(a).join("\n"),
        scalar => yaml_scalar(scalar),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

fn emit_block(v: &Value) -> Vec<String> {
    match v {
        Value::Object(m) => emit_map(m),
        Value::Array(a) => emit_seq(a),
        _ => vec![yaml_scalar(v)],
    }
}

fn emit_map(m: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    let mut lines = Vec::new();
    for k in keys {
        let v = &m[k];
        let key = yaml_string(k);
        match v {
            Value::Object(_) if is_block(v) => {
                lines.push(format!("{key}:"));
                lines.extend(emit_block(v).into_iter().map(|l| format!("  {l}")));
            }
            Value::Array(_) if is_block(v) => {
                lines.push(format!("{key}:"));
                lines.extend(emit_block(v));
            }
            _ => lines.push(format!("{key}: {}", yaml_scalar(v))),
        }
    }
    lines
}

fn emit_seq(a: &[Value]) -> Vec<String> {
    let mut lines = Vec::new();
    for v in a {
        if is_block(v) {
            for (i, l) in emit_block(v).into_iter().enumerate() {
                lines.push(if i == 0 {
                    format!("- {l}")
                } else {
                    format!("  {l}")
                });
            }
        } else {
            lines.push(format!("- {}", yaml_scalar(v)));
        }
    }
    lines
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_string(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// Plain when it cannot be read as anything but this string, double-quoted otherwise.
fn yaml_string(s: &str) -> String {
    let special = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./@-".contains(c))
        && !special.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}
