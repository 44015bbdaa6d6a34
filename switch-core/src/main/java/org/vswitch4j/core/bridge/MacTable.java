package org.vswitch4j.core.bridge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vswitch4j.core.time.Clock;

/**
 * A bridge's forwarding database: which port each (VLAN, MAC) was last seen on, as Open vSwitch's
 * {@code mac-learning} keeps it.
 *
 * <ul>
 *   <li><b>Learning.</b> The bridge learns the source of every frame it decides for on a real upcall.
 *       Multicast and broadcast sources are never learned. A known MAC seen on another port moves there
 *       (a station move), unless its entry is static.</li>
 *   <li><b>Ageing.</b> A learned entry expires {@link #ageing()} after it was last learned or refreshed
 *       (default {@value #DEFAULT_AGEING_SECONDS} s). As in Open vSwitch the ageing time is clamped to
 *       {@value #MIN_AGEING_SECONDS}..{@value #MAX_AGEING_SECONDS} s: a shorter or longer value is taken as
 *       the nearest bound, silently (Open vSwitch does the same with {@code other_config:mac-aging-time}).
 *       An entry learned at T0 is present at T0 + ageing − 1 ns and gone at T0 + ageing. The bridge refreshes an
 *       entry when the datapath revalidates a megaflow that packets from the station still use, so an active
 *       station whose packets never miss the caches does not age out.</li>
 *   <li><b>Bound.</b> At most {@link #maxEntries()} entries (default {@value #DEFAULT_MAX_ENTRIES}). When the table
 *       is full, learning a new entry evicts the least recently used learned entry of the port holding the most
 *       learned entries (Open vSwitch 3.1's fair eviction), so learning never stops and one port flooding
 *       the table with sources cannot push out the others' stations.</li>
 *   <li><b>Static entries</b> never age, are never evicted and are not moved by learning. They count towards
 *       the bound; adding one to a table full of static entries fails.</li>
 *   <li><b>Invalidation.</b> Every decision that used an entry carries its {@link #tag(int, long) tag};
 *       whenever an entry is added, moved, aged out, evicted or flushed, the table asks the datapath to drop
 *       the megaflows with that tag.</li>
 * </ul>
 *
 * <p>Thread-safety: the table's state is guarded by its monitor. The bridge changes it while it translates
 * (under the datapath's slow-path lock). The public mutators ({@link #addStatic}, {@link #removeStatic},
 * the flushes, {@link #setAgeing}) run through the datapath's {@code reconfigure}, so they are ordered with
 * translations and every packet processed after they return sees the change; they must not be called from
 * inside a pipeline. The readers ({@link #lookup}, {@link #entries}, {@link #format}) only take the monitor and
 * may be called from any thread; they treat an expired entry as absent but do not remove it.
 */
public final class MacTable {
    /** Default bound on the number of entries. */
    public static final int DEFAULT_MAX_ENTRIES = 8192;
    /** Default ageing time, seconds. */
    public static final int DEFAULT_AGEING_SECONDS = 300;
    /** Shortest ageing time, seconds (shorter values are clamped to it). */
    public static final int MIN_AGEING_SECONDS = 15;
    /** Longest ageing time, seconds (longer values are clamped to it). */
    public static final int MAX_AGEING_SECONDS = 3600;

    /** What {@link #learn} did. */
    enum Learned {
        /** The entry was already there, on this port: its age was refreshed. */
        REFRESHED,
        /** A new entry. */
        NEW,
        /** The MAC moved from another port. */
        MOVED,
        /** The MAC has a static entry on another port, which learning does not change. */
        STATIC_ELSEWHERE,
        /** The table is full of static entries; nothing could be evicted. */
        NO_ROOM
    }

    /** What the table needs from its bridge. */
    interface Host {
        /** Drops every cached decision carrying {@code tag}. Called with the slow-path lock held. */
        void invalidate(long tag);

        /** Runs {@code change} under the slow-path lock; returns when every later packet sees it. */
        void reconfigure(Runnable change);

        /** Whether {@code port} is a port of the bridge (for static entries). */
        boolean hasPort(int port);
    }

    /**
     * One entry as {@link #entries()} reports it.
     *
     * @param port       the bridge port (its ofport number)
     * @param vlan       the VLAN, 0..4094
     * @param mac        the MAC address, low 48 bits
     * @param ageSeconds seconds since it was learned or last refreshed (0 for static entries)
     * @param isStatic   whether the entry is static
     */
    public record Entry(int port, int vlan, long mac, long ageSeconds, boolean isStatic) {
        /** The MAC as {@code aa:bb:cc:dd:ee:ff}. */
        public String macString() {
            return Mac.format(mac);
        }
    }

