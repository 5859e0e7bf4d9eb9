//! Column type changes: does `ALTER COLUMN ... TYPE` rewrite the table, and
//! can the new type hold every old value?
//!
//! PostgreSQL skips the rewrite when the change is binary-coercible or only
//! relaxes a type modifier (`ATColumnChangeRequiresRewrite`, and the
//! length-coercion functions' "no-op" cases): `varchar(n)` to
//! `varchar(m >= n)`, `varchar` or `text`; `text` to unbounded `varchar`;
//! `numeric(p, s)` to `numeric(q >= p, s)` or unconstrained `numeric`;
//! `varbit(n)` to a longer or unbounded `varbit`; `cidr` to `inet`; `xml`
//! to `text`. Everything else is rewritten (or, for `varchar` shortening,
//! checked row by row and refused on a longer value).

/// A type as lint reads it: its canonical base name and its modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SqlType {
    base: String,
    mods: Vec<u32>,
    /// `ENUM`/`SET` labels, in order.
    labels: Vec<String>,
}

impl SqlType {
    /// Reads a type's SQL text (`character varying(20)`, `INT4`,
    /// `numeric(10,2)`); array types keep their `[]` in the base.
    pub(super) fn parse(text: &str) -> SqlType {
        let text = text.trim().to_lowercase();
        let (name, mods, labels) = match text.split_once('(') {
            Some((name, rest)) => {
                let (inside, after) = rest.rsplit_once(')').unwrap_or((rest, ""));
                let parts = || inside.split(',').map(str::trim);
                let mods = parts().filter_map(|m| m.parse().ok()).collect();
                let labels = parts()
                    .filter(|l| l.starts_with('\''))
                    .map(|l| l.trim_matches('\'').to_owned())
                    .collect();
                (format!("{}{}", name.trim(), after.trim()), mods, labels)
            }
            None => (text.clone(), Vec::new(), Vec::new()),
        };
        let base = match name.trim() {
            "character varying" | "varchar" => "varchar",
            "character" | "char" | "bpchar" => "char",
            "int" | "integer" | "int4" | "serial" | "serial4" => "int4",
            "bigint" | "int8" | "bigserial" | "serial8" => "int8",
            "smallint" | "int2" | "smallserial" | "serial2" => "int2",
            "decimal" | "numeric" => "numeric",
            "bit varying" | "varbit" => "varbit",
            "timestamp" | "timestamp without time zone" => "timestamp",
            "timestamptz" | "timestamp with time zone" => "timestamptz",
            "double precision" | "float8" | "float" => "float8",
            "real" | "float4" => "float4",
            "bool" | "boolean" => "bool",
            other => other,
        }
        .to_owned();
        SqlType { base, mods, labels }
    }

    /// Length or precision modifiers (`varchar(20)`: `[20]`).
    pub(super) fn modifiers(&self) -> &[u32] {
        &self.mods
    }

    /// `ENUM`/`SET` labels, in order (case as written).
    pub(super) fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The base name (`varchar`, `int4`, ...).
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// Whether the type has a length or precision limit (`varchar(20)`,
    /// `numeric(10, 2)`, `char`), or is a narrow integer.
    pub(super) fn is_bounded(&self) -> bool {
        !self.mods.is_empty() || matches!(self.base.as_str(), "char" | "int2" | "int4" | "float4")
    }

    /// Whether every value of any string or number type fits (`text`,
    /// unbounded `varchar`, unconstrained `numeric`).
    pub(super) fn holds_anything(&self) -> bool {
        self.mods.is_empty() && matches!(self.base.as_str(), "text" | "varchar" | "numeric")
    }
}

/// What changing a column from one type to another does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TypeChange {
    /// PostgreSQL rewrites the table (and rebuilds its indexes).
    pub rewrites: bool,
    /// Some old values may not fit the new type.
    pub narrows: bool,
}

fn integer_width(base: &str) -> Option<u8> {
    match base {
        "int2" => Some(2),
        "int4" => Some(4),
        "int8" => Some(8),
        _ => None,
    }
}

/// What changing `from` to `to` does (PostgreSQL's rules, module docs).
pub(super) fn change(from: &SqlType, to: &SqlType) -> TypeChange {
    let (f, t) = (from.base.as_str(), to.base.as_str());
    let longer = |a: &[u32], b: &[u32]| match (a.first(), b.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(x), Some(y)) => y >= x,
    };
    let coercible = from == to
        || match (f, t) {
            ("varchar", "varchar") | ("varbit", "varbit") => longer(&from.mods, &to.mods),
            ("varchar", "text") | ("xml", "text") | ("cidr", "inet") => true,
            ("text", "varchar") => to.mods.is_empty(),
            ("numeric", "numeric") => {
                to.mods.is_empty()
                    || (from.mods.len() == to.mods.len()
                        && longer(&from.mods, &to.mods)
                        && from.mods.get(1) == to.mods.get(1))
            }
            _ => false,
        };
    let narrows = match (integer_width(f), integer_width(t)) {
        (Some(a), Some(b)) => b < a,
        _ => {
            !coercible
                && !to.holds_anything()
                && (f == t || to.is_bounded() || integer_width(t).is_some())
        }
    };
    TypeChange {
        rewrites: !coercible,
        narrows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(a: &str, b: &str) -> (bool, bool) {
        let c = change(&SqlType::parse(a), &SqlType::parse(b));
        (c.rewrites, c.narrows)
    }

    #[test]
    fn binary_coercible_changes_do_not_rewrite() {
        for (a, b) in [
            ("varchar(20)", "varchar(40)"),
            ("character varying(20)", "text"),
            ("varchar(20)", "varchar"),
            ("text", "varchar"),
            ("numeric(10,2)", "numeric(12,2)"),
            ("numeric(10,2)", "numeric"),
            ("cidr", "inet"),
            ("int", "integer"),
        ] {
            assert_eq!(ch(a, b), (false, false), "{a} -> {b}");
        }
    }

    #[test]
    fn rewrites_and_narrowings() {
        assert_eq!(ch("int", "bigint"), (true, false));
        assert_eq!(ch("bigint", "int"), (true, true));
        assert_eq!(ch("varchar(40)", "varchar(20)"), (true, true));
        assert_eq!(ch("text", "varchar(20)"), (true, true));
        assert_eq!(ch("numeric(10,2)", "numeric(10,4)"), (true, true));
        assert_eq!(ch("int", "text"), (true, false));
        assert_eq!(ch("timestamp", "timestamptz"), (true, false));
    }
}
