/*
 * test_redis.c -- redis.c's command timeout against a real redis-server
 * (started here on a unix socket in a temporary directory):
 *   - a command Redis answers at once, while the event loop itself is
 *     held up longer than the timeout (a long callback, a stopped or
 *     starved process: under valgrind on a loaded machine the loop
 *     thread waited seconds), gets its answer and the link stays up;
 *   - so does one sent while the whole machine starves: Redis stopped
 *     (SIGSTOP) while the loop is held up in many pieces, each shorter
 *     than two of redis.c's ticks (CI's valgrind stage once dropped the
 *     link so);
 *   - a command Redis does not answer in time (DEBUG SLEEP) still drops
 *     the link, its callback gets no reply, and the link comes back.
 * Skips (exit 0, "# skip") when redis-server is not installed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "loa.h"
#include "tap.h"

static char		 dir[] = "/tmp/loa-test-redis.XXXXXX";
static char		 sock[256];
static pid_t		 server;
static struct event_base *base;
static struct loa_redis	*lr;
static int		 ups, downs, answered, answer_null;
static char		 answer[64];
static long long	 stall_ms;

static void
on_up(struct loa_redis *r, void *arg)
{
	(void)r;
	(void)arg;
	ups++;
	event_base_loopbreak(base);
}

static void
on_down(struct loa_redis *r, void *arg)
{
	(void)r;
	(void)arg;
	downs++;
}

static void
reply_cb(struct loa_redis *r, redisReply *rep, void *arg)
{
	(void)r;
	(void)arg;
	answered++;
	if (rep == NULL)
		answer_null = 1;
	else
		snprintf(answer, sizeof(answer), "%s",
		    rep->str != NULL ? rep->str : "");
	event_base_loopbreak(base);
}

static void
sleep_ms(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* The command to send (argv). */
static const char *send_av[4];
static int send_ac;

/* Send it; refused at once: answered without a reply. */
static int
send_now(void)
{
	if (loa_redis_cmd(lr, reply_cb, NULL, send_ac, send_av, NULL) == 0)
		return 0;
	answered++;
	answer_null = 1;
	event_base_loopbreak(base);
	return -1;
}

/* Send it, then hold the loop up for stall_ms, as a slow callback would. */
static void
send_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (send_now() == 0 && stall_ms > 0)
		sleep_ms(stall_ms);
}

/*
 * The machine starved rather than the loop held up once: Redis stopped
 * (SIGSTOP) while the loop is held up in pieces of PIECE_MS, each less
 * than two ticks and all together more than the timeout; Redis goes on
 * GAP_MS after the last piece.
 */
#define PIECES		7
#define PIECE_MS	190
#define GAP_MS		50
static int	pieces_left;

static void
cont_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	kill(server, SIGCONT);
}

static void
piece_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct timeval	soon = { 0, 1000 }, gap = { 0, GAP_MS * 1000 };

	(void)fd;
	(void)ev;
	(void)arg;
	sleep_ms(PIECE_MS);
	/* Back through the loop (not at once: a zero time runs it now). */
	if (--pieces_left > 0)
		event_base_once(base, -1, EV_TIMEOUT, piece_cb, NULL, &soon);
	else
		event_base_once(base, -1, EV_TIMEOUT, cont_cb, NULL, &gap);
}

static void
starved_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	kill(server, SIGSTOP);
	if (send_now() == -1) {
		kill(server, SIGCONT);
		return;
	}
	pieces_left = PIECES;
	piece_cb(-1, 0, NULL);
}

static void
deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	event_base_loopbreak(base);
}

/* Run the loop until something breaks it or ms pass. */
static void
run_for(long long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*t;

	t = evtimer_new(base, deadline_cb, NULL);
	evtimer_add(t, &tv);
	event_base_dispatch(base);
	event_free(t);
}

/* argv sent by cb from the loop; the loop runs until it is answered. */
static void
ask_by(event_callback_fn cb, int ac, const char **av)
{
	struct timeval	now = { 0, 0 };
	int		i;

	for (i = 0; i < ac; i++)
		send_av[i] = av[i];
	send_ac = ac;
	answered = answer_null = 0;
	answer[0] = '\0';
	event_base_once(base, -1, EV_TIMEOUT, cb, NULL, &now);
	run_for(10000);
}

static void
ask(int ac, const char **av, long long stall)
{
	stall_ms = stall;
	ask_by(send_cb, ac, av);
}

static int
start_server(void)
{
	char	port[] = "0";
	int	i;

	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	if ((server = fork()) == -1)
		return -1;
	if (server == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir(dir) == -1)
			_exit(127);
		execlp("redis-server", "redis-server", "--port", port,
		    "--unixsocket", sock, "--save", "", "--appendonly", "no",
		    "--enable-debug-command", "yes", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		struct stat st;
		int status;

		if (stat(sock, &st) == 0)
			return 0;
		if (waitpid(server, &status, WNOHANG) == server) {
			server = 0;
			return -1;
		}
		sleep_ms(10);
	}
	return -1;
}

int
main(void)
{
	struct loa_redis_addr	 addr;
	const char		*ping[] = { "PING" };
	const char		*dsleep[] = { "DEBUG", "SLEEP", "1.5" };
	int			 i, pongs = 0;

	log_init("test_redis", 0);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (start_server() == -1) {
		printf("# skip: redis-server did not start\n");
		rmdir(dir);
		return 0;
	}
	base = event_base_new();
	memset(&addr, 0, sizeof(addr));
	addr.is_unix = 1;
	addr.path = sock;
	lr = loa_redis_new(base, &addr, NULL, NULL, NULL, "test", 500, on_up,
	    on_down, NULL);
	run_for(5000);
	is_int(ups, 1, "the link comes up");

	/*
	 * The loop held up just after sending, several times (which
	 * check of the link comes first after a stall varies): 0.7 s and
	 * 1.5 s, more than the 0.5 s timeout.
	 */
	for (i = 0; i < 6; i++) {
		ask(1, ping, i % 2 == 0 ? 700 : 1500);
		if (strcmp(answer, "PONG") == 0)
			pongs++;
	}
	is_int(pongs, 6, "a stalled loop: each command answered");
	is_int(downs, 0, "... and the link never dropped for the loop's "
	    "own delay");
	ok(loa_redis_up(lr), "... it is up");

	/*
	 * The whole machine starved: Redis stopped and the loop held up in
	 * pieces shorter than two ticks (7 x 190 ms), longer than the
	 * timeout (1 s here) together.  Each tick late by less than a
	 * tick is the loop's delay too, not Redis's silence.
	 */
	loa_redis_set_timeout(lr, 1000);
	for (i = 0, pongs = 0; i < 3; i++) {
		ask_by(starved_cb, 1, ping);
		if (strcmp(answer, "PONG") == 0)
			pongs++;
	}
	is_int(pongs, 3, "a starved machine: each command answered");
	is_int(downs, 0, "... and the link never dropped");
	loa_redis_set_timeout(lr, 500);

	/* Redis itself silent for 1.5 s: the link is dropped. */
	ask(3, dsleep, 0);
	is_int(answered, 1, "Redis silent past the timeout: the callback "
	    "called");
	ok(answer_null, "... without a reply");
	is_int(downs, 1, "... the link dropped");
	/* It comes back once Redis answers again. */
	run_for(8000);
	is_int(ups, 2, "... and up again");
	run_for(1500);		/* Redis asleep till then: no commands */
	ask(1, ping, 0);
	is_str(answer, "PONG", "... and it answers");

	loa_redis_free(lr);
	event_base_free(base);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	unlink(sock);
	rmdir(dir);
	return tap_done();
}
