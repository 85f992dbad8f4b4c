//! The one integration test binary. Every target is in-process or a child this binary started,
//! bound to 127.0.0.1:0; every run is bounded in time; children are stopped by PID.

mod common;

mod abuse_bodies;
mod abuse_inputs;
mod abuse_resources;
mod checks_error_format;
mod checks_idempotency;
mod checks_pagination;
mod checks_rate_limit;
mod ci;
mod cli;
mod compare;
mod examples;
mod expectations;
mod flows;
mod friction;
mod fuzz;
mod hostile;
mod html_report;
mod interrupt;
mod layering;
mod live_metrics;
mod observation;
mod omission;
mod output;
mod rl_algorithms;
mod runs;
mod segments;
mod validate_no_env;
