# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# How the unmodified servers are configured, natively and under ktcp-run,
# for the acceptance suite (userspace-tests/acceptance.sh) and the
# application benchmarks (scripts/bench-apps.sh), sourced: one place, so
# that what the benchmark measures is the set-up the suite checks.
# Everything a server writes goes under the directory it is given (in the
# VM only /tmp is writable).

# nginx_conf PORT DIR ROOT [CONNS]: DIR/nginx.conf for nginx serving ROOT
# on 127.0.0.1:PORT: 2 workers, sendfile, reuseport, CONNS connections
# per worker (default 64); the access log (DIR/access.log) names the
# worker that served. Run it as nginx -e DIR/error.log -c DIR/nginx.conf.
nginx_conf() {
	mkdir -p "$2"
	cat >"$2/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $2/nginx.pid;
error_log $2/error.log warn;
events { worker_connections ${4:-64}; }
http {
	log_format w '\$pid \$status \$body_bytes_sent';
	access_log $2/access.log w;
	client_body_temp_path $2/body;
	proxy_temp_path $2/proxy;
	fastcgi_temp_path $2/fastcgi;
	uwsgi_temp_path $2/uwsgi;
	scgi_temp_path $2/scgi;
	sendfile on;
	server {
		listen 127.0.0.1:$1 reuseport;
		root $3;
	}
}
EOF
}

# redis_conf DIR: redis-server's options, in the array redis_args: on
# 127.0.0.1, in the foreground, nothing saved (its files under DIR); the
# port is the caller's (--port).
redis_conf() {
	# shellcheck disable=SC2034 # the caller reads it
	redis_args=(--bind 127.0.0.1 --save "" --appendonly no --dir "$1"
		--daemonize no --protected-mode no --logfile "")
}
