#pragma once

/* Which definition a change applies to (device and tuning calls): the running guest (live),
 * the persistent definition (config, from the next boot), or both; CURRENT is live when the
 * guest runs, else config. The same values as the D-Bus flags. */
typedef enum {
    MARINA_DOMAIN_AFFECT_CURRENT = 0,
    MARINA_DOMAIN_AFFECT_LIVE = 1 << 0,
    MARINA_DOMAIN_AFFECT_CONFIG = 1 << 1,
    MARINA_DOMAIN_AFFECT_MAXIMUM = 1 << 2, /* SetMemory / SetVcpus only */
} MarinaDomainAffect;
