/*
 * kdf.h -- password checks and hashes (Argon2id, auth.c) off the event
 * loop, on one worker thread.
 */
#ifndef LOA_KDF_H
#define LOA_KDF_H

#include "auth.h"

struct event_base;

#define KDF_QUEUE_MAX	8	/* waiting or running; beyond: refused */

/*
 * The answer, in the event loop: good is 1 when the password matched
 * (0 otherwise, or when it was checked against nobody's hash); newhash
 * is the Argon2id string of the new password when one was asked for and
 * good is 1 ("" otherwise: also when it could not be made).
 */
typedef void	(*kdf_cb)(int good, const char *newhash, void *arg);

int	 kdf_init(struct event_base *);
int	 kdf_check(const char *, const char *, const char *, kdf_cb, void *);
int	 kdf_busy(void);
void	 kdf_shutdown(void);

#endif
