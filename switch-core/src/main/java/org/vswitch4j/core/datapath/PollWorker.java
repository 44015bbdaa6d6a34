package org.vswitch4j.core.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.vswitch4j.core.key.FlowKey;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.key.FlowParser;
import org.vswitch4j.core.key.ParseStatus;
import org.vswitch4j.core.packet.Offloads;
import org.vswitch4j.core.packet.Packet;
import org.vswitch4j.core.packet.PacketBatch;
import org.vswitch4j.core.port.TunnelHeader;

/**
 * One poll thread's share of the datapath (OVS's PMD): its rx queues, its exact-match cache, its megaflow
 * classifier, its tx batches and its counters, and the run-to-completion loop over them. In synchronous
 * mode the datapath has one worker and the caller's thread runs {@link #runOnce()} through
 * {@link Datapath#poll()}; with poll threads each worker runs {@link #runLoop()} on its own thread. Same code.
 *
 * <h2>One round ({@link #runOnce()})</h2>
 * <ol>
 * <li>Housekeeping when due by the switch clock (idle, outside the busy section): the revalidation pass
 * and the re-ranking of subtables.</li>
 * <li>Enter the busy section ({@link #beginBusy()}): publish (epoch, busy), re-check the epoch; on a new
 * epoch drop every cached flow and pick up the new rx assignment and port table.</li>
 * <li>Apply new entries of the invalidation log.</li>
 * <li>For each assigned (port, rx queue) whose port is administratively up: receive a burst; when the port
 * has an installed megaflow that consults in_port only, give the whole burst its actions ({@link #portOnlyBurst});
 * else for each packet look up the EMC (by raw header bytes for IPv4 TCP/UDP, untagged or behind one 802.1Q tag, and for
 * non-IP frames behind up to two tags, see {@link RawHeaderCache}; else parse first and look up by the flow
 * key), then the classifier, then upcall; execute;
 * then flush the tx batches (one {@link org.vswitch4j.core.port.Port#transmit} per output port per rx burst).</li>
 * <li>Leave the busy section.</li>
 * </ol>
 *
 * <h2>The epoch handshake (why {@link Datapath#reconfigure} can promise "every packet after sees it")</h2>
 * {@link #state} is {@code epoch << 1 | busy}. A worker entering its busy section writes
 * {@code (e, 1)} with a volatile store and then re-reads the datapath epoch; if it moved it publishes again.
 * {@code reconfigure} writes the new epoch {@code E} (volatile) and then reads every worker's state, waiting
 * while it reads {@code busy && epoch < E}. Store-then-load on both sides (Dekker): either the reconfigurer
 * sees the worker busy at the old epoch and waits for that round to end, or the worker's re-read sees
 * {@code E} and flushes before it processes a packet. During an upcall or revalidation the worker publishes
 * itself not busy (it touches no cache while it holds the slow-path lock, and re-enters with the same
 * handshake afterwards, dropping its caches when the epoch moved), so a {@code reconfigure} called from
 * inside {@link Pipeline#translate} — on this or another poll thread — never waits for a thread that is
 * itself waiting for the slow-path lock. A translation during which the epoch moved is executed for its
 * packet but not installed.
 *
 * <h2>Invalidation</h2>
 * The datapath keeps a ring of the last {@value Datapath#LOG_SIZE} invalidated tags and a sequence number.
 * A worker remembers how far it has read; new entries make it scan its megaflows once for all of them (a
 * 64-bit summary of the new tags rejects most megaflows with one AND). A worker that fell more than the
 * ring's size behind, or that sees a new invalidate-all count, drops every megaflow. After an upcall the
 * worker applies the log up to the sequence read under the slow-path lock before it installs the new
 * megaflow, so invalidations made by that very translation (a MAC learned or moved) do not kill it, and later
 * ones do.
 *
 * <h2>Revalidation</h2>
 * Every {@code revalidateInterval} of switch time, and also at the earliest instant a megaflow can reach
 * {@code maxIdle} (so that expiry happens exactly at max-idle, T−1 kept, T gone, whatever the interval),
 * the worker walks its megaflows: one idle for {@code maxIdle} or longer is removed; one that matched
 * packets since the last pass is offered to {@link Pipeline#refresh} (this is how MAC ageing learns a station
 * is still there) and, unless that says the decision stands, re-translated from the key of its upcall with
 * {@link Translation#isRevalidation()} true. New actions replace the old in place; a new mask (or a failed
 * translation) removes the megaflow, and the next packet upcalls. A refreshed megaflow costs no allocation.
 *
 * <h2>Idle strategy ({@link #runLoop()})</h2>
 * After a round that found no packet: up to {@value #SPINS} rounds spin, then rounds with
 * {@link Thread#onSpinWait()} until {@value #IDLE_POLL_NANOS} ns have passed without a packet (so the reply of
 * a request just forwarded, or the next packet of a slow flow, usually finds the thread awake), then each
 * empty round parks; any packet resets it. Before parking the
 * worker asks every port it polls to wake it when one of its queues has frames
 * ({@link org.vswitch4j.core.port.Port#armRxWakeup}): when all of them agree (an epoll-backed port does) it
 * parks until woken or until its next housekeeping is due, so an idle switch costs nothing; otherwise it parks
 * for {@value #PARK_NANOS} ns ({@link LockSupport#parkNanos}), costing a wake-up every 50 µs (on Linux the park
 * is at least ~50-60 µs anyway) and adding that much latency to the first packet after a lull. A
 * reconfiguration unparks every poll thread, so a sleeping one picks up new queues at once.
 *
 * <h2>Counters</h2>
 * Per port, {@value #STRIDE} longs in one array indexed {@code dpPort * STRIDE + counter}, plain fields for the
 * datapath counters: written by this worker only, read racily by {@link Datapath} (a read may lag, never
 * tears on a 64-bit JVM); no atomic is touched per packet. Grown (never shrunk) on a new epoch.
 *
 * <p>Thread-safety: every field is written by the worker's own thread (or the caller of
 * {@link Datapath#poll()}), except {@link #assignment} (written by the reconfiguring thread, read at an epoch
 * change) and {@link #state} (written by the worker, read by the reconfiguring thread). The classifier is
 * read by dumps under its lock.
 */
final class PollWorker {
    // Port counter layout: dpPort * STRIDE + one of these.
    static final int RX_PACKETS = 0;
    static final int RX_BYTES = 1;
    static final int RX_DROPPED = 2;
    static final int RX_ERRORS = 3;
    static final int TX_PACKETS = 4;
    static final int TX_BYTES = 5;
    static final int TX_DROPPED = 6;
    static final int TX_ERRORS = 7;
    static final int MALFORMED = 8;
    static final int DROP_BASE = 9;
    static final int STRIDE = DROP_BASE + DropReason.values().length;

    static final int SPINS = 64;
    /** How long an idle thread keeps polling (with onSpinWait) before it parks. */
    static final long IDLE_POLL_NANOS = 200_000L;
    static final long PARK_NANOS = 50_000L;

