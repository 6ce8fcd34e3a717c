/* Distribution sets (interim: the two reads assignment needs). */
#ifndef FALCONET_STORE_DS_STORE_H
#define FALCONET_STORE_DS_STORE_H

#include "store/store.h"

int store_ds_get(struct store *s, int64_t id, struct arena *a, struct distribution_set *out,
                 struct error *err);
int store_ds_lock(struct store *s, int64_t id, struct error *err);

#endif
