#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod domain;
