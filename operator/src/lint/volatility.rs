//! Function volatility, for "does this default rewrite the table?"
//! (PostgreSQL 11+ stores a non-volatile `ADD COLUMN ... DEFAULT` once, as
//! the column's missing value; a volatile one is computed per row, which
//! rewrites the table).
//!
//! The built-in table holds PostgreSQL's own functions whose every overload
//! is STABLE or IMMUTABLE, read from a PostgreSQL 15 catalog:
//!
//! ```sql
//! SELECT DISTINCT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
//! WHERE nspname = 'pg_catalog' GROUP BY proname HAVING bool_and(provolatile <> 'v')
//! -- less type I/O, operator, aggregate-support and index-support functions
//! ```
//!
//! plus the SQL value functions written with parentheses
//! (`current_timestamp(3)`). Any other function is volatile unless the
//! live database says otherwise (`pg_proc.provolatile`, with `--database`):
//! VOLATILE is what `CREATE FUNCTION` gives a function that does not say.

use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeMap;

/// Built-in functions that are never volatile, sorted by bytes.
#[rustfmt::skip]
const NOT_VOLATILE: &[&str] = &[
    "abbrev", "abs", "acldefault", "aclexplode", "aclitemin", "aclitemout", "acos", "acosd",
    "acosh", "age", "area", "array_agg", "array_dims", "array_fill", "array_length", "array_lower",
    "array_ndims", "array_position", "array_positions", "array_remove", "array_replace",
    "array_to_json", "array_to_string", "array_to_tsvector", "array_typanalyze", "array_upper",
    "ascii", "asin", "asind", "asinh", "atan", "atan2", "atan2d", "atand", "atanh", "avg",
    "big5_to_euc_tw", "big5_to_mic", "big5_to_utf8", "bit", "bit_and", "bit_count", "bit_length",
    "bit_or", "bit_xor", "bitcmp", "bittypmodin", "bittypmodout", "bool", "bool_and", "bool_or",
    "boolin", "boolout", "bound_box", "box", "bpchar", "bpcharcmp", "bpcharin", "bpcharout",
    "bpchartypmodin", "bpchartypmodout", "broadcast", "byteacmp", "byteain", "byteaout",
    "cardinality", "cash_cmp", "cash_words", "cbrt", "ceil", "ceiling", "center", "char",
    "char_length", "character_length", "charin", "charout", "chr", "cidin", "cidout", "cidr",
    "circle", "col_description", "concat", "concat_ws", "convert", "convert_from", "convert_to",
    "corr", "cos", "cosd", "cosh", "cot", "cotd", "count", "covar_pop", "covar_samp", "cume_dist",
    "current_database", "current_schema", "current_schemas", "current_setting", "current_time",
    "current_timestamp", "current_user", "database_to_xml", "database_to_xml_and_xmlschema",
    "database_to_xmlschema", "date", "date_bin", "date_cmp", "date_cmp_timestamp",
    "date_cmp_timestamptz", "date_part", "date_trunc", "datemultirange", "daterange",
    "daterange_canonical", "daterange_subdiff", "decode", "degrees", "dense_rank", "dexp",
    "diagonal", "diameter", "div", "dlog1", "dlog10", "dround", "dtrunc", "encode", "enum_cmp",
    "enum_first", "enum_last", "enum_range", "euc_cn_to_mic", "euc_cn_to_utf8",
    "euc_jis_2004_to_shift_jis_2004", "euc_jis_2004_to_utf8", "euc_jp_to_mic", "euc_jp_to_sjis",
    "euc_jp_to_utf8", "euc_kr_to_mic", "euc_kr_to_utf8", "euc_tw_to_big5", "euc_tw_to_mic",
    "euc_tw_to_utf8", "every", "exp", "extract", "factorial", "family", "first_value", "float4",
    "float4in", "float4out", "float8", "float8in", "float8out", "floor", "fmgr_c_validator",
    "fmgr_internal_validator", "fmgr_sql_validator", "format", "format_type", "gb18030_to_utf8",
    "gbk_to_utf8", "gcd", "generate_series", "generate_subscripts", "get_bit", "get_byte",
    "get_current_ts_config", "getdatabaseencoding", "getpgusername", "ginarrayconsistent",
    "ginarraytriconsistent", "gtsquery_consistent", "gtsquery_union", "has_any_column_privilege",
    "has_column_privilege", "has_database_privilege", "has_foreign_data_wrapper_privilege",
    "has_function_privilege", "has_language_privilege", "has_parameter_privilege",
    "has_schema_privilege", "has_sequence_privilege", "has_server_privilege", "has_table_privilege",
    "has_tablespace_privilege", "has_type_privilege", "height", "host", "hostmask", "in_range",
    "inet_client_addr", "inet_client_port", "inet_gist_consistent", "inet_gist_union", "inet_merge",
    "inet_same_family", "inet_server_addr", "inet_server_port", "inet_spg_choose",
    "inet_spg_config", "inet_spg_inner_consistent", "inet_spg_leaf_consistent",
    "inet_spg_picksplit", "initcap", "int2", "int2in", "int2out", "int2vectorin", "int2vectorout",
    "int4", "int4in", "int4inc", "int4multirange", "int4out", "int4range", "int4range_canonical",
    "int4range_subdiff", "int8", "int8_sum", "int8in", "int8multirange", "int8out", "int8range",
    "int8range_canonical", "int8range_subdiff", "interval", "interval_cmp", "interval_hash",
    "interval_hash_extended", "intervaltypmodin", "intervaltypmodout", "is_normalized", "isclosed",
    "isempty", "isfinite", "ishorizontal", "iso8859_1_to_utf8", "iso8859_to_utf8", "iso_to_koi8r",
    "iso_to_mic", "iso_to_win1251", "iso_to_win866", "isopen", "isparallel", "isperp", "isvertical",
    "johab_to_utf8", "json_agg", "json_array_elements", "json_array_elements_text",
    "json_array_length", "json_build_array", "json_build_object", "json_each", "json_each_text",
    "json_object", "json_object_agg", "json_object_keys", "json_populate_record",
    "json_populate_recordset", "json_strip_nulls", "json_to_record", "json_to_recordset",
    "json_to_tsvector", "json_typeof", "jsonb_agg", "jsonb_array_elements",
    "jsonb_array_elements_text", "jsonb_array_length", "jsonb_build_array", "jsonb_build_object",
    "jsonb_cmp", "jsonb_each", "jsonb_each_text", "jsonb_hash", "jsonb_hash_extended",
    "jsonb_insert", "jsonb_object", "jsonb_object_agg", "jsonb_object_keys", "jsonb_path_exists",
    "jsonb_path_exists_tz", "jsonb_path_match", "jsonb_path_match_tz", "jsonb_path_query",
    "jsonb_path_query_array", "jsonb_path_query_array_tz", "jsonb_path_query_first",
    "jsonb_path_query_first_tz", "jsonb_path_query_tz", "jsonb_populate_record",
    "jsonb_populate_recordset", "jsonb_pretty", "jsonb_set", "jsonb_set_lax", "jsonb_strip_nulls",
    "jsonb_to_record", "jsonb_to_recordset", "jsonb_to_tsvector", "jsonb_typeof", "justify_days",
    "justify_hours", "justify_interval", "koi8r_to_iso", "koi8r_to_mic", "koi8r_to_utf8",
    "koi8r_to_win1251", "koi8r_to_win866", "koi8u_to_utf8", "lag", "last_value", "latin1_to_mic",
    "latin2_to_mic", "latin2_to_win1250", "latin3_to_mic", "latin4_to_mic", "lcm", "lead", "left",
    "length", "like", "like_escape", "line", "ln", "localtime", "localtimestamp", "log", "log10",
    "lower", "lower_inc", "lower_inf", "lpad", "lseg", "ltrim", "macaddr", "macaddr8",
    "macaddr8_cmp", "macaddr8_set7bit", "macaddr_cmp", "make_date", "make_interval", "make_time",
    "make_timestamp", "make_timestamptz", "makeaclitem", "masklen", "max", "md5", "mic_to_big5",
    "mic_to_euc_cn", "mic_to_euc_jp", "mic_to_euc_kr", "mic_to_euc_tw", "mic_to_iso",
    "mic_to_koi8r", "mic_to_latin1", "mic_to_latin2", "mic_to_latin3", "mic_to_latin4",
    "mic_to_sjis", "mic_to_win1250", "mic_to_win1251", "mic_to_win866", "min", "min_scale", "mod",
    "mode", "money", "multirange", "mxid_age", "name", "nameconcatoid", "namein", "nameout",
    "netmask", "network", "network_cmp", "normalize", "notlike", "now", "npoints", "nth_value",
    "ntile", "num_nonnulls", "num_nulls", "numeric", "numeric_cmp", "numeric_div_trunc",
    "numeric_exp", "numeric_inc", "numeric_ln", "numeric_log", "numeric_sqrt", "numerictypmodin",
    "numerictypmodout", "nummultirange", "numnode", "numrange", "numrange_subdiff",
    "obj_description", "octet_length", "oid", "oidin", "oidout", "oidvectorin", "oidvectorout",
    "oidvectortypes", "overlaps", "overlay", "parse_ident", "path", "pclose", "percent_rank",
    "percentile_cont", "percentile_disc", "pg_available_extension_versions",
    "pg_available_extensions", "pg_backend_pid", "pg_char_to_encoding", "pg_client_encoding",
    "pg_collation_for", "pg_collation_is_visible", "pg_column_compression",
    "pg_column_is_updatable", "pg_column_size", "pg_conf_load_time", "pg_config",
    "pg_conversion_is_visible", "pg_current_snapshot", "pg_current_xact_id",
    "pg_current_xact_id_if_assigned", "pg_cursor", "pg_describe_object", "pg_encoding_max_length",
    "pg_encoding_to_char", "pg_event_trigger_ddl_commands", "pg_event_trigger_dropped_objects",
    "pg_event_trigger_table_rewrite_oid", "pg_event_trigger_table_rewrite_reason",
    "pg_extension_update_paths", "pg_filenode_relation", "pg_function_is_visible",
    "pg_get_catalog_foreign_keys", "pg_get_constraintdef", "pg_get_expr",
    "pg_get_function_arg_default", "pg_get_function_arguments",
    "pg_get_function_identity_arguments", "pg_get_function_result", "pg_get_function_sqlbody",
    "pg_get_functiondef", "pg_get_indexdef", "pg_get_keywords", "pg_get_object_address",
    "pg_get_partition_constraintdef", "pg_get_partkeydef", "pg_get_publication_tables",
    "pg_get_replica_identity_index", "pg_get_replication_slots", "pg_get_ruledef",
    "pg_get_serial_sequence", "pg_get_statisticsobjdef", "pg_get_statisticsobjdef_columns",
    "pg_get_statisticsobjdef_expressions", "pg_get_triggerdef", "pg_get_userbyid", "pg_get_viewdef",
    "pg_has_role", "pg_identify_object", "pg_identify_object_as_address",
    "pg_index_column_has_property", "pg_index_has_property", "pg_indexam_has_property",
    "pg_indexam_progress_phasename", "pg_is_other_temp_schema", "pg_listening_channels", "pg_lsn",
    "pg_lsn_cmp", "pg_lsn_hash", "pg_lsn_hash_extended", "pg_mcv_list_items", "pg_my_temp_schema",
    "pg_opclass_is_visible", "pg_operator_is_visible", "pg_opfamily_is_visible",
    "pg_options_to_table", "pg_partition_root", "pg_postmaster_start_time", "pg_prepared_statement",
    "pg_relation_filenode", "pg_relation_filepath", "pg_relation_is_publishable",
    "pg_relation_is_updatable", "pg_replication_origin_oid", "pg_sequence_parameters",
    "pg_settings_get_flags", "pg_show_all_settings", "pg_size_bytes", "pg_size_pretty",
    "pg_snapshot_xip", "pg_snapshot_xmax", "pg_snapshot_xmin", "pg_statistics_obj_is_visible",
    "pg_table_is_visible", "pg_tablespace_databases", "pg_tablespace_location",
    "pg_timezone_abbrevs", "pg_timezone_names", "pg_trigger_depth", "pg_ts_config_is_visible",
    "pg_ts_dict_is_visible", "pg_ts_parser_is_visible", "pg_ts_template_is_visible",
    "pg_type_is_visible", "pg_typeof", "pg_visible_in_snapshot", "pg_wal_lsn_diff",
    "pg_walfile_name", "pg_walfile_name_offset", "phraseto_tsquery", "pi", "plainto_tsquery",
    "point", "polygon", "popen", "position", "postgresql_fdw_validator", "pow", "power", "prsd_end",
    "querytree", "quote_ident", "quote_literal", "quote_nullable", "radians", "radius", "rank",
    "regclass", "regclassin", "regclassout", "regcollationin", "regcollationout", "regconfigin",
    "regconfigout", "regdictionaryin", "regdictionaryout", "regexp_count", "regexp_instr",
    "regexp_like", "regexp_match", "regexp_matches", "regexp_replace", "regexp_split_to_array",
    "regexp_split_to_table", "regexp_substr", "regnamespacein", "regnamespaceout", "regoperatorin",
    "regoperatorout", "regoperin", "regoperout", "regprocedurein", "regprocedureout", "regprocin",
    "regprocout", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope",
    "regr_sxx", "regr_sxy", "regr_syy", "regrolein", "regroleout", "regtypein", "regtypeout",
    "repeat", "replace", "reverse", "right", "round", "row_number", "row_security_active",
    "row_to_json", "rpad", "rtrim", "satisfies_hash_partition", "scale", "schema_to_xml",
    "schema_to_xml_and_xmlschema", "schema_to_xmlschema", "session_user", "set_bit", "set_byte",
    "set_masklen", "setweight", "sha224", "sha256", "sha384", "sha512",
    "shift_jis_2004_to_euc_jis_2004", "shift_jis_2004_to_utf8", "shobj_description", "sign",
    "similar_escape", "similar_to_escape", "sin", "sind", "sinh", "sjis_to_euc_jp", "sjis_to_mic",
    "sjis_to_utf8", "slope", "split_part", "sqrt", "statement_timestamp", "stddev", "stddev_pop",
    "stddev_samp", "string_agg", "string_to_array", "string_to_table", "strip", "strpos", "substr",
    "substring", "sum", "table_to_xml", "table_to_xml_and_xmlschema", "table_to_xmlschema", "tan",
    "tand", "tanh", "text", "textin", "textlen", "textout", "tidin", "tidout", "time", "time_cmp",
    "time_hash", "time_hash_extended", "timestamp", "timestamp_cmp", "timestamp_cmp_date",
    "timestamp_cmp_timestamptz", "timestamp_hash", "timestamp_hash_extended", "timestamptypmodin",
    "timestamptypmodout", "timestamptz", "timestamptz_cmp", "timestamptz_cmp_date",
    "timestamptz_cmp_timestamp", "timestamptztypmodin", "timestamptztypmodout", "timetypmodin",
    "timetypmodout", "timetz", "timetz_cmp", "timetz_hash", "timetz_hash_extended",
    "timetztypmodin", "timetztypmodout", "timezone", "to_ascii", "to_char", "to_date", "to_hex",
    "to_json", "to_jsonb", "to_number", "to_regclass", "to_regcollation", "to_regnamespace",
    "to_regoper", "to_regoperator", "to_regproc", "to_regprocedure", "to_regrole", "to_regtype",
    "to_timestamp", "to_tsquery", "to_tsvector", "transaction_timestamp", "translate", "trim_array",
    "trim_scale", "trunc", "ts_debug", "ts_delete", "ts_filter", "ts_headline", "ts_lexize",
    "ts_parse", "ts_rank", "ts_rank_cd", "ts_token_type", "ts_typanalyze", "tsmultirange",
    "tsquery_cmp", "tsquery_phrase", "tsqueryin", "tsqueryout", "tsrange", "tsrange_subdiff",
    "tstzmultirange", "tstzrange", "tstzrange_subdiff", "tsvector_cmp", "tsvector_to_array",
    "tsvectorin", "tsvectorout", "txid_current", "txid_current_if_assigned",
    "txid_current_snapshot", "txid_snapshot_xip", "txid_snapshot_xmax", "txid_snapshot_xmin",
    "txid_visible_in_snapshot", "uhc_to_utf8", "unistr", "unknownin", "unknownout", "unnest",
    "upper", "upper_inc", "upper_inf", "utf8_to_big5", "utf8_to_euc_cn", "utf8_to_euc_jis_2004",
    "utf8_to_euc_jp", "utf8_to_euc_kr", "utf8_to_euc_tw", "utf8_to_gb18030", "utf8_to_gbk",
    "utf8_to_iso8859", "utf8_to_iso8859_1", "utf8_to_johab", "utf8_to_koi8r", "utf8_to_koi8u",
    "utf8_to_shift_jis_2004", "utf8_to_sjis", "utf8_to_uhc", "utf8_to_win", "uuid_cmp", "uuid_hash",
    "uuid_hash_extended", "var_pop", "var_samp", "varbit", "varbitcmp", "varbittypmodin",
    "varbittypmodout", "varchar", "varcharin", "varcharout", "varchartypmodin", "varchartypmodout",
    "variance", "version", "websearch_to_tsquery", "width", "width_bucket", "win1250_to_latin2",
    "win1250_to_mic", "win1251_to_iso", "win1251_to_koi8r", "win1251_to_mic", "win1251_to_win866",
    "win866_to_iso", "win866_to_koi8r", "win866_to_mic", "win866_to_win1251", "win_to_utf8", "xid",
    "xid8cmp", "xid8in", "xid8out", "xidin", "xidout", "xml", "xml_is_well_formed",
    "xml_is_well_formed_content", "xml_is_well_formed_document", "xmlagg", "xmlcomment",
    "xmlexists", "xmlvalidate", "xpath", "xpath_exists"
];