    private static final VarHandle STATE;
    private static final VarHandle APPLIED;
    private static final VarHandle APPLIED_ALL;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PollWorker.class, "state", long.class);
            APPLIED = MethodHandles.lookup().findVarHandle(PollWorker.class, "appliedSeq", long.class);
            APPLIED_ALL = MethodHandles.lookup().findVarHandle(PollWorker.class, "appliedAllSeq", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final DropReason[] REASONS = DropReason.values();

    final Datapath dp;
    final int index;
    final ExactMatchCache emc;
    /** The EMC's table for the common shapes (IPv4 TCP/UDP, non-IP L2), keyed by raw header bytes. */
    final RawHeaderCache raw;
    final MegaflowClassifier classifier = new MegaflowClassifier();

    // ---- written by the owner thread --------------------------------------------------------------
    private final FlowKey key = new FlowKey();
    /** A megaflow's upcall key, unpacked for its revalidation. */
    private final FlowKey revalKey = new FlowKey();
    private final FlowMask mask = new FlowMask();
    private final UpcallContext context = new UpcallContext();
    /**
     * Megaflows removed (invalidated, flushed) with uses since their last revalidation, to credit to the pipeline at
     * the start of the next round: under the slow-path lock, which a busy worker must not take. Without this, a flow
     * mod that invalidated a busy megaflow lost up to a revalidation interval of its packets from the flow counters;
     * Open vSwitch's revalidator likewise pushes a deleted datapath flow's stats.
     */
    private final java.util.ArrayList<Megaflow> unaccounted = new java.util.ArrayList<>();
    private final PacketBatch rx;
    /** Scratch batch of softwareOffload: frames on their way to a port that takes no offload state. */
    private final PacketBatch soft;
    private final int burst;
    private final int maxMegaflows;
    private final long maxIdleNanos;
    private final long revalidateNanos;
    private final long[] scratchTags = new long[Datapath.LOG_SIZE];
    private final int emcInsertThreshold;
    private final boolean emcInsertNever;
    private int random = 0x9E3779B9; // xorshift32 state for the EMC insertion draw

    private PacketBatch[] tx = new PacketBatch[0];
    private boolean[] txDirty = new boolean[0];
    private int[] dirtyPorts = new int[0];
    private int nDirty;
    private Datapath.PortSlot[] slots = new Datapath.PortSlot[0];
    private int[] rxPorts = new int[0];
    private int[] rxQueues = new int[0];

    /** Port counters, see the class comment. Replaced (grown) by the owner; read racily by the datapath. */
    long[] portCounters = new long[0];
    // Datapath counters; read racily by Datapath.stats().
    long emcHits;
    long megaflowHits;
    long misses;
    long upcalls;
    long lost;
    long invalidations;
    long revalidations;
    long portErrors;

    private long cacheEpoch = -1;
    private long tagSeqSeen;
    private long allSeqSeen;
    private long now;
    private long nextHousekeeping;
    private long lastRevalidation;
    /** System.nanoTime() when the current idle spell entered its polling phase (runLoop only). */
    private long idleSince;

    // ---- shared --------------------------------------------------------------------------------------
    /** epoch << 1 | busy; see the class comment. Written by the owner, read by reconfiguring threads. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;
    /** The invalidation log position and flush count this worker has applied; see awaitInvalidations. */
    private volatile long appliedSeq;
    private volatile long appliedAllSeq;
    private long appliedShadow = -1;
    private long appliedAllShadow = -1;
    /** The rx (port, queue) pairs this worker polls: [ports, queues]. Written under the slow-path lock. */
    volatile int[][] assignment = {new int[0], new int[0]};
    /**
     * The thread running this worker's rounds: its poll thread, or in synchronous mode the caller of
     * {@link Datapath#poll()} while that runs (else null). A reconfigure from this thread does not wait for it.
     * Plain on purpose (two volatile stores per synchronous round would cost two fences): the only reader
     * that acts on it compares it with its own thread, and a thread always sees its own last write, while a
     * stale value read by another thread is never that other thread. Poll threads set it before
     * {@link Thread#start()}.
     */
    Thread thread;
    /** What a port runs to end this worker's idle park (see {@link #armWakeups()}); made once. */
    private final Runnable wakeup = () -> LockSupport.unpark(thread);

    PollWorker(Datapath dp, int index, int emcEntries, int emcInsertInvProb, int burst, int maxMegaflows,
               long maxIdleNanos, long revalidateNanos) {
        this.dp = dp;
        this.index = index;
        this.emc = new ExactMatchCache(emcEntries);
        this.raw = new RawHeaderCache(emcEntries);
        // Insert when a uniform 32-bit draw is <= this threshold (unsigned): probability 1/emcInsertInvProb.
        this.emcInsertThreshold = emcInsertInvProb == 0 ? -1 : (int) (0xFFFF_FFFFL / emcInsertInvProb);
        this.emcInsertNever = emcInsertInvProb == 0;
        this.burst = burst;
        this.rx = new PacketBatch(burst);
        this.soft = new PacketBatch(burst);
        this.maxMegaflows = maxMegaflows;
        this.maxIdleNanos = maxIdleNanos;
        this.revalidateNanos = revalidateNanos;
        long t = dp.clock().nanos();
        this.lastRevalidation = t;
        this.nextHousekeeping = t + revalidateNanos;
        this.tagSeqSeen = dp.tagSeq();
        this.allSeqSeen = dp.allSeq();
    }

    // ---- the loop ----------------------------------------------------------------------------------

    /** The poll thread's body: rounds until the datapath stops, idling as the class comment says. */
    void runLoop() {
        int idle = 0;
        while (dp.running()) {
            int n;
            try {
                n = runOnce();
            } catch (RuntimeException e) {
                portErrors++; // a bug or a misbehaving pipeline/port: counted, the loop lives
                n = 0;
            }
            if (n > 0) {
                idle = 0;
            } else if (++idle > SPINS) {
                long t = System.nanoTime(); // read only when idle: the busy loop pays nothing for it
                if (idle == SPINS + 1) {
                    idleSince = t;
                }
                if (t - idleSince < IDLE_POLL_NANOS) {
                    Thread.onSpinWait();
                } else {
                    idle = SPINS + 2; // stays in the parking phase, no overflow
                    if (armWakeups()) {
                        long untilHousekeeping = nextHousekeeping - dp.clock().nanos();
                        LockSupport.parkNanos(Math.max(PARK_NANOS, Math.min(untilHousekeeping, revalidateNanos)));
                    } else {
                        LockSupport.parkNanos(PARK_NANOS);
                    }
                }
            }
        }
    }

    /**
     * Asks every port this worker polls to wake it when a queue has frames; true when all agreed. A port whose
     * call throws counts as refusing (the worker then keeps its short park).
     */
    private boolean armWakeups() {
        int[] ports = rxPorts;
        int[] queues = rxQueues;
        boolean all = true;
        for (int i = 0; i < ports.length && all; i++) {
            Datapath.PortSlot s = slots[ports[i]];
            if (s != null && s.adminUp) {
                try {
                    all = s.port.armRxWakeup(queues[i], wakeup);
                } catch (RuntimeException e) {
                    portErrors++;
                    all = false;
                }
            }
        }
        return all;
    }

    /** The switch time read at the start of the last round (racy when read by another thread). */
    long now() {
        return now;
    }

    /** One round over this worker's rx queues; returns the number of packets received. */
    int runOnce() {
        long t = dp.clock().nanos();
        now = t;
        if (t - nextHousekeeping >= 0) {
            housekeeping(t);
        }
        if (!unaccounted.isEmpty()) {
            creditRemoved(t);
        }
        beginBusy();
        int total = 0;
        try {
            applyInvalidations(dp.tagSeq(), dp.allSeq());
            int[] ports = rxPorts;
            int[] queues = rxQueues;
            for (int i = 0; i < ports.length; i++) {
                Datapath.PortSlot s = slots[ports[i]];
                if (s == null || !s.adminUp) {
                    continue;
                }
                int n;
                try {
                    s.port.receive(queues[i], rx);
                    n = rx.size();
                } catch (RuntimeException e) {
                    portErrors++;
                    portCounters[s.dpPort * STRIDE + RX_ERRORS]++;
                    rx.releaseAll();
                    continue;
                }
                if (n > 0) {
                    total += n;
                    if (dp.epoch() != cacheEpoch) {
                        beginBusy(); // reconfigured from inside this round (a port callback): apply it now
                    }
                    if (!portOnlyBurst(s, n)) {
                        processRx(s, n);
                    }
                    flushTx();
                }
            }
        } finally {
            endBusy();
        }
        return total;
    }

    // ---- epoch handshake ---------------------------------------------------------------------------

    /** Publishes (epoch, busy) and re-checks; on a new epoch drops the caches and reloads the config. */
    private void beginBusy() {
        long e = dp.epoch();
        while (true) {
            STATE.setVolatile(this, e << 1 | 1L); // Dekker store; pairs with reconfigure's epoch store + state load
            long again = dp.epoch();
            if (again == e) {
                break;
            }
            e = again;
        }
        if (e != cacheEpoch) {
            onNewEpoch(e);
        }
    }

    /** Publishes "not busy": a reconfigurer need not wait for this worker. */
    private void endBusy() {
        STATE.setRelease(this, cacheEpoch << 1);
    }

    /**
     * Whether a thread that made invalidations up to log position {@code seq} and flush count {@code all} may
     * stop waiting for this worker: it is idle (its next round applies them before any packet) or has applied
     * them. Pairs with beginBusy's Dekker store: a waiter that sees the worker idle has made its writes visible
     * to the worker's next read of the log.
     */
    boolean applied(long seq, long all) {
        long s = (long) STATE.getVolatile(this);
        return (s & 1L) == 0 || (long) APPLIED.getAcquire(this) - seq >= 0 && (long) APPLIED_ALL.getAcquire(this) - all >= 0;
    }

    /** Whether a reconfigurer that bumped the epoch to {@code e} may stop waiting for this worker. */
    boolean passed(long e) {
        long s = (long) STATE.getVolatile(this);
        return (s & 1L) == 0 || (s >>> 1) >= e;
    }

    private void onNewEpoch(long e) {
        if (cacheEpoch >= 0) {
            flushAll();
        }
        cacheEpoch = e;
        slots = dp.slots();
        int[][] a = assignment;
        rxPorts = a[0];
        rxQueues = a[1];
        int cap = slots.length;
        if (tx.length < cap) {
            PacketBatch[] ntx = Arrays.copyOf(tx, cap);
            for (int i = tx.length; i < cap; i++) {
                ntx[i] = new PacketBatch(burst);
            }
            tx = ntx;
            txDirty = Arrays.copyOf(txDirty, cap);
            dirtyPorts = Arrays.copyOf(dirtyPorts, cap);
        }
        if (portCounters.length < cap * STRIDE) {
            portCounters = Arrays.copyOf(portCounters, cap * STRIDE);
        }
    }

    private void flushAll() {
        MegaflowClassifier cls = classifier;
        raw.fold(); // the raw-header table's pending hits belong to the megaflows' uses
        for (int i = 0, n = cls.size(); i < n; i++) {
            noteRemoved(cls.get(i));
        }
        invalidations += cls.clear();
        emc.clear();
        raw.clear();
    }

    // ---- per packet --------------------------------------------------------------------------------

    /**
     * Parses, classifies and executes the {@code n} packets of the rx batch, received on {@code s}.
     *
     * <p>Deferred output: a burst usually goes to one port (one flow, or several flows to one peer). As long as
     * every packet so far has the same single-output action and none was dropped, the views are left in the
     * rx batch instead of being moved one by one to the tx batch; a burst that ends that way is handed to the
     * port as it is. The first packet that breaks the run moves the deferred ones to the tx batch before
     * anything is done with it, so every port still sees packets in arrival order.
     */
    private void processRx(Datapath.PortSlot s, int n) {
        int dpPort = s.dpPort;
        int base = dpPort * STRIDE;
        int mtuLimit = s.port.mtu() + 14;
        long[] kw = key.w;
        kw[FlowKey.W_IN_PORT] = dpPort;
        // A tunnel port's frames carry tunnel metadata into the key; every other port's key has none. Their keys
        // must not enter the raw-header table, whose key is the packet's bytes and in_port only.
        boolean tunnel = s.tunnel;
        if (!tunnel) {
            java.util.Arrays.fill(kw, FlowKey.W_TUN_ID, FlowKey.TUNNEL_END, 0L);
        }
        // Whether key words 19..26 (IPv6 outer addresses, Geneve options) may hold an earlier packet's values.
        boolean tunnelExt = tunnel;
        PacketBatch b = rx;
        long rxBytes = 0;
        // Deferred output (see processRx's comment): while every packet so far goes to the one port `lazyOut`,
        // the views stay where they are; `deferred` counts them. 0 = none yet, -1 = given up for this burst.
        int lazyOut = 0;
        int deferred = 0;
        int rawHits = 0; // added to emcHits once per burst: a field increment per packet is a load and a store
        boolean pushed = false; // a tnl_push changed lengths: the pass-through shortcut's byte count no longer holds
        for (int i = 0; i < n; i++) {
            Packet p = b.get(i);
            p.inPort(dpPort);
            int len = p.length();
            rxBytes += len;
            // The common shapes (IPv4 TCP/UDP, non-IP L2) are looked up by their raw bytes first: a hit needs no parse.
            // Such keys live only in the raw table, every other key only in the EMC's parsed-key table.
            if (tunnel) {
                kw[FlowKey.W_TUN_ID] = p.tunnelId();
                kw[FlowKey.W_TUN_IP] = p.tunnelIps();
                long tf = p.tunnelFlags();
                kw[FlowKey.W_TUN_FLAGS] = tf;
                if (tf != 0 || tunnelExt) { // the common IPv4 tunnel without options stores nothing more
                    p.tunnelWords(kw);
                    tunnelExt = tf != 0;
                }
            }
            // A hit set p's L3/L4 offsets. With insertion off both exact-match caches stay empty: not probed (as OVS).
            int slot = len <= mtuLimit && !tunnel && !emcInsertNever ? raw.find(p, len, dpPort) : -1;
            Megaflow f;
            int out;
            if (slot >= 0) {
                // Counted in the slot, which also carries the single output: a hit to one port reads no megaflow.
                rawHits++;
                out = raw.hit(slot, len, now);
                f = null;
                if (out == 0) {
                    f = raw.flows[slot];
                    out = f.singleOutput;
                }
            } else {
                boolean rawKey = len <= mtuLimit && raw.loaded && !tunnel && !emcInsertNever;
                ParseStatus st = FlowParser.parse(p, key);
                if (st != ParseStatus.OK) {
                    long[] c = portCounters;
                    c[base + RX_ERRORS]++;
                    if (st == ParseStatus.RUNT) {
                        drop(p, DropReason.RUNT);
                        continue;
                    }
                    c[base + MALFORMED]++;
                }
                if (len > mtuLimit && (p.gsoType() == Packet.GSO_NONE ? len : Offloads.wireLength(p))
                        > mtuLimit + 4 * tags(kw[FlowKey.W_VLAN])) { // a GSO frame is judged by its segments
                    portCounters[base + RX_ERRORS]++;
                    drop(p, DropReason.OVER_MTU);
                    continue;
                }
                int h = rawKey || emcInsertNever ? 0 : ExactMatchCache.hash(kw);
                if (!rawKey && !emcInsertNever && (f = emc.lookup(kw, h)) != null) {
                    emcHits++;
                } else if ((f = classifier.lookup(kw)) != null) {
                    megaflowHits++;
                    cacheExact(f, rawKey, kw, h, false);
                } else {
                    misses++;
                    f = upcall(p, s, h, rawKey);
                    if (f == null) {
                        continue; // dropped and counted
                    }
                }
                f.packets++;
                f.bytes += len;
                f.usedNanos = now;
                out = f.singleOutput;
            }
            if (out == 0) {
                CompiledActions ca = f.compiled;
                TunnelHeader th = ca.singlePush;
                if (th != null) {
                    if (p.hasOffload()) {
                        // Finished in software before the outer header goes on; deferred frames go first.
                        if (lazyOut >= 0) {
                            moveDeferred(lazyOut, deferred);
                            lazyOut = -1;
                        }
                        segmentOut(ca.singlePushPort, p, th);
                        p.release();
                        continue;
                    }
                    if (!th.push(p)) {
                        dropTx(p, ca.singlePushPort, DropReason.TUNNEL_PUSH);
                        continue;
                    }
                    out = ca.singlePushPort;
                    pushed = true;
                }
            }
            if (lazyOut >= 0) {
                if (out != 0 && deferred == i && (lazyOut == 0 || lazyOut == out)) {
                    lazyOut = out;
                    deferred = i + 1;
                    continue;
                }
                // Something else happens to this packet (or one before it was dropped): the deferred ones go
                // first, so that no port sees them after a later packet.
                moveDeferred(lazyOut, deferred);
                lazyOut = -1;
            }
            if (out != 0) {
                enqueue(out, i);
            } else {
                executeList(f.compiled, p, i);
            }
        }
        if (lazyOut > 0) {
            if (deferred == n) {
                // The whole burst to one port: transmit the rx batch itself (lengths as received unless pushed).
                flushPort(lazyOut, b, pushed || s.offloads ? -1 : mtuLimit, rxBytes);
            } else {
                moveDeferred(lazyOut, deferred); // the rest were dropped
            }
        }
        b.size(0); // every view was transmitted, moved to a tx batch or released
        emcHits += rawHits;
        long[] c = portCounters; // re-read: an upcall may have grown it
        c[base + RX_PACKETS] += n;
        c[base + RX_BYTES] += rxBytes;
    }

    // ---- in_port-only bursts -----------------------------------------------------------------------

    /**
     * Per in_port, the installed megaflow whose mask consults nothing but in_port (see {@link #portOnlyBurst}),
     * or null. Written by the owner only. An entry is never cleared by the code that removes megaflows: it is
     * checked for {@link Megaflow#dead} at every burst, and every removal (invalidation, revalidation with a new
     * mask, expiry, flush on a new epoch) marks the megaflow dead before the next packet, so no stale decision can
     * survive it.
     */
    private Megaflow[] portOnly = new Megaflow[0];
    /** Whether {@link #portOnlyBurst} may be taken (tests compare both paths; {@value #PORT_ONLY_PROPERTY}). */
    boolean portOnlyBursts = !"false".equals(System.getProperty(PORT_ONLY_PROPERTY));
    static final String PORT_ONLY_PROPERTY = "vs4j.datapath.portOnlyBursts";

    /** Records {@code f}, just installed for an upcall from {@code s}, when it consults in_port only. */
    private void notePortOnly(Megaflow f, Datapath.PortSlot s) {
        if (s.tunnel || s.offloads || !f.subtable.inPortOnly) {
            return;
        }
        int dpPort = s.dpPort;
        if (dpPort >= portOnly.length) {
            portOnly = Arrays.copyOf(portOnly, Math.max(dpPort + 1, slots.length));
        }
        portOnly[dpPort] = f;
    }

    /** Whether every word of {@code mask} but in_port's is zero: the decision depends on nothing in the frame. */
    static boolean inPortOnly(long[] mask) {
        for (int i = 0; i < mask.length; i++) {
            if (i != FlowKey.W_IN_PORT && mask[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the compiled actions only output and drop: no action reads or writes a parsed header. */
    static boolean headerFree(CompiledActions ca) {
        for (int op : ca.op) {
            if (op != CompiledActions.OP_OUTPUT && op != CompiledActions.OP_DROP) {
                return false;
            }
        }
        return true;
    }

    /**
     * The burst of {@code n} packets from {@code s} when an installed megaflow of that in_port consults in_port
     * only and its actions need no parsed header (OVS's "simple match" idea taken one step further): every packet
     * of the burst is that megaflow's, whatever its bytes, so none is parsed, hashed or looked up, and the
     * megaflow's counters are credited once. Returns false (nothing done) when there is no such megaflow.
     *
     * <p>What the normal path would do to a packet besides the lookup is kept, exactly: runts (shorter than an
     * Ethernet header) are dropped, malformed frames counted, over-MTU frames (allowing 4 bytes per VLAN tag)
     * dropped, and such frames only are parsed to tell. Which frames those can be is decided from the EtherType
     * alone: the parser reports MALFORMED only below a VLAN tag, IPv4, IPv6 or ARP; any other EtherType (or an
     * 802.3 length) parses OK. Tunnel ports never get here (their key carries per-packet tunnel metadata), nor
     * ports that hand over offload state (a GSO frame is judged by its segments and may need segmenting on
     * output: the normal path does both).
     */
    private boolean portOnlyBurst(Datapath.PortSlot s, int n) {
        int dpPort = s.dpPort;
        Megaflow[] a = portOnly;
        if (dpPort >= a.length) {
            return false;
        }
        Megaflow f = a[dpPort];
        if (f == null) {
            return false;
        }
        if (f.dead || !portOnlyBursts || s.tunnel || s.offloads) {
            a[dpPort] = null; // removed (its decision may be stale): the normal path from now on
            return false;
        }
        CompiledActions ca = f.compiled; // the revalidator may have replaced the actions in place: check them now
        if (!headerFree(ca)) {
            return false;
        }
        int base = dpPort * STRIDE;
        int mtuLimit = s.port.mtu() + 14;
        int out = f.singleOutput;
        PacketBatch b = rx;
        long rxBytes = 0;
        long hitBytes = 0;
        int hits = 0;
        boolean lazy = out != 0; // every packet so far goes to `out` unchanged: hand the rx batch itself over
        for (int i = 0; i < n; i++) {
            Packet p = b.get(i);
            p.inPort(dpPort);
            int len = p.length();
            rxBytes += len;
            if (len < 14 || len > mtuLimit || mayBeMalformed(p.u16(12))) {
                int reason = checkOdd(p, len, mtuLimit, base);
                if (reason >= 0) {
                    if (lazy) {
                        moveDeferred(out, i); // they go first: no port sees a packet before an earlier one
                        lazy = false;
                    }
                    drop(p, REASONS[reason]);
                    continue;
                }
            }
            hits++;
            hitBytes += len;
            if (lazy) {
                continue;
            }
            if (out != 0) {
                enqueue(out, i);
            } else {
                executeList(ca, p, i);
            }
        }
        if (lazy) {
            flushPort(out, b, mtuLimit, rxBytes); // the whole burst, unchanged, every frame within the rx limit
        }
        b.size(0);
        if (hits > 0) {
            f.packets += hits;
            f.bytes += hitBytes;
            f.usedNanos = now;
            megaflowHits += hits;
        }
        long[] c = portCounters;
        c[base + RX_PACKETS] += n;
        c[base + RX_BYTES] += rxBytes;
        return true;
    }

    /** Whether a frame of this EtherType (at offset 12) can parse as anything but OK: tags, IPv4, IPv6, ARP. */
    private static boolean mayBeMalformed(int type) {
        return type == 0x8100 || type == 0x88A8 || type == 0x0800 || type == 0x86DD || type == 0x0806;
    }

    /**
     * The normal path's checks for a frame that may be a runt, malformed or over the MTU: parses it, counts a
     * malformed one, and returns the ordinal of the reason to drop it for, or -1 to forward it.
     */
    private int checkOdd(Packet p, int len, int mtuLimit, int base) {
        ParseStatus st = FlowParser.parse(p, key);
        long[] c = portCounters;
        if (st != ParseStatus.OK) {
            c[base + RX_ERRORS]++;
            if (st == ParseStatus.RUNT) {
                return DropReason.RUNT.ordinal();
            }
            c[base + MALFORMED]++;
        }
        if (len > mtuLimit && len > mtuLimit + 4 * tags(key.w[FlowKey.W_VLAN])) {
            c[base + RX_ERRORS]++;
            return DropReason.OVER_MTU.ordinal();
        }
        return -1;
    }

    /**
     * Puts the key of the packet just served by {@code f} (an {@code upcall}'s or a megaflow hit's) into the
     * exact-match caches: the raw-header table's loaded key when {@code rawKey}, else {@code kw} (hash {@code h})
     * into the EMC. Each insert happens on a draw of probability 1/emc-insert-inv-prob (as in OVS, upcalls
     * included), except that a megaflow hit whose raw slot is free takes it at once. Why: where most packets are
     * new flows, inserting for each would cost the upcall a row write, and when the table is full a cuckoo walk
     * and a row fold (12 % of an upcall's samples), for a flow that may not come back; a flow that does come back
     * enters at its second packet while there is room, and a free slot costs no other flow its entry.
     */
    private void cacheExact(Megaflow f, boolean rawKey, long[] kw, int h, boolean upcall) {
        if (rawKey) {
            if ((upcall || !raw.insertIfFree(f)) && insertIntoEmc()) {
                raw.insert(f);
            }
        } else if (insertIntoEmc()) {
            emc.insert(kw, h, f);
        }
    }

    /** Whether this insertion should happen: a draw of probability 1/emc-insert-inv-prob. */
    private boolean insertIntoEmc() {
        int x = random;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        random = x;
        return !emcInsertNever && Integer.compareUnsigned(x, emcInsertThreshold) <= 0;
    }

    private static int tags(long vlanWord) {
        return (vlanWord >>> 48 != 0 ? 1 : 0) + ((vlanWord & 0xffff0000L) != 0 ? 1 : 0);
    }

    // ---- actions -----------------------------------------------------------------------------------

    /**
     * Executes an action list on {@code p}, which is view {@code idx} of the rx batch; or, with {@code idx} -1, a
     * packet whose fate no longer counts (the copy a check_pkt_len branch runs on, or the packet itself once copies
     * of it went out): then every output copies, and the packet is released at the end without a drop to count.
     */
    private void executeList(CompiledActions a, Packet p, int idx) {
        int[] op = a.op;
        boolean copy = idx < 0;
        int last = copy ? -1 : a.lastOutput;
        boolean sent = false;
        long cut = Long.MAX_VALUE; // a trunc's length, for the next output only
        for (int k = 0; k < op.length; k++) {
            switch (op[k]) {
                case CompiledActions.OP_OUTPUT -> {
                    if (k == last) {
                        if (cut < p.length()) {
                            p.length((int) cut); // moved, nothing after it: the packet itself is cut
                        }
                        enqueue(a.arg[k], idx);
                        return;
                    }
                    copyOut(a.arg[k], p, cut);
                    cut = Long.MAX_VALUE;
                    sent = true;
                }
                case CompiledActions.OP_TRUNC -> cut = a.val[k];
                case CompiledActions.OP_PUSH_VLAN -> {
                    if (!PacketEdits.pushVlan(p, a.arg[k], (int) a.val[k])) {
                        if (copy) {
                            countDrop(p.inPort(), DropReason.NO_BUFFER);
                            p.release();
                        } else {
                            drop(p, DropReason.NO_BUFFER);
                        }
                        return;
                    }
                }
                case CompiledActions.OP_POP_VLAN -> PacketEdits.popVlan(p);
                case CompiledActions.OP_SET -> {
                    if (p.hasOffload()) {
                        setFieldWithOffload(p, a.arg[k], a.val[k]);
                    } else {
                        PacketEdits.setField(p, a.arg[k], a.val[k]);
                    }
                }
                case CompiledActions.OP_DROP -> {
                    if (copy) {
                        p.release();
                    } else {
                        drop(p, a.dropReasons[k]);
                    }
                    return;
                }
                case CompiledActions.OP_METER -> {
                    int verdict = ((PacketMeter) a.obj[k]).admit(now, p.length());
                    if (verdict == PacketMeter.DROP) {
                        if (sent || copy) {
                            p.release(); // copies already went out: the meter stops the rest, drops nothing
                        } else {
                            drop(p, DropReason.METER);
                        }
                        return;
                    }
                    if (verdict > 0) {
                        PacketEdits.raiseDropPrecedence(p, verdict);
                    }
                }
                case CompiledActions.OP_USERSPACE -> ((PacketSink) a.obj[k]).accept(p, a.val[k]);
                case CompiledActions.OP_TUNNEL_PUSH -> {
                    TunnelHeader h = (TunnelHeader) a.obj[k];
                    if (p.hasOffload()) {
                        segmentOut(a.arg[k], p, h); // finished in software before the outer header goes on
                        if (k == last) {
                            p.release();
                            return;
                        }
                    } else if (k == last) {
                        if (cut < p.length()) {
                            p.length((int) cut); // as Open vSwitch: the inner packet is cut, then encapsulated
                        }
                        if (!h.push(p)) {
                            dropTx(p, a.arg[k], DropReason.TUNNEL_PUSH);
                        } else {
                            enqueue(a.arg[k], idx);
                        }
                        return;
                    } else {
                        tunnelCopyOut(a.arg[k], p, h, cut);
                    }
                    cut = Long.MAX_VALUE;
                    sent = true;
                }
                case CompiledActions.OP_CHECK_LEN -> {
                    CompiledActions branch = ((CompiledActions[]) a.obj[k])[p.length() > a.arg[k] ? 0 : 1];
                    if (k == last) {
                        // The branch decides the packet's fate; after earlier copies went out, a branch that
                        // outputs nothing drops nothing either (run as on a copy: -1).
                        executeList(branch, p, sent ? -1 : idx);
                        return;
                    }
                    Packet c = branchCopy();
                    // as copyOut: a 64 KB GSO frame fits no datapath buffer, its own memory has buffers that size
                    if (p.copyTo(p.gsoType() != Packet.GSO_NONE ? p.memory() : dp.memory(), c)) {
                        executeList(branch, c, -1);
                    } else {
                        countDrop(p.inPort(), DropReason.NO_BUFFER); // the branch's copy; the packet goes on
                    }
                    branchDepth--;
                    sent = true;
                }
                default -> throw new IllegalStateException("unknown op " + op[k]);
            }
        }
        if (sent || copy) {
            p.release(); // copies went out (a packet-in or meter followed the last output): no drop to count
        } else {
            drop(p, DropReason.PIPELINE);
        }
    }

    /** Moves the deferred views 0..count-1 of the rx batch, all bound for {@code port}, to its tx batch. */
    private void moveDeferred(int port, int count) {
        for (int j = 0; j < count; j++) {
            enqueue(port, j);
        }
    }

    /** Moves view {@code idx} of the rx batch into the tx batch of {@code port} (views exchanged, no copy). */
    private void enqueue(int port, int idx) {
        PacketBatch b = txBatch(port);
        if (b == null) {
            dropTx(rx.get(idx), port, DropReason.PORT_DOWN);
            return;
        }
        b.takeFrom(rx, idx);
    }

    /** {@link #copyOut(int, Packet)}, the copy cut to {@code cut} bytes when it is longer (a trunc before it). */
    private void copyOut(int port, Packet p, long cut) {
        if (cut >= p.length()) {
            copyOut(port, p);
            return;
        }
        PacketBatch b = txBatch(port);
        int before = b == null ? 0 : b.size();
        copyOut(port, p);
        for (int j = before; b != null && j < b.size(); j++) { // one copy; the segments of a GSO frame each
            Packet v = b.get(j);
            if (cut < v.length()) {
                v.length((int) cut);
            }
        }
    }

    /** Copies {@code p} into a fresh buffer in the tx batch of {@code port} (an output that is not the last). */
    private void copyOut(int port, Packet p) {
        boolean gso = p.gsoType() != Packet.GSO_NONE;
        if (gso && !(port < slots.length && slots[port] != null && slots[port].offloads)) {
            segmentOut(port, p, null);
            return;
        }
        PacketBatch b = txBatch(port);
        if (b == null) {
            countTxDrop(p.inPort(), port, DropReason.PORT_DOWN);
            return;
        }
        Packet v = b.add();
        // A 64 KB GSO frame fits no datapath buffer; its own memory (the receiving TAP's) has buffers that size.
        if (!p.copyTo(gso ? p.memory() : dp.memory(), v)) {
            b.size(b.size() - 1);
            long[] c = portCounters;
            int base = p.inPort() * STRIDE;
            c[base + RX_DROPPED]++;
            c[base + DROP_BASE + DropReason.NO_BUFFER.ordinal()]++;
        }
    }

    /**
     * Copies {@code p} into the tx batch of tunnel port {@code port}, cuts the copy to {@code cut} bytes when it is
     * longer, and pushes {@code h} onto it.
     */
    private void tunnelCopyOut(int port, Packet p, TunnelHeader h, long cut) {
        PacketBatch b = txBatch(port);
        if (b == null) {
            countTxDrop(p.inPort(), port, DropReason.PORT_DOWN);
            return;
        }
        int before = b.size();
        copyOut(port, p, cut);
        if (b.size() > before) {
            Packet v = b.get(before);
            if (!h.push(v)) {
                b.size(before);
                dropTx(v, port, DropReason.TUNNEL_PUSH);
            }
        }
    }

    /**
     * Appends the wire frames of {@code p} (its segments with complete checksums, see {@link Offloads#segment}),
     * each in a fresh datapath buffer and with {@code h} pushed when not null, to the tx batch of {@code port}.
     * {@code p} stays the caller's.
     */
    private void segmentOut(int port, Packet p, TunnelHeader h) {
        int segs = Offloads.segmentCount(p);
        for (int k = 0; k < segs; k++) {
            PacketBatch b = txBatch(port);
            if (b == null) {
                countTxDrop(p.inPort(), port, DropReason.PORT_DOWN);
                return;
            }
            int before = b.size();
            Packet v = b.add();
            if (!Offloads.segment(p, k, dp.memory(), v)) {
                b.size(before);
                long[] c = portCounters;
                int base = p.inPort() * STRIDE;
                c[base + RX_DROPPED]++;
                c[base + DROP_BASE + DropReason.NO_BUFFER.ordinal()]++;
                return;
            }
            if (h != null && !h.push(v)) {
                b.size(before);
                dropTx(v, port, DropReason.TUNNEL_PUSH);
            }
        }
    }

    /**
     * A set-field action on a frame with offload state. A partial checksum is completed first, so the action's
     * incremental checksum update applies as always. A GSO frame cannot be completed: its TCP checksum field
     * holds the pseudo-header sum {@code S}, and updating the complement of {@code S} by RFC 1624 and
     * complementing back gives the pseudo-header sum of the rewritten addresses or ports.
     */
    private static void setFieldWithOffload(Packet p, int field, long value) {
        if (p.gsoType() == Packet.GSO_NONE) {
            Offloads.completeChecksum(p);
            PacketEdits.setField(p, field, value);
            return;
        }
        int at = p.csumStart() + p.csumOffset();
        p.u16(at, ~p.u16(at));
        PacketEdits.setField(p, field, value);
        p.u16(at, ~p.u16(at));
    }

    /** The tx batch of {@code port} with room for one packet, marked dirty; null for an unknown port. */
    private PacketBatch txBatch(int port) {
        PacketBatch[] t = tx;
        if (port >= t.length || slots[port] == null) {
            return null;
        }
        PacketBatch b = t[port];
        if (!txDirty[port]) {
            txDirty[port] = true;
            dirtyPorts[nDirty++] = port;
        } else if (b.isFull()) {
            flushPort(port, b, -1, 0);
        }
        return b;
    }

    private void flushTx() {
        int[] d = dirtyPorts;
        for (int i = 0; i < nDirty; i++) {
            int port = d[i];
            txDirty[port] = false;
            PacketBatch b = tx[port];
            if (!b.isEmpty()) {
                flushPort(port, b, -1, 0);
            }
        }
        nDirty = 0;
    }

    /**
     * Transmits one port's batch: down ports and over-MTU frames are dropped and counted first.
     * {@code rxLimit} ≥ 0 says the batch is a whole rx burst passed through unchanged, every frame already
     * checked against that limit (rx MTU + 14, plus 4 per VLAN tag) and {@code rxBytes} long in all: when this
     * port's MTU is no smaller, no frame can be over it and the per-frame check is skipped. -1: check each.
     */
    private void flushPort(int port, PacketBatch b, int rxLimit, long rxBytes) {
        Datapath.PortSlot s = port < slots.length ? slots[port] : null; // a pipeline may name a port that never was
        int n = b.size();
        if (s == null || !s.adminUp || !s.port.linkUp()) {
            for (int i = 0; i < n; i++) {
                dropTx(b.get(i), port, DropReason.PORT_DOWN);
            }
            b.size(0);
            return;
        }
        int limit = s.port.mtu() + 14;
        int kept = 0;
        long bytes = 0;
        if (rxLimit >= 0 && limit >= rxLimit) {
            kept = n;
            bytes = rxBytes;
        }
        for (int i = kept; i < n; i++) {
            Packet q = b.get(i);
            int len = q.length();
            int wire = len;
            if (q.hasOffload()) {
                if (!s.offloads) {
                    softwareOffload(port, b, i, kept);
                    return;
                }
                wire = Offloads.wireLength(q); // a GSO frame is judged by its segments
            }
            if (wire > limit && wire > limit + 4 * PacketEdits.tagCount(q)) {
                dropTx(q, port, DropReason.TX_OVER_MTU);
                continue;
            }
            bytes += len;
            if (kept != i) {
                q.moveTo(b.get(kept));
            }
            kept++;
        }
        b.size(kept);
        if (kept == 0) {
            return;
        }
        long[] c = portCounters;
        c[port * STRIDE + TX_PACKETS] += kept;
        c[port * STRIDE + TX_BYTES] += bytes;
        try {
            s.port.transmit(b);
        } catch (RuntimeException e) {
            portErrors++;
            c[port * STRIDE + TX_ERRORS]++;
        }
        if (!b.isEmpty()) {
            // The port took ownership of every packet (Port contract), sent or not: forget the views. After an
            // exception we cannot know what it released, and a leak is safer than a double release.
            b.clear();
        }
    }

    /**
     * The rest of {@link #flushPort} for a port that takes no offload state, from the first frame that has some:
     * {@code b[0..kept)} are checked, {@code b[from..)} not yet. Every frame moves, in order, to the scratch
     * batch {@code soft}: partial checksums completed in place, GSO frames cut into their segments (new buffers;
     * the GSO frame is released). Each full scratch batch, and the last, goes through flushPort, which checks it
     * as usual and finds no offload state left.
     */
    private void softwareOffload(int port, PacketBatch b, int from, int kept) {
        PacketBatch out = soft;
        for (int j = 0; j < kept; j++) {
            out.takeFrom(b, j);
        }
        int n = b.size();
        for (int j = from; j < n; j++) {
            Packet q = b.get(j);
            if (q.gsoType() != Packet.GSO_NONE) {
                segmentInto(port, q, out);
                q.release();
                continue;
            }
            if (!Offloads.completeChecksum(q)) {
                dropTx(q, port, DropReason.TX_OFFLOAD);
                continue;
            }
            if (out.isFull()) {
                flushPort(port, out, -1, 0);
            }
            out.takeFrom(b, j);
        }
        b.size(0);
        if (!out.isEmpty()) {
            flushPort(port, out, -1, 0);
        }
    }

    /** Appends the segments of GSO frame {@code q} to {@code out}, flushing it to {@code port} whenever it is full. */
    private void segmentInto(int port, Packet q, PacketBatch out) {
        int segs = Offloads.segmentCount(q);
        for (int k = 0; k < segs; k++) {
            if (out.isFull()) {
                flushPort(port, out, -1, 0);
            }
            int before = out.size();
            if (!Offloads.segment(q, k, dp.memory(), out.add())) {
                out.size(before);
                countTxDrop(q.inPort(), port, Offloads.valid(q) ? DropReason.NO_BUFFER : DropReason.TX_OFFLOAD);
                return;
            }
        }
    }

    /** Scratch packets for the copies check_pkt_len branches run on, one per nesting level (made once). */
    private Packet[] branchCopies = new Packet[2];
    private int branchDepth;

    /** The scratch packet of the next nesting level; the caller decrements {@link #branchDepth} after. */
    private Packet branchCopy() {
        if (branchDepth == branchCopies.length) {
            branchCopies = Arrays.copyOf(branchCopies, branchDepth * 2);
        }
        Packet c = branchCopies[branchDepth];
        if (c == null) {
            c = new Packet();
            branchCopies[branchDepth] = c;
        }
        branchDepth++;
        return c;
    }

    /** Counts a receive-side drop of a copy (the packet itself is not dropped): the reason only. */
    private void countDrop(int inPort, DropReason reason) {
        portCounters[inPort * STRIDE + DROP_BASE + reason.ordinal()]++;
    }

    /** Drops {@code p} on the receive side: rx_dropped and the reason, both at its input port. */
    private void drop(Packet p, DropReason reason) {
        long[] c = portCounters;
        int base = p.inPort() * STRIDE;
        c[base + RX_DROPPED]++;
        c[base + DROP_BASE + reason.ordinal()]++;
        p.release();
    }

    /** Drops {@code p} on its way out of {@code port}: tx_dropped there, the reason at its input port. */
    private void dropTx(Packet p, int port, DropReason reason) {
        countTxDrop(p.inPort(), port, reason);
        p.release();
    }

    private void countTxDrop(int inPort, int port, DropReason reason) {
        long[] c = portCounters;
        if (port < tx.length) {
            c[port * STRIDE + TX_DROPPED]++;
        }
        c[inPort * STRIDE + DROP_BASE + reason.ordinal()]++;
    }

    // ---- upcall ------------------------------------------------------------------------------------

    /**
     * The last actions an upcall compiled and their compiled form, both immutable: reused when the pipeline hands
     * out the same object again (FlowPipeline shares one list per single-output decision).
     */
    private DatapathActions lastActs;
    private CompiledActions lastCompiled;

    /**
     * The slow path for a packet that missed both caches: translate under the slow-path lock, install,
     * return the megaflow to execute (installed or not), or null when the packet was dropped (failed upcall).
     */
    private Megaflow upcall(Packet p, Datapath.PortSlot s, int emcHash, boolean rawKey) {
        upcalls++;
        FlowMask m = mask;
        m.clear();
        m.w[FlowKey.W_IN_PORT] = 0xffff_ffffL;
        UpcallContext ctx = context;
        ctx.reset(now, p, false);
        endBusy(); // not busy while in the slow path: see the class comment
        DatapathActions acts = null;
        long eStart = -1;
        long eEnd = -2;
        long seqEnd = 0;
        long allEnd = 0;
        ReentrantLock lock = dp.slowPathLock();
        lock.lock();
        try {
            eStart = dp.epoch();
            acts = s.pipeline.translate(key, m, ctx);
        } catch (RuntimeException e) {
            acts = null;
        } finally {
            eEnd = dp.epoch();
            seqEnd = dp.tagSeq();
            allEnd = dp.allSeq();
            lock.unlock();
            ctx.packet = null;
        }
        beginBusy();
        // Invalidations made between the unlock and beginBusy's Dekker store: Datapath.awaitInvalidations may
        // have seen this worker idle then, so this batch must apply them (and not install a decision they may
        // have outdated; that window is a few hundred nanoseconds, so the lost installs are rare).
        long seqNow = dp.tagSeq();
        long allNow = dp.allSeq();
        boolean raced = seqNow != seqEnd || allNow != allEnd;
        seqEnd = seqNow;
        allEnd = allNow;
        CompiledActions ca = null;
        if (acts != null && acts == lastActs) {
            ca = lastCompiled; // a pipeline that hands out one shared list per decision (one output) compiles it once
        } else if (acts != null) {
            try {
                ca = CompiledActions.compile(acts);
                lastActs = acts;
                lastCompiled = ca;
            } catch (IllegalArgumentException e) {
                ca = null;
            }
        }
        if (ca == null) {
            lost++;
            drop(p, DropReason.UPCALL_FAILED);
            return null;
        }
        applyInvalidations(seqEnd, allEnd);
        boolean install = !raced && eStart == eEnd && eEnd == cacheEpoch && classifier.size() < maxMegaflows;
        Subtable t = install ? classifier.subtableFor(m.w) : null;
        Megaflow f = new Megaflow(t, key, acts, ca, ctx.tags(), now);
        f.memo = ctx.memo;
        ctx.memo = null;
        f.packetsAtRevalidation = 1; // the upcall's own packet is not a "use" to revalidate
        f.bytesAtRevalidation = p.length(); // nor a use to report: the pipeline counted it in its translation
        if (install) {
            classifier.insert(f, key.w);
            notePortOnly(f, s);
            cacheExact(f, rawKey, key.w, emcHash, true); // the raw key is still the loaded one: no other packet ran
        }
        return f;
    }

    // ---- invalidation ------------------------------------------------------------------------------

    /** Applies invalidate-all up to {@code allTarget} and the tag log up to {@code seqTarget}. */
    private void applyInvalidations(long seqTarget, long allTarget) {
        if (seqTarget != appliedShadow || allTarget != appliedAllShadow) {
            appliedShadow = seqTarget;
            appliedAllShadow = allTarget;
            APPLIED.setRelease(this, seqTarget);     // read by Datapath.awaitInvalidations, once per change
            APPLIED_ALL.setRelease(this, allTarget);
        }
        if (allTarget != allSeqSeen) {
            allSeqSeen = allTarget;
            tagSeqSeen = Math.max(tagSeqSeen, seqTarget);
            flushAll();
            return;
        }
        long from = tagSeqSeen;
        if (seqTarget - from <= 0) {
            return;
        }
        tagSeqSeen = seqTarget;
        int n = (int) Math.min(seqTarget - from, Datapath.LOG_SIZE + 1L);
        if (n > Datapath.LOG_SIZE || classifier.size() == 0) {
            if (n > Datapath.LOG_SIZE) {
                flushAll();
            }
            return;
        }
        long bits = 0;
        long[] tagsNew = scratchTags;
        for (int i = 0; i < n; i++) {
            long tag = dp.tagAt(from + i);
            tagsNew[i] = tag;
            bits |= Megaflow.tagBit(tag);
        }
        if (dp.tagWriteSeq() - from > Datapath.LOG_SIZE) {
            flushAll(); // the ring lapped us while we copied: some tags may be newer ones
            return;
        }
        MegaflowClassifier cls = classifier;
        for (int i = cls.size() - 1; i >= 0; i--) {
            Megaflow f = cls.get(i);
            if (f.hasAnyTag(tagsNew, n, bits)) {
                cls.remove(f); // folds its raw-header hits first
                noteRemoved(f);
                invalidations++;
            }
        }
    }

    // ---- housekeeping and revalidation ------------------------------------------------------------

    /**
     * Expires idle megaflows, revalidates used ones (a full pass every {@code revalidateInterval}), re-ranks
     * the subtables, and checks the ports' link state ({@link Datapath#checkLinkState()}: a change drops every
     * cached flow, applied by this round's {@code applyInvalidations} before any packet).
     */
    private void housekeeping(long t) {
        dp.checkLinkState();
        raw.fold(); // the raw-header table's hits are counted in its slots: make every megaflow's counters exact
        long earliestUse = Long.MAX_VALUE;
        boolean full = t - lastRevalidation >= revalidateNanos;
        MegaflowClassifier cls = classifier;
        for (int i = cls.size() - 1; i >= 0; i--) {
            Megaflow f = cls.get(i);
            if (t - f.usedNanos >= maxIdleNanos) {
                cls.remove(f);
                continue;
            }
            if (full && f.packets != f.packetsAtRevalidation) {
                long usedPackets = f.packets - f.packetsAtRevalidation;
                long usedBytes = f.bytes - f.bytesAtRevalidation;
                f.packetsAtRevalidation = f.packets;
                f.bytesAtRevalidation = f.bytes;
                if (!revalidate(f, t, usedPackets, usedBytes)) {
                    cls.remove(f);
                    continue;
                }
            }
            earliestUse = Math.min(earliestUse, f.usedNanos);
        }
        if (full) {
            lastRevalidation = t;
            cls.rank();
        }
        long next = lastRevalidation + revalidateNanos;
        if (earliestUse != Long.MAX_VALUE && earliestUse + maxIdleNanos - next < 0) {
            next = earliestUse + maxIdleNanos;
        }
        nextHousekeeping = next;
    }

    /**
     * Revalidates {@code f}: asks the pipeline to {@link Pipeline#refresh refresh} it, else re-translates it;
     * false when it must go (translation failed, mask changed, port gone).
     */
    private boolean revalidate(Megaflow f, long t, long usedPackets, long usedBytes) {
        revalidations++;
        Datapath.PortSlot s = revalSlot(f);
        if (s == null) {
            return false;
        }
        FlowKey k = revalKey;
        FlowMask m = mask;
        UpcallContext ctx = context;
        DatapathActions acts;
        ReentrantLock lock = dp.slowPathLock();
        lock.lock();
        try {
            if (refreshLocked(f, s, t, usedPackets, usedBytes)) {
                return true; // actions, mask and tags stand; an invalidated tag is applied before the next packet
            }
            m.clear();
            m.w[FlowKey.W_IN_PORT] = 0xffff_ffffL;
            ctx.reset(t, null, true); // forget tags a refresh may have added, and the old memo
            ctx.used(usedPackets, usedBytes);
            acts = s.pipeline.translate(k, m, ctx);
        } catch (RuntimeException e) {
            acts = null;
        } finally {
            lock.unlock();
        }
        Object memo = ctx.memo;
        ctx.memo = null;
        if (acts == null || !Arrays.equals(m.w, f.subtable.mask)) {
            return false;
        }
        f.memo = memo;
        if (!acts.equals(f.actions)) {
            CompiledActions ca;
            try {
                ca = CompiledActions.compile(acts);
            } catch (IllegalArgumentException e) {
                return false;
            }
            f.actions = acts;
            f.setCompiled(ca);
        }
        if (!ctx.sameTags(f.tags)) {
            f.setTags(ctx.tags());
        }
        return true;
    }

    /** Loads {@code f}'s upcall key into {@link #revalKey}; returns its in_port's slot, or null when the port is gone. */
    private Datapath.PortSlot revalSlot(Megaflow f) {
        f.upcallKey(revalKey);
        int inPort = revalKey.inPort();
        Datapath.PortSlot[] ss = dp.slots();
        return inPort < ss.length ? ss[inPort] : null;
    }

    /**
     * Asks {@code s}'s pipeline to {@link Pipeline#refresh refresh} {@code f} (key in {@link #revalKey}) for the
     * given use, which counts the use by the memo; false when the decision may not stand (a refresh that fails
     * cannot be sure either). Under the slow-path lock.
     */
    private boolean refreshLocked(Megaflow f, Datapath.PortSlot s, long t, long usedPackets, long usedBytes) {
        UpcallContext ctx = context;
        ctx.reset(t, null, true);
        ctx.used(usedPackets, usedBytes);
        ctx.memo = f.memo;
        System.arraycopy(f.subtable.mask, 0, mask.w, 0, mask.w.length);
        try {
            return s.pipeline.refresh(revalKey, mask, ctx);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Queues {@code f}, just removed, for {@link #creditRemoved} if it has uses to credit and a memo to credit them by. */
    private void noteRemoved(Megaflow f) {
        if (f.memo != null && f.packets != f.packetsAtRevalidation) {
            unaccounted.add(f);
        }
    }

    /**
     * Credits the queued megaflows' last uses to the pipeline as a revalidation's refresh does, by the memo of the
     * decision the packets got (the entries they matched then, not the tables' entries now). A megaflow without a
     * memo (its translation learns, or goes through a group or NORMAL) is not queued: crediting it would mean a
     * translation of the new tables, with side effects.
     */
    private void creditRemoved(long t) {
        ReentrantLock lock = dp.slowPathLock();
        lock.lock();
        try {
            for (int i = 0, n = unaccounted.size(); i < n; i++) {
                Megaflow f = unaccounted.get(i);
                Datapath.PortSlot s = revalSlot(f);
                if (s != null) {
                    refreshLocked(f, s, t, f.packets - f.packetsAtRevalidation, f.bytes - f.bytesAtRevalidation);
                    f.packetsAtRevalidation = f.packets; // its answer does not matter: f is gone
                    f.bytesAtRevalidation = f.bytes;
                }
            }
        } finally {
            lock.unlock();
            context.memo = null;
            unaccounted.clear();
        }
    }

    /** Releases any packet still held (close). */
    void releaseHeld() {
        rx.releaseAll();
        for (PacketBatch b : tx) {
            b.releaseAll();
        }
    }

    /** Reads one port counter (racy; see the class comment). */
    long counter(int dpPort, int counter) {
        long[] c = portCounters;
        int i = dpPort * STRIDE + counter;
        return i < c.length ? c[i] : 0;
    }

    /** The reason names in counter order (for diagnostics). */
    static DropReason reason(int i) {
        return REASONS[i];
    }

    /**
     * The reusable {@link Translation} of this worker: one object for every upcall and revalidation.
     * Tags collect in a growable array (copied out per installed megaflow, on the miss path).
     */
    private static final class UpcallContext implements Translation {
        private static final long[] NO_TAGS = new long[0];
        long nowNanos;
        Packet packet;
        boolean revalidation;
        /** The pipeline's memo: set by translate, or the megaflow's during a refresh. */
        Object memo;
        private long[] tags = new long[8];
        private int nTags;
        /** The {@link Megaflow#tagBit} summary of tags[0..nTags). */
        private long tagBits;

        long usedPackets;
        long usedBytes;

        void reset(long t, Packet p, boolean reval) {
            nowNanos = t;
            packet = p;
            revalidation = reval;
            nTags = 0;
            tagBits = 0;
            usedPackets = 0;
            usedBytes = 0;
            memo = null;
        }

        void used(long packets, long bytes) {
            usedPackets = packets;
            usedBytes = bytes;
        }

        @Override
        public void setMemo(Object m) {
            memo = m;
        }

        @Override
        public Object memo() {
            return memo;
        }

        @Override
        public long usedPackets() {
            return usedPackets;
        }

        @Override
        public long usedBytes() {
            return usedBytes;
        }

        long[] tags() {
            return nTags == 0 ? NO_TAGS : Arrays.copyOf(tags, nTags);
        }

        /** Whether the collected tags are {@code old}, in order (the usual revalidation: nothing changed). */
        boolean sameTags(long[] old) {
            if (old.length != nTags) {
                return false;
            }
            for (int i = 0; i < nTags; i++) {
                if (old[i] != tags[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public long nowNanos() {
            return nowNanos;
        }

        @Override
        public Packet packet() {
            return packet;
        }

        @Override
        public boolean isRevalidation() {
            return revalidation;
        }

        @Override
        public void addTag(long tag) {
            long bit = Megaflow.tagBit(tag);
            if ((tagBits & bit) != 0) { // maybe seen: look (most tags are new, and skip the scan)
                for (int i = 0; i < nTags; i++) {
                    if (tags[i] == tag) {
                        return;
                    }
                }
            }
            tagBits |= bit;
            if (nTags == tags.length) {
                tags = Arrays.copyOf(tags, nTags * 2);
            }
            tags[nTags++] = tag;
        }
    }
}
