//! The grammar, by precedence (lowest first); `and` may be left out between terms:
//!
//! ```text
//! query   = or?
//! or      = and ("or" and)*
//! and     = unary (["and"] unary)*
//! unary   = "not" unary | "(" or ")" | term
//! term    = field op value | text
//! op      = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
//! ```
//!
//! Each field takes values of its kind, checked here so the error has a column: `status` a
//! status, `started`/`ended` a time, `duration` a duration, `metrics.K` a number; `~` takes a
//! glob or `/regex/`. The printer (`Display`) writes what this reads back to the same tree.

use super::ParseError;
use super::lex::{Op, Tok, Token};
use super::value::{When, duration_secs};
use crate::model::Status;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Status,
    Project,
    Name,
    Ref,
    Started,
    Ended,
    Duration,
    /// `params.K`.
    Param(String),
    /// `metrics.K`: the latest value.
    Metric(String),
    /// `tags.K`: the project's tag.
    Tag(String),
    /// Any other name: the run's parameter of that name, else its latest metric.
    Auto(String),
}

const BUILTINS: [(&str, Field); 13] = [
    ("status", Field::Status),
    ("project", Field::Project),
    ("name", Field::Name),
    ("ref", Field::Ref),
    ("run", Field::Ref),
    ("started", Field::Started),
    ("started_at", Field::Started),
    ("start", Field::Started),
    ("ended", Field::Ended),
    ("ended_at", Field::Ended),
    ("end", Field::Ended),
    ("duration", Field::Duration),
    ("took", Field::Duration),
];

/// Makes a keyed field from its key.
type MakeField = fn(String) -> Field;

const PREFIXES: [(&str, MakeField); 6] = [
    ("params.", Field::Param),
    ("param.", Field::Param),
    ("metrics.", Field::Metric),
    ("metric.", Field::Metric),
    ("tags.", Field::Tag),
    ("tag.", Field::Tag),
];

impl Field {
    /// A field as written; `quoted` names are never the built-in fields.
    fn from_name(name: &str, quoted: bool) -> Option<Field> {
        if !quoted && let Some((_, f)) = BUILTINS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            return Some(f.clone());
        }
        for (prefix, make) in PREFIXES {
            if let Some(key) = name.strip_prefix(prefix) {
                return (!key.is_empty()).then(|| make(key.to_string()));
            }
        }
        (!name.is_empty()).then(|| Field::Auto(name.to_string()))
    }

    fn name(&self) -> &str {
        match self {
            Field::Status => "status",
            Field::Project => "project",
            Field::Name => "name",
            Field::Ref => "ref",
            Field::Started => "started",
            Field::Ended => "ended",
            Field::Duration => "duration",
            Field::Param(k) | Field::Metric(k) | Field::Tag(k) | Field::Auto(k) => k,
        }
    }
}

/// A glob (whole-text, case-insensitive) or a regular expression (as written, anywhere in the
/// text), compiled when parsed.
#[derive(Clone, Debug)]
pub enum Pattern {
    Glob(String, globset::GlobMatcher),
    Regex(regex::Regex),
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Pattern::Glob(a, _), Pattern::Glob(b, _)) => a == b,
            (Pattern::Regex(a), Pattern::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl Pattern {
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Glob(_, g) => g.is_match(text),
            Pattern::Regex(r) => r.is_match(text),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Status(Status),
    /// Text as written (compared as numbers when both sides are numbers).
    Text(String),
    Number(f64),
    /// A duration, in seconds.
    Seconds(f64),
    Time(When),
    Pattern(Pattern),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cmp {
    pub field: Field,
    pub op: Op,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Cmp),
    /// A bare word: a substring of the run's name, ref or project (any case).
    Text(String),
}

impl Expr {
    pub(super) fn any_field(&self, f: &dyn Fn(&Field) -> bool) -> bool {
        match self {
            Expr::Or(a, b) | Expr::And(a, b) => a.any_field(f) || b.any_field(f),
            Expr::Not(a) => a.any_field(f),
            Expr::Cmp(c) => f(&c.field),
            Expr::Text(_) => false,
        }
    }

    pub(super) fn bare_words<'a>(&'a self, out: &mut Vec<&'a str>) -> bool {
        match self {
            Expr::And(a, b) => a.bare_words(out) && b.bare_words(out),
            Expr::Text(t) => {
                out.push(t);
                true
            }
            _ => false,
        }
    }
}

