package org.vswitch4j.core.datapath;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.vswitch4j.core.key.FlowMask;
import org.vswitch4j.core.packet.BufferPool;
import org.vswitch4j.core.packet.PacketMemory;
import org.vswitch4j.core.pcap.PcapWriter;
import org.vswitch4j.core.port.Port;
import org.vswitch4j.core.port.PortStats;
import org.vswitch4j.core.time.Clock;

/**
 * The userspace datapath: polls ports, looks packets up in per-thread caches, executes datapath actions,
 * and calls the slow path ({@link Pipeline}) on a miss — Open vSwitch's {@code dpif-netdev}, in Java.
 *
 * <h2>Shape</h2>
 * <pre>
 *  rx burst ─► parse (FlowParser) ─► exact-match cache ─► megaflow classifier ─► execute ─► tx bursts
 *                                          (per poll thread)        │ miss
 *                                                                   └─► upcall: slow-path lock, Pipeline.translate,
 *                                                                       install megaflow (key &amp; mask) in this thread
 * </pre>
 * Run to completion: each poll thread ({@code pollThreads(n)}, n ≥ 1) owns a subset of the (port, rx queue)
 * pairs, assigned round-robin and reassigned on every reconfiguration, plus its own exact-match cache,
 * megaflow classifier (tuple-space search) and counters, and takes every packet from rx to tx itself; an
 * upcall runs inline on the poll thread under one slow-path lock. With {@code pollThreads(0)} (the default)
 * there is no thread: the caller drives the same code with {@link #poll()} (tests, a hypervisor's I/O
 * thread). The per-thread design is explained in {@code PollWorker}; the caches in
 * {@code ExactMatchCache} and {@code MegaflowClassifier}.
 *
 * <h2>Consistency with the slow path</h2>
 * <ul>
 * <li>{@link #reconfigure(Runnable)} runs a change under the slow-path lock, bumps the epoch, and returns
 * once every poll thread is idle or has started a round at the new epoch (a thread that sees a new epoch
 * drops its caches first). Every packet processed after it returns is decided by the changed
 * configuration. It may be called from inside {@link Pipeline#translate} (on any thread) without
 * deadlock.</li>
 * <li>{@link #invalidate(long)} drops, at each thread's next batch, every megaflow whose translation added
 * that tag; {@link #invalidateAll()} drops all. Neither waits.</li>
 * <li>Revalidation (per thread, by the {@link Clock}): megaflows idle for {@code maxIdle} go; megaflows
 * used since the last pass are re-translated with {@link Translation#isRevalidation()} true.</li>
 * <li>Link state: pipelines may read {@link Port#linkUp()} (the bridge floods only to ports whose link is up),
 * which no one announces. Each poll thread's housekeeping (at most one revalidation interval apart, by the
 * {@link Clock}) compares every port's link with the state last seen and, on any change, drops every cached
 * flow ({@link #invalidateAll()}): within one revalidation interval of a carrier change, decisions follow it.</li>
 * </ul>
 *
 * <h2>Counters</h2>
 * Per thread, per port, summed on read: {@link #portStats} (rx from the port, tx to it, as
 * {@code ovs-ofctl dump-ports}), {@link #dropCount} per {@link DropReason}, {@link #malformedCount}.
 * rx_errors counts runts, over-MTU frames (longer than mtu + 14 + 4 × tags) and malformed frames (which are
 * still translated and forwarded as the pipeline says); runts and over-MTU frames are dropped.
 *
 * <h2>Offloads</h2>
 * A port whose {@link Port#offloads()} is true may hand over frames with a partial checksum or as one GSO frame of
 * up to 64 KB ({@link org.vswitch4j.core.packet.Packet#hasOffload()}). MTU rules judge a GSO frame by its
 * segments. Output to another such port passes the frame as it is; output to any other port, a copy for a further
 * output, and a tunnel push get it completed and segmented in software first
 * ({@link org.vswitch4j.core.packet.Offloads}; segments in {@link Builder#memory}, a GSO copy for an offloading
 * port in the frame's own memory), counted as the wire frames they are.
 *
 * <h2>Ownership</h2>
 * The datapath owns every buffer it receives until it passes it to a port's {@code transmit} or releases it
 * (drops). It never closes a {@link Port}: the caller who added it does. Copies for all outputs but the last
 * come from {@link Builder#memory}.
 *
 * <p>Thread-safety: every method may be called from any thread, except that {@link #poll()} must be called
 * by one thread at a time (it is the synchronous mode's poll thread). Counter reads may lag by the packets
 * in flight.
 */
