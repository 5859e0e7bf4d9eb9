//! Column types, defaults and expressions in normal form. Pure.

use serde::{Deserialize, Serialize};

/// A column type in one vocabulary (SPEC.md's portable types); anything
/// else is kept as its normalised text in [`Type::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Boolean (`tinyint(1)` on MySQL).
    Boolean,
    /// Unbounded text.
    Text,
    /// `varchar(n)`.
    Varchar(Option<u32>),
    /// `char(n)`.
    Char(Option<u32>),
    /// `numeric(p, s)`.
    Numeric(Option<u32>, Option<u32>),
    /// Single precision.
    Real,
    /// Double precision.
    Double,
    /// Date.
    Date,
    /// Time of day, with its fractional-second precision (`time(3)`).
    Time(Option<u32>),
    /// Timestamp without time zone (MySQL's `DATETIME`), with its
    /// fractional-second precision (`timestamp(6)`, `DATETIME(3)`).
    Timestamp(Option<u32>),
    /// Timestamp with time zone, with its precision.
    TimestampTz(Option<u32>),
    /// JSON.
    Json,
    /// UUID.
    Uuid,
    /// Bytes (`bytea`, `blob`).
    Bytes,
    /// Any other type, lower case, spaces collapsed.
    Other(String),
}

/// `raw` in lower case outside quotes, white space collapsed, none around
/// `,`, `(` and `)`; quoted text as written.
fn normalize_type_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quoted = false;
    let mut space = false;
    for c in raw.trim().chars() {
        if quoted {
            out.push(c);
            quoted = c != '\'';
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() && !matches!(c, ',' | '(' | ')') && !out.ends_with(['(', ',']) {
            out.push(' ');
        }
        space = false;
        quoted = c == '\'';
        out.extend(c.to_lowercase());
    }
    out
}

/// The type in SQL's words, for messages (`varchar(20)`, `timestamp(6)`,
/// `enum('a','b')`), never Rust's.
impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |name: &str, v: &Option<u32>| match v {
            Some(v) => format!("{name}({v})"),
            None => name.to_owned(),
        };
        let s = match self {
            Type::SmallInt => "smallint".to_owned(),
            Type::Integer => "integer".to_owned(),
            Type::BigInt => "bigint".to_owned(),
            Type::Boolean => "boolean".to_owned(),
            Type::Text => "text".to_owned(),
            Type::Varchar(l) => n("varchar", l),
            Type::Char(l) => n("char", l),
            Type::Numeric(Some(p), Some(s)) => format!("numeric({p},{s})"),
            Type::Numeric(p, _) => n("numeric", p),
            Type::Real => "real".to_owned(),
            Type::Double => "double precision".to_owned(),
            Type::Date => "date".to_owned(),
            Type::Time(p) => n("time", p),
            Type::Timestamp(p) => n("timestamp", p),
            Type::TimestampTz(p) => n("timestamptz", p),
            Type::Json => "json".to_owned(),
            Type::Uuid => "uuid".to_owned(),
            Type::Bytes => "bytes".to_owned(),
            Type::Other(s) => s.clone(),
        };
        f.write_str(&s)
    }
}