pub fn parse(tokens: &[Token], text_len: usize) -> Result<Option<Expr>, ParseError> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        end_col: text_len + 1,
    };
    let e = p.or()?;
    match p.peek() {
        None => Ok(Some(e)),
        Some(Token {
            tok: Tok::RParen,
            col,
        }) => Err(ParseError::new(*col, "unexpected `)`: no `(` opens it")),
        Some(t) => Err(p.expected("`and`, `or` or the end", t)),
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    end_col: usize,
}

const TERM: &str = "a field (status, name, lr, …), a word, `not` or `(`";

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&Token> {
        let t = self.tokens.get(self.pos);
        self.pos += 1;
        t
    }

    fn expected(&self, what: &str, found: &Token) -> ParseError {
        ParseError::new(
            found.col,
            format!("expected {what}, found {}", found.tok.describe()),
        )
    }

    fn at_end(&self, what: &str) -> ParseError {
        ParseError::new(self.end_col, format!("expected {what}, found the end"))
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some(Token { tok: Tok::Or, .. })) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            match self.peek().map(|t| &t.tok) {
                Some(Tok::And) => self.pos += 1,
                // Terms side by side are all required: `mnist cnn`, `mnist status=failed`.
                Some(Tok::Word(_) | Tok::Quoted(_) | Tok::Backtick(_) | Tok::Not | Tok::LParen) => {
                }
                _ => return Ok(left),
            }
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let Some(t) = self.next().cloned() else {
            return Err(self.at_end(TERM));
        };
        match t.tok {
            Tok::Not => Ok(Expr::Not(Box::new(self.unary()?))),
            Tok::LParen => {
                let e = self.or()?;
                match self.next() {
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => Ok(e),
                    Some(other) => {
                        let other = other.clone();
                        Err(self.expected("`)`", &other))
                    }
                    None => Err(self.at_end(&format!("`)` to close the `(` at column {}", t.col))),
                }
            }
            Tok::Word(_) | Tok::Quoted(_) | Tok::Backtick(_) => self.term(t),
            _ => Err(self.expected(TERM, &t)),
        }
    }

    fn term(&mut self, first: Token) -> Result<Expr, ParseError> {
        let Some(Token {
            tok: Tok::Op(op),
            col: op_col,
        }) = self.peek().cloned()
        else {
            // No operator: a bare word (or quoted text) searched in names and refs.
            return match first.tok {
                Tok::Word(w) | Tok::Quoted(w) => Ok(Expr::Text(w)),
                Tok::Backtick(w) => Err(ParseError::new(
                    self.peek().map_or(self.end_col, |t| t.col),
                    format!("expected an operator (= != < <= > >= ~ !~) after the field `{w}`"),
                )),
                _ => Err(self.expected(TERM, &first)),
            };
        };
        self.pos += 1;
        let field = match &first.tok {
            Tok::Word(w) => Field::from_name(w, false),
            Tok::Quoted(w) | Tok::Backtick(w) => Field::from_name(w, true),
            _ => None,
        }
        .ok_or_else(|| ParseError::new(first.col, "expected a field name, found empty text"))?;
        check_op(&field, op, op_col)?;
        let value = self.value(&field, op)?;
        Ok(Expr::Cmp(Cmp { field, op, value }))
    }

    fn value(&mut self, field: &Field, op: Op) -> Result<Value, ParseError> {
        let Some(t) = self.next().cloned() else {
            return Err(self.at_end(&format!("a value for {}", field.name())));
        };
        if matches!(op, Op::Match | Op::NotMatch) {
            return match t.tok {
                Tok::Regex(r) => regex::Regex::new(&r)
                    .map(|re| Value::Pattern(Pattern::Regex(re)))
                    .map_err(|e| ParseError::new(t.col, format!("not a regular expression: {e}"))),
                Tok::Word(w) | Tok::Quoted(w) => glob(&w)
                    .map(Value::Pattern)
                    .map_err(|e| ParseError::new(t.col, format!("not a glob: {e}"))),
                _ => Err(self.expected("a glob (cnn-*) or /regex/", &t)),
            };
        }
        let text = match &t.tok {
            Tok::Word(w) | Tok::Quoted(w) => w.clone(),
            _ => return Err(self.expected(&format!("a value for {}", field.name()), &t)),
        };
        let bad = |what: &str| ParseError::new(t.col, format!("expected {what}, found `{text}`"));
        Ok(match field {
            Field::Status => Value::Status(
                Status::parse(&text.to_ascii_lowercase())
                    .ok_or_else(|| bad("a status (open, completed, failed, cancelled)"))?,
            ),
            Field::Started | Field::Ended => {
                let ago = matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case("ago"));
                match (ago, duration_secs(&text)) {
                    (true, Some(secs)) => {
                        self.pos += 1;
                        Value::Time(When::Ago(secs))
                    }
                    _ => Value::Time(When::parse_word(&text).ok_or_else(|| {
                        bad("a time (2026-11-30, 2026-11-30T12:00:00Z, today, yesterday, now, 2h ago)")
                    })?),
                }
            }
            Field::Duration => Value::Seconds(
                duration_secs(&text).ok_or_else(|| bad("a duration (90s, 10m, 1h30m, 2d)"))?,
            ),
            Field::Metric(_) => Value::Number(number(&text).ok_or_else(|| bad("a number"))?),
            _ => Value::Text(text),
        })
    }
}

fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|n| !n.is_nan())
}

fn glob(text: &str) -> Result<Pattern, globset::Error> {
    let g = globset::GlobBuilder::new(text)
        .case_insensitive(true)
        .literal_separator(false)
        .backslash_escape(true)
        .build()?;
    Ok(Pattern::Glob(text.to_string(), g.compile_matcher()))
}

/// Which comparisons a field takes: text fields have no order, times and metrics no glob.
fn check_op(field: &Field, op: Op, col: usize) -> Result<(), ParseError> {
    let ordered = matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge);
    let matching = matches!(op, Op::Match | Op::NotMatch);
    let ok = match field {
        Field::Status | Field::Project | Field::Name | Field::Ref | Field::Tag(_) => !ordered,
        Field::Started | Field::Ended | Field::Duration | Field::Metric(_) => !matching,
        Field::Param(_) | Field::Auto(_) => true,
    };
    if ok {
        return Ok(());
    }
    let takes = if ordered {
        "= != ~ !~"
    } else {
        "= != < <= > >="
    };
    Err(ParseError::new(
        col,
        format!(
            "expected one of {takes} after {}: it does not take `{}`",
            field.name(),
            op.as_str()
        ),
    ))
}

// ---- the printer ----

/// Whether `s` reads back as one plain word that is not a keyword.
fn plain_word(s: &str) -> bool {
    !s.is_empty()
        && !s.chars().any(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | ')' | '=' | '!' | '<' | '>' | '~' | '"' | '\'' | '`' | '\\'
                )
        })
        && !["and", "or", "not"].contains(&s.to_ascii_lowercase().as_str())
        && !s.starts_with('/')
}

fn quote(s: &str, q: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        if c == q || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(q);
    out
}

fn text_value(s: &str) -> String {
    if plain_word(s) {
        s.to_string()
    } else {
        quote(s, '"')
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let written = match self {
            Field::Param(k) => format!("params.{k}"),
            Field::Metric(k) => format!("metrics.{k}"),
            Field::Tag(k) => format!("tags.{k}"),
            Field::Auto(k) => k.clone(),
            builtin => return f.write_str(builtin.name()),
        };
        // Plain when it reads back as the same field; else quoted (never a built-in then).
        if plain_word(&written) && Field::from_name(&written, false).as_ref() == Some(self) {
            f.write_str(&written)
        } else {
            f.write_str(&quote(&written, '`'))
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Status(s) => f.write_str(s.as_str()),
            Value::Text(t) => f.write_str(&text_value(t)),
            Value::Number(n) => write!(f, "{n}"),
            Value::Seconds(s) => write!(f, "{s}s"),
            Value::Time(w) => write!(f, "{w}"),
            Value::Pattern(Pattern::Glob(g, _)) => f.write_str(&text_value(g)),
            Value::Pattern(Pattern::Regex(r)) => {
                write!(f, "/{}/", r.as_str().replace('/', "\\/"))
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Parentheses only where precedence or left association needs them.
        fn group(e: &Expr, plain_if: fn(&Expr) -> bool) -> String {
            if plain_if(e) {
                e.to_string()
            } else {
                format!("({e})")
            }
        }
        match self {
            Expr::Or(a, b) => write!(f, "{} or {}", a, group(b, |e| !matches!(e, Expr::Or(..)))),
            Expr::And(a, b) => write!(
                f,
                "{} and {}",
                group(a, |e| !matches!(e, Expr::Or(..))),
                group(b, |e| !matches!(e, Expr::Or(..) | Expr::And(..)))
            ),
            Expr::Not(a) => write!(
                f,
                "not {}",
                group(a, |e| !matches!(e, Expr::Or(..) | Expr::And(..)))
            ),
            Expr::Cmp(c) => write!(f, "{} {} {}", c.field, c.op.as_str(), c.value),
            Expr::Text(t) => f.write_str(&text_value(t)),
        }
    }
}