    private static final class Node {
        final long key;
        final int vlan;
        final long mac;
        int port;
        long lastUsed;
        boolean isStatic;
        // Age list (learned entries only, least recently used first).
        Node agePrev;
        Node ageNext;
        // The port's LRU list (learned entries only).
        PortLru lru;
        Node portPrev;
        Node portNext;
        /** Next node in the same {@link NodeMap} bucket. */
        Node hashNext;

        Node(long key, int vlan, long mac) {
            this.key = key;
            this.vlan = vlan;
            this.mac = mac;
        }
    }

    /** A port's learned entries, least recently used first, and how many there are. */
    private static final class PortLru {
        final int port;
        final Node head = new Node(-1, 0, 0);
        int count;

        PortLru(int port) {
            this.port = port;
            head.portNext = head;
            head.portPrev = head;
        }
    }

    // ---- configuration (written under the monitor) ----
    private final int maxEntries;
    private final long salt;
    private final Clock clock;
    private final Host host;
    private long ageingNanos;

    // ---- state (guarded by the monitor) ----
    private final NodeMap map = new NodeMap();
    private final HashMap<Integer, PortLru> ports = new HashMap<>();
    private final Node ageHead = new Node(-1, 0, 0);
    private int staticCount;
    /** When the oldest learned entry expires (Long.MAX_VALUE: none); kept with the age list, read without the lock. */
    private volatile long nextExpiry = Long.MAX_VALUE;

    // ---- counters (written under the monitor) ----
    private long learned;
    private long moved;
    private long aged;
    private long evicted;
    private long flushed;

