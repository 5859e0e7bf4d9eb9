//! Standalone sequences (PostgreSQL's `CREATE SEQUENCE` that no column
//! owns). Pure.
//!
//! A serial or identity column's own sequence is the column's
//! ([`super::IdentityKind`]); a sequence in this map is one the schema
//! declares for its own use: a column default `nextval('s'::regclass)`
//! shared by tables, or numbers the application draws.

use serde::{Deserialize, Serialize};

/// A standalone sequence, every setting explicit as `pg_sequence` holds
/// it, so a declared one (PostgreSQL's defaults filled in by
/// [`Sequence::with_defaults`]) and a live one compare field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// Name.
    pub name: String,
    /// Its type: `smallint`, `integer` or `bigint`.
    pub ty: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY` (negative: a descending sequence).
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
}

/// What a `CREATE SEQUENCE` states; `None` where it leaves the setting to
/// the server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceOptions {
    /// `AS type`, as written (`int4`, `integer`...).
    pub ty: Option<String>,
    /// `INCREMENT BY`.
    pub increment: Option<i64>,
    /// `MINVALUE` (`NO MINVALUE`: `None`).
    pub min: Option<i64>,
    /// `MAXVALUE` (`NO MAXVALUE`: `None`).
    pub max: Option<i64>,
    /// `START WITH`.
    pub start: Option<i64>,
    /// `CACHE`.
    pub cache: Option<i64>,
    /// `CYCLE` (`NO CYCLE`, or nothing: `false`).
    pub cycle: bool,
}

/// The standard name of a sequence type, `None` for one PostgreSQL does
/// not allow (`AS numeric`).
pub fn sequence_type(written: &str) -> Option<&'static str> {
    match written.trim().to_ascii_lowercase().as_str() {
        "smallint" | "int2" => Some("smallint"),
        "integer" | "int" | "int4" => Some("integer"),
        "bigint" | "int8" => Some("bigint"),
        _ => None,
    }
}

/// The bounds of sequence type `ty` (a standard name).
fn bounds(ty: &str) -> (i64, i64) {
    match ty {
        "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "integer" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

impl Sequence {
    /// A sequence named `name` with `options`, and PostgreSQL's defaults
    /// for what they leave out (`CREATE SEQUENCE`'s reference page): type
    /// `bigint`, increment 1; an ascending sequence runs from 1 to the
    /// type's maximum, a descending one from the type's minimum to -1;
    /// it starts at its minimum (ascending) or maximum (descending);
    /// cache 1, no cycle.
    ///
    /// # Errors
    /// A message for a type PostgreSQL does not take or an increment of 0.
    pub fn with_defaults(name: &str, options: &SequenceOptions) -> Result<Sequence, String> {
        let ty = match &options.ty {
            None => "bigint",
            Some(t) => sequence_type(t).ok_or_else(|| {
                format!("sequence {name}: type {t} is not smallint, integer or bigint")
            })?,
        };
        let increment = options.increment.unwrap_or(1);
        if increment == 0 {
            return Err(format!("sequence {name}: INCREMENT BY 0"));
        }
        let (lowest, highest) = bounds(ty);
        let ascending = increment > 0;
        let min = options.min.unwrap_or(if ascending { 1 } else { lowest });
        let max = options.max.unwrap_or(if ascending { highest } else { -1 });
        Ok(Sequence {
            name: name.to_owned(),
            ty: ty.to_owned(),
            start: options.start.unwrap_or(if ascending { min } else { max }),
            increment,
            min,
            max,
            cache: options.cache.unwrap_or(1),
            cycle: options.cycle,
        })
    }

    /// Every setting, as `CREATE SEQUENCE` and `ALTER SEQUENCE` take them
    /// after the name (`AS integer INCREMENT BY 1 ... NO CYCLE`).
    pub fn settings(&self) -> String {
        format!(
            "AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
            self.ty,
            self.increment,
            self.min,
            self.max,
            self.start,
            self.cache,
            if self.cycle { "CYCLE" } else { "NO CYCLE" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_defaults_fill_what_a_declaration_leaves_out() {
        let s = Sequence::with_defaults("s", &SequenceOptions::default()).unwrap();
        assert_eq!(
            (
                s.ty.as_str(),
                s.start,
                s.increment,
                s.min,
                s.max,
                s.cache,
                s.cycle
            ),
            ("bigint", 1, 1, 1, i64::MAX, 1, false)
        );
        let down = Sequence::with_defaults(
            "d",
            &SequenceOptions {
                ty: Some("int4".into()),
                increment: Some(-5),
                ..SequenceOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            (down.ty.as_str(), down.min, down.max, down.start),
            ("integer", i64::from(i32::MIN), -1, -1)
        );
        let set = Sequence::with_defaults(
            "n",
            &SequenceOptions {
                ty: Some("smallint".into()),
                min: Some(10),
                start: Some(100),
                cache: Some(20),
                cycle: true,
                ..SequenceOptions::default()
            },
        )
        .unwrap();
        assert_eq!(
            (set.min, set.max, set.start, set.cache),
            (10, 32767, 100, 20)
        );
        assert_eq!(
            set.settings(),
            "AS smallint INCREMENT BY 1 MINVALUE 10 MAXVALUE 32767 START WITH 100 CACHE 20 CYCLE"
        );
        assert!(Sequence::with_defaults(
            "x",
            &SequenceOptions {
                ty: Some("numeric".into()),
                ..SequenceOptions::default()
            }
        )
        .is_err());
    }
}