public final class Datapath implements AutoCloseable {
    /** Size of the invalidation log (tags); a thread that falls further behind drops all its megaflows. */
    static final int LOG_SIZE = 1024;
    /** Largest datapath port number. */
    public static final int MAX_PORTS = 65_535;

    private final Clock clock;
    private final PacketMemory memory;
    private final boolean ownsMemory;
    private final PollWorker[] workers;
    private final boolean threaded;

    /** Serialises every Pipeline call, every configuration change and every invalidation. */
    private final ReentrantLock slowLock = new ReentrantLock();

    // ---- written under slowLock, read by poll threads --------------------------------------------
    /** Indexed by datapath port number; index 0 unused. Replaced, never shrunk. */
    private volatile PortSlot[] slots = new PortSlot[8];
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLongArray tagLog = new AtomicLongArray(LOG_SIZE);
    /** Next sequence number to be written: entries [tagSeq - LOG_SIZE, tagSeq) are readable. */
    private final AtomicLong tagSeq = new AtomicLong();
    /** Raised before a log slot is overwritten, so readers detect being lapped. */
    private final AtomicLong tagWriteSeq = new AtomicLong();
    private final AtomicLong allSeq = new AtomicLong();

    private volatile boolean running;
    private volatile boolean closed;
    private Thread[] threads;
    private final PollThreadHook threadHook;

    private Datapath(Builder b) {
        this.clock = b.clock;
        if (b.memory != null) {
            this.memory = b.memory;
            this.ownsMemory = false;
        } else {
            this.memory = BufferPool.builder().count(4096).build();
            this.ownsMemory = true;
        }
        this.threaded = b.pollThreads > 0;
        this.threadHook = b.threadHook;
        int n = Math.max(1, b.pollThreads);
        this.workers = new PollWorker[n];
        for (int i = 0; i < n; i++) {
            workers[i] = new PollWorker(this, i, b.emcEntries, b.emcInsertInvProb, b.burst, b.maxMegaflows,
                    b.maxIdle.toNanos(), b.revalidateInterval.toNanos());
        }
    }

    /**
     * A builder with defaults: system clock, synchronous (0 poll threads), an owned pool of 4096 buffers for
     * copies, 16384 EMC entries, 65536 megaflows per thread, max-idle 10 s, revalidation every 500 ms,
     * bursts of 32.
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---- ports -------------------------------------------------------------------------------------

    /**
     * Adds {@code port}, whose packets {@code pipeline} decides, and returns its datapath port number (the
     * lowest free one, ≥ 1). Applied as {@link #reconfigure}: when this returns, the port is polled. Its
     * counters start at zero. The port starts administratively up.
     */
    public int addPort(Port port, Pipeline pipeline) {
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(pipeline, "pipeline");
        if (port.rxQueues() < 1) {
            throw new IllegalArgumentException("port " + port.name() + " reports " + port.rxQueues()
                    + " rx queues; it needs at least 1");
        }
        int[] result = new int[1];
        reconfigure(() -> {
            PortSlot[] s = slots;
            int free = -1;
            for (int i = 1; i < s.length; i++) {
                if (s[i] != null && s[i].device == port) {
                    throw new IllegalArgumentException("port " + port.name() + " is already datapath port " + i);
                }
                if (s[i] == null && free < 0) {
                    free = i;
                }
            }
            if (free < 0) {
                if (s.length > MAX_PORTS) {
                    throw new IllegalStateException("the datapath has " + MAX_PORTS + " ports, its maximum");
                }
                free = s.length;
                s = java.util.Arrays.copyOf(s, Math.min(s.length * 2, MAX_PORTS + 1));
            } else {
                s = s.clone();
            }
            PortSlot slot = new PortSlot(free, port, pipeline);
            for (int c = 0; c < PollWorker.STRIDE; c++) {
                slot.base[c] = sum(free, c);
            }
            s[free] = slot;
            slots = s;
            result[0] = free;
            assignQueues();
        });
        return result[0];
    }