impl Type {
    /// Reads a type as written in DDL or reported by a catalog
    /// (`character varying(255)`, `int(11)`, `tinyint(1)`, `timestamp with
    /// time zone`, `DOUBLE PRECISION`, ...). Words fold to lower case and
    /// white space collapses; quoted labels (`ENUM('Trailers', 'G')`) keep
    /// their case and lose only the spaces between them, as MySQL's
    /// catalog writes them (`enum('Trailers','G')`).
    pub fn parse(raw: &str) -> Type {
        let s = normalize_type_text(raw);
        let (base, args) = match s.find('(') {
            Some(i) => {
                let end = s.rfind(')').unwrap_or(s.len());
                let args: Vec<u32> = s[i + 1..end]
                    .split(',')
                    .filter_map(|a| a.trim().parse().ok())
                    .collect();
                let rest = s[end.min(s.len())..].trim_start_matches(')').trim();
                let base = format!("{} {}", s[..i].trim(), rest);
                (base.trim().to_owned(), args)
            }
            None => (s.clone(), Vec::new()),
        };
        let arg = |i: usize| args.get(i).copied();
        match base.as_str() {
            "smallint" | "int2" | "smallserial" | "serial2" => Type::SmallInt,
            "int" | "integer" | "int4" | "serial" | "serial4" | "mediumint" => Type::Integer,
            "bigint" | "int8" | "bigserial" | "serial8" => Type::BigInt,
            "tinyint" if arg(0) == Some(1) => Type::Boolean,
            "bool" | "boolean" => Type::Boolean,
            "text" | "clob" => Type::Text,
            "varchar" | "character varying" | "nvarchar" | "varchar2" => Type::Varchar(arg(0)),
            "char" | "character" | "bpchar" | "nchar" => Type::Char(arg(0)),
            "numeric" | "decimal" | "dec" => Type::Numeric(arg(0), arg(1)),
            "real" | "float4" => Type::Real,
            "float" if arg(0).is_none_or(|p| p <= 24) => Type::Real,
            "float" | "double" | "double precision" | "float8" => Type::Double,
            "date" => Type::Date,
            "time" | "time without time zone" => Type::Time(arg(0)),
            "timestamp" | "timestamp without time zone" | "datetime" => Type::Timestamp(arg(0)),
            "timestamptz" | "timestamp with time zone" => Type::TimestampTz(arg(0)),
            "json" => Type::Json,
            "uuid" => Type::Uuid,
            "bytea" | "blob" | "bytes" => Type::Bytes,
            // MySQL integer display widths and `year(4)` mean nothing to
            // the values (and MySQL 8.0.19+ no longer reports them):
            // `int(10) unsigned` is `int unsigned`.
            b if b == "year"
                || [
                    "tinyint",
                    "smallint",
                    "mediumint",
                    "int",
                    "integer",
                    "bigint",
                ]
                .iter()
                .any(|i| {
                    b.strip_prefix(i)
                        .is_some_and(|r| r.starts_with(" unsigned") || r.starts_with(" zerofill"))
                }) =>
            {
                Type::Other(b.to_owned())
            }
            _ => Type::Other(s),
        }
    }

    /// Serial types imply an identity column (`serial`, `bigserial`).
    pub fn is_serial(raw: &str) -> bool {
        matches!(
            raw.trim().to_lowercase().as_str(),
            "serial" | "serial2" | "serial4" | "serial8" | "bigserial" | "smallserial"
        )
    }

    /// Whether values of the type are numbers (their defaults lose quotes).
    fn numeric(&self) -> bool {
        matches!(
            self,
            Type::SmallInt
                | Type::Integer
                | Type::BigInt
                | Type::Numeric(..)
                | Type::Real
                | Type::Double
        )
    }

    /// Whether changing from `self` to `to` may lose data: a shorter
    /// `varchar`/`char`, a smaller integer or numeric, text to anything
    /// bounded (autogenerate marks such a change in the file).
    pub fn narrows_to(&self, to: &Type) -> bool {
        let rank = |t: &Type| match t {
            Type::SmallInt => 1,
            Type::Integer => 2,
            Type::BigInt => 3,
            _ => 0,
        };
        match (self, to) {
            (Type::Varchar(Some(a)), Type::Varchar(Some(b)))
            | (Type::Char(Some(a)), Type::Char(Some(b))) => b < a,
            (Type::Varchar(None) | Type::Text, Type::Varchar(Some(_)) | Type::Char(Some(_))) => {
                true
            }
            (Type::Numeric(Some(p1), s1), Type::Numeric(Some(p2), s2)) => {
                p2 < p1 || s2.unwrap_or(0) < s1.unwrap_or(0)
            }
            (a, b) if rank(a) > 0 && rank(b) > 0 => rank(b) < rank(a),
            (Type::Double, Type::Real) => true,
            (a, b) => a != b && !matches!(b, Type::Text | Type::Other(_)),
        }
    }
}

/// Strips parentheses around the whole of `s`, repeatedly.
fn strip_outer_parens(mut s: &str) -> &str {
    loop {
        let t = s.trim();
        if !(t.starts_with('(') && t.ends_with(')')) {
            return t;
        }
        // Only when the opening one closes at the very end.
        let mut depth = 0i32;
        let mut in_str = false;
        let mut closes_early = false;
        for (i, c) in t.char_indices() {
            match c {
                '\'' => in_str = !in_str,
                '(' if !in_str => depth += 1,
                ')' if !in_str => {
                    depth -= 1;
                    if depth == 0 && i != t.len() - 1 {
                        closes_early = true;
                        break;
                    }
                }
                _ => {}
            }
        }
        if closes_early {
            return t;
        }
        s = &t[1..t.len() - 1];
    }
}

