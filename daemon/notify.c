/*
 * notify.c -- telling the service manager how the daemon is doing: the
 * systemd notify protocol, spoken directly (no libsystemd).
 *
 * Under a unit of Type=notify, systemd puts the address of its notify
 * socket in $NOTIFY_SOCKET: a file system path ("/run/systemd/notify") or
 * an abstract name written with a leading '@'.  A message is one datagram
 * of newline-separated assignments ("READY=1", "STOPPING=1",
 * "STATUS=sending 3 jobs", "WATCHDOG=1"); systemd learns the sender from
 * the kernel's credentials on the socket, so nothing else is needed.  With
 * WatchdogSec= set, systemd also passes $WATCHDOG_USEC (and $WATCHDOG_PID,
 * the process meant) and expects "WATCHDOG=1" more often than that.
 *
 * Everything here is best effort and never fatal: without $NOTIFY_SOCKET
 * (run by hand, by the tests, by another supervisor) every call is a no-op;
 * a socket that cannot be made or written to is reported once at most and
 * the daemon goes on.  The socket is non-blocking, so a busy service
 * manager can cost a dropped message, never a stalled event loop.  The
 * three variables are removed from the environment once read, so nothing
 * the daemon might start inherits them.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

#define NOTIFY_MAX	2048	/* longest message; longer ones are cut */

static int		 notify_fd = -1;
static int		 notify_inited;
static struct sockaddr_un notify_sun;
static socklen_t	 notify_sunlen;
static long long	 notify_wd_ms;	/* half the interval; 0: none */
static int		 notify_errno;	/* last failure reported */

/*
 * Parse a decimal number made of digits only (no sign, no spaces).
 * Returns 0 and *out, or -1.
 */
static int
notify_number(const char *s, unsigned long long *out)
{
	unsigned long long	 v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

/*
 * Read $WATCHDOG_USEC and $WATCHDOG_PID into notify_wd_ms.  The watchdog
 * is ours when $WATCHDOG_PID is absent or names this process.
 */
static void
notify_watchdog_env(void)
{
	unsigned long long	 usec, pid;
	const char		*p;

	notify_wd_ms = 0;
	if (notify_number(getenv("WATCHDOG_USEC"), &usec) == -1 || usec == 0)
		return;
	if ((p = getenv("WATCHDOG_PID")) != NULL && (notify_number(p,
	    &pid) == -1 || pid != (unsigned long long)getpid()))
		return;
	/* Half the interval: a ping a loop round late is still in time. */
	notify_wd_ms = (long long)(usec / 2000);
	if (notify_wd_ms == 0)
		notify_wd_ms = 1;
}

/*
 * The length of the first len bytes of s without a UTF-8 sequence cut
 * short at their end.
 */
static size_t
notify_cut(const char *s, size_t len)
{
	size_t		 lead = len, need;
	unsigned char	 c;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return len;
	c = (unsigned char)s[lead - 1];
	if (c < 0xc0)
		return len;	/* ASCII, or stray continuation bytes */
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return len - (lead - 1) < need ? lead - 1 : len;
}

/*
 * Open the socket to the service manager named by $NOTIFY_SOCKET, and
 * note the watchdog interval.  Does nothing after the first call, and
 * nothing but clear the variables when $NOTIFY_SOCKET is unset.  Never
 * fails: a bad address or a socket error is logged and notifications are
 * then skipped.
 */
void
notify_init(void)
{
	const char	*addr;
	size_t		 len;

	if (notify_inited)
		return;
	notify_inited = 1;

	addr = getenv("NOTIFY_SOCKET");
	if (addr != NULL && *addr != '\0') {
		len = strlen(addr);
		memset(&notify_sun, 0, sizeof(notify_sun));
		notify_sun.sun_family = AF_UNIX;
		if ((addr[0] != '/' && addr[0] != '@') || len < 2 ||
		    len >= sizeof(notify_sun.sun_path))
			log_warnx("NOTIFY_SOCKET %s: not a unix socket path or "
			    "abstract name; not notifying systemd", addr);
		else if ((notify_fd = socket(AF_UNIX, SOCK_DGRAM |
		    SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
			log_warn("notify socket; not notifying systemd");
		else {
			memcpy(notify_sun.sun_path, addr, len);
			if (addr[0] == '@') {
				/* Abstract: a NUL first, and no NUL after. */
				notify_sun.sun_path[0] = '\0';
				notify_sunlen = (socklen_t)(offsetof(struct
				    sockaddr_un, sun_path) + len);
			} else
				notify_sunlen = (socklen_t)(offsetof(struct
				    sockaddr_un, sun_path) + len + 1);
			notify_watchdog_env();
			log_debug("notifying systemd at %s%s", addr,
			    notify_wd_ms ? " (watchdog on)" : "");
		}
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/*
 * Send one notification, a printf format making newline-separated
 * assignments ("READY=1", "STATUS=%s", "STOPPING=1", "WATCHDOG=1").
 * Returns at once in every case; without a socket it does nothing.  A
 * message of NOTIFY_MAX bytes or more is cut at a character boundary.  A failed
 * send (a full queue, systemd gone) drops the message; the first failure of
 * each kind is logged as a warning, repeats are not.
 */
void
notify_send(const char *fmt, ...)
{
	char		 msg[NOTIFY_MAX];
	va_list		 ap;
	int		 n;
	size_t		 len;
	ssize_t		 sent;

	if (notify_fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len = (size_t)n;
	if (len >= sizeof(msg))
		len = notify_cut(msg, sizeof(msg) - 1);
	if (len == 0)
		return;
	do {
		sent = sendto(notify_fd, msg, len, MSG_NOSIGNAL,
		    (struct sockaddr *)&notify_sun, notify_sunlen);
	} while (sent == -1 && errno == EINTR);
	if (sent == -1) {
		if (errno != notify_errno)
			log_warn("notify systemd (message dropped)");
		notify_errno = errno;
	} else
		notify_errno = 0;
}

/*
 * How often to send "WATCHDOG=1", in milliseconds: half the interval
 * systemd asked for (WatchdogSec=), so one late loop round is harmless.
 * 0 when there is no watchdog for this process (none configured, meant for
 * another PID, or no notify socket).  Valid after notify_init().
 */
long long
notify_watchdog_ms(void)
{
	return notify_fd == -1 ? 0 : notify_wd_ms;
}

/*
 * Close the socket.  Later notify_send() calls do nothing, and
 * notify_init() does not open it again.
 */
void
notify_free(void)
{
	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
	notify_wd_ms = 0;
}
