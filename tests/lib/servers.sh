# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Configurations of the real servers that tests and benchmarks start on
# loopback (sourced; prints or writes files, starts nothing): nginx with
# TLS for web sources, auditd for the audit sink.

# tls_server_cert DIR: a CA of its own (DIR/ca.pem) and a server
# certificate for 127.0.0.1 and localhost signed by it (DIR/server.pem,
# DIR/server.key), P-256, two days. openssl's output on standard error.
tls_server_cert()
{
	local ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
	(
		cd "$1" || exit 1
		# shellcheck disable=SC2086
		openssl req -x509 $ec -keyout ca.key -out ca.pem -subj /CN=appban-test-ca \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
			printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >server.ext &&
			openssl req $ec -keyout server.key -out server.csr -subj /CN=localhost &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
				-days 2 -extfile server.ext -out server.pem
	) >&2
}

# nginx_conf DIR PORT ROOT LOG_FORMAT [HTTP_LINE...]: an nginx
# configuration serving ROOT over TLS on 127.0.0.1:PORT with DIR's
# certificate (tls_server_cert), its pid, logs and temp files in DIR, the
# access log DIR/access.log in LOG_FORMAT (nginx variables), HTTP_LINEs
# added to its http block.
nginx_conf()
{
	local dir=$1 port=$2 root=$3 fmt=$4 line
	shift 4
	cat <<EOF2
user root root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
  log_format t '$fmt';
  access_log $dir/access.log t;
  client_body_temp_path $dir/tmp-body;
  proxy_temp_path $dir/tmp-proxy;
  fastcgi_temp_path $dir/tmp-fastcgi;
  uwsgi_temp_path $dir/tmp-uwsgi;
  scgi_temp_path $dir/tmp-scgi;
  default_type application/octet-stream;
EOF2
	for line in "$@"; do
		echo "  $line"
	done
	cat <<EOF2
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $dir/server.pem;
    ssl_certificate_key $dir/server.key;
    root $root;
  }
}
EOF2
}

# auditd_conf DIR FREQ MAX_LOG_MB: an auditd configuration (auditd -n -c
# DIR) writing raw records to DIR/audit.log, flushed every FREQ records,
# rotated at MAX_LOG_MB (two files), never stopping for disk space; writes
# DIR/auditd.conf and DIR/plugins.d (none) and an empty DIR/audit.log.
auditd_conf()
{
	mkdir -p "$1/plugins.d" || return 1
	cat >"$1/auditd.conf" <<EOF2
local_events = yes
write_logs = yes
log_file = $1/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = $2
max_log_file = $3
num_logs = 2
max_log_file_action = ROTATE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
q_depth = 2000
overflow_action = IGNORE
plugin_dir = $1/plugins.d
end_of_event_timeout = 2
EOF2
	chmod 0640 "$1/auditd.conf" && install -m 0600 /dev/null "$1/audit.log"
}
