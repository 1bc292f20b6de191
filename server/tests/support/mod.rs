//! Shared support code for the integration tests.

pub mod mariadb;
