package org.vswitch4j.core.datapath;

import java.util.Arrays;
import org.vswitch4j.core.key.FlowKey;

/**
 * One installed megaflow: a masked key, the subtable (mask) it lives in, its compiled actions, the tags
 * its translation depended on, and its counters.
 *
 * <p>Why a mutable class and not a record: a poll thread updates its counters on every hit and marks it
 * {@link #dead} when it is removed, so that exact-match cache entries still pointing at it turn into misses
 * without the cache being searched (the cache holds no back pointers; a dead megaflow is simply skipped, and
 * its slot is reused by the next insert).
 *
 * <p>Thread-safety: owned by one poll thread, which writes every field. {@link Datapath#dumpFlows()} reads
 * the counters from another thread under the owner's structure lock; counter reads race benignly with
 * the owner's increments (a dump may lag a packet or two).
 */
final class Megaflow {
    /** The subtable holding it; its mask is this megaflow's mask. */
    final Subtable subtable;
    /**
     * The key of the packet whose upcall created it (unmasked), cut after its last non-zero word ({@link #pack}):
     * the revalidator re-translates this key, and under the subtable's mask it is the megaflow's masked key (no
     * separate masked copy is kept). Cut because a key's tail is zero unless the packet came through a tunnel
     * (tunnel and Geneve words, then metadata and registers, which only the pipeline sets): an IPv4 packet's key
     * is its first 8 words, 80 bytes instead of 304 per upcall, on the path where every allocated line is a cache
     * miss. A bitmap of the non-zero words (the earlier form) saved no more for IPv4 and took twice as long to
     * build (about 47 ns against 24 in a loop over hot keys, 2026-12-03), the largest single cost of building a
     * megaflow.
     */
    private final long[] upcallKey;
    /** Its hash in {@link #subtable}, set by {@link Subtable#insert}. */
    int hash;
    /** The actions as the pipeline gave them (for dumps and for comparing after revalidation). */
    DatapathActions actions;
    /** The actions compiled for execution. Set with {@link #setCompiled}. */
    CompiledActions compiled;
    /** {@code compiled.singleOutput}, kept here so the common hit path reads one object less. */
    int singleOutput;
    /** Tags of the translation ({@link Translation#addTag}), and a 64-bit summary: bit (tag hash & 63). */
    long[] tags;
    long tagBits;
    /** What the pipeline asked to keep with the decision ({@link Translation#setMemo}), handed back at revalidation. */
    Object memo;

    // Written by the owning poll thread.
    long packets;
    long bytes;
    long usedNanos;
    /** {@link #packets} at the last revalidation pass: more packets since means the megaflow was used. */
    long packetsAtRevalidation;
    /** {@link #bytes} at the last revalidation pass (the pipeline gets the difference as its use). */
    long bytesAtRevalidation;
    /**
     * Set when removed from the classifier ({@link #markDead}); exact-match entries pointing here are then misses.
     * Counters: a hit through the raw-header table counts in its slot, folded in here by {@link RawHeaderCache#fold}
     * (housekeeping does it before it reads them; dumps add {@link RawHeaderCache#pending}).
     */
    boolean dead;
    /** The first of this megaflow's slots in {@link #rawCache} (-1: none); the rest are listed there. */
    int rawHead = -1;
    /** The raw-header table holding its slots, if any ever did (its poll thread's). */
    RawHeaderCache rawCache;
    /** Position in the classifier's list of all megaflows (for O(1) removal). */
    int listIndex = -1;

    /** A megaflow for the upcall of {@code upcallKey} (copied, packed: the caller may reuse its key). */
    Megaflow(Subtable subtable, FlowKey upcallKey, DatapathActions actions,
             CompiledActions compiled, long[] tags, long nowNanos) {
        this.subtable = subtable;
        this.upcallKey = pack(upcallKey.w);
        this.actions = actions;
        setCompiled(compiled);
        setTags(tags);
        this.usedNanos = nowNanos;
    }

    /** The key with every bit outside the mask zero, {@link FlowKey#WORDS} words (a new array; dumps, tests). */
    long[] maskedKey() {
        long[] r = new long[FlowKey.WORDS];
        unpack(upcallKey, r);
        long[] m = subtable.mask;
        for (int i = 0; i < r.length; i++) {
            r[i] &= m[i];
        }
        return r;
    }

    /** Writes the key of this megaflow's upcall into {@code into} (every word). */
    void upcallKey(FlowKey into) {
        unpack(upcallKey, into.w);
    }

    /** {@code w} packed: its words up to the last non-zero one (none for an all-zero key). */
    static long[] pack(long[] w) {
        int n = FlowKey.WORDS;
        while (n > 0 && w[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(w, n);
    }

    /** The inverse of {@link #pack}: every word of {@code w}. */
    static void unpack(long[] p, long[] w) {
        System.arraycopy(p, 0, w, 0, p.length);
        Arrays.fill(w, p.length, FlowKey.WORDS, 0L);
    }

    void setCompiled(CompiledActions c) {
        compiled = c;
        singleOutput = c == null ? 0 : c.singleOutput;
        if (rawHead >= 0) {
            rawCache.setOut(this); // its raw-header slots carry the single output
        }
    }

    /**
     * Marks it removed: exact-match entries pointing here become misses, and its raw-header slots are freed at
     * once (a raw-table hit does not read {@link #dead}). The classifier calls it when it removes a megaflow.
     */
    void markDead() {
        dead = true;
        if (rawHead >= 0) {
            rawCache.forget(this);
        }
    }

    void setTags(long[] t) {
        tags = t;
        long bits = 0;
        for (long tag : t) {
            bits |= tagBit(tag);
        }
        tagBits = bits;
    }

    /** Whether any of {@code newTags[0..n)} (whose summary is {@code bits}) is one of this megaflow's tags. */
    boolean hasAnyTag(long[] newTags, int n, long bits) {
        if ((tagBits & bits) == 0) {
            return false;
        }
        for (long mine : tags) {
            for (int i = 0; i < n; i++) {
                if (mine == newTags[i]) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The summary bit of one tag: a one-word Bloom filter that makes most non-matching checks one AND. */
    static long tagBit(long tag) {
        return 1L << ((tag * 0x9E3779B97F4A7C15L) >>> 58);
    }
}
