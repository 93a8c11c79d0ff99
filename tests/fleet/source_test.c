// SPDX-License-Identifier: GPL-2.0
/* Tests of user/fleet/source.c against a real nginx on 127.0.0.1 (random free
 * ports, its own prefix in a temp dir, certificates made with openssl): no
 * mock anywhere. Needs nginx-light and openssl; no root beyond binding ports. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleet/source.h"
#include "util/clock.h"

#define MIB (1u << 20)

struct server {
	char dir[256]; /* the temp dir: nginx's prefix, certificates, www/ */
	pid_t nginx;
	int tls, mtls, http; /* nginx's ports: TLS, TLS with client certificates, plain */
	int stall; /* a port that accepts connections and never answers */
	int stall_fd;
	int closed; /* a port where nothing listens */
	char pin[128]; /* sha256//... of the server's key */
};

/* ---- helpers: files, commands, the server ---- */

static void fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* A file of the server's www/, its mtime moved by `age` seconds into the
 * past, so that a rewrite is seen by nginx's ETag (mtime and size). */
static void put(const struct server *sv, const char *name, const char *text, int age)
{
	struct timespec t[2];
	char path[512];

	fmt(path, sizeof(path), "%s/www/%s", sv->dir, name);
	write_file(path, text, strlen(text));
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static char *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (len)
		*len = (size_t)st.st_size;
	return buf;
}

static void run(const char *dir, const char *cmd)
{
	char line[4096];

	fmt(line, sizeof(line), "cd '%s' && { %s; } >>openssl.log 2>&1", dir, cmd);
	if (system(line))
		fail_msg("command failed (see %s/openssl.log): %s", dir, cmd);
}

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* A listening socket nobody accepts on: connections complete (backlog) and
 * then nothing, not even a TLS ServerHello. */
static int stalling_socket(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)port) };
	int fd, ok;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok = !connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return ok;
}

/* A CA, a server certificate for 127.0.0.1 and localhost signed by it,
 * another CA (the wrong one), a client CA and a client certificate. */