    /**
     * Removes datapath port {@code dpPort}: when this returns it is no longer polled nor sent to, and every
     * poll thread drops its cached flows before its next packet. Closes nothing: the caller owns the
     * {@link Port}.
     */
    public void removePort(int dpPort) {
        reconfigure(() -> {
            slot(dpPort);
            PortSlot[] s = slots.clone();
            s[dpPort] = null;
            slots = s;
            assignQueues();
        });
    }

    /** The port added as {@code dpPort} (the device itself, also while it is captured). */
    public Port port(int dpPort) {
        return slot(dpPort).device;
    }

    /**
     * Captures datapath port {@code dpPort} into {@code writer}, whatever the port's type: every frame the
     * datapath receives from it (right after the port's {@code receive}, before parsing, so runts and malformed
     * frames too) and every frame it hands to the port's {@code transmit} (after the datapath's own tx drops,
     * port down and over-MTU, which are not recorded), as {@code tcpdump -i} on the port would see them. Records
     * are stamped with this datapath's {@link #clock()} (build the writer with the same clock so that its
     * epoch mapping fits). Replaces an earlier capture of the port.
     *
     * <p>How: the port's slot gets a decorator around the device (the fast path does not know about capture;
     * nothing is spent while no capture runs). Applied as {@link #reconfigure}, so every poll thread drops its
     * cached flows once. The datapath never closes the writer: after {@link #stopCapture}, {@link #removePort}
     * or {@link #close()} returns it is written no more and its owner may close it. A writer that fails (I/O
     * error, closed early) loses records but never disturbs forwarding.
     *
     * @throws IllegalArgumentException when there is no such port
     */
    public void capture(int dpPort, PcapWriter writer) {
        Objects.requireNonNull(writer, "writer");
        reconfigure(() -> {
            PortSlot old = slot(dpPort);
            replaceSlot(old.withPort(new CapturingPort(old.device, writer, clock)));
        });
    }

    /**
     * Stops a capture started with {@link #capture}: when this returns the writer is written no more. Applied as
     * {@link #reconfigure}. Returns whether the port was being captured.
     *
     * @throws IllegalArgumentException when there is no such port
     */
    public boolean stopCapture(int dpPort) {
        boolean[] was = new boolean[1];
        reconfigure(() -> {
            PortSlot old = slot(dpPort);
            if (old.port != old.device) {
                was[0] = true;
                replaceSlot(old.withPort(old.device));
            }
        });
        return was[0];
    }

    /** Puts {@code s} in its port's place. Under slowLock (in a reconfigure, so threads pick it up). */
    private void replaceSlot(PortSlot s) {
        PortSlot[] ss = slots.clone();
        ss[s.dpPort] = s;
        slots = ss;
    }

    /** The pipeline that decides for packets received on {@code dpPort}. */
    public Pipeline pipeline(int dpPort) {
        return slot(dpPort).pipeline;
    }

    /** Datapath port numbers in use, ascending. */
    public int[] ports() {
        PortSlot[] s = slots;
        int n = 0;
        for (PortSlot p : s) {
            if (p != null) {
                n++;
            }
        }
        int[] r = new int[n];
        int j = 0;
        for (PortSlot p : s) {
            if (p != null) {
                r[j++] = p.dpPort;
            }
        }
        return r;
    }

    /**
     * Sets the administrative state. A port that is down is not polled, and packets sent to it are dropped
     * ({@link DropReason#PORT_DOWN}). Applied as {@link #reconfigure}.
     */
    public void portAdminUp(int dpPort, boolean up) {
        slot(dpPort);
        reconfigure(() -> slot(dpPort).adminUp = up); // looked up inside: a capture may have replaced the slot
    }

    /** Whether the port is administratively up. */
    public boolean portAdminUp(int dpPort) {
        return slot(dpPort).adminUp;
    }

    /** Whether the port is operationally up: administratively up and its link up. */
    public boolean portOperUp(int dpPort) {
        PortSlot s = slot(dpPort);
        return s.adminUp && s.port.linkUp();
    }

