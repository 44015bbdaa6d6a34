package org.vswitch4j.dpdk.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import org.vswitch4j.dpdk.DpdkException;

/**
 * Finds DPDK 22.11's shared libraries (ABI 23, as Debian 12 ships them). Kept apart from {@link Rte} so that
 * a missing library becomes a {@link DpdkException} with the fix, every time it is asked, instead of a class
 * that failed to initialise.
 */
@SuppressWarnings("restricted")
public final class Libraries {
    /** The libraries the binding calls into; EAL dlopens the PMDs itself. */
    static final String[] NAMES = {"librte_eal.so.23", "librte_mempool.so.23", "librte_mbuf.so.23", "librte_ethdev.so.23"};

    private static SymbolLookup lookup;

    private Libraries() {
    }

    /** The combined lookup over the four libraries; throws {@link DpdkException} naming the fix when one is missing. */
    public static synchronized SymbolLookup lookup() {
        if (lookup == null) {
            lookup = load(NAMES);
        }
        return lookup;
    }

    /** Loads {@code names} into one lookup, or throws {@link DpdkException} naming the first missing one and the fix. */
    public static SymbolLookup load(String... names) {
        SymbolLookup l = null;
        for (String name : names) {
            SymbolLookup one;
            try {
                one = SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new DpdkException("DPDK 22.11 is not installed: " + name + " could not be loaded ("
                        + e.getMessage() + "). Fix: install it (Debian 12: apt-get install dpdk), or put the "
                        + "directory holding librte_*.so.23 on LD_LIBRARY_PATH.", e);
            }
            l = l == null ? one : l.or(one);
        }
        return l;
    }
}
