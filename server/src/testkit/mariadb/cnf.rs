//! The `my.cnf` of a sandbox server.

use std::path::Path;

use super::SLAVE_NET_TIMEOUT;

/// `[mariadbd]` settings: binlog with GTIDs, `report_host`/`report_port`, a short
/// `slave_net_timeout`, small buffers, no durability (tmpfs), then `extra` lines.
pub(super) fn my_cnf(dir: &Path, id: u32, host: &str, port: u16, extra: &str) -> String {
    let d = dir.display();
    let mut cnf = format!(
        "[mariadbd]
user = root
datadir = {d}/data
tmpdir = {d}/tmp
socket = {d}/mysqld.sock
pid-file = {d}/mysqld.pid
log-error = {d}/error.log
port = {port}
bind-address = {host}
skip-name-resolve
server_id = {id}
log_bin = mysql-bin
relay_log = relay-bin
log_slave_updates = ON
binlog_format = ROW
gtid_strict_mode = ON
report_host = {host}
report_port = {port}
slave_net_timeout = {SLAVE_NET_TIMEOUT}
innodb_buffer_pool_size = 8M
loose-innodb_buffer_pool_size_max = 16M
innodb_log_file_size = 8M
innodb_log_buffer_size = 2M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
sync_binlog = 0
performance_schema = OFF
max_connections = 200
"
    );
    if !extra.trim().is_empty() {
        cnf.push_str(extra.trim_end());
        cnf.push('\n');
    }
    cnf
}
