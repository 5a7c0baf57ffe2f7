/*
 * hclient.c -- hostile HTTP clients for tests/hostile/h_http.sh: many
 * connections from one process (poll), to 127.0.0.1 only.  Built by the
 * test itself (cc, no library), so that it runs against any build.
 *
 *   hclient trickle PORT N SECONDS INTERVAL_MS REOPEN_MS
 *	N connections each send a request head one byte every INTERVAL_MS
 *	and never finish it.  One the server closes is opened again after
 *	REOPEN_MS (-1: never).  After SECONDS, prints
 *	"opened=N closed=N answered408=N open_at_end=N max_age_ms=N"
 *	(max_age_ms: the oldest a connection got, closed or still open).
 *
 *   hclient bodies PORT N SIZE WAIT_MS PATH
 *	N connections each send the head of "POST PATH" with
 *	Content-Length: SIZE and no credentials, then wait up to WAIT_MS
 *	for an answer before they send the body; those still unanswered
 *	send it (all at once) and wait for their answer.  Prints
 *	"early=N early401=N late=N body_bytes=N" (early: answered before a
 *	byte of the body left; body_bytes: body bytes sent in all).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char trickle_head[] =
    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A non-blocking connection under way to 127.0.0.1:port, or -1. */
static int
dial(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

struct tconn {
	int		fd;		/* -1: closed */
	long long	opened;		/* ms */
	long long	reopen;		/* ms, 0: not to reopen */
	size_t		pos;		/* bytes of the head sent */
};

static int
trickle(int port, int n, int secs, int interval, int reopen_ms)
{
	struct tconn	*c = calloc(n, sizeof(*c));
	struct pollfd	*pf = calloc(n, sizeof(*pf));
	long long	 start = now_ms(), end = start + secs * 1000LL;
	long long	 next = start, now, age, max_age = 0;
	unsigned long	 opened = 0, closed = 0, a408 = 0, open_at_end = 0;
	char		 buf[512], b;
	ssize_t		 r;
	int		 i;

	if (c == NULL || pf == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if ((c[i].fd = dial(port)) != -1)
			opened++;
		c[i].opened = now_ms();
	}
	while ((now = now_ms()) < end) {
		for (i = 0; i < n; i++) {
			if (c[i].fd == -1 && c[i].reopen != 0 &&
			    now >= c[i].reopen) {
				c[i].reopen = 0;
				c[i].pos = 0;
				c[i].opened = now;
				if ((c[i].fd = dial(port)) != -1)
					opened++;
			}
			pf[i].fd = c[i].fd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		if (poll(pf, n, next > now ? (int)(next - now) : 0) == -1 &&
		    errno != EINTR)
			return 1;
		now = now_ms();
		for (i = 0; i < n; i++) {
			if (c[i].fd == -1 || pf[i].revents == 0)
				continue;
			r = read(c[i].fd, buf, sizeof(buf) - 1);
			if (r > 0) {
				buf[r] = '\0';
				if (strncmp(buf, "HTTP/1.1 408", 12) == 0)
					a408++;
				continue;
			}
			if (r == -1 && errno == EAGAIN)
				continue;
			/* Closed by the server. */
			age = now - c[i].opened;
			if (age > max_age)
				max_age = age;
			close(c[i].fd);
			c[i].fd = -1;
			closed++;
			if (reopen_ms >= 0)
				c[i].reopen = now + reopen_ms + 1;
		}
		if (now < next)
			continue;
		next = now + interval;
		for (i = 0; i < n; i++) {
			if (c[i].fd == -1)
				continue;
			b = c[i].pos < sizeof(trickle_head) - 1 ?
			    trickle_head[c[i].pos] : 'a';
			if (send(c[i].fd, &b, 1, MSG_NOSIGNAL) == 1)
				c[i].pos++;
		}
	}
	now = now_ms();
	for (i = 0; i < n; i++) {
		if (c[i].fd == -1)
			continue;
		open_at_end++;
		if ((age = now - c[i].opened) > max_age)
			max_age = age;
		close(c[i].fd);
	}
	printf("opened=%lu closed=%lu answered408=%lu open_at_end=%lu "
	    "max_age_ms=%lld\n", opened, closed, a408, open_at_end, max_age);
	free(c);
	free(pf);
	return 0;
}

struct bconn {
	int	fd;
	size_t	sent;		/* body bytes */
	int	status;		/* of the answer, 0: none yet */
	int	early;		/* answered before any of the body left */
};

/* Read c's answer if one came; -1 when the connection is done with. */
static int
bodies_read(struct bconn *c, int early)
{
	char	buf[256];
	ssize_t	r;

	r = read(c->fd, buf, sizeof(buf) - 1);
	if (r == -1 && errno == EAGAIN)
		return 0;
	if (r > 12 && c->status == 0) {
		buf[r] = '\0';
		c->status = atoi(buf + 9);
		c->early = early;
	}
	if (r > 0)
		return 0;
	close(c->fd);
	c->fd = -1;
	return -1;
}

static int
bodies(int port, int n, size_t size, int wait_ms, const char *path)
{
	struct bconn	*c = calloc(n, sizeof(*c));
	struct pollfd	*pf = calloc(n, sizeof(*pf));
	char		*body = malloc(size), head[512];
	unsigned long	 early = 0, e401 = 0, late = 0;
	unsigned long long total = 0;
	long long	 end;
	int		 i, hl, busy;
	ssize_t		 w;

	if (c == NULL || pf == NULL || body == NULL)
		return 1;
	memset(body, ' ', size);
	hl = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", path, size);
	for (i = 0; i < n; i++) {
		struct pollfd	p;

		c[i].fd = dial(port);
		p.fd = c[i].fd;
		p.events = POLLOUT;
		if (c[i].fd == -1 || poll(&p, 1, 5000) != 1 ||
		    send(c[i].fd, head, hl, MSG_NOSIGNAL) != hl) {
			fprintf(stderr, "hclient: connection %d failed\n", i);
			if (c[i].fd != -1)
				close(c[i].fd);
			c[i].fd = -1;
		}
	}
	/* Answers to the head alone. */
	end = now_ms() + wait_ms;
	for (;;) {
		busy = 0;
		for (i = 0; i < n; i++) {
			pf[i].fd = c[i].status == 0 ? c[i].fd : -1;
			pf[i].events = POLLIN;
			busy += pf[i].fd != -1;
		}
		if (busy == 0 || now_ms() >= end)
			break;
		poll(pf, n, (int)(end - now_ms()));
		for (i = 0; i < n; i++)
			if (pf[i].fd != -1 && pf[i].revents != 0)
				(void)bodies_read(&c[i], 1);
	}
	/* The bodies of the rest, all at once, then their answers. */
	end = now_ms() + 30000;
	while (now_ms() < end) {
		busy = 0;
		for (i = 0; i < n; i++) {
			pf[i].fd = c[i].fd;
			pf[i].events = POLLIN;
			if (c[i].fd != -1 && c[i].status == 0 &&
			    c[i].sent < size)
				pf[i].events |= POLLOUT;
			if (c[i].fd != -1 && c[i].status == 0)
				busy++;
			else
				pf[i].fd = -1;
		}
		if (busy == 0)
			break;
		poll(pf, n, 1000);
		for (i = 0; i < n; i++) {
			if (pf[i].fd == -1)
				continue;
			if (pf[i].revents & POLLIN &&
			    bodies_read(&c[i], 0) == -1)
				continue;
			if (pf[i].revents & POLLOUT && c[i].status == 0) {
				w = send(c[i].fd, body + c[i].sent,
				    size - c[i].sent, MSG_NOSIGNAL |
				    MSG_DONTWAIT);
				if (w > 0) {
					c[i].sent += w;
					total += w;
				} else if (w == -1 && errno != EAGAIN) {
					close(c[i].fd);
					c[i].fd = -1;
				}
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (c[i].status != 0 && c[i].early) {
			early++;
			e401 += c[i].status == 401;
		} else if (c[i].status != 0)
			late++;
		if (c[i].fd != -1)
			close(c[i].fd);
	}
	printf("early=%lu early401=%lu late=%lu body_bytes=%llu\n", early,
	    e401, late, total);
	free(c);
	free(pf);
	free(body);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "trickle") == 0)
		return trickle(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
		    atoi(argv[5]), atoi(argv[6]));
	if (argc == 7 && strcmp(argv[1], "bodies") == 0)
		return bodies(atoi(argv[2]), atoi(argv[3]),
		    (size_t)atol(argv[4]), atoi(argv[5]), argv[6]);
	fprintf(stderr, "usage: hclient trickle PORT N SECONDS INTERVAL_MS "
	    "REOPEN_MS\n       hclient bodies PORT N SIZE WAIT_MS PATH\n");
	return 2;
}
