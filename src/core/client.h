#pragma once

/*
 * The client API in one include: what marina and marinactl use to talk to
 * marinad (DESIGN.md decision 8). Start with connection.h (open a
 * connection), then host.h (listings, lookups, define), domain.h (acting on
 * one guest), pool.h / volume.h (storage), job-watcher.h (long operations),
 * migration.h (moving a guest to another host), records.h (typed replies),
 * call-timeouts.h (the timeout policy) and sync-wait.h (running a pair from
 * synchronous code).
 */

#include "call-timeouts.h"
#include "connection.h"
#include "domain.h"
#include "error.h"
#include "host.h"
#include "job-watcher.h"
#include "migration.h"
#include "pool.h"
#include "records.h"
#include "sync-wait.h"
#include "volume.h"
