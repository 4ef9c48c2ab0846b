/* Docker credential helpers: `docker-credential-<name> get` reads a server
 * address on its standard input and answers with
 * {"ServerURL": …, "Username": …, "Secret": …} on its standard output. */
#include "source/registry_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/mono.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The message docker-credential-helpers print when they hold nothing for
 * the server. */
#define NOT_FOUND_MESSAGE "credentials not found"

bool reg__cred_helper_name_ok(const char *name)
{
	if (!name || !*name || *name == '.' || strlen(name) > REG_MAX_HELPER_NAME)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

/* The first line of text (at most 200 bytes), for a message. */
static char *first_line(const char *text, size_t len)
{
	size_t n = 0;

	while (n < len && n < 200 && text[n] != '\n' && text[n] != '\r' && text[n] != '\0')
		n++;
	return xstrndup(text, n);
}

int reg__cred_helper_parse(char **out_user, char **out_pass, const char *answer, size_t len,
                           const char *program)
{
	json_t *root = NULL;
	const char *user, *secret;
	int rc;

	*out_user = *out_pass = NULL;
	rc = jx_parse(&root, answer, len, DR_MAX_JSON_DEPTH, "credential helper answer");
	if (rc) {
		rc = err_wrap(rc, "'%s' answered", program);
		goto done;
	}
	user = jx_str(root, "Username");
	secret = jx_str(root, "Secret");
	if (!user || !secret || !*secret) {
		rc = err_set(DR_EFORMAT, "'%s' answered without a \"Username\" and a \"Secret\"",
		             program);
		goto done;
	}
	*out_user = xstrdup(user);
	*out_pass = xstrdup(secret);
done:
	json_decref(root);
	return rc;
}

/* Writes the server address to the helper's standard input and closes it.
 * A helper that exits without reading raises no SIGPIPE here: the signal
 * is blocked in this thread and a pending one is taken back. */
static void feed_server(int fd, const char *server)
{
	sigset_t pipe_set, old;
	size_t len = strlen(server), off = 0;
	bool broken = false;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (off < len) {
		ssize_t n = write(fd, server + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			broken = errno == EPIPE;
			break;
		}
		off += (size_t)n;
	}
	if (broken) {
		struct timespec zero = {0, 0};

		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fd);
}

/* Reads the helper's standard output and error to their ends, or until the
 * deadline or the size cap. Returns 0, DR_ELIMIT (too much output) or
 * DR_ENET (deadline); the caller kills the helper on failure. */
static int drain(struct buf *out, struct buf *err_out, int out_fd, int err_fd, double deadline)
{
	struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
	struct buf *dst[2] = {out, err_out};
	char chunk[4096];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		double left = deadline - mono_now();
		int r;

		if (left <= 0)
			return DR_ENET;
		r = poll(p, 2, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return DR_ENET;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			if (dst[i]->len + (size_t)n > REG_MAX_HELPER_OUTPUT)
				return DR_ELIMIT;
			buf_add(dst[i], chunk, (size_t)n);
		}
	}
	return 0;
}

/* Waits for pid until the deadline; kills it when the deadline passes.
 * Returns its wait status, or -1 when it had to be killed. */
static int reap(pid_t pid, double deadline, bool kill_now)
{
	int status = 0;

	while (!kill_now) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (mono_now() >= deadline)
			break;
		usleep(2000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

int reg__cred_helper(char **out_user, char **out_pass, const char *helper, const char *server,
                     long timeout_s)
{
	struct buf program = BUF_INIT, out = BUF_INIT, err_out = BUF_INIT;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int in_p[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
	char *argv[3];
	long limit = timeout_s > 0 ? timeout_s : REG_DEFAULT_TIMEOUT;
	double deadline = mono_now() + (double)limit;
	pid_t pid = 0;
	int rc = 0, status, sp;
	bool actions = false;

	*out_user = *out_pass = NULL;
	buf_init(&program, 0);
	buf_init(&out, 0);
	buf_init(&err_out, 0);
	if (!reg__cred_helper_name_ok(helper)) {
		rc = err_set(DR_EFORMAT, "credential helper name '%.64s' is not a plain name",
		             helper ? helper : "");
		goto done;
	}
	buf_addf(&program, "docker-credential-%s", helper);
	if (pipe2(in_p, O_CLOEXEC) || pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC)) {
		rc = err_set(DR_EIO, "cannot run '%s': pipe: %s", program.ptr, strerror(errno));
		goto done;
	}
	posix_spawn_file_actions_init(&fa);
	actions = true;
	posix_spawn_file_actions_adddup2(&fa, in_p[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out_p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_p[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* no socket of ours leaks */
	/* the helper starts with no signal blocked and SIGPIPE at its default */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	argv[0] = program.ptr;
	argv[1] = (char *)"get";
	argv[2] = NULL;
	sp = posix_spawnp(&pid, program.ptr, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (sp) {
		pid = 0;
		rc = err_set(DR_EAUTH, "cannot run credential helper '%s'%s: %s", program.ptr,
		             sp == ENOENT ? " (is it installed and on PATH?)" : "", strerror(sp));
		goto done;
	}
	close(in_p[0]);
	close(out_p[1]);
	close(err_p[1]);
	in_p[0] = out_p[1] = err_p[1] = -1;
	feed_server(in_p[1], server);
	in_p[1] = -1;
	rc = drain(&out, &err_out, out_p[0], err_p[0], deadline);
	status = reap(pid, deadline, rc != 0);
	pid = 0;
	if (rc == DR_ELIMIT) {
		rc = err_set(DR_ELIMIT, "credential helper '%s' wrote more than %u bytes",
		             program.ptr, (unsigned)REG_MAX_HELPER_OUTPUT);
		goto done;
	}
	if (rc || status < 0) {
		rc = err_set(DR_EAUTH, "credential helper '%s' did not answer within %ld s",
		             program.ptr, limit);
		goto done;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = reg__cred_helper_parse(out_user, out_pass, out.ptr ? out.ptr : "", out.len,
		                            program.ptr);
		goto done;
	}
	if (out.ptr && strstr(out.ptr, NOT_FOUND_MESSAGE)) {
		rc = DR_ENOTFOUND;
		goto done;
	}
	{
		const struct buf *why = out.len ? &out : &err_out;
		char *line = first_line(why->ptr ? why->ptr : "", why->len);

		if (WIFEXITED(status))
			rc = err_set(DR_EAUTH, "credential helper '%s' failed (exit %d)%s%s",
			             program.ptr, WEXITSTATUS(status), *line ? ": " : "", line);
		else
			rc = err_set(DR_EAUTH, "credential helper '%s' was killed by signal %d",
			             program.ptr, WTERMSIG(status));
		free(line);
	}
done:
	if (pid > 0)
		reap(pid, deadline, true);
	if (actions)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (in_p[i] >= 0)
			close(in_p[i]);
		if (out_p[i] >= 0)
			close(out_p[i]);
		if (err_p[i] >= 0)
			close(err_p[i]);
	}
	buf_release(&program);
	buf_release(&out);
	buf_release(&err_out);
	return rc;
}
