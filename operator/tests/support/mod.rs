//! Test helpers shared by test files and benches.

pub mod crd_check;
pub mod databases;
pub mod mock_api;
