//! Discovery against real MariaDB topologies started by the sandbox harness: the `Prober` of
//! one node, over a temporary SQLite store, probing servers on 127.0.0.1; and the observed
//! store itself on a MariaDB backend.
//! One scenario per file; each waits on conditions with deadlines, and is skipped (with the
//! reason printed) when MariaDB is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod t10_star_is_crawled_from_one_seed;
mod t20_dead_master_is_an_invalid_check;
mod t30_hung_host_does_not_delay_others;
mod t40_chain_has_an_intermediate_master;
mod t50_forgotten_instance_is_not_rediscovered;
mod t60_observed_store_on_a_mysql_backend;
mod t61_instance_tags_on_both_backends;
mod t62_unresolve_and_history_on_both_backends;
mod t63_every_command_on_both_backends;
mod t70_simulated_fleet_answers_like_mariadb;
mod t71_simulated_mysql_answers_like_recorded;
mod t80_simulated_faults_and_writes;
mod t81_simulated_network_cut_by_control_api;
mod t90_servers_keyed_by_their_own_names;
