package org.vswitch4j.flow;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.vswitch4j.flow.classifier.Classifier;

/**
 * One OpenFlow table of a {@link FlowPipeline}: its entries in a tuple-space {@link Classifier}, and its
 * counters (lookups and matches, as OpenFlow's table statistics report them).
 *
 * <p>How a table names what its decisions depended on (megaflow tags, see {@code Translation.addTag}): a
 * translation that matched entry E at priority P in this table carries the tags "entry E" and "priority P of
 * this table"; one that missed carries "miss of this table". Removing or modifying E invalidates "entry E" only:
 * no other decision read it. Adding an entry at priority P invalidates "priority Q" for every Q below P and
 * "miss": only those decisions could now go to the new entry. (An entry at P itself cannot take packets from
 * another entry at P that overlaps it: OpenFlow leaves the choice among equal-priority overlapping entries
 * undefined, and {@code check_overlap} exists to refuse them.) So a flow mod drops the cached decisions it can
 * change, not the whole cache.
 *
 * <p>Thread-safety: every method runs under the datapath's slow-path lock (the pipeline takes it).
 */
public final class FlowTable {
    private final int id;
    final Classifier<FlowEntry> classifier = new Classifier<>();
    /** Entries per priority, to know which priority tags an add must invalidate. */
    private final TreeMap<Integer, Integer> priorities = new TreeMap<>();
    private int size;
    long lookups;
    long matches;

    FlowTable(int id) {
        this.id = id;
    }

    /** The table number (0..254). */
    public int id() {
        return id;
    }

    /** The number of entries. */
    public int activeCount() {
        return size;
    }

    /** Lookups in this table: packets that reached it (counted as revalidation reports datapath use). */
    public long lookups() {
        return lookups;
    }

    /** Lookups that matched an entry. */
    public long matches() {
        return matches;
    }

    /** The entry a packet with key {@code key} matches at {@code version}, ORing consulted bits into {@code mask}. */
    FlowEntry lookup(org.vswitch4j.core.key.FlowKey key, long version, org.vswitch4j.core.key.FlowMask mask) {
        return classifier.lookup(key, version, mask);
    }

    void insert(FlowEntry e, long version) {
        classifier.insert(e, version);
        priorities.merge(e.priority, 1, Integer::sum);
        size++;
    }

    void remove(FlowEntry e, long version) {
        classifier.remove(e, version);
        e.removed = true;
        priorities.computeIfPresent(e.priority, (k, v) -> v == 1 ? null : v - 1);
        size--;
    }

    /** Entries visible at {@code version}, in no particular order. */
    List<FlowEntry> entries(long version) {
        List<FlowEntry> l = new ArrayList<>(size);
        for (FlowEntry e : classifier.rules(version)) {
            l.add(e);
        }
        return l;
    }

    /** The priorities below {@code p} that entries of this table have now. */
    Iterable<Integer> prioritiesBelow(int p) {
        return priorities.headMap(p, false).keySet();
    }

    // ---- tags ------------------------------------------------------------------------------------------

    static long entryTag(long entryId) {
        return mix(0x1000_0000_0000_0000L ^ entryId);
    }

    static long priorityTag(int table, int priority) {
        return mix(0x2000_0000_0000_0000L ^ ((long) table << 20) ^ priority);
    }

    static long missTag(int table) {
        return mix(0x3000_0000_0000_0000L ^ table);
    }

    static long groupTag(long groupId) {
        return mix(0x4000_0000_0000_0000L ^ groupId);
    }

    static long meterTag(long meterId) {
        return mix(0x5000_0000_0000_0000L ^ meterId);
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }
}