    MacTable(int maxEntries, Duration ageing, long salt, Clock clock, Host host) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("MAC table size " + maxEntries + " must be at least 1");
        }
        this.maxEntries = maxEntries;
        this.salt = salt;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.host = Objects.requireNonNull(host, "host");
        this.ageingNanos = clampAgeing(ageing).toNanos();
        ageHead.ageNext = ageHead;
        ageHead.agePrev = ageHead;
    }

    /** {@code ageing} clamped to {@value #MIN_AGEING_SECONDS}..{@value #MAX_AGEING_SECONDS} s, as Open vSwitch does. */
    public static Duration clampAgeing(Duration ageing) {
        Objects.requireNonNull(ageing, "ageing");
        if (ageing.compareTo(Duration.ofSeconds(MIN_AGEING_SECONDS)) < 0) {
            return Duration.ofSeconds(MIN_AGEING_SECONDS);
        }
        if (ageing.compareTo(Duration.ofSeconds(MAX_AGEING_SECONDS)) > 0) {
            return Duration.ofSeconds(MAX_AGEING_SECONDS);
        }
        return ageing;
    }

    // ================================ public API ================================

    /** The bound on the number of entries. */
    public int maxEntries() {
        return maxEntries;
    }

    /** The ageing time in effect (after clamping). */
    public synchronized Duration ageing() {
        return Duration.ofNanos(ageingNanos);
    }

    /**
     * Sets the ageing time, clamped to {@value #MIN_AGEING_SECONDS}..{@value #MAX_AGEING_SECONDS} s. Entries older
     * than the new time expire at the next maintenance pass.
     */
    public void setAgeing(Duration ageing) {
        long nanos = clampAgeing(ageing).toNanos();
        host.reconfigure(() -> {
            synchronized (this) {
                ageingNanos = nanos;
                updateNextExpiry();
                expireLocked(clock.nanos());
            }
        });
    }

    /** Number of entries, expired ones that were not yet removed included. */
    public synchronized int size() {
        return map.size();
    }

    /** The port {@code mac} was learned on in {@code vlan}, or 0 when unknown (or expired). */
    public synchronized int lookup(int vlan, long mac) {
        Node n = map.get(key(vlan, mac));
        return n == null || expired(n, clock.nanos()) ? 0 : n.port;
    }

    /** The entry for {@code mac} in {@code vlan}, unless unknown or expired. */
    public synchronized Optional<Entry> entry(int vlan, long mac) {
        Node n = map.get(key(vlan, mac));
        long now = clock.nanos();
        return n == null || expired(n, now) ? Optional.empty() : Optional.of(snapshot(n, now));
    }

    /**
     * Every live entry: static entries first (by VLAN and MAC), then learned entries from the least to the most
     * recently used, as {@code fdb/show} lists them.
     */
    public synchronized List<Entry> entries() {
        long now = clock.nanos();
        List<Entry> out = new ArrayList<>(map.size());
        Arrays.stream(map.toArray()).filter(n -> n.isStatic)
                .sorted((a, b) -> a.vlan != b.vlan ? Integer.compare(a.vlan, b.vlan) : Long.compare(a.mac, b.mac))
                .forEach(n -> out.add(snapshot(n, now)));
        for (Node n = ageHead.ageNext; n != ageHead; n = n.ageNext) {
            if (!expired(n, now)) {
                out.add(snapshot(n, now));
            }
        }
        return out;
    }

    /**
     * The table as {@code ovs-appctl fdb/show} prints it: a header line {@code " port  VLAN  MAC                Age"}
     * and one line per entry, {@code "%5s  %4d  aa:bb:cc:dd:ee:ff  %3d"}; a static entry shows {@code static}
     * in the Age column (Open vSwitch 3.1's format).
     */
    public String format() {
        StringBuilder sb = new StringBuilder(" port  VLAN  MAC                Age\n");
        for (Entry e : entries()) {
            sb.append(String.format("%5d  %4d  %s  ", e.port, e.vlan, e.macString()));
            if (e.isStatic) {
                sb.append("static\n");
            } else {
                sb.append(String.format("%3d%n", e.ageSeconds));
            }
        }
        return sb.toString();
    }

    /**
     * Adds or replaces a static entry: frames to {@code mac} in {@code vlan} go to {@code port}, which must be a port
     * of the bridge. A learned entry for the same (VLAN, MAC) becomes static.
     *
     * @throws IllegalArgumentException for a VLAN outside 0..4094, a multicast MAC, an unknown port
     * @throws IllegalStateException when the table is full of static entries
     */
    public void addStatic(int vlan, long mac, int port) {
        BridgePortConfig.checkVlan(vlan, "static MAC entry");
        Mac.check(mac);
        if (Mac.isGroup(mac)) {
            throw new IllegalArgumentException("MAC " + Mac.format(mac)
                    + " is multicast; static entries take unicast MACs");
        }
        RuntimeException[] failure = new RuntimeException[1];
        host.reconfigure(() -> {
            if (!host.hasPort(port)) {
                failure[0] = new IllegalArgumentException("port " + port + " is not a port of this bridge");
                return;
            }
            synchronized (this) {
                failure[0] = addStaticLocked(vlan, mac, port);
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /** Removes the static entry for {@code mac} in {@code vlan}; returns whether there was one. */
    public boolean removeStatic(int vlan, long mac) {
        boolean[] removed = new boolean[1];
        host.reconfigure(() -> {
            synchronized (this) {
                Node n = map.get(key(vlan, mac));
                if (n != null && n.isStatic) {
                    removeLocked(n);
                    removed[0] = true;
                }
            }
        });
        return removed[0];
    }

    /** Removes every learned entry (static entries stay, as {@code fdb/flush} leaves them). */
    public void flush() {
        host.reconfigure(() -> flushLocked(-1, -1));
    }

    /** Removes every learned entry of {@code vlan}. */
    public void flushVlan(int vlan) {
        BridgePortConfig.checkVlan(vlan, "flush");
        host.reconfigure(() -> flushLocked(vlan, -1));
    }

    /** Removes every learned entry on {@code port}. */
    public void flushPort(int port) {
        host.reconfigure(() -> flushLocked(-1, port));
    }

    /** The decision tag of (VLAN, MAC): a 64-bit hash of both and the bridge. */
    public long tag(int vlan, long mac) {
        return mix(key(vlan, mac) ^ salt);
    }

    /** Entries learned since creation (new entries, not refreshes). */
    public synchronized long learnedCount() {
        return learned;
    }

    /** Station moves since creation. */
    public synchronized long movedCount() {
        return moved;
    }

    /** Entries that aged out since creation. */
    public synchronized long agedCount() {
        return aged;
    }

    /** Entries evicted to make room since creation. */
    public synchronized long evictedCount() {
        return evicted;
    }

    /** Entries removed by flushes (including a port's removal or reconfiguration) since creation. */
    public synchronized long flushedCount() {
        return flushed;
    }

    // ================================ bridge side (slow-path lock held) ================================

    /** Learns that {@code mac} in {@code vlan} is on {@code port} at {@code now}; invalidates on a change. */
    synchronized Learned learn(int vlan, long mac, int port, long now) {
        long k = key(vlan, mac);
        Node n = map.get(k);
        if (n != null && !n.isStatic && expired(n, now)) {
            ageOut(n);
            n = null;
        }
        if (n == null) {
            if (map.size() >= maxEntries && !evictOne()) {
                return Learned.NO_ROOM;
            }
            n = new Node(k, vlan, mac);
            n.port = port;
            n.lastUsed = now;
            map.put(n);
            linkLearned(n);
            learned++;
            host.invalidate(tag(vlan, mac));
            return Learned.NEW;
        }
        if (n.port == port) {
            if (!n.isStatic) {
                n.lastUsed = now;
                unlinkLearned(n);
                linkLearned(n);
            }
            return Learned.REFRESHED;
        }
        if (n.isStatic) {
            return Learned.STATIC_ELSEWHERE;
        }
        unlinkLearned(n);
        n.port = port;
        n.lastUsed = now;
        linkLearned(n);
        moved++;
        host.invalidate(tag(vlan, mac));
        return Learned.MOVED;
    }

    /**
     * Refreshes the age of {@code mac} in {@code vlan} if its learned entry still points at {@code port} (the
     * revalidation of a megaflow that packets from it used). Returns whether the entry points at {@code port}
     * now: a learned one refreshed, or a static one (which has no age to refresh).
     */
    synchronized boolean refresh(int vlan, long mac, int port, long now) {
        Node n = map.get(key(vlan, mac));
        if (n == null || n.port != port) {
            return false;
        }
        if (n.isStatic) {
            return true;
        }
        if (expired(n, now)) {
            ageOut(n);
            return false;
        }
        n.lastUsed = now;
        touch(n);
        return true;
    }

    /** The port of {@code mac} in {@code vlan}, or 0; removes (and invalidates) the entry if it expired. */
    synchronized int find(int vlan, long mac, long now) {
        Node n = map.get(key(vlan, mac));
        if (n == null) {
            return 0;
        }
        if (expired(n, now)) {
            ageOut(n);
            return 0;
        }
        return n.port;
    }

    /** Removes every entry that has expired at {@code now}. */
    synchronized void expireLocked(long now) {
        Node n = ageHead.ageNext;
        while (n != ageHead && expired(n, now)) {
            Node next = n.ageNext;
            ageOut(n);
            n = next;
        }
    }

    /**
     * The instant the next entry expires, or Long.MAX_VALUE when none will. Lock-free (a volatile read), so a
     * poll loop can ask every round.
     */
    long nextExpiry() {
        return nextExpiry;
    }

    private void updateNextExpiry() {
        Node n = ageHead.ageNext;
        nextExpiry = n == ageHead ? Long.MAX_VALUE : n.lastUsed + ageingNanos;
    }

    /** Removes learned entries matching {@code vlan} (-1: any) and {@code port} (-1: any). */
    synchronized void flushLocked(int vlan, int port) {
        Node n = ageHead.ageNext;
        while (n != ageHead) {
            Node next = n.ageNext;
            if ((vlan < 0 || n.vlan == vlan) && (port < 0 || n.port == port)) {
                removeLocked(n);
                flushed++;
            }
            n = next;
        }
    }

    /** Removes every entry on {@code port}, static ones included (the port is going away). */
    synchronized void removePortLocked(int port) {
        flushLocked(-1, port);
        for (Node n : map.toArray()) {
            if (n.port == port) {
                removeLocked(n);
            }
        }
        ports.remove(port);
    }

    // ================================ internals ================================

    private RuntimeException addStaticLocked(int vlan, long mac, int port) {
        long k = key(vlan, mac);
        Node n = map.get(k);
        if (n == null) {
            if (map.size() >= maxEntries && !evictOne()) {
                return new IllegalStateException("MAC table is full of static entries (" + maxEntries + ")");
            }
            n = new Node(k, vlan, mac);
            map.put(n);
        } else if (!n.isStatic) {
            unlinkLearned(n);
        } else if (n.port == port) {
            return null;
        }
        if (!n.isStatic) {
            staticCount++;
        }
        n.isStatic = true;
        n.port = port;
        host.invalidate(tag(vlan, mac));
        return null;
    }

    private boolean expired(Node n, long now) {
        return !n.isStatic && now - n.lastUsed >= ageingNanos;
    }

    private void ageOut(Node n) {
        removeLocked(n);
        aged++;
    }

    private void removeLocked(Node n) {
        map.remove(n);
        if (n.isStatic) {
            staticCount--;
        } else {
            unlinkLearned(n);
        }
        host.invalidate(tag(n.vlan, n.mac));
    }

    /** Evicts the least recently used learned entry of the port with the most; false if there is none. */
    private boolean evictOne() {
        PortLru busiest = null;
        for (PortLru p : ports.values()) {
            if (p.count > 0 && (busiest == null || p.count > busiest.count
                    || (p.count == busiest.count && p.port < busiest.port))) {
                busiest = p;
            }
        }
        if (busiest == null) {
            return false;
        }
        removeLocked(busiest.head.portNext);
        evicted++;
        return true;
    }

    /**
     * Moves learned entry {@code n} to the most recently used end of the age list and of its port's LRU list,
     * in place (its port is unchanged): unlike unlink + link, no port map lookup, nothing boxed.
     */
    private void touch(Node n) {
        n.agePrev.ageNext = n.ageNext;
        n.ageNext.agePrev = n.agePrev;
        n.agePrev = ageHead.agePrev;
        n.ageNext = ageHead;
        ageHead.agePrev.ageNext = n;
        ageHead.agePrev = n;
        Node head = n.lru.head;
        n.portPrev.portNext = n.portNext;
        n.portNext.portPrev = n.portPrev;
        n.portPrev = head.portPrev;
        n.portNext = head;
        head.portPrev.portNext = n;
        head.portPrev = n;
        updateNextExpiry();
    }

    private void linkLearned(Node n) {
        // Age list: most recently used at the tail.
        n.agePrev = ageHead.agePrev;
        n.ageNext = ageHead;
        ageHead.agePrev.ageNext = n;
        ageHead.agePrev = n;
        PortLru p = ports.computeIfAbsent(n.port, PortLru::new);
        n.lru = p;
        n.portPrev = p.head.portPrev;
        n.portNext = p.head;
        p.head.portPrev.portNext = n;
        p.head.portPrev = n;
        p.count++;
        updateNextExpiry();
    }

    private void unlinkLearned(Node n) {
        n.agePrev.ageNext = n.ageNext;
        n.ageNext.agePrev = n.agePrev;
        n.agePrev = null;
        n.ageNext = null;
        PortLru p = n.lru;
        n.portPrev.portNext = n.portNext;
        n.portNext.portPrev = n.portPrev;
        n.portPrev = null;
        n.portNext = null;
        n.lru = null;
        p.count--;
        updateNextExpiry();
    }

    private Entry snapshot(Node n, long now) {
        long age = n.isStatic ? 0 : Math.max(0, (now - n.lastUsed) / 1_000_000_000L);
        return new Entry(n.port, n.vlan, n.mac, age, n.isStatic);
    }

    /**
     * (VLAN, MAC) key → entry, chained through {@link Node#hashNext}: a {@code HashMap<Long, Node>} that does
     * not box the key, because the datapath's revalidation looks up one entry per used megaflow per pass and
     * must allocate nothing. Guarded by the table's monitor.
     */
    private static final class NodeMap {
        private Node[] buckets = new Node[64];
        private int size;

        int size() {
            return size;
        }

        Node get(long key) {
            for (Node n = buckets[index(key, buckets.length)]; n != null; n = n.hashNext) {
                if (n.key == key) {
                    return n;
                }
            }
            return null;
        }

        /** Adds {@code n}, whose key must be absent. */
        void put(Node n) {
            if (size >= buckets.length - (buckets.length >>> 2)) {
                grow();
            }
            int i = index(n.key, buckets.length);
            n.hashNext = buckets[i];
            buckets[i] = n;
            size++;
        }

        void remove(Node n) {
            int i = index(n.key, buckets.length);
            Node prev = null;
            for (Node c = buckets[i]; c != null; prev = c, c = c.hashNext) {
                if (c == n) {
                    if (prev == null) {
                        buckets[i] = c.hashNext;
                    } else {
                        prev.hashNext = c.hashNext;
                    }
                    c.hashNext = null;
                    size--;
                    return;
                }
            }
        }

        Node[] toArray() {
            Node[] out = new Node[size];
            int j = 0;
            for (Node b : buckets) {
                for (Node n = b; n != null; n = n.hashNext) {
                    out[j++] = n;
                }
            }
            return out;
        }

        private void grow() {
            Node[] old = buckets;
            Node[] nb = new Node[old.length * 2];
            for (Node b : old) {
                for (Node n = b; n != null; ) {
                    Node next = n.hashNext;
                    int i = index(n.key, nb.length);
                    n.hashNext = nb[i];
                    nb[i] = n;
                    n = next;
                }
            }
            buckets = nb;
        }

        private static int index(long key, int length) {
            return (int) (mix(key) >>> 32) & (length - 1);
        }
    }

    private static long key(int vlan, long mac) {
        return ((long) vlan << 48) | (mac & Mac.MASK);
    }

    /** SplitMix64's finaliser: spreads every input bit over the tag. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public synchronized String toString() {
        return "MacTable[" + map.size() + "/" + maxEntries + " entries, " + staticCount + " static, ageing "
                + Duration.ofNanos(ageingNanos).toSeconds() + " s]";
    }
}