static void make_certificates(struct server *sv)
{
	static const char *const ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2";
	char cmd[1024];
	char *pin;
	size_t len;

	fmt(cmd, sizeof(cmd),
	    "openssl req -x509 %s -keyout ca.key -out ca.pem -subj /CN=appban-test-ca "
	    "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
	    ec);
	run(sv->dir, cmd);
	fmt(cmd, sizeof(cmd),
	    "openssl req -x509 %s -keyout other.key -out other.pem -subj /CN=appban-other-ca "
	    "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
	    ec);
	run(sv->dir, cmd);
	fmt(cmd, sizeof(cmd),
	    "openssl req -x509 %s -keyout client-ca.key -out client-ca.pem -subj /CN=appban-client-ca "
	    "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
	    ec);
	run(sv->dir, cmd);
	run(sv->dir, "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n"
		     "extendedKeyUsage=serverAuth\\nbasicConstraints=CA:FALSE\\n' >server.ext");
	fmt(cmd, sizeof(cmd),
	    "openssl req %s -keyout server.key -out server.csr -subj /CN=localhost", ec);
	run(sv->dir, cmd);
	run(sv->dir, "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		     "-days 2 -extfile server.ext -out server.pem");
	run(sv->dir,
	    "printf 'extendedKeyUsage=clientAuth\\nbasicConstraints=CA:FALSE\\n' >client.ext");
	fmt(cmd, sizeof(cmd),
	    "openssl req %s -keyout client.key -out client.csr -subj /CN=device-1", ec);
	run(sv->dir, cmd);
	run(sv->dir, "openssl x509 -req -in client.csr -CA client-ca.pem -CAkey client-ca.key "
		     "-CAcreateserial -days 2 -extfile client.ext -out client.pem");
	run(sv->dir, "cat client.pem client.key >client-both.pem");
	/* curl's --pinnedpubkey: the SHA-256 of the DER SubjectPublicKeyInfo. */
	run(sv->dir, "openssl pkey -in server.key -pubout -outform der | "
		     "openssl dgst -sha256 -binary | openssl enc -base64 -A >server.pin");
	fmt(cmd, sizeof(cmd), "%s/server.pin", sv->dir);
	pin = read_file(cmd, &len);
	assert_non_null(pin);
	assert_int_equal(len, 44);
	fmt(sv->pin, sizeof(sv->pin), "sha256//%s", pin);
	free(pin);
}

static void write_nginx_conf(struct server *sv)
{
	char conf[8192], user[256] = "", path[512];
	const char *d = sv->dir;
	struct passwd *pw;
	struct group *gr;

	/* As root, nginx's workers would run as nobody, who cannot read a
	 * 0700 temp dir: they run as this user, on 127.0.0.1 only. */
	if (!geteuid()) {
		pw = getpwuid(geteuid());
		gr = getgrgid(getegid());
		assert_non_null(pw);
		assert_non_null(gr);
		fmt(user, sizeof(user), "user %s %s;", pw->pw_name, gr->gr_name);
	}
	fmt(conf, sizeof(conf),
	    "%s\n"
	    "worker_processes 1;\n"
	    "pid %s/nginx.pid;\n"
	    "error_log %s/error.log info;\n"
	    "events { worker_connections 64; }\n"
	    "http {\n"
	    "  log_format t escape=json '$server_port $request_method $uri $status \"$http_if_none_match\" "
	    "\"$http_if_modified_since\" $ssl_client_verify \"$sent_http_transfer_encoding\"';\n"
	    "  access_log %s/access.log t;\n"
	    "  client_body_temp_path %s/tmp-body;\n"
	    "  proxy_temp_path %s/tmp-proxy;\n"
	    "  fastcgi_temp_path %s/tmp-fastcgi;\n"
	    "  uwsgi_temp_path %s/tmp-uwsgi;\n"
	    "  scgi_temp_path %s/tmp-scgi;\n"
	    "  default_type application/octet-stream;\n"
	    "  ssl_certificate %s/server.pem;\n"
	    "  ssl_certificate_key %s/server.key;\n"
	    "  server {\n"
	    "    listen 127.0.0.1:%d ssl;\n"
	    "    root %s/www;\n"
	    "    location /chunked/ { sub_filter 'no such text' ''; sub_filter_types *; }\n"
	    "    location /lastmod/ { etag off; }\n"
	    "    location /novalidators/ { etag off; if_modified_since off; }\n"
	    "    location = /to-http.policy { return 302 http://127.0.0.1:%d/x.policy; }\n"
	    "    location = /to-https.policy { return 302 https://127.0.0.1:%d/x.policy; }\n"
	    "    location = /to-https.policy.minisig { return 302 https://127.0.0.1:%d/x.policy.minisig; }\n"
	    "  }\n"
	    "  server {\n"
	    "    listen 127.0.0.1:%d ssl;\n"
	    "    root %s/www;\n"
	    "    ssl_client_certificate %s/client-ca.pem;\n"
	    "    ssl_verify_client on;\n"
	    "  }\n"
	    "  server {\n"
	    "    listen 127.0.0.1:%d;\n"
	    "    root %s/www;\n"
	    "  }\n"
	    "}\n",
	    user, d, d, d, d, d, d, d, d, d, d, sv->tls, d, sv->http, sv->tls, sv->tls, sv->mtls, d,
	    d, sv->http, d);
	fmt(path, sizeof(path), "%s/nginx.conf", d);
	write_file(path, conf, strlen(conf));
}

static void start_nginx(struct server *sv)
{
	char conf[512], out[512], err_log[512];
	uint64_t deadline;
	int status, fd;
	pid_t pid;

	fmt(conf, sizeof(conf), "%s/nginx.conf", sv->dir);
	fmt(out, sizeof(out), "%s/nginx.out", sv->dir);
	fmt(err_log, sizeof(err_log), "%s/error.log", sv->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("nginx", "nginx", "-p", sv->dir, "-c", conf, "-e", err_log, "-g",
		       "daemon off;", (char *)NULL);
		fprintf(stderr, "cannot run nginx: %s (apt-get install nginx-light)\n",
			strerror(errno));
		_exit(127);
	}
	sv->nginx = pid;
	deadline = mono_ns() + 10 * NSEC_PER_SEC;
	while (!(port_open(sv->tls) && port_open(sv->mtls) && port_open(sv->http))) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			sv->nginx = 0;
			fail_msg("nginx exited at start (%s/nginx.out, error.log): %s", sv->dir,
				 read_file(out, NULL));
		}
		if (mono_ns() > deadline)
			fail_msg("nginx did not listen within 10 s (%s/error.log)", sv->dir);
		usleep(20000);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup_server(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct server *sv;
	char big[MIB + 2], path[512];

	sv = calloc(1, sizeof(*sv));
	assert_non_null(sv);
	fmt(sv->dir, sizeof(sv->dir), "%s/appban-source-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(sv->dir));
	fmt(path, sizeof(path), "%s/www", sv->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	fmt(path, sizeof(path), "%s/www/chunked", sv->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	fmt(path, sizeof(path), "%s/www/lastmod", sv->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	fmt(path, sizeof(path), "%s/www/novalidators", sv->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	make_certificates(sv);
	sv->tls = free_port();
	do
		sv->mtls = free_port();
	while (sv->mtls == sv->tls);
	do
		sv->http = free_port();
	while (sv->http == sv->tls || sv->http == sv->mtls);
	sv->stall_fd = stalling_socket(&sv->stall);
	sv->closed = free_port(); /* nothing listens there (a race, unlikely) */
	write_nginx_conf(sv);
	put(sv, "x.policy", "policy x\nserial 1\n", 100);
	put(sv, "x.policy.minisig", "untrusted comment: signature 1\n", 100);
	put(sv, "sigless.policy", "policy sigless\n", 100);
	/* 1 MiB exactly passes a 1 MiB limit; one byte more does not. */
	memset(big, 'a', sizeof(big));
	big[MIB] = '\0';
	put(sv, "fits.policy", big, 100);
	put(sv, "fits.policy.minisig", "sig\n", 100);
	big[MIB] = 'a';
	big[MIB + 1] = '\0';
	put(sv, "big.policy", big, 100);
	put(sv, "chunked/big.policy", big, 100);
	put(sv, "lastmod/x.policy", "policy lastmod\n", 100);
	put(sv, "lastmod/x.policy.minisig", "sig lastmod\n", 100);
	put(sv, "novalidators/x.policy", "policy novalidators\n", 100);
	put(sv, "novalidators/x.policy.minisig", "sig novalidators\n", 100);
	start_nginx(sv);
	assert_int_equal(source_lib_init(), 0);
	*state = sv;
	return 0;
}

static int teardown_server(void **state)
{
	struct server *sv = *state;
	int status;

	if (!sv)
		return 0;
	source_lib_fini();
	if (sv->nginx > 0) {
		kill(sv->nginx, SIGTERM);
		waitpid(sv->nginx, &status, 0);
	}
	close(sv->stall_fd);
	if (!getenv("APPBAN_KEEP_TMP"))
		nftw(sv->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(sv);
	return 0;
}

/* ---- helpers: sources ---- */

struct src_opts {
	const char *ca; /* "ca.pem" (in the temp dir), or NULL: the system's */
	const char *cert, *key, *pin;
	uint64_t max_size;
	unsigned int timeout;
};

static struct source *new_source(const struct server *sv, const char *url, const struct src_opts *o)
{
	char ca[512], cert[512], key[512];
	struct fleet_source fs = { .every = 300 };
	struct source_limits lim = { 0 };
	struct source *s;

	fs.url = (char *)url;
	if (o && o->ca) {
		fmt(ca, sizeof(ca), "%s/%s", sv->dir, o->ca);
		fs.ca = ca;
	}
	if (o && o->cert) {
		fmt(cert, sizeof(cert), "%s/%s", sv->dir, o->cert);
		fs.client_cert = cert;
	}
	if (o && o->key) {
		fmt(key, sizeof(key), "%s/%s", sv->dir, o->key);
		fs.client_key = key;
	}
	if (o) {
		fs.pin = (char *)o->pin;
		lim.max_size = o->max_size;
		lim.timeout = o->timeout;
	}
	assert_int_equal(source_new(&fs, &lim, &s), 0);
	return s;
}

static const struct src_opts with_ca = { .ca = "ca.pem" };

/* Start a check and wait for its end through the eventfd, as the daemon's loop. */
static void check(struct source *s, struct source_result *r)
{
	struct pollfd p = { .fd = source_fd(s), .events = POLLIN };

	assert_int_equal(source_start(s), 0);
	assert_int_equal(poll(&p, 1, 30000), 1);
	assert_int_equal(source_result(s, r), 0);
}

static void tls_url(char *buf, size_t size, const struct server *sv, const char *path)
{
	fmt(buf, size, "https://127.0.0.1:%d/%s", sv->tls, path);
}

static size_t count_lines(const struct server *sv)
{
	char path[512], *log, *p;
	size_t n = 0;

	fmt(path, sizeof(path), "%s/access.log", sv->dir);
	log = read_file(path, NULL);
	if (!log)
		return 0;
	for (p = log; *p; p++)
		n += *p == '\n';
	free(log);
	return n;
}

/* The access log's lines after the first `skip`, joined. */
static char *log_after(const struct server *sv, size_t skip)
{
	char path[512], *log, *p, *out;

	fmt(path, sizeof(path), "%s/access.log", sv->dir);
	log = read_file(path, NULL);
	assert_non_null(log);
	for (p = log; skip && *p; p++)
		skip -= *p == '\n';
	out = strdup(p);
	free(log);
	return out;
}

/* nginx logs a request after answering it: wait until n more lines are
 * there (2 s at most), then return them. */
static char *log_wait(const struct server *sv, size_t skip, size_t n)
{
	uint64_t deadline = mono_ns() + 2 * NSEC_PER_SEC;

	while (count_lines(sv) < skip + n && mono_ns() < deadline)
		usleep(10000);
	return log_after(sv, skip);
}

static void expect_failed(const struct source_result *r, enum source_err e, const char *text)
{
	if (r->outcome != SOURCE_FAILED || r->err != e || !strstr(r->error, text))
		fail_msg("expected a %s failure with \"%s\", got outcome %d, %s: \"%s\"",
			 source_err_str(e), text, r->outcome, source_err_str(r->err), r->error);
	print_message("  (%s) %s\n", source_err_str(r->err), r->error);
}

static void expect_changed(const struct source_result *r, const char *policy, const char *sig)
{
	if (r->outcome != SOURCE_CHANGED)
		fail_msg("expected new bytes, got outcome %d: %s", r->outcome, r->error);
	assert_int_equal(r->err, SOURCE_ERR_NONE);
	if (policy) {
		assert_int_equal(r->policy_len, strlen(policy));
		assert_memory_equal(r->policy, policy, r->policy_len);
	}
	if (sig) {
		assert_int_equal(r->sig_len, strlen(sig));
		assert_memory_equal(r->sig, sig, r->sig_len);
	}
}

/* now + [lo, hi) seconds */
static void expect_due_in(const struct source *s, uint64_t lo, uint64_t hi)
{
	uint64_t now = mono_ns(), due = source_next_due(s);

	if (due < now + lo * NSEC_PER_SEC - NSEC_PER_SEC || due > now + hi * NSEC_PER_SEC)
		fail_msg("next check in %.1f s, expected %llu to %llu s",
			 ((double)due - (double)now) / 1e9, (unsigned long long)lo,
			 (unsigned long long)hi);
}

/* ---- the tests ---- */

static void test_source_first_fetch_then_304(void **state)
{
	struct server *sv = *state;
	struct source_status st;
	struct source_result r;
	char url[256], *log;
	struct source *s;
	size_t lines;

	tls_url(url, sizeof(url), sv, "x.policy");
	s = new_source(sv, url, &with_ca);
	assert_string_equal(source_url(s), url);
	assert_true(source_next_due(s) <= mono_ns()); /* at once */
	source_get_status(s, &st);
	assert_true(st.last_check == 0 && st.last_change == 0 && st.last_error[0] == '\0');
	lines = count_lines(sv);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", "untrusted comment: signature 1\n");
	assert_int_equal(r.http_status, 200);
	source_result_clear(&r);
	expect_due_in(s, 240, 360); /* every 300 +-20 % */
	source_get_status(s, &st);
	assert_true(st.last_check > 0 && st.last_change == st.last_check);
	assert_int_equal(st.failures, 0);
	assert_false(st.busy);
	assert_true(st.next_check >= st.last_check + 239);
	log = log_wait(sv, lines, 2);
	assert_non_null(strstr(log, " GET /x.policy 200 \"\" \"\""));
	assert_non_null(strstr(log, " GET /x.policy.minisig 200 \"\" \"\""));
	free(log);

	/* Unchanged: one conditional request, a 304, and nothing else. */
	lines = count_lines(sv);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_UNCHANGED);
	assert_int_equal(r.http_status, 304);
	assert_null(r.policy);
	assert_null(r.sig);
	log = log_wait(sv, lines, 1);
	usleep(100000);
	assert_int_equal(count_lines(sv), lines + 1);
	if (!strstr(log, " GET /x.policy 304 \"\\\"") || !strstr(log, "GMT\""))
		fail_msg("expected a conditional GET answered 304, got: %s", log);
	free(log);
	source_get_status(s, &st);
	assert_true(st.last_change <= st.last_check);
	source_free(s);
}

static void test_source_changed_file_fetched_again(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	char url[256], *log;
	struct source *s;
	size_t lines;

	put(sv, "y.policy", "policy y\nserial 1\n", 100);
	put(sv, "y.policy.minisig", "sig 1\n", 100);
	tls_url(url, sizeof(url), sv, "y.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_changed(&r, "policy y\nserial 1\n", "sig 1\n");
	source_result_clear(&r);

	/* Both files replaced: both fetched again. */
	put(sv, "y.policy", "policy y\nserial 2 # longer\n", 50);
	put(sv, "y.policy.minisig", "sig 2\n", 50);
	check(s, &r);
	expect_changed(&r, "policy y\nserial 2 # longer\n", "sig 2\n");
	source_result_clear(&r);

	/* The policy alone replaced: its signature answers 304 and comes
	 * from what was kept, so the daemon still verifies a pair. */
	put(sv, "y.policy", "policy y\nserial 3 # longer still\n", 10);
	lines = count_lines(sv);
	check(s, &r);
	expect_changed(&r, "policy y\nserial 3 # longer still\n", "sig 2\n");
	source_result_clear(&r);
	log = log_wait(sv, lines, 2);
	assert_non_null(strstr(log, " GET /y.policy 200 \"\\\""));
	assert_non_null(strstr(log, " GET /y.policy.minisig 304 \"\\\""));
	free(log);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_UNCHANGED);
	source_free(s);
}

static void test_source_if_modified_since_alone(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	char url[256], *log;
	struct source *s;
	size_t lines;

	tls_url(url, sizeof(url), sv, "lastmod/x.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_changed(&r, "policy lastmod\n", "sig lastmod\n");
	source_result_clear(&r);
	lines = count_lines(sv);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_UNCHANGED);
	assert_int_equal(r.http_status, 304);
	log = log_wait(sv, lines, 1);
	assert_non_null(strstr(log, " GET /lastmod/x.policy 304 \"\" \""));
	free(log);
	source_free(s);
}

static void test_source_same_bytes_without_validators_unchanged(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	char url[256];
	struct source *s;

	tls_url(url, sizeof(url), sv, "novalidators/x.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_changed(&r, "policy novalidators\n", "sig novalidators\n");
	source_result_clear(&r);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_UNCHANGED);
	assert_int_equal(r.http_status, 200);
	assert_null(r.policy);
	source_free(s);
}

static void test_source_404_error_text_and_backoff(void **state)
{
	struct server *sv = *state;
	struct source_status st;
	struct source_result r;
	char url[256], want[512];
	struct source *s;

	tls_url(url, sizeof(url), sv, "missing.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	fmt(want, sizeof(want), "https://127.0.0.1:%d/missing.policy: HTTP 404", sv->tls);
	assert_int_equal(r.outcome, SOURCE_FAILED);
	assert_int_equal(r.err, SOURCE_ERR_HTTP);
	assert_string_equal(r.error, want);
	assert_int_equal(r.http_status, 404);
	assert_true(r.gone);
	source_get_status(s, &st);
	assert_string_equal(st.last_error, want);
	assert_int_equal(st.last_err, SOURCE_ERR_HTTP);
	assert_true(st.last_error_time > 0);
	assert_int_equal(st.last_change, 0);
	assert_int_equal(st.failures, 1);
	expect_due_in(s, 480, 720); /* 600 +-20 % */
	/* SIGHUP: at once; the failures in a row double the interval. */
	source_check_now(s);
	assert_true(source_next_due(s) <= mono_ns());
	check(s, &r);
	source_get_status(s, &st);
	assert_int_equal(st.failures, 2);
	expect_due_in(s, 960, 1440);
	/* The file appears: the failures end, the interval is every again. */
	put(sv, "missing.policy", "policy found\n", 100);
	put(sv, "missing.policy.minisig", "sig found\n", 100);
	check(s, &r);
	expect_changed(&r, "policy found\n", "sig found\n");
	source_result_clear(&r);
	source_get_status(s, &st);
	assert_int_equal(st.failures, 0);
	assert_string_equal(st.last_error, want); /* the last error stays visible */
	expect_due_in(s, 240, 360);
	/* Gone again, then back with the same bytes: new to the daemon. */
	fmt(want, sizeof(want), "%s/www/missing.policy", sv->dir);
	assert_int_equal(unlink(want), 0);
	check(s, &r);
	assert_true(r.gone);
	put(sv, "missing.policy", "policy found\n", 100);
	check(s, &r);
	expect_changed(&r, "policy found\n", "sig found\n");
	source_result_clear(&r);
	source_free(s);
}

static void test_source_empty_files_are_bytes_too(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	char url[256];
	struct source *s;

	put(sv, "empty.policy", "", 100);
	put(sv, "empty.policy.minisig", "", 100);
	tls_url(url, sizeof(url), sv, "empty.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_CHANGED);
	assert_non_null(r.policy);
	assert_non_null(r.sig);
	assert_int_equal(r.policy_len, 0);
	assert_int_equal(r.sig_len, 0);
	source_result_clear(&r);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_UNCHANGED);
	source_free(s);
}

static void test_source_missing_signature_is_an_error(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	char url[256], want[512];
	struct source *s;

	tls_url(url, sizeof(url), sv, "sigless.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	fmt(want, sizeof(want), "https://127.0.0.1:%d/sigless.policy.minisig: HTTP 404", sv->tls);
	assert_int_equal(r.outcome, SOURCE_FAILED);
	assert_string_equal(r.error, want);
	assert_false(r.gone);
	/* Nothing was remembered of the policy: its 200 comes again. */
	put(sv, "sigless.policy.minisig", "sig now\n", 100);
	check(s, &r);
	expect_changed(&r, "policy sigless\n", "sig now\n");
	source_result_clear(&r);
	source_free(s);
}

static void test_source_wrong_ca_refused(void **state)
{
	struct src_opts o = { .ca = "other.pem" };
	struct server *sv = *state;
	struct source_result r;
	char url[256], want[512];
	struct source *s;

	tls_url(url, sizeof(url), sv, "x.policy");
	s = new_source(sv, url, &o);
	check(s, &r);
	fmt(want, sizeof(want), "%s: TLS: certificate verify failed (ca %s/other.pem): ", url,
	    sv->dir);
	expect_failed(&r, SOURCE_ERR_TLS, want);
	assert_true(strstr(r.error, want) == r.error);
	source_free(s);
	/* The system's CAs do not know the test CA either. */
	s = new_source(sv, url, NULL);
	check(s, &r);
	fmt(want, sizeof(want), "%s: TLS: certificate verify failed (the system's CAs): ", url);
	expect_failed(&r, SOURCE_ERR_TLS, want);
	source_free(s);
	/* A CA file that cannot be read. */
	o.ca = "no-such-ca.pem";
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_failed(&r, SOURCE_ERR_TLS, "TLS: cannot use the CA file (ca ");
	source_free(s);
}

static void test_source_pin(void **state)
{
	struct src_opts o = { .ca = "ca.pem" };
	struct server *sv = *state;
	struct source_result r;
	char url[256], pins[512];
	struct source *s;

	tls_url(url, sizeof(url), sv, "x.policy");
	o.pin = sv->pin;
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", NULL);
	source_result_clear(&r);
	source_free(s);

	o.pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_failed(
		&r, SOURCE_ERR_TLS,
		": TLS: the server's public key does not match the pin (pin sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=)");
	source_free(s);

	/* The next key pinned beside the current one (a key change). */
	fmt(pins, sizeof(pins), "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;%s", sv->pin);
	o.pin = pins;
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", NULL);
	source_result_clear(&r);
	source_free(s);
}

static void test_source_client_certificate(void **state)
{
	struct src_opts o = { .ca = "ca.pem" };
	struct server *sv = *state;
	struct source_result r;
	char url[256], *log;
	struct source *s;
	size_t lines;

	fmt(url, sizeof(url), "https://127.0.0.1:%d/x.policy", sv->mtls);
	/* Without one, nginx answers 400 ("No required SSL certificate"). */
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_failed(&r, SOURCE_ERR_HTTP, "/x.policy: HTTP 400");
	source_free(s);

	o.cert = "client.pem";
	o.key = "client.key";
	s = new_source(sv, url, &o);
	lines = count_lines(sv);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", "untrusted comment: signature 1\n");
	source_result_clear(&r);
	log = log_wait(sv, lines, 2);
	assert_non_null(strstr(log, " GET /x.policy 200 \"\" \"\" SUCCESS"));
	free(log);
	source_free(s);

	/* The key in the certificate's file. */
	o.cert = "client-both.pem";
	o.key = NULL;
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", NULL);
	source_result_clear(&r);
	source_free(s);

	/* A certificate that cannot be used. */
	o.cert = "no-such-client.pem";
	s = new_source(sv, url, &o);
	check(s, &r);
	expect_failed(&r, SOURCE_ERR_TLS, "TLS: cannot use the client certificate (client-cert ");
	source_free(s);
}

static void test_source_oversize_refused(void **state)
{
	struct src_opts o = { .ca = "ca.pem", .max_size = MIB };
	struct server *sv = *state;
	struct source_result r;
	char url[256], want[512], *log;
	struct source *s;
	size_t lines;

	/* Content-Length says so: refused before the body. */
	tls_url(url, sizeof(url), sv, "big.policy");
	s = new_source(sv, url, &o);
	check(s, &r);
	fmt(want, sizeof(want), "%s: larger than 1 MiB", url);
	expect_failed(&r, SOURCE_ERR_SIZE, want);
	assert_string_equal(r.error, want);
	assert_string_equal(source_err_str(r.err), "size");
	source_free(s);

	/* Chunked, no length: stopped by the write callback past the limit. */
	tls_url(url, sizeof(url), sv, "chunked/big.policy");
	s = new_source(sv, url, &o);
	lines = count_lines(sv);
	check(s, &r);
	fmt(want, sizeof(want), "%s: larger than 1 MiB", url);
	expect_failed(&r, SOURCE_ERR_SIZE, want);
	source_free(s);
	log = log_wait(sv, lines, 1);
	if (!strstr(log, "/chunked/big.policy 200") || !strstr(log, "\"chunked\""))
		fail_msg("expected a chunked 200, got: %s", log);
	free(log);

	/* The limit itself is allowed. */
	tls_url(url, sizeof(url), sv, "fits.policy");
	s = new_source(sv, url, &o);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_CHANGED);
	assert_int_equal(r.policy_len, MIB);
	source_result_clear(&r);
	source_free(s);

	/* The daemon's limit is 64 MiB. */
	tls_url(url, sizeof(url), sv, "big.policy");
	s = new_source(sv, url, &with_ca);
	put(sv, "big.policy.minisig", "sig big\n", 100);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_CHANGED);
	assert_int_equal(r.policy_len, MIB + 1);
	source_result_clear(&r);
	source_free(s);
}

static void test_source_plain_http_to_loopback(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	struct source *s;
	char url[256];

	fmt(url, sizeof(url), "http://127.0.0.1:%d/x.policy", sv->http);
	s = new_source(sv, url, NULL);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", "untrusted comment: signature 1\n");
	source_result_clear(&r);
	check(s, &r);
	assert_int_equal(r.outcome, SOURCE_UNCHANGED);
	source_free(s);
	fmt(url, sizeof(url), "http://localhost:%d/x.policy", sv->http);
	s = new_source(sv, url, NULL);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", NULL);
	source_result_clear(&r);
	source_free(s);
}

static void test_source_plain_http_elsewhere_refused_offline(void **state)
{
	static const char *const urls[] = {
		"http://appban-test.invalid/x.policy",
		"http://10.0.0.1/x.policy",
		"http://127.1/x.policy",
		"http://localhost.example.org/x.policy",
		"ftp://127.0.0.1/x.policy",
		"https://h/",
	};
	struct fleet_source fs = { .every = 300 };
	struct source *s = (void *)1;
	uint64_t t0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		fs.url = (char *)urls[i];
		t0 = mono_ns();
		/* Refused on the text, before any resolver: at once. */
		assert_int_equal(source_new(&fs, NULL, &s), -EINVAL);
		assert_null(s);
		assert_true(mono_ns() - t0 < 100 * NSEC_PER_MSEC);
	}
}

static void test_source_redirects(void **state)
{
	struct server *sv = *state;
	struct source_result r;
	struct source *s;
	char url[256];

	/* https -> http: refused, even to this machine. */
	tls_url(url, sizeof(url), sv, "to-http.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_failed(&r, SOURCE_ERR_PROTOCOL, "/to-http.policy: refused: ");
	source_free(s);
	/* https -> https: followed. */
	tls_url(url, sizeof(url), sv, "to-https.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_changed(&r, "policy x\nserial 1\n", "untrusted comment: signature 1\n");
	source_result_clear(&r);
	source_free(s);
}

static void test_source_network_errors(void **state)
{
	struct src_opts o = { .ca = "ca.pem", .timeout = 2 };
	struct server *sv = *state;
	struct source_result r;
	struct source *s;
	char url[256];
	uint64_t t0;

	fmt(url, sizeof(url), "https://127.0.0.1:%d/x.policy", sv->closed);
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_failed(&r, SOURCE_ERR_NETWORK, "/x.policy: cannot connect: ");
	assert_int_equal(r.http_status, 0);
	source_free(s);
	/* A server that never answers: the transfer's timeout ends it. */
	fmt(url, sizeof(url), "https://127.0.0.1:%d/x.policy", sv->stall);
	s = new_source(sv, url, &o);
	t0 = mono_ns();
	check(s, &r);
	expect_failed(&r, SOURCE_ERR_TIMEOUT, "/x.policy: timed out: ");
	assert_true(mono_ns() - t0 < 10 * NSEC_PER_SEC);
	source_free(s);
}

static void test_source_busy_and_stopped(void **state)
{
	struct server *sv = *state;
	struct source_status st;
	struct source_result r;
	struct source *s;
	char url[256];
	uint64_t t0;

	fmt(url, sizeof(url), "https://127.0.0.1:%d/x.policy", sv->stall);
	s = new_source(sv, url, &with_ca);
	assert_int_equal(source_start(s), 0);
	assert_int_equal(source_start(s), -EBUSY);
	assert_true(source_next_due(s) == UINT64_MAX);
	source_get_status(s, &st);
	assert_true(st.busy);
	usleep(200000);
	assert_int_equal(source_result(s, &r), -EAGAIN);
	source_check_now(s); /* remembered for after this check */
	/* Freeing a source stops its check within about a second. */
	t0 = mono_ns();
	source_free(s);
	assert_true(mono_ns() - t0 < 3 * NSEC_PER_SEC);
	/* No check started: no result. */
	tls_url(url, sizeof(url), sv, "x.policy");
	s = new_source(sv, url, &with_ca);
	assert_int_equal(source_result(s, &r), -EAGAIN);
	/* SIGHUP during a check: the next one is due as soon as it ends. */
	assert_int_equal(source_start(s), 0);
	source_check_now(s);
	{
		struct pollfd p = { .fd = source_fd(s), .events = POLLIN };

		assert_int_equal(poll(&p, 1, 30000), 1);
	}
	assert_int_equal(source_result(s, &r), 0);
	source_result_clear(&r);
	assert_true(source_next_due(s) <= mono_ns());
	source_free(s);
	source_free(NULL);
}

static void test_source_refused_fetches_both_again(void **state)
{
	struct server *sv = *state;
	struct source_status st;
	struct source_result r;
	char url[256], want[512], *log;
	struct source *s;
	size_t lines;

	put(sv, "z.policy", "policy z\n", 100);
	put(sv, "z.policy.minisig", "bad sig\n", 100);
	tls_url(url, sizeof(url), sv, "z.policy");
	s = new_source(sv, url, &with_ca);
	check(s, &r);
	expect_changed(&r, "policy z\n", "bad sig\n");
	source_result_clear(&r);
	source_refused(s, "signature does not verify");
	source_get_status(s, &st);
	fmt(want, sizeof(want), "%s: refused: signature does not verify", url);
	assert_string_equal(st.last_error, want);
	assert_int_equal(st.last_err, SOURCE_ERR_REFUSED);
	assert_int_equal(st.failures, 1);
	expect_due_in(s, 480, 720);
	/* The signature was late: the next check gets both, unconditionally. */
	put(sv, "z.policy.minisig", "good sig\n", 50);
	lines = count_lines(sv);
	check(s, &r);
	expect_changed(&r, "policy z\n", "good sig\n");
	source_result_clear(&r);
	log = log_wait(sv, lines, 2);
	assert_non_null(strstr(log, " GET /z.policy 200 \"\" \"\""));
	assert_non_null(strstr(log, " GET /z.policy.minisig 200 \"\" \"\""));
	free(log);
	source_get_status(s, &st);
	assert_int_equal(st.failures, 0);
	/* Refused again, and again: a failure in a row each time, so the
	 * interval keeps doubling (3 in a row: 300 s x 8). */
	source_refused(s, "serial 1 is lower than 2");
	source_get_status(s, &st);
	assert_int_equal(st.failures, 2);
	check(s, &r);
	source_result_clear(&r);
	source_refused(s, "serial 1 is lower than 2");
	source_get_status(s, &st);
	assert_int_equal(st.failures, 3);
	expect_due_in(s, 1920, 2880);
	source_free(s);
}

static void test_source_err_names(void **state)
{
	(void)state;
	assert_string_equal(source_err_str(SOURCE_ERR_NONE), "");
	assert_string_equal(source_err_str(SOURCE_ERR_HTTP), "http");
	assert_string_equal(source_err_str(SOURCE_ERR_SIZE), "size");
	assert_string_equal(source_err_str(SOURCE_ERR_TLS), "tls");
	assert_string_equal(source_err_str(SOURCE_ERR_NETWORK), "network");
	assert_string_equal(source_err_str(SOURCE_ERR_TIMEOUT), "timeout");
	assert_string_equal(source_err_str(SOURCE_ERR_PROTOCOL), "protocol");
	assert_string_equal(source_err_str(SOURCE_ERR_REFUSED), "refused");
	assert_string_equal(source_err_str(SOURCE_ERR_INTERNAL), "internal");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_first_fetch_then_304),
		cmocka_unit_test(test_source_changed_file_fetched_again),
		cmocka_unit_test(test_source_if_modified_since_alone),
		cmocka_unit_test(test_source_same_bytes_without_validators_unchanged),
		cmocka_unit_test(test_source_404_error_text_and_backoff),
		cmocka_unit_test(test_source_empty_files_are_bytes_too),
		cmocka_unit_test(test_source_missing_signature_is_an_error),
		cmocka_unit_test(test_source_wrong_ca_refused),
		cmocka_unit_test(test_source_pin),
		cmocka_unit_test(test_source_client_certificate),
		cmocka_unit_test(test_source_oversize_refused),
		cmocka_unit_test(test_source_plain_http_to_loopback),
		cmocka_unit_test(test_source_plain_http_elsewhere_refused_offline),
		cmocka_unit_test(test_source_redirects),
		cmocka_unit_test(test_source_network_errors),
		cmocka_unit_test(test_source_busy_and_stopped),
		cmocka_unit_test(test_source_refused_fetches_both_again),
		cmocka_unit_test(test_source_err_names),
	};

	return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