/// Drops PostgreSQL casts (`'x'::character varying`, `0::bigint`) outside
/// string literals.
fn strip_casts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_str = !in_str;
            out.push(c);
        } else if !in_str && c == ':' && chars.peek() == Some(&':') {
            chars.next();
            // Skip the type name: words, spaces inside `character varying`,
            // brackets and parentheses of `(255)` / `[]`.
            while let Some(&n) = chars.peek() {
                // `.` of a qualified type: `'G'::public.mpaa_rating`.
                if n.is_alphanumeric() || matches!(n, '_' | '[' | ']' | '"' | '.') {
                    chars.next();
                } else if n == ' ' {
                    // `character varying`, `double precision`, `time zone`
                    let rest: String = chars
                        .clone()
                        .skip(1)
                        .take_while(|c| c.is_alphabetic())
                        .collect();
                    if ["varying", "precision", "without", "with", "time", "zone"]
                        .contains(&rest.to_lowercase().as_str())
                    {
                        chars.next();
                    } else {
                        break;
                    }
                } else if n == '(' {
                    for x in chars.by_ref() {
                        if x == ')' {
                            break;
                        }
                    }
                } else {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A server default in normal form for a column of `ty` (see the module
/// docs of [`crate::schema`]); `None` for no default (or `NULL`). A serial
/// column's `nextval(...)` is no default but its identity (both sides
/// leave it out); one that draws from a standalone sequence is kept.
pub fn normalize_default(raw: &str, ty: &Type) -> Option<String> {
    let s = strip_casts(strip_outer_parens(raw));
    let s = strip_outer_parens(&s).trim().to_owned();
    let lower = s.to_lowercase();
    if lower.is_empty() || lower == "null" {
        return None;
    }
    if matches!(
        lower.as_str(),
        "now()"
            | "current_timestamp"
            | "current_timestamp()"
            | "localtimestamp"
            | "transaction_timestamp()"
    ) {
        return Some("CURRENT_TIMESTAMP".into());
    }
    if matches!(
        lower.as_str(),
        "current_date" | "curdate()" | "current_date()"
    ) {
        return Some("CURRENT_DATE".into());
    }
    let unquoted = s
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .map(str::to_owned);
    if *ty == Type::Boolean {
        let v = unquoted.as_deref().unwrap_or(&lower).to_lowercase();
        return Some(
            match v.as_str() {
                "1" | "t" | "true" | "y" | "yes" | "on" => "true",
                "0" | "f" | "false" | "n" | "no" | "off" => "false",
                _ => return Some(s),
            }
            .into(),
        );
    }
    if ty.numeric() {
        if let Some(u) = &unquoted {
            if u.parse::<f64>().is_ok() {
                return Some(trim_number(u));
            }
        }
        if s.parse::<f64>().is_ok() {
            return Some(trim_number(&s));
        }
    }
    Some(s)
}

/// `1.50` and `1.5` alike; `-0` as `0`.
fn trim_number(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t.is_empty() || t == "-" {
            "0".into()
        } else {
            t.to_owned()
        }
    } else {
        s.to_owned()
    }
}

/// An expression (check constraint, index predicate) squashed for
/// comparison: casts, quotes around identifiers, parentheses and white
/// space dropped, lower case outside string literals. Servers rewrite
/// these (PostgreSQL adds parentheses and casts, MySQL backticks), so two
/// squashed forms that are equal mean the same constraint.
pub fn normalize_expr(raw: &str) -> String {
    let s = strip_casts(raw);
    let mut out = String::with_capacity(s.len());
    let mut in_str = false;
    for c in s.chars() {
        if c == '\'' {
            in_str = !in_str;
            out.push(c);
        } else if in_str {
            out.push(c);
        } else if !(c.is_whitespace() || c == '(' || c == ')' || c == '"' || c == '`') {
            out.extend(c.to_lowercase());
        }
    }
    // PostgreSQL writes `x <> 'a'` back; MySQL may write `x != 'a'`.
    out.replace("!=", "<>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_type_spellings_parse_alike() {
        for (a, b) in [
            ("int", "INTEGER"),
            ("int4", "integer"),
            ("int(11)", "integer"),
            ("bool", "BOOLEAN"),
            ("tinyint(1)", "boolean"),
            ("character varying(255)", "VARCHAR(255)"),
            ("timestamp with time zone", "timestamptz"),
            ("timestamp without time zone", "TIMESTAMP"),
            ("double precision", "float8"),
            ("decimal(10,2)", "NUMERIC(10, 2)"),
            ("int8", "bigint"),
        ] {
            assert_eq!(Type::parse(a), Type::parse(b), "{a} vs {b}");
        }
        assert_ne!(Type::parse("varchar(20)"), Type::parse("varchar(40)"));
        assert_eq!(Type::parse("jsonb"), Type::Other("jsonb".into()));
        // MySQL's display widths are noise.
        assert_eq!(Type::parse("int(10) unsigned"), Type::parse("INT UNSIGNED"));
        assert_eq!(Type::parse("year(4)"), Type::parse("YEAR"));
        assert_eq!(Type::parse("tinyint(1)"), Type::Boolean);
        // Messages show SQL's words.
        assert_eq!(Type::Varchar(Some(20)).to_string(), "varchar(20)");
        assert_eq!(Type::parse("year(4)").to_string(), "year");
        // Labels keep their case; the spacing is the catalog's.
        assert_eq!(
            Type::parse("SET('Trailers', 'Deleted Scenes')"),
            Type::Other("set('Trailers','Deleted Scenes')".into())
        );
        assert_eq!(
            Type::parse("ENUM( 'G' ,'PG' )"),
            Type::parse("enum('G','PG')")
        );
        assert_eq!(
            Type::parse("double   precision"),
            Type::parse("DOUBLE PRECISION")
        );
        assert_eq!(
            Type::parse("timestamp (6)  with time zone"),
            Type::TimestampTz(Some(6))
        );
    }

    #[test]
    fn defaults_normalise_casts_parens_and_spellings() {
        assert_eq!(
            normalize_default("'new'::character varying", &Type::Varchar(Some(20))).as_deref(),
            Some("'new'")
        );
        assert_eq!(
            normalize_default("'x'::CHARACTER VARYING", &Type::Varchar(Some(20))).as_deref(),
            Some("'x'")
        );
        assert_eq!(
            normalize_default("(0)", &Type::Integer).as_deref(),
            Some("0")
        );
        assert_eq!(
            normalize_default("'0'", &Type::Integer).as_deref(),
            Some("0")
        );
        assert_eq!(
            normalize_default("1", &Type::Boolean).as_deref(),
            Some("true")
        );
        assert_eq!(
            normalize_default("TRUE", &Type::Boolean).as_deref(),
            Some("true")
        );
        assert_eq!(normalize_default("NULL", &Type::Text), None);
        assert_eq!(
            normalize_default("nextval('invoice_no'::regclass)", &Type::Integer).as_deref(),
            Some("nextval('invoice_no')")
        );
        assert_eq!(
            normalize_default("current_timestamp()", &Type::Timestamp(None)).as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(
            normalize_default("1.50", &Type::Numeric(Some(5), Some(2))).as_deref(),
            Some("1.5")
        );
    }

    #[test]
    fn expressions_compare_through_server_rewrites() {
        assert_eq!(normalize_expr("total >= 0"), normalize_expr("(total >= 0)"));
        assert_eq!(
            normalize_expr("status <> 'done'"),
            normalize_expr("((status)::text <> 'done'::text)")
        );
        assert_eq!(normalize_expr("`total` >= 0"), normalize_expr("total>=0"));
        assert_ne!(normalize_expr("a = 'X'"), normalize_expr("a = 'x'"));
    }

    #[test]
    fn narrowing_is_recognised() {
        assert!(Type::Varchar(Some(40)).narrows_to(&Type::Varchar(Some(20))));
        assert!(!Type::Varchar(Some(20)).narrows_to(&Type::Varchar(Some(40))));
        assert!(Type::BigInt.narrows_to(&Type::Integer));
        assert!(!Type::Integer.narrows_to(&Type::BigInt));
        assert!(Type::Text.narrows_to(&Type::Varchar(Some(10))));
        assert!(!Type::Varchar(Some(10)).narrows_to(&Type::Text));
    }
}
