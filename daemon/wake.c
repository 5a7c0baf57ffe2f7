/*
 * wake.c -- "work may go on": the one call that lower layers make
 * upwards, as an event rather than a call.
 *
 * The ledger (a batch recorded: the backlog shrank), deliveries (an item
 * final), expansion and ingest (work arrived) and the cron wake the
 * dispatcher; the engine registers what a wake-up runs (its dispatch
 * round), and it runs from the event loop after the callbacks under way,
 * once however often it was asked for.  So calls between the daemon's
 * files point one way, down (see the README, "Layout"), and no module
 * re-enters the dispatcher from inside its own callback.
 */
#include <event2/event.h>

#include "engine.h"

#define WAKE_MAX	4

static struct event	*ev;
static void		(*fns[WAKE_MAX])(void);
static int		 nfns;

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	int	i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < nfns; i++)
		fns[i]();
}

/*
 * What a wake-up runs, in the order added: the engine's dispatch round,
 * then ingest's read of more work (which the round may have made room
 * for).
 */
void
wake_add(void (*run)(void))
{
	if (nfns == WAKE_MAX)
		fatalx("wake_add: too many");
	fns[nfns++] = run;
}

/* Run it after the current callbacks (once, however often asked). */
void
wake_dispatch(void)
{
	if (ev == NULL)
		ev = event_new(loa->base, -1, 0, wake_cb, NULL);
	if (!event_pending(ev, EV_TIMEOUT, NULL))
		event_active(ev, EV_TIMEOUT, 0);
}

void
wake_free(void)
{
	if (ev != NULL)
		event_free(ev);
	ev = NULL;
	nfns = 0;
}
