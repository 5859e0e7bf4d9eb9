//! Test helpers shared by test files and benches.

pub mod cli;
pub mod crd_check;
pub mod databases;
pub mod fleet_api;
pub mod mock_api;
pub mod pg_monitor;

/// Runs an async test once per dialect, as `<name>::{postgres, mysql,
/// sqlite}`: the one per-dialect style of the suite. Either a body,
/// `each_dialect!(name, |dialect| { ... })`, or a function of the dialect,
/// `each_dialect!(name, function)`.
#[allow(unused_macros)]
macro_rules! each_dialect {
    ($name:ident, |$d:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn body($d: revisor::dialect::Dialect) $body
            each_dialect!(@tests body);
        }
    };
    ($name:ident, $function:ident) => {
        mod $name {
            use super::$function as body;
            each_dialect!(@tests body);
        }
    };
    (@tests $body:ident) => {
        #[tokio::test]
        async fn postgres() {
            $body(revisor::dialect::Dialect::Postgres).await
        }
        #[tokio::test]
        async fn mysql() {
            $body(revisor::dialect::Dialect::MySql).await
        }
        #[tokio::test]
        async fn sqlite() {
            $body(revisor::dialect::Dialect::Sqlite).await
        }
    };
}
