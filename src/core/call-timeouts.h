#pragma once

/*
 * The one timeout policy of the client API (MarinaHost, MarinaDomain,
 * MarinaPool, MarinaVolume, MarinaJobWatcher). Callers never pass a timeout:
 * each action knows which of these it needs.
 *
 *  - Queries and quick actions (lookups, GetInfo, GetXML, Define, Destroy,
 *    Suspend, Reboot, ...) answer at once unless the daemon is stuck.
 *  - Fetching from the network (InspectInstallTree) waits on a remote mirror.
 *  - Actions that last as long as the guest or the disk needs (Start and
 *    Restore read a saved memory image, Save / ManagedSave write one,
 *    CreateDomain boots, Undefine and volume Delete remove big files): the
 *    daemon reports its own failures, so the client only guards against a
 *    daemon that never answers.
 *  - Operations longer than that run as jobs (volume allocation, clone,
 *    install download) and are watched with MarinaJobWatcher, which has no
 *    timeout: the job reports progress and ends by itself or by Cancel.
 *  - Shutdown that waits for the guest to stop: the wait the caller asked
 *    for plus a margin for the daemon's own answer.
 */

#define MARINA_CALL_TIMEOUT_QUERY_MS (60 * 1000)
#define MARINA_CALL_TIMEOUT_NETWORK_MS (2 * 60 * 1000)
#define MARINA_CALL_TIMEOUT_LONG_MS (60 * 60 * 1000)
#define MARINA_CALL_TIMEOUT_SHUTDOWN_MARGIN_S 30
