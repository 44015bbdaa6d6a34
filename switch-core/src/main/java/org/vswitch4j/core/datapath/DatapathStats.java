package org.vswitch4j.core.datapath;

/**
 * Datapath-wide counters, summed over poll threads when read (as {@code ovs-appctl dpif-netdev/pmd-stats-show}
 * and {@code dpctl/show} report them).
 *
 * <p>Thread-safety: immutable. The sums are read without stopping the threads, so they may be a few packets
 * apart from each other.
 *
 * @param emcHits        packets whose flow was found in the exact-match cache (its parsed-key table or, for
 *                       IPv4 TCP/UDP untagged or behind one 802.1Q tag, its raw-header table)
 * @param megaflowHits   packets that missed the exact-match cache and hit a megaflow, and packets of bursts from
 *                       a port whose installed megaflow consults in_port only (no EMC lookup is made for them)
 * @param misses         packets that missed both caches
 * @param upcalls        translations run for misses (a miss whose translation failed still counts)
 * @param lost           upcalls that failed (the pipeline threw, returned null, or returned an action the
 *                       datapath cannot execute); their packets are dropped as {@link DropReason#UPCALL_FAILED}
 * @param invalidations  megaflows removed because a tag they carry was invalidated (or by invalidate-all and
 *                       reconfiguration)
 * @param revalidations  megaflows re-translated by the revalidation pass
 * @param megaflows      megaflows installed now, over all threads
 * @param portErrors     exceptions thrown by ports' receive or transmit, caught and counted
 */
public record DatapathStats(long emcHits, long megaflowHits, long misses, long upcalls, long lost,
                            long invalidations, long revalidations, long megaflows, long portErrors) {

    /** Packets that went through the caches: hits plus misses. */
    public long lookups() {
        return emcHits + megaflowHits + misses;
    }
}