/// Words followed by `(` that are syntax, not function calls.
const SYNTAX: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "between",
    "case",
    "cast",
    "coalesce",
    "else",
    "exists",
    "extract",
    "greatest",
    "in",
    "is",
    "least",
    "not",
    "nullif",
    "or",
    "overlay",
    "position",
    "row",
    "some",
    "substring",
    "then",
    "trim",
    "values",
    "when",
];

/// Whether `expr` (SQL text) calls a volatile function: one not in the
/// built-in table, unless `known` (name to volatile, from the live
/// catalog) says it is not. Type modifiers (`::varchar(20)`, `AS
/// numeric(10, 2)`) are not calls.
pub(super) fn calls_volatile(expr: &str, known: &BTreeMap<String, bool>) -> bool {
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, expr).tokenize() else {
        return false;
    };
    let significant: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    significant.windows(2).enumerate().any(|(i, w)| {
        let (Token::Word(word), Token::LParen) = (w[0], w[1]) else {
            return false;
        };
        let previous = i.checked_sub(1).map(|p| significant[p]);
        let is_type = match previous {
            Some(Token::DoubleColon) => true,
            Some(Token::Word(p)) => p.value.eq_ignore_ascii_case("as"),
            _ => false,
        };
        // A schema-qualified name: `s.f(` has `s` `.` before `f`.
        let qualified = matches!(previous, Some(Token::Period));
        let name = word.value.to_lowercase();
        if is_type || (!qualified && SYNTAX.contains(&name.as_str())) {
            return false;
        }
        match known.get(&name) {
            Some(volatile) => *volatile,
            None => qualified || NOT_VOLATILE.binary_search(&name.as_str()).is_err(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_binary_search_finds_every_name() {
        assert!(NOT_VOLATILE.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn real_volatility_not_name_patterns() {
        let none = BTreeMap::new();
        for stable in [
            "now()",
            "CURRENT_TIMESTAMP",
            "current_timestamp(3)",
            "lower('X')",
            "'x'::varchar(20)",
            "CAST(1 AS numeric(10, 2))",
            "coalesce(NULL, 1)",
            "to_char(now(), 'YYYY')",
            "'{}'::jsonb",
            "(now() AT TIME ZONE 'utc')",
        ] {
            assert!(!calls_volatile(stable, &none), "{stable}");
        }
        for volatile in [
            "random()",
            "gen_random_uuid()",
            "clock_timestamp()",
            "nextval('s')",
            "uuid_generate_v4()",
            "app.make_id()",
            "timeofday()",
        ] {
            assert!(calls_volatile(volatile, &none), "{volatile}");
        }
        // The live catalog decides for functions it knows.
        let known = [("make_slug".to_owned(), false)].into();
        assert!(!calls_volatile("make_slug('a')", &known));
    }
}
