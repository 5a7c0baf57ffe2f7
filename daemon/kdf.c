/*
 * kdf.c -- Argon2id off the event loop.
 *
 * A password check costs about 100-150 ms of CPU and 64 MiB (libsodium's
 * "interactive" limits, auth.c).  Done on the event loop, eight logins a
 * second would stop deliveries, reports and every other request for the
 * whole second; anyone who can reach POST /v1/session could do that.  So
 * the checks run here, one at a time, on one worker thread, and their
 * answers come back to the loop through a pipe.
 *
 * At most KDF_QUEUE_MAX checks wait or run; kdf_check() refuses more (the
 * caller answers 503 with Retry-After), so a flood of logins costs one
 * core and a bounded amount of memory, never the loop.  A check against
 * nobody's hash (an unknown account) runs against a hash made once, on
 * the worker, so that it takes as long as a real one.
 *
 * The thread touches only its own job: the password is copied in and
 * wiped there, the answer is written into the job, and the job's pointer
 * goes through the pipe.  Callbacks run on the loop, in the order the
 * checks finish.  kdf_shutdown() stops the thread and drops answers not
 * delivered (their callbacks are not called: the daemon is ending).
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "kdf.h"
#include "loa.h"

struct kjob {
	TAILQ_ENTRY(kjob)	 entry;
	char			*hash;		/* NULL: nobody's */
	char			*pw;		/* wiped after use */
	char			*newpw;		/* NULL: no new hash wanted */
	int			 good;
	char			 newhash[LOA_PW_HASH_MAX];
	kdf_cb			 cb;
	void			*arg;
};
TAILQ_HEAD(kjob_q, kjob);

static struct {
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct kjob_q	 todo;		/* under mtx */
	int		 stop;		/* under mtx */
	int		 n;		/* queued or running (loop only) */
	int		 fd[2];		/* worker -> loop: struct kjob * */
	struct event	*ev;
	int		 up;
} kd = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
kjob_free(struct kjob *j)
{
	free(j->hash);
	wipe_free(j->pw);
	wipe_free(j->newpw);
	free(j);
}

static void *
worker(void *arg)
{
	char		 dummy[LOA_PW_HASH_MAX] = "";
	struct kjob	*j;
	ssize_t		 w;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&kd.mtx);
		while (!kd.stop && TAILQ_EMPTY(&kd.todo))
			pthread_cond_wait(&kd.cv, &kd.mtx);
		if (kd.stop) {
			pthread_mutex_unlock(&kd.mtx);
			break;
		}
		j = TAILQ_FIRST(&kd.todo);
		TAILQ_REMOVE(&kd.todo, j, entry);
		pthread_mutex_unlock(&kd.mtx);

		if (j->hash != NULL)
			j->good = loa_pw_verify(j->hash, j->pw);
		else {
			/* The same work for nobody: no timing tells. */
			if (dummy[0] == '\0' && loa_pw_hash("not a password "
			    "at all", dummy, sizeof(dummy)) == -1)
				dummy[0] = '\0';
			if (dummy[0] != '\0')
				(void)loa_pw_verify(dummy, j->pw);
			j->good = 0;
		}
		if (j->good && j->newpw != NULL &&
		    loa_pw_hash(j->newpw, j->newhash, sizeof(j->newhash)) == -1)
			j->newhash[0] = '\0';
		wipe_free(j->pw);
		wipe_free(j->newpw);
		j->pw = j->newpw = NULL;
		/* A pointer is written whole (PIPE_BUF); the loop reads it. */
		do
			w = write(kd.fd[1], &j, sizeof(j));
		while (w == -1 && errno == EINTR);
		if (w != sizeof(j))
			fatal("kdf: pipe");
	}
	return NULL;
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kjob	*j;
	ssize_t		 r;

	(void)what;
	(void)arg;
	for (;;) {
		r = read(fd, &j, sizeof(j));
		if (r == -1 && errno == EINTR)
			continue;
		if (r != sizeof(j))
			break;		/* EAGAIN: all read */
		kd.n--;
		j->cb(j->good, j->newhash, j->arg);
		explicit_bzero(j->newhash, sizeof(j->newhash));
		kjob_free(j);
	}
}

/* The worker and its pipe.  Returns 0, or -1 (logged). */
int
kdf_init(struct event_base *base)
{
	sigset_t	all, old;

	if (pipe2(kd.fd, O_CLOEXEC) == -1) {
		log_warn("kdf: pipe");
		return -1;
	}
	if (fcntl(kd.fd[0], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("kdf: pipe");
		close(kd.fd[0]);
		close(kd.fd[1]);
		return -1;
	}
	TAILQ_INIT(&kd.todo);
	kd.ev = event_new(base, kd.fd[0], EV_READ | EV_PERSIST, done_cb, NULL);
	if (kd.ev == NULL || event_add(kd.ev, NULL) == -1)
		fatalx("kdf: event");
	/* Signals are the loop's (libevent's evsignal): never this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = pthread_create(&kd.thread, NULL, worker, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0) {
		log_warn("kdf: thread");
		event_free(kd.ev);
		close(kd.fd[0]);
		close(kd.fd[1]);
		return -1;
	}
	kd.up = 1;
	return 0;
}

/* Are KDF_QUEUE_MAX checks waiting or running (kdf_check() would fail)? */
int
kdf_busy(void)
{
	return !kd.up || kd.n >= KDF_QUEUE_MAX;
}

/*
 * Check pw against hash (NULL: nobody's, always 0 after the same work);
 * when newpw is not NULL and pw matched, hash newpw too.  cb(good,
 * newhash, arg) is called later, on the loop.  Returns 0, or -1 when
 * KDF_QUEUE_MAX checks are under way (cb is not called).
 */
int
kdf_check(const char *hash, const char *pw, const char *newpw, kdf_cb cb,
    void *arg)
{
	struct kjob	*j;

	if (kdf_busy())
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->hash = hash != NULL ? xstrdup(hash) : NULL;
	j->pw = xstrdup(pw);
	j->newpw = newpw != NULL ? xstrdup(newpw) : NULL;
	j->cb = cb;
	j->arg = arg;
	kd.n++;
	pthread_mutex_lock(&kd.mtx);
	TAILQ_INSERT_TAIL(&kd.todo, j, entry);
	pthread_cond_signal(&kd.cv);
	pthread_mutex_unlock(&kd.mtx);
	return 0;
}

/* The thread stops (after the check it runs); answers are dropped. */
void
kdf_shutdown(void)
{
	struct kjob	*j;

	if (!kd.up)
		return;
	pthread_mutex_lock(&kd.mtx);
	kd.stop = 1;
	pthread_cond_signal(&kd.cv);
	pthread_mutex_unlock(&kd.mtx);
	pthread_join(kd.thread, NULL);
	while ((j = TAILQ_FIRST(&kd.todo)) != NULL) {
		TAILQ_REMOVE(&kd.todo, j, entry);
		kjob_free(j);
	}
	while (read(kd.fd[0], &j, sizeof(j)) == sizeof(j))
		kjob_free(j);
	event_free(kd.ev);
	close(kd.fd[0]);
	close(kd.fd[1]);
	kd.up = 0;
	kd.n = 0;
}
