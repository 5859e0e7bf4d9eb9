//! End-to-end tests of Revisor against a real cluster: see `tests/` and
//! `run.sh`. The library is empty; the tests are the crate.
