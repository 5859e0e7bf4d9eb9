//! Every lint rule, by stable code: what it finds, what to do instead, and
//! its counterparts in squawk and strong_migrations (the README's rules
//! table is generated from this list and checked against it by a test).
//!
//! Code ranges: `RV0xx` lint itself, `RV1xx` destructive, `RV2xx`
//! backward-incompatible with the running application, `RV3xx` locking
//! (PostgreSQL lock levels, MySQL/MariaDB algorithms, SQLite rebuilds),
//! `RV4xx` transactions, `RV5xx` irreversibility, `RV6xx` hygiene, `RV7xx`
//! opt-in style.

use serde::Serialize;

/// How bad a finding is: errors make `revisor lint` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks (exit 1; the policy's subject).
    Error,
    /// Worth a look.
    Warning,
}

/// What kind of hazard a rule finds; `spec.policy.destructive` gates
/// `Destructive` and `Incompatible`, `spec.policy.lockingRisk` gates
/// `Locking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Lint's own findings (suppressions, syntax errors).
    Lint,
    /// Loses data.
    Destructive,
    /// Breaks the application version that runs during the rollout.
    Incompatible,
    /// Blocks reads or writes, rewrites or scans a table.
    Locking,
    /// Breaks or escapes the step's transaction.
    Transaction,
    /// Cannot be downgraded.
    Irreversible,
    /// Makes a failure worse or the schema wrong in ways that bite later.
    Hygiene,
    /// Opt-in style preferences (off unless `[lint] enable` names them).
    Style,
}

impl Category {
    /// The lower-case name used in JSON output and the README.
    pub fn name(self) -> &'static str {
        match self {
            Category::Lint => "lint",
            Category::Destructive => "destructive",
            Category::Incompatible => "incompatible",
            Category::Locking => "locking",
            Category::Transaction => "transaction",
            Category::Irreversible => "irreversible",
            Category::Hygiene => "hygiene",
            Category::Style => "style",
        }
    }
}

/// A rule: code, default severity, category, what it finds, the safe
/// alternative, and where the peers have the same check.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable code (`RVnnn`).
    pub code: &'static str,
    /// Default severity (`[lint.severity]` re-levels it).
    pub severity: Severity,
    /// Hazard kind.
    pub category: Category,
    /// What it finds.
    pub what: &'static str,
    /// What to do instead.
    pub instead: &'static str,
    /// squawk's rule(s), or "none".
    pub squawk: &'static str,
    /// strong_migrations' check, or "none".
    pub strong_migrations: &'static str,
    /// A statement that raises it (the README's example; a test lints it).
    pub example: &'static str,
    /// Whether it runs without `[lint] enable` (false for style rules).
    pub default_on: bool,
}

use Category::*;
use Severity::{Error, Warning};

#[allow(clippy::too_many_arguments)]
const fn rule(
    code: &'static str,
    severity: Severity,
    category: Category,
    what: &'static str,
    instead: &'static str,
    squawk: &'static str,
    strong_migrations: &'static str,
    example: &'static str,
) -> Rule {
    Rule {
        code,
        severity,
        category,
        what,
        instead,
        squawk,
        strong_migrations,
        example,
        default_on: !matches!(category, Style),
    }
}

