//! What a column definition says, and the rules that read only a column's
//! type or a statement's identifiers.

use super::types::SqlType;
use super::Hit;
use sqlparser::ast::{ColumnDef, ColumnOption, DataType, GeneratedExpressionMode};

/// What a column definition says, as the rules need it.
pub(super) struct ColumnFacts {
    pub ty: SqlType,
    pub not_null: bool,
    pub default: Option<String>,
    pub serial: bool,
    pub identity: bool,
    pub stored_generated: bool,
    pub auto_increment: bool,
    pub references: bool,
    pub check: bool,
    pub key: bool,
}

pub(super) fn column_facts<'a>(
    ty: &DataType,
    options: impl Iterator<Item = &'a ColumnOption>,
) -> ColumnFacts {
    let ty_text = ty.to_string();
    let base = ty_text.to_lowercase();
    let mut f = ColumnFacts {
        ty: SqlType::parse(&ty_text),
        not_null: false,
        default: None,
        serial: matches!(
            base.as_str(),
            "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
        ),
        identity: false,
        stored_generated: false,
        auto_increment: false,
        references: false,
        check: false,
        key: false,
    };
    for o in options {
        match o {
            ColumnOption::NotNull => f.not_null = true,
            ColumnOption::Default(e) => f.default = Some(e.to_string()),
            ColumnOption::Generated {
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                if generation_expr.is_none() {
                    f.identity = true;
                } else if !matches!(generation_expr_mode, Some(GeneratedExpressionMode::Virtual)) {
                    f.stored_generated = true;
                }
            }
            ColumnOption::Identity(_) => f.identity = true,
            ColumnOption::ForeignKey(_) => f.references = true,
            ColumnOption::Check(_) => f.check = true,
            ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_) => f.key = true,
            ColumnOption::DialectSpecific(tokens)
                if tokens
                    .iter()
                    .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
            {
                f.auto_increment = true;
            }
            _ => {}
        }
    }
    f
}

pub(super) fn def_facts(def: &ColumnDef) -> ColumnFacts {
    column_facts(&def.data_type, def.options.iter().map(|o| &o.option))
}

/// The style rules (RV701-RV705) a column type raises.
pub(super) fn style(ty: &SqlType, serial: bool, hits: &mut Vec<Hit>, table: &str) {
    let mut hit = |code: &'static str| hits.push(Hit::on(code, table));
    if matches!(ty.base(), "int4" | "int2") {
        hit("RV701");
    }
    if serial {
        hit("RV702");
    }
    if matches!(ty.base(), "varchar" | "char") && !ty.modifiers().is_empty() || ty.base() == "char"
    {
        hit("RV703");
    }
    if ty.base() == "timestamp" {
        hit("RV704");
    }
    if ty.base() == "json" {
        hit("RV705");
    }
}

/// The identifiers a DDL statement defines or names that are over the limit.
pub(super) fn long_identifiers(sql: &str, limit: (usize, bool)) -> Option<String> {
    use sqlparser::dialect::GenericDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    // Most statements have no run of name characters that long: skip the
    // tokenizer for them.
    let longest_run = sql
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_run <= limit.0 && !sql.contains('"') && !sql.contains('`') {
        return None;
    }
    let tokens = Tokenizer::new(&GenericDialect {}, sql).tokenize().ok()?;
    tokens.iter().find_map(|t| match t {
        Token::Word(w) => {
            let len = if limit.1 {
                w.value.len()
            } else {
                w.value.chars().count()
            };
            (len > limit.0).then(|| w.value.clone())
        }
        _ => None,
    })
}
