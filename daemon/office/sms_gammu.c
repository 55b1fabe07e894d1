/* The gammu driver: each message goes to gammu-smsd (Debian's gammu-smsd,
 * which drives the office's USB GSM modem and needs no internet) through
 * its own injector, gammu-smsd-inject -c [sms] gammu_config TEXT number,
 * which puts it in the daemon's outbox whatever its backend. The program
 * runs with no shell, its output kept for the reason of a failure, and is
 * killed when it outlasts [sms] timeout. */
#include "sms.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last line of the program's output, for the reason of a failure. */
static void last_line(const char *out, char why[SMS_WHY_MAX], int status)
{
	const char *end = out + strlen(out), *start;

	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > out && start[-1] != '\n')
		start--;
	if (WIFEXITED(status))
		snprintf(why, SMS_WHY_MAX, "gammu-smsd-inject exited with %d: %.*s",
			 WEXITSTATUS(status), (int)(end - start), start);
	else
		snprintf(why, SMS_WHY_MAX, "gammu-smsd-inject killed by signal %d",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int gammu_send(const struct cfg_sms *set, const char *to,
		      const char *text, const atomic_bool *stop,
		      char why[SMS_WHY_MAX])
{
	/* posix_spawn() takes char *const argv[]: writable copies. */
	char len[24], out[1024], opt_c[] = "-c", opt_text[] = "TEXT",
		opt_len[] = "-len", opt_t[] = "-text";
	char number[PHONE_LEN + 1], message[SMS_TEXT_MAX + 1];
	char *argv[] = {set->gammu_inject,
			opt_c,
			set->gammu_config,
			opt_text,
			number,
			opt_len,
			len,
			opt_t,
			message,
			NULL};
	posix_spawn_file_actions_t fa;
	int64_t deadline = mono_ms() + (int64_t)set->timeout * 1000;
	size_t n = 0;
	int fds[2], status = 0, r;
	bool timed_out = false, stopped = false;
	pid_t pid;

	snprintf(number, sizeof(number), "%s", to);
	snprintf(message, sizeof(message), "%s", text);
	snprintf(len, sizeof(len), "%zu", strlen(message));
	if (pipe(fds) != 0)
		return -errno;
	/* dup2() in the child clears it on 1 and 2 only. */
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		snprintf(why, SMS_WHY_MAX, "cannot run %s: %s", argv[0],
			 strerror(r));
		return -r;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int64_t left = deadline - mono_ms();
		ssize_t k;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (atomic_load(stop)) {
			stopped = true;
			break;
		}
		r = poll(&pfd, 1, left < 100 ? (int)left : 100);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue; /* the deadline is looked at above */
		k = read(fds[0], out + n, sizeof(out) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == sizeof(out) - 1)
			n = 0; /* keep reading; only the end matters */
	}
	out[n] = '\0';
	close(fds[0]);
	if (timed_out || stopped)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (stopped) {
		snprintf(why, SMS_WHY_MAX, "the daemon stopped");
		return -ECANCELED;
	}
	if (timed_out) {
		snprintf(why, SMS_WHY_MAX,
			 "gammu-smsd-inject did not finish within %d s",
			 set->timeout);
		return -ETIMEDOUT;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	last_line(out, why, status);
	return -EIO;
}

const struct sms_driver sms_driver_gammu = {
	.name = "gammu",
	.send = gammu_send,
};
