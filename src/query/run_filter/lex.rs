//! The run query's tokens. Words are permissive (metric keys hold `/`, `.`, `-` and `:`), so a
//! word ends only at space, a parenthesis, an operator character or a quote. A `/` right after
//! `~` or `!~` opens a regular expression that runs to the next unescaped `/`.

use super::ParseError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: a glob, or a regular expression written `/…/`.
    Match,
    /// `!~`: does not match.
    NotMatch,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Match => "~",
            Op::NotMatch => "!~",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Word(String),
    /// `"…"` or `'…'`: a value (or a field name) taken as written.
    Quoted(String),
    /// `` `…` ``: a field name taken as written.
    Backtick(String),
    /// `/…/` after `~`: the pattern between the slashes.
    Regex(String),
    Op(Op),
    LParen,
    RParen,
    And,
    Or,
    Not,
}

impl Tok {
    /// How the parser names it in "expected …, found …".
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{w}`"),
            Tok::Quoted(s) => format!("\"{s}\""),
            Tok::Backtick(s) => format!("`{s}`"),
            Tok::Regex(r) => format!("/{r}/"),
            Tok::Op(op) => format!("`{}`", op.as_str()),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::And => "`and`".into(),
            Tok::Or => "`or`".into(),
            Tok::Not => "`not`".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// 1-based column (in characters) of its first character.
    pub col: usize,
}

fn ends_word(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | ')' | '=' | '!' | '<' | '>' | '~' | '"' | '\'' | '`'
        )
}

pub fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let after_match = matches!(
            out.last(),
            Some(Token {
                tok: Tok::Op(Op::Match | Op::NotMatch),
                ..
            })
        );
        let two = chars.get(i + 1).copied();
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '=' if two == Some('=') => (Tok::Op(Op::Eq), 2),
            '=' => (Tok::Op(Op::Eq), 1),
            '!' if two == Some('=') => (Tok::Op(Op::Ne), 2),
            '!' if two == Some('~') => (Tok::Op(Op::NotMatch), 2),
            '!' => {
                return Err(ParseError::new(col, "expected `!=` or `!~` after `!`"));
            }
            '<' if two == Some('=') => (Tok::Op(Op::Le), 2),
            '<' => (Tok::Op(Op::Lt), 1),
            '>' if two == Some('=') => (Tok::Op(Op::Ge), 2),
            '>' => (Tok::Op(Op::Gt), 1),
            '~' => (Tok::Op(Op::Match), 1),
            '/' if after_match => {
                let (body, len) = delimited(&chars, i, '/', true)?;
                (Tok::Regex(body), len)
            }
            '"' | '\'' => {
                let (body, len) = delimited(&chars, i, c, false)?;
                (Tok::Quoted(body), len)
            }
            '`' => {
                let (body, len) = delimited(&chars, i, '`', false)?;
                (Tok::Backtick(body), len)
            }
            _ => {
                let mut j = i;
                while j < chars.len() && !ends_word(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let tok = match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    _ => Tok::Word(word),
                };
                (tok, j - i)
            }
        };
        out.push(Token { tok, col });
        i += len;
    }
    Ok(out)
}

/// The text between `chars[start]` and the next unescaped `close`, and the length taken.
/// In strings `\x` is `x`; in a regex only `\/` loses its backslash (the rest is the regex's).
fn delimited(
    chars: &[char],
    start: usize,
    close: char,
    regex: bool,
) -> Result<(String, usize), ParseError> {
    let mut body = String::new();
    let mut j = start + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' if j + 1 < chars.len() => {
                let next = chars[j + 1];
                if regex && next != '/' {
                    body.push('\\');
                }
                body.push(next);
                j += 2;
            }
            c if c == close => return Ok((body, j + 1 - start)),
            c => {
                body.push(c);
                j += 1;
            }
        }
    }
    let what = match close {
        '/' => "regular expression",
        '`' => "field name",
        _ => "string",
    };
    Err(ParseError::new(
        start + 1,
        format!("unterminated {what}: expected a closing {close}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn metric_keys_with_slashes_dots_and_dashes_are_one_word() {
        assert_eq!(
            toks("metrics.val/acc>=0.9 and val-accuracy<1e-3"),
            vec![
                Tok::Word("metrics.val/acc".into()),
                Tok::Op(Op::Ge),
                Tok::Word("0.9".into()),
                Tok::And,
                Tok::Word("val-accuracy".into()),
                Tok::Op(Op::Lt),
                Tok::Word("1e-3".into()),
            ]
        );
    }

    #[test]
    fn a_slash_after_match_opens_a_regex_with_escaped_slashes() {
        assert_eq!(
            toks(r"name ~ /a\/b\d+/"),
            vec![
                Tok::Word("name".into()),
                Tok::Op(Op::Match),
                Tok::Regex(r"a/b\d+".into())
            ]
        );
    }

    #[test]
    fn quotes_and_backticks_keep_spaces_and_operators() {
        assert_eq!(
            toks(r#"`a b=c` = "x \"y\"" or 'z'"#),
            vec![
                Tok::Backtick("a b=c".into()),
                Tok::Op(Op::Eq),
                Tok::Quoted("x \"y\"".into()),
                Tok::Or,
                Tok::Quoted("z".into()),
            ]
        );
    }

    #[test]
    fn columns_are_one_based_characters() {
        let t = lex("é = (x)").unwrap();
        assert_eq!(
            t.iter().map(|t| t.col).collect::<Vec<_>>(),
            vec![1, 3, 5, 6, 7]
        );
    }

    #[test]
    fn unterminated_string_points_at_its_opening_quote() {
        let e = lex("name = \"abc").unwrap_err();
        assert_eq!(e.column, 8);
        assert!(e.message.contains("unterminated string"), "{e}");
        let e = lex("status !").unwrap_err();
        assert_eq!(e.column, 8);
    }
}