    /**
     * The datapath's counters for the port, summed over threads: rx = frames received from it (with rx_dropped
     * for those the datapath dropped and rx_errors for runts, over-MTU and malformed frames), tx = frames
     * handed to its transmit (tx_dropped: dropped on the way out, port down or over its MTU; tx_errors: its
     * transmit threw). What the device itself counted is {@link Port#stats()}.
     */
    public PortStats portStats(int dpPort) {
        PortSlot s = slot(dpPort);
        return new PortStats(
                count(s, PollWorker.RX_PACKETS), count(s, PollWorker.RX_BYTES), count(s, PollWorker.RX_DROPPED),
                count(s, PollWorker.RX_ERRORS), count(s, PollWorker.TX_PACKETS), count(s, PollWorker.TX_BYTES),
                count(s, PollWorker.TX_DROPPED), count(s, PollWorker.TX_ERRORS));
    }

    /**
     * Packets received on {@code dpPort} and dropped for {@code reason}. Every reason is counted at the
     * packet's input port; the output-side reasons ({@link DropReason#PORT_DOWN},
     * {@link DropReason#TX_OVER_MTU}) count into the output port's tx_dropped instead of the input port's
     * rx_dropped. {@link DropReason#NO_BUFFER} counts one per lost copy.
     */
    public long dropCount(int dpPort, DropReason reason) {
        return count(slot(dpPort), PollWorker.DROP_BASE + reason.ordinal());
    }

    /** Frames received on {@code dpPort} that the parser found malformed (also in rx_errors; still forwarded). */
    public long malformedCount(int dpPort) {
        return count(slot(dpPort), PollWorker.MALFORMED);
    }

    private long count(PortSlot s, int counter) {
        return sum(s.dpPort, counter) - s.base[counter];
    }

    private long sum(int dpPort, int counter) {
        long v = 0;
        for (PollWorker w : workers) {
            v += w.counter(dpPort, counter);
        }
        return v;
    }

    private PortSlot slot(int dpPort) {
        PortSlot[] s = slots;
        PortSlot p = dpPort > 0 && dpPort < s.length ? s[dpPort] : null;
        if (p == null) {
            throw new IllegalArgumentException("no datapath port " + dpPort + "; ports in use: "
                    + java.util.Arrays.toString(ports()));
        }
        return p;
    }

