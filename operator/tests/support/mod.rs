//! Test helpers shared by test files and benches.

pub mod mock_api;