/// Every rule, by code.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    rule("RV001", Error, Lint, "a suppression without a reason", "say why: `-- revisor:allow CODE reason`", "none", "none (safety_assured takes no reason)", "-- revisor:allow RV101\nDROP TABLE users;"),
    rule("RV002", Error, Lint, "the statement does not parse, so nothing in it was checked", "fix the syntax; if the server accepts it, say so with `-- revisor:allow RV002 reason`", "syntax-error", "none", "CREATE TABLE t (id int;"),
    rule("RV101", Error, Destructive, "DROP TABLE drops the table and its rows", "keep the table until nothing reads it, back it up, then drop it in a revision of its own", "ban-drop-table", "none", "DROP TABLE users;"),
    rule("RV102", Error, Destructive, "DROP COLUMN drops the column's values, and running code that selects it fails", "stop reading and writing the column first (expand/contract), then drop it in a later revision", "ban-drop-column", "removing a column", "ALTER TABLE users DROP COLUMN email;"),
    rule("RV103", Error, Destructive, "DROP SCHEMA/DATABASE drops everything in it; DROP VIEW/FUNCTION breaks every reader, view and trigger that uses it (CASCADE drops them too)", "drop the objects one by one in reviewed revisions, the users of a view or function first (dropping and creating it again in one revision is fine)", "ban-drop-database", "none", "DROP SCHEMA billing CASCADE;"),
    rule("RV104", Error, Destructive, "TRUNCATE deletes every row", "delete the rows you mean with a WHERE clause, or keep the data", "ban-truncate-cascade (CASCADE only)", "none", "TRUNCATE users;"),
    rule("RV105", Error, Destructive, "DELETE or UPDATE without WHERE touches every row", "add a WHERE clause; for a backfill, update in batches by key range", "none", "none", "DELETE FROM users;"),
    rule("RV106", Warning, Destructive, "the column's new type can hold less than the old one: values are cut or the change fails", "add a new column of the new type, backfill in batches, switch readers, then drop the old one", "changing-column-type", "changing the type of a column", "ALTER TABLE users ALTER COLUMN name TYPE varchar(20);"),
    rule("RV107", Warning, Destructive, "dropping the default of a column: inserts that relied on it fail if it is NOT NULL", "deploy code that sets the value first, then drop the default", "none", "none", "ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;"),
    rule("RV201", Error, Incompatible, "a rename (table, column, view, schema, type, enum value, function, sequence) breaks the running application", "add the new name (or a view), migrate readers and writers, then drop the old name", "renaming-column, renaming-table", "renaming a column, renaming a table", "ALTER TABLE users RENAME COLUMN name TO full_name;"),
    rule("RV202", Error, Incompatible, "a NOT NULL column without a default breaks inserts of the running application (and fails on a table with rows)", "add the column nullable or with a default, backfill, then SET NOT NULL", "adding-required-field", "none", "ALTER TABLE users ADD COLUMN plan text NOT NULL;"),
    rule("RV203", Warning, Incompatible, "one revision both adds and drops columns of existing tables: expand and contract in one step", "split it: add (expand) in one revision, drop (contract) in a later one", "none", "none", "ALTER TABLE users ADD COLUMN full_name text;\nALTER TABLE users DROP COLUMN name;"),
    rule("RV204", Warning, Incompatible, "DROP NOT NULL: readers of the running application that assume a value get NULLs", "make every reader handle NULL first, then drop the constraint", "ban-drop-not-null", "none", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"),
    rule("RV205", Warning, Incompatible, "ADD VALUE without BEFORE or AFTER appends the label last, so ORDER BY and comparisons on the enum sort it after every existing label", "say where it goes: `ADD VALUE 'x' BEFORE 'y'` (or AFTER), or suppress with the reason the order does not matter", "require-enum-value-ordering", "none", "ALTER TYPE mood ADD VALUE 'meh';"),
    rule("RV206", Warning, Incompatible, "a json column on an existing table: json has no equality operator, so SELECT DISTINCT, UNION and GROUP BY over the table's rows start failing", "use jsonb", "none", "adding a json column", "ALTER TABLE users ADD COLUMN prefs json;"),
    rule("RV301", Warning, Locking, "CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds (PostgreSQL SHARE lock)", "CREATE INDEX CONCURRENTLY in a `transactional: false` revision", "require-concurrent-index-creation", "adding an index non-concurrently", "CREATE INDEX users_email ON users (email);"),
    rule("RV302", Warning, Locking, "ADD COLUMN with a volatile default (any default before PostgreSQL 11) rewrites the table under an ACCESS EXCLUSIVE lock", "add the column without a default (or with a constant or stable one), backfill in batches, then set the default", "adding-field-with-default", "adding a column with a volatile default", "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"),
    rule("RV303", Warning, Locking, "ALTER COLUMN ... TYPE rewrites the table (and its indexes) under an ACCESS EXCLUSIVE lock unless the change is binary-coercible", "add a new column, backfill in batches, swap, drop the old one", "changing-column-type", "changing the type of a column", "ALTER TABLE users ALTER COLUMN id TYPE bigint;"),
    rule("RV304", Warning, Locking, "SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock", "ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later revision, then SET NOT NULL (PostgreSQL 12+ uses the check and skips the scan)", "adding-not-nullable-field", "setting NOT NULL on an existing column", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
    rule("RV305", Warning, Locking, "a FOREIGN KEY or CHECK added without NOT VALID validates every row while it holds its lock (a foreign key also locks the referenced table)", "add it NOT VALID, then VALIDATE CONSTRAINT in a later revision", "adding-foreign-key-constraint, constraint-missing-not-valid", "adding a foreign key, adding a check constraint", "ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);"),
    rule("RV306", Warning, Locking, "VACUUM FULL, CLUSTER and LOCK TABLE hold ACCESS EXCLUSIVE locks for their whole run", "use pg_repack or plain VACUUM; do not lock tables in migrations", "none", "none", "VACUUM FULL users;"),
    rule("RV307", Warning, Locking, "ADD PRIMARY KEY or UNIQUE without USING INDEX builds the index under an ACCESS EXCLUSIVE lock", "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX (or UNIQUE USING INDEX)", "adding-primary-key-constraint, disallowed-unique-constraint", "adding a unique constraint", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
    rule("RV308", Warning, Locking, "a serial, identity or stored generated column added to an existing table rewrites it under an ACCESS EXCLUSIVE lock", "add a plain nullable column, backfill in batches (or from a trigger), then attach the sequence or default", "adding-field-with-default (generated)", "adding an auto-incrementing column, adding a stored generated column", "ALTER TABLE users ADD COLUMN seq bigserial;"),
    rule("RV309", Warning, Locking, "an exclusion constraint builds its index under an ACCESS EXCLUSIVE lock and cannot be added NOT VALID", "create it with the table, or in a maintenance window on a table you can lock", "none", "adding an exclusion constraint", "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);"),
    rule("RV310", Warning, Locking, "VALIDATE CONSTRAINT in the same transaction that added it NOT VALID: the locks of both are held together, so NOT VALID gains nothing", "validate in a later revision (its own transaction)", "constraint-missing-not-valid", "none (validates in a separate migration)", "ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;"),
    rule("RV311", Warning, Locking, "this ALTER copies the table (ALGORITHM=COPY): writes are blocked until it finishes (MySQL/MariaDB)", "state `ALGORITHM=INSTANT` or `ALGORITHM=INPLACE, LOCK=NONE` so the server refuses instead of copying, and use an online schema change tool (gh-ost, pt-online-schema-change) for what it refuses", "none", "none", "ALTER TABLE users MODIFY id BIGINT;"),
    rule("RV312", Warning, Locking, "this ALTER rebuilds the table in place (ALGORITHM=INPLACE): writes continue, but it reads and writes the whole table and replicas lag behind it (MySQL/MariaDB)", "run it when the table is small or traffic is low, or with an online schema change tool; state `ALGORITHM=INPLACE, LOCK=NONE` so it can never fall back to a copy", "none", "none", "ALTER TABLE users ADD PRIMARY KEY (id);"),
    rule("RV313", Warning, Locking, "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table", "DROP INDEX CONCURRENTLY in a `transactional: false` revision", "require-concurrent-index-deletion", "removing an index non-concurrently", "DROP INDEX users_email;"),
    rule("RV314", Warning, Locking, "REINDEX without CONCURRENTLY blocks writes (and reads that use the index) while it rebuilds", "REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a `transactional: false` revision", "none", "none", "REINDEX INDEX users_email;"),
    rule("RV315", Warning, Locking, "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table", "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) in a `transactional: false` revision", "none", "none", "ALTER TABLE events DETACH PARTITION events_2020;"),
    rule("RV316", Warning, Locking, "a domain constraint is checked against every column of the domain: ALTER DOMAIN ADD CONSTRAINT scans them all under lock, and a CHECK on a new domain makes every later change of it do so", "put the CHECK on the table (NOT VALID, then VALIDATE), or ADD CONSTRAINT ... NOT VALID on the domain and VALIDATE later", "ban-create-domain-with-constraint, ban-alter-domain-with-add-constraint", "none", "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);"),
    rule("RV317", Warning, Locking, "this change makes SQLite (or Revisor's batch mode) copy the whole table: the database is locked for writes while it runs", "for a large table, run it when writes can wait; `--database` weighs it by the table's rows", "none", "none", "ALTER TABLE users DROP COLUMN legacy;"),
    rule("RV401", Error, Transaction, "this statement cannot run inside a transaction (CREATE INDEX/DROP INDEX/REINDEX/DETACH PARTITION CONCURRENTLY, VACUUM, and ALTER TYPE ... ADD VALUE before PostgreSQL 12)", "mark the revision `transactional: false`, with that statement alone in it", "ban-concurrent-index-creation-in-transaction", "none (disable_ddl_transaction!)", "CREATE INDEX CONCURRENTLY users_email ON users (email);"),
    rule("RV402", Warning, Transaction, "DDL and DML in one MySQL revision: DDL commits implicitly, so a failure leaves it half-applied", "put the data change in a revision of its own", "none", "none", "CREATE TABLE plans (id int);\nINSERT INTO plans VALUES (1);"),
    rule("RV403", Error, Transaction, "BEGIN, COMMIT or ROLLBACK inside a section breaks the step's own transaction", "let Revisor manage transactions; use `transactional: false` for statements that need none", "transaction-nesting, ban-uncommitted-transaction", "none", "COMMIT;"),
    rule("RV404", Error, Transaction, "an enum label added in this transaction is used in it: PostgreSQL refuses with `unsafe use of new value`", "add the label in one revision and use it in a later one", "none", "none", "ALTER TYPE mood ADD VALUE 'meh';\nUPDATE people SET mood = 'meh' WHERE id = 1;"),
    rule("RV405", Warning, Transaction, "a statement outside a transaction that cannot run twice: after a partial failure the retry fails on what the first try left (an invalid index, a created object)", "write it so a rerun succeeds: `IF NOT EXISTS` / `IF EXISTS` (and DROP INDEX CONCURRENTLY IF EXISTS before re-creating a concurrent index)", "prefer-robust-stmts", "none", "CREATE INDEX CONCURRENTLY users_email ON users (email);"),
    rule("RV501", Warning, Irreversible, "no down section: the revision cannot be downgraded", "write `-- migrate:down` (an empty one with a comment marks a deliberate no-op)", "none", "none (irreversible migrations raise at rollback)", "(a file without -- migrate:down)"),
    rule("RV502", Warning, Irreversible, "the down section does not undo the up section", "drop in the down section what the up section creates", "none", "none", "CREATE TABLE t (id int); -- down: SELECT 1;"),
    rule("RV601", Warning, Hygiene, "a locking statement without `SET lock_timeout` before it: it waits behind any long transaction, and every query on the table queues behind it", "start the revision with `SET lock_timeout = '2s';` (and retry on timeout)", "require-timeout-settings (lock_timeout)", "none (sets lock_timeout itself when configured)", "ALTER TABLE users ADD COLUMN bio text;"),
    rule("RV602", Warning, Hygiene, "a locking statement without `SET statement_timeout` before it: a rewrite or scan can hold its lock for as long as it takes", "`SET statement_timeout = '5min';` at the start of the revision (or `spec.statementTimeoutSeconds`)", "require-timeout-settings (statement_timeout)", "none (sets statement_timeout itself when configured)", "ALTER TABLE users ADD COLUMN bio text;"),
    rule("RV603", Error, Hygiene, "an identifier longer than the dialect allows: PostgreSQL silently cuts it to 63 bytes (two long names can become one), MySQL refuses it over 64 characters", "use a shorter name", "none", "none", "CREATE INDEX index_users_on_a_very_long_list_of_columns_that_goes_on_and_on_forever ON users (a);"),
    rule("RV604", Error, Hygiene, "a column is assigned or listed twice in one statement (the server refuses it, or the last value silently wins)", "name each column once", "none", "none", "UPDATE users SET plan = 'a', plan = 'b' WHERE id = 1;"),
    rule("RV701", Warning, Style, "a 32- or 16-bit integer column: ids and counters outgrow it, and widening it later rewrites the table", "use bigint", "prefer-bigint-over-int, prefer-bigint-over-smallint", "none", "CREATE TABLE t (id int);"),
    rule("RV702", Warning, Style, "a serial column: its sequence has its own owner, permissions and dump order", "use `GENERATED BY DEFAULT AS IDENTITY`", "prefer-identity", "none", "CREATE TABLE t (id serial);"),
    rule("RV703", Warning, Style, "varchar(n) or char(n): changing n later needs an ALTER, and char pads with blanks", "use text, with a CHECK (length(col) <= n) if the limit matters", "prefer-text-field, ban-char-field", "none", "CREATE TABLE t (name varchar(100));"),
    rule("RV704", Warning, Style, "timestamp without time zone: values mean different instants to clients in different zones", "use timestamptz", "prefer-timestamptz", "none", "CREATE TABLE t (at timestamp);"),
    rule("RV705", Warning, Style, "a json column: no equality operator and no indexes on its contents", "use jsonb", "none", "adding a json column", "CREATE TABLE t (doc json);"),
];

/// The rule of `code`.
pub fn rule_of(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}