    /** Spreads every (port, rx queue) pair over the workers, round-robin. Under slowLock. */
    private void assignQueues() {
        int n = workers.length;
        List<List<int[]>> per = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            per.add(new ArrayList<>());
        }
        int k = 0;
        for (PortSlot s : slots) {
            if (s == null) {
                continue;
            }
            for (int q = 0, nq = s.port.rxQueues(); q < nq; q++) {
                per.get(k++ % n).add(new int[] {s.dpPort, q});
            }
        }
        for (int i = 0; i < n; i++) {
            List<int[]> l = per.get(i);
            int[] ports = new int[l.size()];
            int[] queues = new int[l.size()];
            for (int j = 0; j < l.size(); j++) {
                ports[j] = l.get(j)[0];
                queues[j] = l.get(j)[1];
            }
            workers[i].assignment = new int[][] {ports, queues};
        }
    }

    // ---- slow-path interface -----------------------------------------------------------------------

    /**
     * Runs {@code change} under the slow-path lock (the lock every {@link Pipeline#translate} runs under),
     * then bumps the datapath's epoch and waits until every poll thread is idle or has entered a round at
     * the new epoch. When this returns, every packet processed from then on is decided under the changed
     * configuration (threads drop their cached flows on seeing the new epoch). Re-entrant: may be called
     * from inside {@code translate} or another {@code change}; the epoch is bumped even when the change throws.
     */
    public void reconfigure(Runnable change) {
        Objects.requireNonNull(change, "change");
        slowLock.lock();
        try {
            change.run();
        } finally {
            long e = epoch.incrementAndGet(); // volatile store; pairs with PollWorker.beginBusy's store + re-load
            slowLock.unlock();
            awaitEpoch(e);
            wakePollThreads();
        }
    }

    /**
     * Unparks every poll thread: one that sleeps until a port wakes it (see {@link Port#armRxWakeup}) must
     * pick up a new rx assignment now, not at its next housekeeping.
     */
    private void wakePollThreads() {
        if (threaded) {
            Thread me = Thread.currentThread();
            for (PollWorker w : workers) {
                Thread t = w.thread;
                if (t != null && t != me) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    private void awaitEpoch(long e) {
        Thread me = Thread.currentThread();
        for (PollWorker w : workers) {
            if (w.thread == me) {
                continue; // called from this worker's own round (a port callback, translate): never wait for it
            }
            int spins = 0;
            while (!w.passed(e)) {
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(10_000L);
                }
            }
        }
    }

    /**
     * Runs {@code task} under the slow-path lock without bumping the epoch and without waiting: for slow-path
     * state changes whose effect on cached flows the caller expresses with {@link #invalidate(long)} (ageing
     * out MAC entries, say), which {@link #reconfigure} would over-serve by dropping every cached flow.
     * Re-entrant.
     */
    public void withSlowPathLock(Runnable task) {
        Objects.requireNonNull(task, "task");
        slowLock.lock();
        try {
            task.run();
        } finally {
            slowLock.unlock();
        }
    }

    /**
     * Drops, in every poll thread before its next batch, every megaflow whose translation called
     * {@link Translation#addTag} with {@code tag}. For the slow path: may be called inside
     * {@link Pipeline#translate} or {@link #reconfigure}, or from any thread.
     */
    public void invalidate(long tag) {
        slowLock.lock();
        try {
            long s = tagSeq.get();
            tagWriteSeq.set(s + 1); // before the slot is overwritten: readers re-check it after copying
            tagLog.set((int) (s & (LOG_SIZE - 1)), tag);
            tagSeq.set(s + 1); // publishes the entry
        } finally {
            slowLock.unlock();
        }
    }

    /**
     * {@link #invalidate(long)} of {@code tags[0 .. count-1]} as one write: one lock round and one publication for
     * all of them (a flow mod invalidates several decisions at once; one call per tag cost a lock round and two
     * fenced writes each). A poll thread applies them together, as if they had been invalidated one by one.
     *
     * @throws IllegalArgumentException if {@code count} is outside 0..tags.length
     */
    public void invalidate(long[] tags, int count) {
        Objects.requireNonNull(tags, "tags");
        if (count < 0 || count > tags.length) {
            throw new IllegalArgumentException("count " + count + " is outside 0.." + tags.length);
        }
        if (count == 0) {
            return;
        }
        slowLock.lock();
        try {
            long s = tagSeq.get();
            tagWriteSeq.set(s + count); // before any slot is overwritten: readers re-check it after copying
            for (int i = 0; i < count; i++) {
                tagLog.lazySet((int) ((s + i) & (LOG_SIZE - 1)), tags[i]); // published by the tagSeq write below
            }
            tagSeq.set(s + count);
        } finally {
            slowLock.unlock();
        }
    }

    /**
     * Waits until every poll thread has applied every {@link #invalidate} and {@link #invalidateAll} made before
     * the call, or is between rounds (and so applies them before its next packet): after it returns, no packet
     * is processed with a megaflow those calls dropped. Unlike {@link #reconfigure} it keeps every other cached
     * flow. Returns at once in synchronous mode and when called from a poll thread (which applies them itself
     * before its next batch).
     */
    public void awaitInvalidations() {
        long seq = tagSeq.get();
        long all = allSeq.get();
        Thread me = Thread.currentThread();
        for (PollWorker w : workers) {
            if (w.thread == me || w.thread == null) {
                continue;
            }
            int spins = 0;
            while (!w.applied(seq, all)) {
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(10_000L);
                }
            }
        }
    }

    /** Drops every megaflow of every poll thread before its next batch. */
    public void invalidateAll() {
        slowLock.lock();
        try {
            allSeq.incrementAndGet();
        } finally {
            slowLock.unlock();
        }
    }

    // ---- driving -----------------------------------------------------------------------------------

    /**
     * Synchronous mode: one round over every port's rx queues on the caller's thread (at most one burst per
     * queue), running revalidation first when it is due by the clock. Returns the number of packets
     * received. Must not be called by two threads at once; refused when the datapath has poll threads.
     */
    public int poll() {
        if (threaded) {
            throw new IllegalStateException("poll() drives a synchronous datapath; this one has "
                    + workers.length + " poll threads (use start())");
        }
        if (closed) {
            throw new IllegalStateException("the datapath is closed");
        }
        PollWorker w = workers[0];
        w.thread = Thread.currentThread(); // so that a reconfigure from inside this round does not wait for itself
        try {
            return w.runOnce();
        } finally {
            w.thread = null;
        }
    }

    /**
     * The switch time that the last {@link #poll()} read at its start (synchronous mode; else the last time
     * poll thread 0 started a round). Lets the caller of {@code poll()} schedule its own work on the same
     * reading instead of reading the clock again.
     */
    public long lastPollNanos() {
        return workers[0].now();
    }

    /** Starts the poll threads (named {@code vsw-pmd-N}, daemons). Idempotent; a no-op when synchronous. */
    public synchronized void start() {
        if (!threaded || threads != null) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("the datapath is closed");
        }
        running = true;
        threads = new Thread[workers.length];
        for (int i = 0; i < workers.length; i++) {
            PollWorker w = workers[i];
            PollThreadHook hook = threadHook;
            int index = i;
            Runnable loop = hook == null ? w::runLoop : () -> {
                hook.started(index);
                try {
                    w.runLoop();
                } finally {
                    hook.stopping(index);
                }
            };
            Thread t = Thread.ofPlatform().name("vsw-pmd-" + i).daemon(true).unstarted(loop);
            w.thread = t;
            threads[i] = t;
        }
        for (Thread t : threads) {
            t.start();
        }
    }

    /** Number of poll threads (0 in synchronous mode). */
    public int pollThreads() {
        return threaded ? workers.length : 0;
    }

    public Clock clock() {
        return clock;
    }

    /** The memory copies are made in. */
    public PacketMemory memory() {
        return memory;
    }

    /** Datapath counters summed over poll threads. */
    public DatapathStats stats() {
        long emc = 0;
        long mf = 0;
        long miss = 0;
        long up = 0;
        long lost = 0;
        long inv = 0;
        long reval = 0;
        long flows = 0;
        long errs = 0;
        for (PollWorker w : workers) {
            emc += w.emcHits;
            mf += w.megaflowHits;
            miss += w.misses;
            up += w.upcalls;
            lost += w.lost;
            inv += w.invalidations;
            reval += w.revalidations;
            flows += w.classifier.size();
            errs += w.portErrors;
        }
        return new DatapathStats(emc, mf, miss, up, lost, inv, reval, flows, errs);
    }

    /**
     * Turns the in_port-only burst path ({@code PollWorker.portOnlyBurst}) on or off on every poll thread; on by
     * default (system property {@value PollWorker#PORT_ONLY_PROPERTY}{@code =false} turns it off). Tests compare
     * the two paths; a poll thread sees the change at its next burst.
     */
    void portOnlyBursts(boolean on) {
        for (PollWorker w : workers) {
            w.portOnlyBursts = on;
        }
    }

    /** Every installed megaflow of every poll thread, like {@code ovs-appctl dpctl/dump-flows}. */
    public List<MegaflowEntry> dumpFlows() {
        List<MegaflowEntry> out = new ArrayList<>();
        for (PollWorker w : workers) {
            MegaflowClassifier c = w.classifier;
            c.lock.lock();
            try {
                for (int i = 0, n = c.dumpSize(); i < n; i++) {
                    Megaflow f = c.dumpGet(i);
                    org.vswitch4j.core.key.FlowKey k = new org.vswitch4j.core.key.FlowKey();
                    System.arraycopy(f.maskedKey(), 0, k.w, 0, k.w.length);
                    FlowMask m = new FlowMask();
                    System.arraycopy(f.subtable.mask, 0, m.w, 0, m.w.length);
                    long[] pend = w.raw.pending(f); // raw-header hits not folded into the megaflow yet
                    out.add(new MegaflowEntry(k, m, f.actions, f.packets + pend[0], f.bytes + pend[1],
                            Math.max(f.usedNanos, pend[2]), w.index));
                }
            } finally {
                c.lock.unlock();
            }
        }
        return out;
    }

    /**
     * Stops the poll threads (waiting for them), releases every buffer the datapath still holds and the
     * copy memory when it owns it. Does not close ports; a port that still queues copies made in the owned
     * memory must be drained first (or pass your own memory with {@link Builder#memory}). Idempotent. Not
     * to be called while another thread is inside {@link #poll()}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        if (threads != null) {
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
            boolean interrupted = false;
            for (Thread t : threads) {
                while (true) {
                    try {
                        t.join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        for (PollWorker w : workers) {
            w.releaseHeld();
            w.classifier.clear();
            w.emc.clear();
            w.raw.clear();
        }
        if (ownsMemory && memory instanceof BufferPool p) {
            p.close();
        }
    }

    // ---- for PollWorker ----------------------------------------------------------------------------

    boolean running() {
        return running;
    }

    ReentrantLock slowPathLock() {
        return slowLock;
    }

    long epoch() {
        return epoch.get();
    }

    PortSlot[] slots() {
        return slots;
    }

    long tagSeq() {
        return tagSeq.get();
    }

    long tagWriteSeq() {
        return tagWriteSeq.get();
    }

    long tagAt(long seq) {
        return tagLog.get((int) (seq & (LOG_SIZE - 1)));
    }

    long allSeq() {
        return allSeq.get();
    }

    /** Worker {@code i} (tests). */
    PollWorker worker(int i) {
        return workers[i];
    }

    /**
     * Housekeeping, from any poll thread (never per packet): when some port's {@link Port#linkUp()} differs
     * from the state last seen, records the new states and drops every cached flow ({@link #invalidateAll()}),
     * because pipelines read link state (the bridge floods only to ports whose link is up) but cannot tag it:
     * nothing calls them when a carrier changes. A link flap is rare and flushing is cheap next to it, so
     * there is no per-port tag. Cost when nothing changed: one {@code linkUp()} per port. Returns whether it
     * invalidated.
     */
    boolean checkLinkState() {
        for (PortSlot p : slots) {
            if (p != null && p.linkSeen != p.linkUpNow()) {
                slowLock.lock(); // re-check under the lock: of several threads seeing one change, one flushes
                try {
                    boolean changed = false;
                    for (PortSlot q : slots) {
                        if (q != null) {
                            boolean up = q.linkUpNow();
                            if (up != q.linkSeen) {
                                q.linkSeen = up;
                                changed = true;
                            }
                        }
                    }
                    if (changed) {
                        invalidateAll();
                    }
                    return changed;
                } finally {
                    slowLock.unlock();
                }
            }
        }
        return false;
    }

    /** A port as the datapath holds it. Written under the slow-path lock; read by poll threads. */
    static final class PortSlot {
        final int dpPort;
        /** What the poll threads call: the device, or a {@link CapturingPort} around it. */
        final Port port;
        /** The port as it was added. */
        final Port device;
        final Pipeline pipeline;
        /** The device is a tunnel port: its frames' tunnel metadata goes into the flow key. */
        final boolean tunnel;
        /** {@link Port#offloads()}: its frames may carry offload state, and it takes them so. */
        final boolean offloads;
        volatile boolean adminUp = true;
        /**
         * The link state {@link #checkLinkState()} last saw (written under the slow-path lock). Taken when the
         * port is added, before any translation can read the link, so a change after that is never missed.
         */
        volatile boolean linkSeen;
        /** Counter sums when the port was added (a reused port number starts from zero). */
        final long[] base;

        PortSlot(int dpPort, Port port, Pipeline pipeline) {
            this.dpPort = dpPort;
            this.port = port;
            this.device = port;
            this.pipeline = pipeline;
            this.tunnel = port.isTunnel();
            this.offloads = port.offloads();
            this.base = new long[PollWorker.STRIDE];
            this.linkSeen = linkUpNow();
        }

        private PortSlot(PortSlot old, Port polled) {
            this.dpPort = old.dpPort;
            this.port = polled;
            this.device = old.device;
            this.pipeline = old.pipeline;
            this.tunnel = old.tunnel;
            this.offloads = old.offloads;
            this.base = old.base; // the same port: its counters go on
            this.adminUp = old.adminUp;
            this.linkSeen = old.linkSeen;
        }

        /** This slot with {@code polled} in place of the port the poll threads call. Under the slow-path lock. */
        PortSlot withPort(Port polled) {
            return new PortSlot(this, polled);
        }

        /** The port's link state; a port whose {@code linkUp()} throws counts as down. */
        boolean linkUpNow() {
            try {
                return port.linkUp();
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    /** Options for a {@link Datapath}. Not thread-safe. */
    public static final class Builder {
        Clock clock = Clock.system();
        int pollThreads;
        PacketMemory memory;
        int emcEntries = 16384;
        int emcInsertInvProb = 100;
        int maxMegaflows = 65536;
        Duration maxIdle = Duration.ofSeconds(10);
        Duration revalidateInterval = Duration.ofMillis(500);
        int burst = 32;
        PollThreadHook threadHook;

        private Builder() {
        }

        /** The switch clock (default {@link Clock#system()}); tests pass a {@code VirtualClock}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Poll threads: 0 (default) = synchronous, driven by {@link Datapath#poll()}; else 1..256. */
        public Builder pollThreads(int n) {
            if (n < 0 || n > 256) {
                throw new IllegalArgumentException("poll threads " + n + " is outside 0..256");
            }
            this.pollThreads = n;
            return this;
        }

        /**
         * Code each poll thread runs on itself when it starts and stops (CPU pinning, native thread
         * registration); default none. Ignored in synchronous mode.
         */
        public Builder pollThreadHook(PollThreadHook hook) {
            this.threadHook = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Memory for copies (multiple outputs); default a pool of 4096 buffers owned by the datapath. */
        public Builder memory(PacketMemory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /**
         * Exact-match cache entries per thread: a power of two in 2..1048576 (default 16384, twice OVS's 8192:
         * a poll thread then keeps about 10,000 concurrent flows in its EMC for ~2 MB, where 8192 entries
         * thrash; measured in {@code benchmarks/RESULTS.md}).
         */
        public Builder emcEntries(int n) {
            if (n < 2 || n > (1 << 20) || Integer.bitCount(n) != 1) {
                throw new IllegalArgumentException("EMC entries " + n + " must be a power of two in 2..1048576");
            }
            this.emcEntries = n;
            return this;
        }

        /**
         * How rarely a packet served by a megaflow or an upcall puts its key into the exact-match cache: on average
         * one in {@code n} such packets does (Open vSwitch's {@code other_config:emc-insert-inv-prob}, default 100;
         * OVS draws for upcalls too). One exception: a megaflow hit of the raw-header table's shapes (IPv4 TCP/UDP,
         * non-IP L2) whose slot is free takes it at once, as that costs no flow its entry, so a flow that comes
         * back enters at its second packet while there is room. 1 inserts every time; 0 never inserts, and then
         * the exact-match caches are not probed either (OVS disables its EMC the same way). Inserting rarely keeps
         * a cache that cannot hold every active flow from thrashing: the flows it holds stay, instead of each
         * packet evicting another with an 18-word copy; a flow that keeps sending enters after about {@code n}
         * packets. Allowed 0..1000000.
         */
        public Builder emcInsertInverseProbability(int n) {
            if (n < 0 || n > 1_000_000) {
                throw new IllegalArgumentException("EMC insert inverse probability " + n + " is outside 0..1000000");
            }
            this.emcInsertInvProb = n;
            return this;
        }

        /** Megaflows per thread, 1..16777216 (default 65536); beyond it misses are executed, not installed. */
        public Builder maxMegaflows(int n) {
            if (n < 1 || n > (1 << 24)) {
                throw new IllegalArgumentException("max megaflows " + n + " is outside 1..16777216");
            }
            this.maxMegaflows = n;
            return this;
        }

        /** How long an unused megaflow lives (default 10 s); > 0. */
        public Builder maxIdle(Duration d) {
            if (Objects.requireNonNull(d, "maxIdle").isNegative() || d.isZero()) {
                throw new IllegalArgumentException("max idle " + d + " must be > 0");
            }
            this.maxIdle = d;
            return this;
        }

        /** Period of the revalidation pass (default 500 ms); > 0. */
        public Builder revalidateInterval(Duration d) {
            if (Objects.requireNonNull(d, "revalidateInterval").isNegative() || d.isZero()) {
                throw new IllegalArgumentException("revalidate interval " + d + " must be > 0");
            }
            this.revalidateInterval = d;
            return this;
        }

        /** Burst size for rx and tx batches: 1..1024 (default 32). */
        public Builder burst(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("burst " + n + " is outside 1..1024");
            }
            this.burst = n;
            return this;
        }

        public Datapath build() {
            return new Datapath(this);
        }
    }
}
